"""Fan-out and feed-read figures for the hybrid feed (issue 3), on real PostgreSQL + Redis.

    .venv/bin/python bench/fanout.py [--followers 10000 100000] [--reads 300] \\
        [--posts-per-author 20] [--noise-posts 400000]

Seeds a scratch PostgreSQL database directly (COPY-speed inserts, not the API), then:
1. raw fan-out rate: RedisTimelineStore.fan_out into N existing timelines (inserts/s);
2. time for the real PostCreated handler to fan a post out to 10k and 100k followers
   (follower paging from PostgreSQL + Lua batches into Redis);
3. feed read latency for a reader following 1,000 accounts (20 posts each), among
   strangers who post 400,000 more: the hybrid read from the stored timeline against the
   pull query over the database (same data, same process).
Prints a table and writes bench-results/fanout.json. The full HTTP benchmark is `shutter
bench` (issue 10); this script measures the engine itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import time
import uuid
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from rich.console import Console
from rich.table import Table

from shutter.app import open_context
from shutter.db.migrate import upgrade_to_head
from shutter.events.types import PostCreated
from shutter.feed import service as feed
from shutter.feed.tasks import on_post_created
from shutter.settings import Settings

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
console = Console()


async def seed_users(pool: asyncpg.Pool, ids: list[int]) -> None:
    now = datetime.now(UTC)
    await pool.copy_records_to_table(
        "users",
        records=[(i, f"u{i}", f"u{i}@bench.test", "x", now, now) for i in ids],
        columns=["id", "username", "email", "password_hash", "created_at", "updated_at"],
    )


async def seed_follows(pool: asyncpg.Pool, pairs: list[tuple[int, int]], first_id: int) -> None:
    now = datetime.now(UTC)
    await pool.copy_records_to_table(
        "follows",
        records=[(a, b, first_id + n, "accepted", now) for n, (a, b) in enumerate(pairs)],
        columns=["follower_id", "followee_id", "id", "status", "created_at"],
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(
    follower_counts: list[int], reads: int, posts_per_author: int = 20, noise_posts: int = 0
) -> dict[str, object]:
    name = f"shutter_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    namespace = f"bench{uuid.uuid4().hex[:6]}"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}",
        redis_url="redis://127.0.0.1:6379/0",
        secret_key="bench-secret-key-bench-secret-key-0123456789",  # noqa: S106 - scratch
        namespace=namespace,
        log_level="WARNING",
    )
    results: dict[str, object] = {
        "machine": platform.node(),
        "python": platform.python_version(),
        "posts_per_followed_author": posts_per_author,
        "posts_by_unfollowed_authors": noise_posts,
    }
    try:
        async with AsyncExitStack() as stack:
            context = await open_context(settings, stack)
            await upgrade_to_head(context.db)
            store = context.timelines
            pool = await asyncpg.create_pool(f"postgresql://postgres@127.0.0.1:5432/{name}")
            stack.push_async_callback(pool.close)
            ids = iter(range(10_000_000, 20_000_000))

            # 1. raw fan-out rate into existing timelines
            readers = [next(ids) for _ in range(max(follower_counts))]
            # Every reader active: an (empty) stored timeline exists for each.
            for start in range(0, len(readers), 5000):
                async with context.redis.pipeline(transaction=False) as pipe:
                    for reader in readers[start : start + 5000]:
                        key = f"{namespace}:tl:{{{reader}}}"
                        pipe.zadd(key, {"0": 0})
                        pipe.expire(key, 3600)
                    await pipe.execute()
            posts_to_insert = 5
            started = time.perf_counter()
            for n in range(posts_to_insert):
                await store.fan_out(readers, 1_000_000 + n)
            elapsed = time.perf_counter() - started
            rate = posts_to_insert * len(readers) / elapsed
            results["fanout_inserts_per_s"] = round(rate)

            # 2. the real handler, followers paged from PostgreSQL
            await seed_users(pool, readers)
            edge = 1
            for count in follower_counts:
                author = next(ids)
                await seed_users(pool, [author])
                await seed_follows(pool, [(r, author) for r in readers[:count]], edge)
                edge += count
                post_id = context.ids.next_id()
                await pool.execute(
                    "INSERT INTO posts (id, author_id, created_at) VALUES ($1, $2, now())",
                    post_id,
                    author,
                )
                event = PostCreated(post_id=post_id, author_id=author)
                started = time.perf_counter()
                await on_post_created(context, event)
                results[f"fanout_{count}_followers_s"] = round(time.perf_counter() - started, 3)

            # 3. feed reads for a reader following 1,000 accounts with N posts each
            authors = [next(ids) for _ in range(1000)]
            reader = next(ids)
            await seed_users(pool, [*authors, reader])
            await seed_follows(pool, [(reader, a) for a in authors], edge)
            rows = []
            for _ in range(posts_per_author):
                for author in authors:
                    rows.append((context.ids.next_id(), author, datetime.now(UTC)))
            # The rest of the network: authors the reader does not follow, posting in
            # between (a reader follows a small part of everyone).
            strangers = [next(ids) for _ in range(max(1, noise_posts // 20))]
            await seed_users(pool, strangers)
            for n in range(noise_posts):
                rows.append(
                    (context.ids.next_id(), strangers[n % len(strangers)], datetime.now(UTC))
                )
            rows.sort()
            await pool.copy_records_to_table(
                "posts", records=rows, columns=["id", "author_id", "created_at"]
            )
            await pool.execute("ANALYZE")
            await feed.rebuild_timeline(context, reader)

            def urls(key: str) -> str:
                return key

            timings: dict[str, list[float]] = {"hybrid": [], "pull": []}
            for _ in range(reads):
                for mode in ("hybrid", "pull"):
                    started = time.perf_counter()
                    async with context.db.read() as conn:
                        if mode == "hybrid":
                            page = (
                                await feed.home_feed(context, conn, reader, None, 20, urls)
                            ).body
                        else:
                            page = await feed.pull_feed(
                                conn, reader, None, 20, urls, context.hydration
                            )
                    timings[mode].append((time.perf_counter() - started) * 1000)
                    assert len(page["posts"]) == 20
            for mode, values in timings.items():
                results[f"{mode}_p50_ms"] = round(statistics.median(values), 2)
                results[f"{mode}_p99_ms"] = round(percentile(values, 0.99), 2)
            results["hybrid_vs_pull_p50_speedup"] = round(
                statistics.median(timings["pull"]) / statistics.median(timings["hybrid"]), 2
            )
            keys = [key async for key in context.redis.scan_iter(match=f"{namespace}:*")]
            for start in range(0, len(keys), 1000):
                await context.redis.delete(*keys[start : start + 1000])
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

    return results


def report(results: dict[str, object]) -> None:
    table = Table(title="Hybrid feed engine (PostgreSQL + Redis, one process)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in results.items():
        table.add_row(key, str(value))
    console.print(table)
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "fanout.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--followers", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--posts-per-author", type=int, default=20)
    parser.add_argument("--noise-posts", type=int, default=400_000)
    args = parser.parse_args()
    report(asyncio.run(main(args.followers, args.reads, args.posts_per_author, args.noise_posts)))
