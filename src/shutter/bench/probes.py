"""Single measurements: post-to-visible latency over HTTP, uploads under load, and the
timeline store's own figures (fan-out rate, Redis's ZADD ceiling, bytes per entry)."""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import subprocess
import time
from typing import Any
from urllib.parse import urlsplit

import orjson

from shutter.bench.http import HttpConnection, split_url
from shutter.bench.load import percentile
from shutter.stores.timelines import MemoryTimelineStore, RedisTimelineStore, TimelineStore

VISIBLE_TIMEOUT_S = 15.0
POLL_PAUSE_S = 0.02
# Feed polls of all watchers together stay under this rate, so that the watching does not
# itself overload the server it measures (300 watchers every 20 ms would be 15,000 req/s).
POLL_BUDGET_RPS = 200.0


async def post_and_watch(
    port: int,
    author_token: str,
    media_id: int,
    watchers: list[str],
    *,
    caption: str,
) -> tuple[list[float], bool]:
    """Post as the author, then poll each watcher's feed until the post shows.

    Returns (seconds from sending the POST to each watcher first seeing the post; a
    watcher that never saw it within VISIBLE_TIMEOUT_S counts as that timeout), and
    whether the first read after the POST returned already had it.
    """
    author = HttpConnection("127.0.0.1", port)
    body = orjson.dumps({"media_ids": [str(media_id)], "caption": caption})
    sent = time.perf_counter()
    reply = await author.request("POST", "/api/v1/posts", token=author_token, body=body)
    await author.close()
    if reply.status != 201:
        raise RuntimeError(f"POST /posts answered {reply.status}: {reply.body[:200]!r}")
    post_id = reply.json()["post"]["id"]
    first_reads: list[bool] = []
    pause = max(POLL_PAUSE_S, len(watchers) / POLL_BUDGET_RPS)

    async def watch(token: str) -> float:
        connection = HttpConnection("127.0.0.1", port)
        try:
            while (elapsed := time.perf_counter() - sent) < VISIBLE_TIMEOUT_S:
                page = await connection.request("GET", "/api/v1/feed?limit=5", token=token)
                seen = page.status == 200 and any(
                    post["id"] == post_id for post in page.json()["posts"]
                )
                if not first_reads or len(first_reads) < len(watchers):
                    first_reads.append(seen)
                if seen:
                    return time.perf_counter() - sent
                await asyncio.sleep(pause)
            return elapsed
        finally:
            await connection.close()

    times = await asyncio.gather(*(watch(token) for token in watchers))
    return list(times), bool(first_reads) and first_reads[0]


async def post_and_watch_timelines(
    port: int,
    author_token: str,
    media_id: int,
    store: TimelineStore,
    watchers: list[int],
    *,
    caption: str,
) -> list[float]:
    """Post as the author, then ask the timeline store every POLL_PAUSE_S which of the
    watchers' stored timelines hold the post (one pipelined round trip, not a feed read
    per watcher): seconds from sending the POST to each timeline holding it."""
    author = HttpConnection("127.0.0.1", port)
    body = orjson.dumps({"media_ids": [str(media_id)], "caption": caption})
    sent = time.perf_counter()
    reply = await author.request("POST", "/api/v1/posts", token=author_token, body=body)
    await author.close()
    if reply.status != 201:
        raise RuntimeError(f"POST /posts answered {reply.status}: {reply.body[:200]!r}")
    post_id = int(reply.json()["post"]["id"])
    waiting = set(watchers)
    times: list[float] = []
    while waiting and time.perf_counter() - sent < VISIBLE_TIMEOUT_S:
        held = await store.holding(sorted(waiting), post_id)
        now = time.perf_counter() - sent
        times += [now] * len(held)
        waiting -= held
        await asyncio.sleep(POLL_PAUSE_S)
    return times + [VISIBLE_TIMEOUT_S] * len(waiting)


def demo_jpeg(seed: int = 7) -> bytes:
    from shutter.seed import demo_image

    return demo_image(random.Random(seed))


async def _upload_once(port: int, token: str, data: bytes) -> bool:
    api = HttpConnection("127.0.0.1", port)
    try:
        body = orjson.dumps({"content_type": "image/jpeg", "size_bytes": len(data)})
        ticket_reply = await api.request("POST", "/api/v1/media", token=token, body=body)
        if ticket_reply.status != 201:
            return False
        ticket = ticket_reply.json()
        host, target_port, path = split_url(ticket["upload_url"])
        store = HttpConnection(host, target_port)
        try:
            put = await store.request(
                ticket["upload_method"],
                path,
                body=data,
                content_type=ticket["upload_headers"].get("Content-Type", "image/jpeg"),
            )
        finally:
            await store.close()
        if put.status not in (200, 204):
            return False
        done = await api.request(
            "POST", f"/api/v1/media/{ticket['media_id']}/complete", token=token, body=b""
        )
        if done.status not in (200, 202):
            return False
        # Processing runs in the media worker: the upload counts once it is ready, so the
        # feed is measured while images are really being decoded and encoded.
        for _ in range(600):
            state = await api.request("GET", f"/api/v1/media/{ticket['media_id']}", token=token)
            status = state.json().get("status") if state.status == 200 else "failed"
            if status in ("ready", "failed"):
                return status == "ready"
            await asyncio.sleep(0.05)
        return False
    finally:
        await api.close()


async def _upload_for(port: int, token: str, duration_s: float, uploaders: int) -> tuple[int, int]:
    data = demo_jpeg()
    deadline = time.perf_counter() + duration_s
    done = failed = 0

    async def loop() -> None:
        nonlocal done, failed
        while time.perf_counter() < deadline:
            if await _upload_once(port, token, data):
                done += 1
            else:
                failed += 1

    await asyncio.gather(*(loop() for _ in range(uploaders)))
    return done, failed


def warm_uploads(port: int, token: str) -> bool:
    """One upload, before a measured window: the uploading process has started and the
    server's media path is warm."""
    return asyncio.run(_upload_once(port, token, demo_jpeg()))


def run_uploads(port: int, token: str, duration_s: float, uploaders: int) -> tuple[int, int]:
    """Entry point of the uploading process: (uploads completed, uploads failed)."""
    return asyncio.run(_upload_for(port, token, duration_s, uploaders))


# -- the timeline store's own figures ---------------------------------------------------


async def fan_out_rate(store: TimelineStore, timelines: int, posts: int = 5) -> float:
    """Timeline inserts per second of `store.fan_out` into `timelines` existing timelines."""
    base = 9_000_000_000
    readers = list(range(base, base + timelines))
    for reader in readers:
        await store.begin_rebuild(reader)
        await store.finish_rebuild(reader, [])
    started = time.perf_counter()
    for n in range(posts):
        await store.fan_out(readers, 1_000_000 + n)
    elapsed = time.perf_counter() - started
    if isinstance(store, RedisTimelineStore):
        await _delete_prefix(store.redis, store.prefix)
    return posts * timelines / elapsed


def memory_store_rate(timeline_max: int, timelines: int) -> float:
    return asyncio.run(fan_out_rate(MemoryTimelineStore(timeline_max, 14), timelines))


def zadd_ceiling(redis_url: str, prefix: str, requests: int) -> float | None:
    """Redis's own pipelined ZADD rate (`redis-benchmark -P 64`) on keys under `prefix`;
    None when redis-benchmark is not installed."""
    binary = shutil.which("redis-benchmark")
    if binary is None:
        return None
    url = urlsplit(redis_url)
    database = (url.path or "/0").lstrip("/") or "0"
    command = [
        binary, "-h", url.hostname or "127.0.0.1", "-p", str(url.port or 6379),
        "--dbnum", database, "-P", "64", "-n", str(requests), "-r", "100000", "-q",
        "ZADD", f"{prefix}zb:__rand_int__", "0", "__rand_int__",
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603
    match = re.search(r"([0-9.]+) requests per second", out.stdout)
    return float(match.group(1)) if match else None


async def bytes_per_entry(redis: Any, prefix: str, timeline_max: int, keys: int) -> float:
    """Redis memory per timeline entry: `keys` full timelines written by the app's store
    under `prefix`, measured with MEMORY USAGE, then deleted."""
    store = RedisTimelineStore(redis, prefix, timeline_max, 1)
    rng = random.Random(1)
    base = 1 << 60
    total_bytes = entries = 0
    for reader in range(keys):
        ids = sorted(rng.sample(range(base, base + 10**9), timeline_max))
        await store.begin_rebuild(reader)
        await store.finish_rebuild(reader, ids)
        key = f"{prefix}tl:{{{reader}}}"
        total_bytes += int(await redis.memory_usage(key, samples=0) or 0)
        entries += int(await redis.zcard(key)) - 1  # the sentinel is not an entry
    await _delete_prefix(redis, prefix)
    return total_bytes / max(1, entries)


async def tuned_bytes_per_entry(
    redis: Any, prefix: str, timeline_max: int, keys: int
) -> tuple[float, float, str]:
    """(bytes per entry with the server's zset-max-listpack-entries, with it raised to
    TIMELINE_MAX + 2, the server's value). The setting is restored before returning."""
    original = (await redis.config_get("zset-max-listpack-entries"))["zset-max-listpack-entries"]
    default = await bytes_per_entry(redis, f"{prefix}d:", timeline_max, keys)
    try:
        await redis.config_set("zset-max-listpack-entries", str(timeline_max + 2))
        tuned = await bytes_per_entry(redis, f"{prefix}t:", timeline_max, keys)
    finally:
        await redis.config_set("zset-max-listpack-entries", original)
    return default, tuned, str(original)


async def _delete_prefix(redis: Any, prefix: str) -> None:
    batch: list[Any] = []
    async for key in redis.scan_iter(match=f"{prefix}*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            await redis.delete(*batch)
            batch = []
    if batch:
        await redis.delete(*batch)


def visible_p99(times: list[float]) -> float:
    return percentile(times, 0.99)
