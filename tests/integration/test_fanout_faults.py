"""Faults in the distributed fan-out: a worker killed with SIGKILL half-way through a
20,000-follower fan-out is replaced, and every active follower ends with the post once."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from shutter.settings import Settings
from tests.assertions import eventually
from tests.conftest import PROFILES, RunningServer
from tests.factories import image_bytes, register, upload_image
from tests.services import deployment_env

FOLLOWERS = 20_000
FIRST_FOLLOWER = 5_000_000_000
# Bounds to fail by on a busy machine (a worker process starting, 20,000 timelines
# filled while other test runs share the two cores), not speed claims.
WAIT_S = 240.0
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(params=PROFILES[1:])
def profile(request: pytest.FixtureRequest) -> str:
    """Worker processes exist in the distributed profile only."""
    value: str = request.param
    return value


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Small pages make the fan-out take long enough to be interrupted; a short ack wait
    # makes JetStream redeliver the interrupted event soon after the kill.
    return {"in_process_workers": False, "fanout_page_size": 100, "event_ack_wait_seconds": 2}


def start_worker(settings: Settings, log: Path, level: str = "WARNING") -> subprocess.Popen[bytes]:
    env = deployment_env(
        settings,
        SHUTTER_FANOUT_PAGE_SIZE=str(settings.fanout_page_size),
        SHUTTER_EVENT_ACK_WAIT_SECONDS=str(settings.event_ack_wait_seconds),
        SHUTTER_LOG_LEVEL=level,
    )
    command = [sys.executable, "-m", "shutter.cli", "worker", "--port", "0"]
    return subprocess.Popen(command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def started(log: Path) -> None:
    """Wait until a worker (logging at INFO) has started: its handlers are consuming."""

    async def logged_started() -> bool:
        return log.exists() and '"event": "started"' in log.read_text(errors="replace")

    await eventually(logged_started, WAIT_S)


async def seed_followers(settings: Settings, author_id: int, redis: Redis) -> list[int]:
    """20,000 active followers, written straight to PostgreSQL and Redis."""
    followers = list(range(FIRST_FOLLOWER, FIRST_FOLLOWER + FOLLOWERS))
    now = datetime.now(UTC)
    conn = await asyncpg.connect(str(settings.database_url).replace("+asyncpg", ""))
    try:
        await conn.copy_records_to_table(
            "users",
            records=[(u, f"f{u}", f"f{u}@example.com", "x", now, now) for u in followers],
            columns=["id", "username", "email", "password_hash", "created_at", "updated_at"],
        )
        await conn.copy_records_to_table(
            "follows",
            records=[(u, author_id, u, "accepted", now) for u in followers],
            columns=["follower_id", "followee_id", "id", "status", "created_at"],
        )
        await conn.execute(
            "UPDATE users SET follower_count = $1 WHERE id = $2", FOLLOWERS, author_id
        )
    finally:
        await conn.close()
    async with redis.pipeline(transaction=False) as pipe:
        for user in followers:
            key = f"{settings.namespace}:tl:{{{user}}}"
            pipe.zadd(key, {"0": 0})
            pipe.expire(key, 3600)
        await pipe.execute()
    return followers


async def holders(redis: Redis, namespace: str, users: list[int], member: str) -> int:
    async with redis.pipeline(transaction=False) as pipe:
        for user in users:
            pipe.zscore(f"{namespace}:tl:{{{user}}}", member)
        scores = await pipe.execute()
    return sum(score is not None for score in scores)


async def test_a_worker_killed_mid_fan_out_is_replaced_and_nothing_is_lost(
    server: RunningServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    settings = server.settings
    redis = Redis.from_url(str(settings.redis_url))
    author = await register(client)
    followers = await seed_followers(settings, int(author.id), redis)
    log = tmp_path / "worker.log"
    worker = start_worker(settings, log, level="INFO")
    try:
        await started(log)  # bound to the durable consumer, however busy the machine
        media_id = await upload_image(client, author, image_bytes((8, 8)))
        response = await client.post(
            "/posts", json={"media_ids": [media_id]}, headers=author.headers
        )
        post_id = int(response.json()["post"]["id"])
        member = f"{post_id:020d}"

        # Kill the worker once the first followers have the post and the last do not.
        deadline = asyncio.get_running_loop().time() + WAIT_S
        while not await holders(redis, settings.namespace, followers[:50], member):
            assert asyncio.get_running_loop().time() < deadline, "the fan-out never started"
            await asyncio.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        had_it = await holders(redis, settings.namespace, followers, member)
        assert 0 < had_it < FOLLOWERS, f"the kill was not mid fan-out ({had_it} had it)"

        worker = start_worker(settings, log, level="INFO")

        async def delivered_to_all() -> bool:
            return await holders(redis, settings.namespace, followers, member) == FOLLOWERS

        try:
            await eventually(delivered_to_all, WAIT_S)
        except AssertionError as exc:
            tail = log.read_text(errors="replace")[-4000:]
            raise AssertionError(f"{exc}; the workers' log ends:\n{tail}") from None
        # exactly once: each timeline holds the sentinel and this one post
        async with redis.pipeline(transaction=False) as pipe:
            for user in followers:
                pipe.zcard(f"{settings.namespace}:tl:{{{user}}}")
            sizes = await pipe.execute()
        assert set(sizes) == {2}
    finally:
        worker.kill()
        worker.wait()
        await redis.aclose()


async def test_two_workers_share_the_events_and_together_deliver_everything(
    server: RunningServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    from tests.factories import follow
    from tests.integration.test_hybrid_feed import quick_post, whole_feed

    settings = server.settings
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    workers = [start_worker(settings, log, level="INFO") for log in logs]
    try:
        reader = await register(client)
        authors = [await register(client) for _ in range(3)]
        for author in authors:
            await follow(client, reader, author)
        for log in logs:  # both workers bound to the durable consumer before any event
            await started(log)
        await whole_feed(client, reader)  # the reader's timeline exists from here on
        posted = []
        for n in range(24):
            posted.append(await quick_post(client, authors[n % 3]))
            await asyncio.sleep(0.05)
        expected = posted[::-1]

        async def all_fanned_out() -> bool:
            page = await server.context.timelines.page(int(reader.id), None, 100)
            return page.ids is not None and len(page.ids) >= len(posted)

        await eventually(all_fanned_out, WAIT_S)
        assert await whole_feed(client, reader, limit=10) == expected
        # Each post is two events (its media uploaded, then the post created): between
        # them the workers handled both kinds of every post, and each worker had a share.
        texts = [log.read_text() for log in logs]
        assert sum(text.count('"fanned_out"') for text in texts) >= len(posted)
        assert sum(text.count('"media_ready"') for text in texts) >= len(posted)
        handled = [text.count('"fanned_out"') + text.count('"media_ready"') for text in texts]
        assert all(count > 0 for count in handled), f"one worker did everything: {handled}"
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()
