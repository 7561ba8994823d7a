"""Direct-message figures (issue 8): messages per second sustained, and the time from
`POST /messages` to the event arriving on the recipient's WebSocket (p50/p99).

    .venv/bin/python bench/messages.py [--profile embedded|distributed] [--pairs 16] \\
        [--messages 3000] [--concurrency 32] [--quiet-messages 300]

Starts `shutter serve` as a separate process (embedded: a fresh SQLite data dir;
distributed: a scratch PostgreSQL database, Redis, NATS, all cleaned up afterwards) and
drives it over real HTTP and WebSockets from this process:
1. quiet: one message at a time, send-to-socket latency with no other load;
2. sustained: `--messages` sends with `--concurrency` in flight across `--pairs`
   conversations; messages/s (POST answered) and send-to-socket latency under that load;
3. the same number of GET /healthz with the same client and concurrency: the ceiling of
   this machine and stack, to read messages/s against (the machine is shared).
Every recipient holds a socket open for the whole run; each event is matched to its send
by message id. Writes bench-results/messages-<profile>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
import websockets

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
NATS_URL = "nats://127.0.0.1:4222"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Deployment:
    """A `shutter serve` process of one profile, with its scratch stores."""

    def __init__(self, profile: str, workdir: Path) -> None:
        self.profile = profile
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.namespace = f"bmsg{uuid.uuid4().hex[:10]}"
        self.database = f"shutter_bench_{self.namespace}"
        env = {key: value for key, value in os.environ.items() if not key.startswith("SHUTTER_")}
        env.update(
            SHUTTER_DATA_DIR=str(workdir / "data"),
            SHUTTER_RATE_LIMITS="off",
            SHUTTER_LOG_LEVEL="WARNING",
            SHUTTER_SECRET_KEY=secrets.token_hex(32),
        )
        if profile == "distributed":
            env.update(
                SHUTTER_DATABASE_URL=POSTGRES_ADMIN.replace(
                    "postgresql://", "postgresql+asyncpg://"
                ).rsplit("/", 1)[0]
                + f"/{self.database}",
                SHUTTER_REDIS_URL=REDIS_URL,
                SHUTTER_NATS_URL=NATS_URL,
                SHUTTER_NAMESPACE=self.namespace,
                SHUTTER_IN_PROCESS_WORKERS="true",
            )
        self.env = env
        self.log = (workdir / "serve.log").open("ab")
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        if self.profile == "distributed":
            await self._admin(f'CREATE DATABASE "{self.database}"')
        self._launch()
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2) as http:
            for _ in range(600):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        raise RuntimeError("shutter serve did not start; see serve.log")

    def _launch(self) -> None:
        """Migrate (PostgreSQL) and start `shutter serve`: our own CLI, our own arguments."""
        shutter = [sys.executable, "-m", "shutter.cli"]
        if self.profile == "distributed":
            subprocess.run(  # noqa: S603
                [*shutter, "migrate"], env=self.env, check=True, stdout=self.log, stderr=self.log
            )
        self.process = subprocess.Popen(  # noqa: S603
            [*shutter, "serve", "--port", str(self.port)],
            env=self.env,
            stdout=self.log,
            stderr=self.log,
        )

    async def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(30)
        if self.profile == "distributed":
            await self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            await self._forget_namespace()

    async def _admin(self, statement: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(POSTGRES_ADMIN)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    async def _forget_namespace(self) -> None:
        """Only what this run created: its Redis keys and its JetStream stream."""
        import nats
        from redis.asyncio import Redis

        from shutter.events.runtime import stream_name

        redis = Redis.from_url(REDIS_URL)
        async for key in redis.scan_iter(match=f"{self.namespace}:*", count=1000):
            await redis.delete(key)
        await redis.aclose()
        client = await nats.connect(NATS_URL)
        with contextlib.suppress(Exception):  # nothing may have been created
            await client.jetstream().delete_stream(stream_name(self.namespace))
        await client.close()


class Receiver:
    """One recipient's socket: the arrival time of each message id."""

    def __init__(self, base_url: str, token: str) -> None:
        self.url = f"{base_url.replace('http://', 'ws://')}/api/v1/ws?token={token}"
        self.arrivals: dict[str, float] = {}
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        ready = asyncio.get_running_loop().create_future()
        self.task = asyncio.create_task(self._run(ready))
        await ready

    async def _run(self, ready: asyncio.Future[None]) -> None:
        async with websockets.connect(self.url, max_queue=None) as ws:
            async for raw in ws:
                event = orjson.loads(raw)
                if event["type"] == "message":
                    self.arrivals.setdefault(event["message"]["id"], time.perf_counter())
                elif event["type"] == "ping":
                    await ws.send('{"type": "pong"}')  # or the gateway closes the socket (4009)
                elif event["type"] == "hello":
                    ready.set_result(None)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()


async def register(http: httpx.AsyncClient, name: str) -> tuple[str, str]:
    response = await http.post(
        "/auth/register",
        json={"username": name, "email": f"{name}@example.com", "password": "bench password 1"},
    )
    response.raise_for_status()
    body = response.json()
    return body["user"]["id"], body["access_token"]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        deployment = Deployment(args.profile, Path(tmp))
        await deployment.start()
        try:
            return await measure(deployment, args)
        finally:
            await deployment.stop()


async def measure(deployment: Deployment, args: argparse.Namespace) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=args.concurrency + 4)
    async with httpx.AsyncClient(
        base_url=f"{deployment.base_url}/api/v1", timeout=60, limits=limits
    ) as http:
        people = [
            await register(http, f"p{n}{uuid.uuid4().hex[:6]}") for n in range(2 * args.pairs)
        ]
        pairs = [(people[2 * n], people[2 * n + 1]) for n in range(args.pairs)]
        receivers = {}
        for _, (recipient_id, token) in pairs:
            receivers[recipient_id] = Receiver(deployment.base_url, token)
            await receivers[recipient_id].start()
        sent_at: dict[str, tuple[str, float]] = {}

        async def send(n: int) -> None:
            (_, sender_token), (recipient_id, _) = pairs[n % len(pairs)]
            started = time.perf_counter()
            response = await http.post(
                "/messages",
                json={
                    "recipient_id": recipient_id,
                    "content": f"bench message {n}",
                    "client_message_id": uuid.uuid4().hex,
                },
                headers={"Authorization": f"Bearer {sender_token}"},
            )
            response.raise_for_status()
            sent_at[response.json()["message_id"]] = (recipient_id, started)

        async def latencies(ids: list[str]) -> list[float]:
            deadline = time.perf_counter() + 30
            while time.perf_counter() < deadline:
                if all(i in receivers[sent_at[i][0]].arrivals for i in ids):
                    break
                await asyncio.sleep(0.05)
            return [
                1000 * (receivers[sent_at[i][0]].arrivals[i] - sent_at[i][1])
                for i in ids
                if i in receivers[sent_at[i][0]].arrivals
            ]

        for n in range(50):  # warm-up: connections, prepared statements
            await send(n)
        sent_at.clear()
        for n in range(args.quiet_messages):
            await send(n)
        quiet = await latencies(list(sent_at))
        quiet_ids = set(sent_at)

        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(args.messages):
            queue.put_nowait(n)

        async def worker() -> None:
            while not queue.empty():
                await send(queue.get_nowait())

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - started
        ceiling = await requests_per_s(http, f"{deployment.base_url}/healthz", args)
        loaded = await latencies([i for i in sent_at if i not in quiet_ids])
        for receiver in receivers.values():
            await receiver.stop()
    return {
        "profile": args.profile,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared)",
        "pairs": args.pairs,
        "concurrency": args.concurrency,
        "messages": args.messages,
        "messages_per_s": round(args.messages / elapsed, 1),
        # The same client against the bare /healthz: what this machine allows at all.
        "healthz_requests_per_s": round(ceiling, 1),
        "messages_vs_healthz": round(args.messages / elapsed / ceiling, 3),
        "quiet_latency_ms": summary(quiet, args.quiet_messages),
        "loaded_latency_ms": summary(loaded, args.messages),
    }


async def requests_per_s(http: httpx.AsyncClient, url: str, args: argparse.Namespace) -> float:
    """GETs per second on `url` with the sustained phase's concurrency and count."""
    remaining = args.messages

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            (await http.get(url)).raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    return args.messages / (time.perf_counter() - started)


def summary(values: list[float], expected: int) -> dict[str, Any]:
    return {
        "delivered": f"{len(values)}/{expected}",
        "p50": round(statistics.median(values), 2) if values else None,
        "p99": round(percentile(values, 0.99), 2) if values else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--profile", choices=["embedded", "distributed"], default="embedded")
    parser.add_argument("--pairs", type=int, default=16)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--quiet-messages", type=int, default=300)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    out = Path("bench-results") / f"messages-{args.profile}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
