"""Periodic jobs: small maintenance work (story expiry) run every N seconds by the
processes that run event handlers (`shutter worker`, and `shutter serve` in the embedded
profile or with SHUTTER_IN_PROCESS_WORKERS=true).

Every process that runs handlers runs the jobs too, so a job must be safe to run in
several processes at once (claim rows with a conditional UPDATE, make effects
idempotent). A job runs once at start, then every `interval_s`; a failing run is logged
and retried at the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import structlog

log = structlog.get_logger("shutter.periodic")

# What a job is given: the application context in production, which satisfies each job's
# small Protocol (events/ never imports the application).
D = TypeVar("D")
Job = Callable[[D], Awaitable[object]]
STOP_GRACE_S = 5.0


@dataclass(frozen=True, slots=True)
class PeriodicJob(Generic[D]):
    name: str
    interval_s: float
    run: Job[D]


class Scheduler(Generic[D]):
    """Runs each registered job in its own loop until stopped."""

    def __init__(self, deps: D) -> None:
        self.deps = deps
        self.jobs: list[PeriodicJob[D]] = []
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def every(self, interval_s: float, name: str, run: Job[D]) -> None:
        self.jobs.append(PeriodicJob(name, interval_s, run))

    def start(self) -> None:
        for job in self.jobs:
            self._tasks.append(asyncio.create_task(self._loop(job), name=f"periodic:{job.name}"))

    async def _loop(self, job: PeriodicJob[D]) -> None:
        while not self._stopping.is_set():
            try:
                await job.run(self.deps)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("periodic_job_failed", job=job.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), job.interval_s)

    async def stop(self) -> None:
        """Let a run in progress finish (within a grace period), then stop."""
        self._stopping.set()
        for task in self._tasks:
            try:
                await asyncio.wait_for(asyncio.shield(task), STOP_GRACE_S)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
