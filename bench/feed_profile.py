"""Where a home-feed request spends its CPU: cProfile over feed requests served in-process.

    .venv/bin/python bench/feed_profile.py [--requests 2000] [--top 40] [--out feed.prof]
    .venv/bin/python bench/feed_profile.py --statements [--requests 1000]  # round trips
    .venv/bin/python bench/feed_profile.py --measure [--requests 3000] [--rounds 3]
    .venv/bin/python bench/feed_profile.py --distributed [...]   # PostgreSQL, Redis, NATS

Seeds the bench's `smoke` graph into a scratch SQLite (embedded profile) or, with
`--distributed`, a scratch PostgreSQL database with a Redis and JetStream namespace of its
own (all deleted at the end; event handlers run in-process), primes the
active readers' timelines through the app (their first reads), then serves `--requests`
feed pages of 20 through the ASGI app with httpx's in-process transport, under cProfile,
and prints the functions by cumulative and by own time, plus CPU per request (process
time, which also counts the in-process client: compare runs of this script with each
other, and take the server-only figure from `shutter bench`'s
`feed_cpu_ms_per_request`). `--measure` serves the pages without the profiler, in
`--rounds` rounds, and prints the least and the median CPU per request: the quick before/after check
of a change to the feed path (CPU time barely moves with the machine's other load).
`--statements` counts the SQL statements and Redis round trips per page, by statement.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import os
import pstats
import random
import secrets
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import nats
import sqlalchemy

from shutter.app import create_app
from shutter.auth.passwords import hash_password
from shutter.auth.tokens import TokenIssuer
from shutter.bench.graph import SCALES, build_graph, seed_graph
from shutter.db.database import Database
from shutter.db.migrate import upgrade_to_head
from shutter.events.runtime import stream_name
from shutter.settings import Settings
from shutter.stores.redis import open_redis

PATH = os.environ.get("FEED_PROFILE_PATH", "/api/v1/feed?limit=20")
SECRET = "feed-profile-secret-not-for-production-0123456789"  # noqa: S105 - scratch data


ADMIN_URL = os.environ.get("FEED_PROFILE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("FEED_PROFILE_REDIS_URL", "redis://127.0.0.1:6379/0")
NATS_URL = os.environ.get("FEED_PROFILE_NATS_URL", "nats://127.0.0.1:4222")


@contextlib.asynccontextmanager
async def distributed_stores() -> AsyncIterator[dict[str, Any]]:
    """A scratch PostgreSQL database and a Redis/JetStream namespace, removed afterwards."""
    name = f"shutter_profile_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield {
            "database_url": f"{base}/{name}",
            "redis_url": REDIS_URL,
            "nats_url": NATS_URL,
            "namespace": name.replace("_", "-"),
            "in_process_workers": True,
        }
    finally:
        admin = await asyncpg.connect(ADMIN_URL)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        redis = open_redis(REDIS_URL)
        namespace = name.replace("_", "-")
        keys = [key async for key in redis.scan_iter(match=f"{namespace}*", count=1000)]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
        connection = await nats.connect(NATS_URL)
        with contextlib.suppress(Exception):
            await connection.jetstream().delete_stream(stream_name(namespace))
        await connection.close()


async def main(
    requests: int, top: int, out: Path | None, rounds: int, distributed: bool, statements: bool
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        stores = await stack.enter_async_context(distributed_stores()) if distributed else {}
        await _profile(requests, top, out, rounds, stores, statements)


async def _profile(
    requests: int,
    top: int,
    out: Path | None,
    rounds: int,
    stores: dict[str, Any],
    statements: bool = False,
) -> None:
    scale = SCALES["smoke"]
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="shutter-feed-profile-") as scratch:
        data = Path(scratch)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            data_dir=data,
            secret_key=SECRET,
            celebrity_threshold=scale.celebrity_threshold,
            rate_limits="off",
            log_level="WARNING",
            **stores,
        )
        db = Database(settings.resolved_database_url)
        await upgrade_to_head(db)
        graph = build_graph(scale, rng)
        await seed_graph(db, graph, scale, await hash_password("profile-password"), rng)
        await db.dispose()
        tokens = TokenIssuer(SECRET, 86_400)
        readers = graph.active_readers
        headers = [{"Authorization": f"Bearer {tokens.issue(r, 0)}"} for r in readers]
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
                for header in headers:  # first reads: timelines rebuilt
                    await client.get("/api/v1/feed?limit=20", headers=header)
                await app.state.context.events.wait_idle(120)
                await asyncio.sleep(1.0)  # background rebuilds
                for header in headers:  # warm caches as a steady state would
                    await client.get("/api/v1/feed?limit=20", headers=header)
                if statements:
                    await _count_round_trips(app, client, headers, requests)
                    return
                if rounds:
                    spent_ms = []
                    for _ in range(rounds):
                        started = time.process_time()
                        await _serve(client, headers, requests)
                        spent_ms.append((time.process_time() - started) / requests * 1000)
                    # The least is the round least disturbed by the machine's other work.
                    print(
                        f"{requests} pages x {rounds} rounds: min {min(spent_ms):.3f}, "
                        f"median {statistics.median(spent_ms):.3f} ms CPU each (with client)"
                    )
                    return
                profiler = cProfile.Profile(time.process_time)  # CPU, not waits
                started = time.process_time()
                profiler.enable()
                await _serve(client, headers, requests)
                profiler.disable()
                spent = time.process_time() - started
    calls = pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]
    print(
        f"{requests} feed requests, {spent / requests * 1000:.3f} ms CPU each (with client,"
        f" profiled), {calls / requests:.0f} Python function calls each (repeatable)"
    )
    for order in ("cumulative", "tottime"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(top)
        print(text.getvalue())
    if out is not None:
        profiler.dump_stats(str(out))


async def _count_round_trips(
    app: Any, client: httpx.AsyncClient, headers: list[dict[str, str]], requests: int
) -> None:
    """SQL statements and Redis commands (a pipeline counts once) per feed page, by kind."""
    statements: Counter[str] = Counter()
    context = app.state.context

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements[" ".join(statement.split())[:110]] += 1

    engine = context.db.engine.sync_engine
    sqlalchemy.event.listen(engine, "before_cursor_execute", on_execute)
    driver_fetch = asyncpg.Connection.fetch  # the statements db.sql.fetch_rows sends

    async def counted_fetch(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        on_execute(None, None, query)
        return await driver_fetch(self, query, *args, **kwargs)

    asyncpg.Connection.fetch = counted_fetch
    commands: Counter[str] = Counter()
    pool = getattr(context.redis, "connection_pool", None)
    if pool is not None:
        connection_class = pool.connection_class
        original = connection_class.send_packed_command

        async def counted(self: Any, command: Any, *args: Any, **kwargs: Any) -> None:
            first = command if isinstance(command, bytes) else b"".join(command)
            commands[first.split(b"\r\n")[2].decode(errors="replace")] += 1
            await original(self, command, *args, **kwargs)

        connection_class.send_packed_command = counted
    try:
        await _serve(client, headers, requests)
    finally:
        sqlalchemy.event.remove(engine, "before_cursor_execute", on_execute)
        asyncpg.Connection.fetch = driver_fetch
        if pool is not None:
            connection_class.send_packed_command = original
    print(f"per page, over {requests} pages: {sum(statements.values()) / requests:.2f} SQL")
    for text, count in statements.most_common():
        print(f"  {count / requests:5.2f}  {text}")
    print(f"per page: {sum(commands.values()) / requests:.2f} Redis round trips (first command)")
    for name, count in commands.most_common():
        print(f"  {count / requests:5.2f}  {name}")


async def _serve(client: httpx.AsyncClient, headers: list[dict[str, str]], requests: int) -> None:
    for n in range(requests):
        response = await client.get(PATH, headers=headers[n % len(headers)])
        assert response.status_code == 200, response.text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--measure", action="store_true", help="no profiler: CPU per page")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--distributed", action="store_true", help="PostgreSQL, Redis and NATS (local)"
    )
    parser.add_argument(
        "--statements", action="store_true", help="SQL statements and Redis calls per page"
    )
    options = parser.parse_args()
    rounds = options.rounds if options.measure else 0
    asyncio.run(
        main(
            options.requests,
            options.top,
            options.out,
            rounds,
            options.distributed,
            options.statements,
        )
    )
