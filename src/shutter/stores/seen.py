"""Posts a reader has been shown lately (Explore leaves them out): per reader, a capped
set of post ids, each forgotten `ttl_s` after it was last shown.

In process memory (embedded) or in Redis (distributed: one sorted set per reader, scored
by the millisecond it was shown, trimmed to SEEN_MAX and expiring with its newest entry).
Recording costs one round trip per page served; reading one per Explore snapshot.
"""

from __future__ import annotations

import abc
import contextlib
import time
from collections.abc import Sequence
from typing import cast

from shutter.stores.breaker import CircuitBreaker, StoreUnavailable
from shutter.stores.redis import RedisClient

SEEN_MAX = 2000  # per reader: about a hundred pages of feed and Explore
# In process: past this many readers, an add first forgets readers shown nothing lately.
MEMORY_READERS_SWEEP = 10_000


class SeenPosts(abc.ABC):
    """A reader's recently shown posts."""

    def __init__(self, ttl_s: int) -> None:
        self.ttl_s = ttl_s

    @abc.abstractmethod
    async def add(self, reader_id: int, post_ids: Sequence[int]) -> None:
        """Record the posts as shown to the reader now."""

    @abc.abstractmethod
    async def recent(self, reader_id: int) -> set[int]:
        """The posts shown to the reader within `ttl_s`."""


class MemorySeenPosts(SeenPosts):
    def __init__(self, ttl_s: int) -> None:
        super().__init__(ttl_s)
        self._seen: dict[int, dict[int, float]] = {}

    async def add(self, reader_id: int, post_ids: Sequence[int]) -> None:
        if not post_ids or self.ttl_s <= 0:
            return
        now = time.monotonic()
        if len(self._seen) > MEMORY_READERS_SWEEP:
            self._forget_idle_readers(now)
        seen = self._seen.setdefault(reader_id, {})
        for post_id in post_ids:
            seen.pop(post_id, None)  # re-inserted: newest last
            seen[post_id] = now
        for post_id in list(seen)[: max(0, len(seen) - SEEN_MAX)]:
            del seen[post_id]

    def _forget_idle_readers(self, now: float) -> None:
        """Drop the readers whose newest entry is past the window (dicts keep insertion
        order and `add` re-inserts, so the newest is the last)."""
        for reader_id, seen in list(self._seen.items()):
            if not seen or next(reversed(seen.values())) <= now - self.ttl_s:
                del self._seen[reader_id]

    async def recent(self, reader_id: int) -> set[int]:
        since = time.monotonic() - self.ttl_s
        seen = self._seen.get(reader_id, {})
        return {post_id for post_id, at in seen.items() if at > since}


class RedisSeenPosts(SeenPosts):
    """Behind the Redis circuit breaker: a call while Redis is down raises
    `StoreUnavailable` at once (callers carry on without the filter)."""

    def __init__(
        self, redis: RedisClient, prefix: str, ttl_s: int, breaker: CircuitBreaker
    ) -> None:
        super().__init__(ttl_s)
        self.redis = redis
        self.prefix = prefix
        self.breaker = breaker

    def _key(self, reader_id: int) -> str:
        return f"{self.prefix}seen:{{{reader_id}}}"

    async def add(self, reader_id: int, post_ids: Sequence[int]) -> None:
        if not post_ids or self.ttl_s <= 0:
            return
        await self.breaker.call(self._add, reader_id, post_ids)

    async def _add(self, reader_id: int, post_ids: Sequence[int]) -> None:
        key, now_ms = self._key(reader_id), int(time.time() * 1000)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zadd(key, {str(post_id): now_ms for post_id in post_ids})
            pipe.zremrangebyscore(key, "-inf", now_ms - self.ttl_s * 1000)
            pipe.zremrangebyrank(key, 0, -SEEN_MAX - 1)
            pipe.expire(key, self.ttl_s)
            await pipe.execute()

    async def recent(self, reader_id: int) -> set[int]:
        if self.ttl_s <= 0:
            return set()
        members = await self.breaker.call(self._recent, reader_id)
        return {int(member) for member in members}

    async def _recent(self, reader_id: int) -> list[bytes]:
        since_ms = int(time.time() * 1000) - self.ttl_s * 1000
        members = await self.redis.zrangebyscore(self._key(reader_id), f"({since_ms}", "+inf")
        return cast("list[bytes]", members)  # without scores: the members alone


async def record_shown(seen: SeenPosts, reader_id: int, post_ids: Sequence[int]) -> None:
    """Remember the posts of a page served to the reader (Explore or the home feed), so
    that Explore does not show them again for a while; skipped while the store is down
    (the page is served all the same; Explore may show these again)."""
    with contextlib.suppress(StoreUnavailable):
        await seen.add(reader_id, post_ids)
