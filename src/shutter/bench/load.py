"""Open-loop load: requests scheduled on a clock at a fixed arrival rate, from separate
processes, latency measured from each request's scheduled time.

A closed loop (send, wait, send) slows down with the server and so hides the queueing a
real crowd would see (coordinated omission). Here request i is due at start + i/rate
whatever happened before; if every connection is busy it waits, and that wait counts.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import random
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from shutter.bench.http import HttpConnection

# A rate is sustainable while the server completes what is asked, without errors, and
# the slowest 1% stay under this (the seeds ask for feed loads under 200-500 ms p99).
SUSTAINABLE_P99_MS = 500.0


@dataclass(frozen=True)
class Target:
    path: str
    token: str | None = None


@dataclass(frozen=True)
class LoadSpec:
    host: str
    port: int
    rate: float  # requests per second, for this process
    duration_s: float
    targets: tuple[Target, ...]
    connections: int = 64
    seed: int = 0
    timeout_s: float = 10.0


@dataclass
class LoadResult:
    """What one or more generators measured at one offered rate."""

    offered_rps: float
    duration_s: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    sent: int = 0

    @property
    def completed(self) -> int:
        return len(self.latencies_ms)

    @property
    def achieved_rps(self) -> float:
        return self.completed / self.duration_s if self.duration_s else 0.0

    def percentile(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    @property
    def sustainable(self) -> bool:
        return (
            self.sent > 0
            and self.errors <= 0.01 * self.sent
            and self.completed >= 0.95 * self.sent
            and self.achieved_rps >= 0.9 * self.offered_rps
            and self.percentile(0.99) <= SUSTAINABLE_P99_MS
        )

    def summary(self) -> dict[str, float | int | bool]:
        return {
            "offered_rps": round(self.offered_rps, 1),
            "achieved_rps": round(self.achieved_rps, 1),
            "p50_ms": round(self.percentile(0.50), 2),
            "p95_ms": round(self.percentile(0.95), 2),
            "p99_ms": round(self.percentile(0.99), 2),
            "errors": self.errors,
            "sent": self.sent,
            "sustainable": self.sustainable,
        }


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


async def _drive(spec: LoadSpec) -> tuple[list[float], int, int]:
    rng = random.Random(spec.seed)
    pool: asyncio.Queue[HttpConnection] = asyncio.Queue()
    for _ in range(spec.connections):
        pool.put_nowait(HttpConnection(spec.host, spec.port))
    latencies: list[float] = []
    errors = 0
    total = max(1, int(spec.rate * spec.duration_s))
    interval = 1.0 / spec.rate
    loop = asyncio.get_running_loop()

    async def fire(due: float, target: Target) -> None:
        nonlocal errors
        connection = await pool.get()
        try:
            reply = await asyncio.wait_for(
                connection.request("GET", target.path, token=target.token), spec.timeout_s
            )
            if reply.status == 200:
                latencies.append((loop.time() - due) * 1000)
            else:
                errors += 1
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            errors += 1
            await connection.close()
        finally:
            pool.put_nowait(connection)

    tasks = []
    start = loop.time() + 0.05
    for n in range(total):
        due = start + n * interval
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(fire(due, rng.choice(spec.targets))))
    await asyncio.gather(*tasks)
    while not pool.empty():
        await pool.get_nowait().close()
    return latencies, errors, total


def run_generator(spec: LoadSpec) -> tuple[list[float], int, int]:
    """Entry point of one load-generator process."""
    return asyncio.run(_drive(spec))


class LoadGenerators:
    """A pool of load-generator processes, kept for the whole run (started once)."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._pool = ProcessPoolExecutor(
            max_workers=processes, mp_context=multiprocessing.get_context("spawn")
        )

    def run(
        self,
        host: str,
        port: int,
        rate: float,
        duration_s: float,
        targets: list[Target],
        connections: int = 64,
    ) -> LoadResult:
        """Offer `rate` requests/s for `duration_s`, split over the processes."""
        share = rate / self.processes
        specs = [
            LoadSpec(
                host,
                port,
                share,
                duration_s,
                tuple(targets),
                connections=max(4, connections // self.processes),
                seed=n + int(time.time()),
            )
            for n in range(self.processes)
        ]
        result = LoadResult(offered_rps=rate, duration_s=duration_s)
        for latencies, errors, sent in self._pool.map(run_generator, specs):
            result.latencies_ms.extend(latencies)
            result.errors += errors
            result.sent += sent
        return result

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


def find_sustainable(
    generators: LoadGenerators,
    host: str,
    port: int,
    targets: list[Target],
    *,
    start_rps: float,
    step_s: float,
    max_steps: int,
    refine_steps: int,
) -> tuple[float, list[LoadResult]]:
    """The highest offered rate that stays sustainable: doubling until a rate fails, then
    bisecting between the last good and the first bad rate. Returns (rate, every step)."""
    steps: list[LoadResult] = []
    good, bad = 0.0, 0.0
    rate = start_rps
    for _ in range(max_steps):
        result = generators.run(host, port, rate, step_s, targets)
        steps.append(result)
        if not result.sustainable:
            bad = rate
            break
        good = rate
        rate *= 2
    for _ in range(refine_steps if bad else 0):
        rate = (good + bad) / 2
        if good and bad / good < 1.15:
            break
        result = generators.run(host, port, rate, step_s, targets)
        steps.append(result)
        if result.sustainable:
            good = rate
        else:
            bad = rate
    return good, steps
