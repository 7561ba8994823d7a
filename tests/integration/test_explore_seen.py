"""Explore never shows again what the reader has seen lately (docs/explore.md), on both
profiles: a post shown on an Explore page or a home-feed page, or liked, stays out of
the next Explore for `explore_seen_days`; a scroll in progress is not cut short; other
readers are not affected."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from redis.asyncio.cluster import RedisCluster

from shutter.stores.seen import SEEN_MAX, MemorySeenPosts, RedisSeenPosts
from tests.conftest import CLUSTER_PROFILE, PROFILES, RunningServer
from tests.factories import Account, follow, like, register, unfollow
from tests.integration.test_explore import explore_scroll, explored
from tests.integration.test_hybrid_feed import quick_post

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"explore_seen_days": 3}


async def posts_by(client: httpx.AsyncClient, author: Account, count: int) -> list[str]:
    return [await quick_post(client, author, f"explore me {i}") for i in range(count)]


async def test_a_post_shown_in_explore_is_not_shown_again(client: httpx.AsyncClient) -> None:
    reader, other_reader = await register(client), await register(client)
    authors = [await register(client) for _ in range(3)]
    made = [post for author in authors for post in await posts_by(client, author, 2)]

    # Two per author per page: a page of 4 shows 4 posts, the rest of the scroll the others.
    first_scroll = await explore_scroll(client, reader, limit=4)
    assert sorted(post for page in first_scroll for post in page) == sorted(made)
    # Everything was shown: a new Explore has nothing old to show...
    assert await explored(client, reader) == []
    # ... but a new post, yes; and another reader still sees everything.
    fresh = await quick_post(client, authors[0], "new one")
    assert await explored(client, reader) == [fresh]
    assert sorted(await explored(client, other_reader)) == sorted([*made, fresh])


async def test_only_the_pages_actually_served_count_as_seen(client: httpx.AsyncClient) -> None:
    reader = await register(client)
    authors = [await register(client) for _ in range(4)]
    for author in authors:
        await posts_by(client, author, 2)
    first = await client.get("/explore", params={"limit": 4}, headers=reader.headers)
    shown = [post["id"] for post in first.json()["posts"]]
    assert len(shown) == 4
    # The reader stopped after one page: only those four are left out next time.
    again = await explored(client, reader)
    assert len(again) == 4
    assert not set(again) & set(shown)


async def test_posts_liked_or_shown_in_the_home_feed_stay_out_of_explore(
    client: httpx.AsyncClient,
) -> None:
    reader, followee = await register(client), await register(client)
    stranger = await register(client)
    liked = await quick_post(client, stranger, "liked")
    untouched = await quick_post(client, stranger, "untouched")
    await like(client, reader, liked)
    assert await explored(client, reader) == [untouched]

    # A post of someone the reader follows, seen in the feed, then unfollowed: it could
    # come to Explore, but the reader has seen it.
    in_feed = await quick_post(client, followee, "seen in the feed")
    await follow(client, reader, followee)
    feed = await client.get("/feed", headers=reader.headers)
    assert in_feed in [post["id"] for post in feed.json()["posts"]]
    await unfollow(client, reader, followee)
    assert in_feed not in await explored(client, reader)
    # Someone who never saw it gets it.
    assert in_feed in await explored(client, await register(client))


async def test_the_seen_set_forgets_after_its_window_and_is_capped() -> None:
    """The in-process store (the Redis one is exercised by the HTTP tests above on the
    distributed profile): entries older than the window are gone, and a reader's set
    keeps only the newest SEEN_MAX."""
    store = MemorySeenPosts(ttl_s=3 * 86_400)
    await store.add(1, [10, 11])
    assert await store.recent(1) == {10, 11}
    assert await store.recent(2) == set()
    expired = MemorySeenPosts(ttl_s=0)
    await expired.add(1, [10])
    assert await expired.recent(1) == set()
    await store.add(1, list(range(1000, 1000 + SEEN_MAX)))
    recent = await store.recent(1)
    assert len(recent) == SEEN_MAX
    assert 10 not in recent
    assert 1000 + SEEN_MAX - 1 in recent


async def test_the_redis_set_is_capped_and_expires(server: RunningServer) -> None:
    """On the distributed profile the set is a Redis key with a TTL of the window."""
    seen = server.context.seen_posts
    await seen.add(7, list(range(SEEN_MAX + 5)))
    recent = await seen.recent(7)
    assert len(recent) == SEEN_MAX
    assert 0 not in recent
    redis = server.context.redis
    if redis is not None:
        keys = [key async for key in redis.scan_iter(match="*seen:{7}")]
        assert len(keys) == 1
        assert 0 < await redis.ttl(keys[0]) <= 3 * 86_400


@pytest.mark.parametrize("profile", [PROFILES[1], CLUSTER_PROFILE])
async def test_redis_records_are_written_together_soon_after_and_at_close(
    server: RunningServer,
) -> None:
    """A process writes what pages it served within a moment, every reader's at once, with
    no read to prompt it; what is still pending is written at shutdown, and a purged
    account's pending records are dropped, never written after the purge."""
    seen, redis = server.context.seen_posts, server.context.redis
    assert isinstance(seen, RedisSeenPosts)
    assert redis is not None

    async def stored(reader_id: int) -> set[int]:
        keys = [key async for key in redis.scan_iter(match=f"*seen:{{{reader_id}}}")]
        return {int(member) for key in keys for member in await redis.zrange(key, 0, -1)}

    await seen.add(31, [1, 2])
    await seen.add(32, [3])
    await seen.add(31, [4])
    await wait_until(lambda: stored(31), {1, 2, 4})
    assert await stored(32) == {3}

    # A read while the write is on its way waits for it, so Explore never misses it.
    await seen.add(35, [7])
    writing = asyncio.create_task(seen.flush())
    await asyncio.sleep(0)  # the write takes the pending records and goes out
    assert await seen.recent(35) == {7}
    await writing

    # Redis restarted and forgot the script: the next write loads it again.
    if not isinstance(redis, RedisCluster):
        await redis.script_flush()
        await seen.add(36, [8])
        await seen.flush()
        assert await stored(36) == {8}

    await seen.add(33, [5])
    await seen.add(34, [6])
    seen.forget(34)
    await seen.close()  # as at shutdown, before the background write came due
    assert await stored(33) == {5}
    assert await stored(34) == set()


async def wait_until(read: Callable[[], Awaitable[set[int]]], expected: set[int]) -> None:
    """Polls `read` until it gives `expected` (a few seconds at most)."""
    for _ in range(200):
        if await read() == expected:
            return
        await asyncio.sleep(0.02)
    assert await read() == expected


class _Clock:
    """Stands in for the `time` module of stores/seen.py: time moves when a test says."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now


async def test_the_in_process_set_forgets_by_time_and_drops_idle_readers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shutter.stores import seen as seen_module

    clock = _Clock()
    monkeypatch.setattr(seen_module, "time", clock)
    monkeypatch.setattr(seen_module, "MEMORY_READERS_SWEEP", 2)
    store = MemorySeenPosts(ttl_s=10)
    await store.add(1, [10])
    await store.add(2, [20])
    clock.now += 5
    await store.add(2, [21])
    assert await store.recent(1) == {10}
    clock.now += 6  # reader 1's post and reader 2's first are past the window
    assert await store.recent(1) == set()
    assert await store.recent(2) == {21}
    await store.add(3, [30])
    await store.add(4, [40])  # a third reader: the sweep forgets idle reader 1
    assert sorted(store._seen) == [2, 3, 4]
