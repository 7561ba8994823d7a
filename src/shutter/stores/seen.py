"""Posts a reader has been shown lately (Explore leaves them out): per reader, a capped
set of post ids, each forgotten `ttl_s` after it was last shown.

In process memory (embedded) or in Redis (distributed: one sorted set per reader, scored
by the millisecond it was shown, trimmed to SEEN_MAX and expiring with its newest entry).
In Redis, what a process records is written within FLUSH_AFTER_S, every reader's pages
of that moment in one pipeline: a feed read costs no round trip of its own for this (it
was one in ten of the feed's CPU). A reading of the same process (`recent`) writes what
is pending first; a crash loses at most that moment's records, which only ever steer
Explore away from repeats. Reading costs one round trip per Explore snapshot.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import cast

import structlog

from shutter.stores.breaker import CircuitBreaker, StoreUnavailable
from shutter.stores.redis import RedisClient, is_single_node, run_script_pipelined

log = structlog.get_logger("shutter.stores")

SEEN_MAX = 2000  # per reader: about a hundred pages of feed and Explore
# In process: past this many readers, an add first forgets readers shown nothing lately.
MEMORY_READERS_SWEEP = 10_000
# Redis: records wait this long to be written together, or until this many readers wait.
FLUSH_AFTER_S = 0.05
PENDING_READERS_MAX = 5_000


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

    @abc.abstractmethod
    def forget(self, reader_id: int) -> None:
        """Drop what this process holds of the reader (their account is being purged)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Write what is pending (at shutdown)."""


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

    def forget(self, reader_id: int) -> None:
        self._seen.pop(reader_id, None)

    async def close(self) -> None:
        return None  # nothing is pending in process memory

    async def recent(self, reader_id: int) -> set[int]:
        since = time.monotonic() - self.ttl_s
        seen = self._seen.get(reader_id, {})
        return {post_id for post_id, at in seen.items() if at > since}


# Adds the comma-separated ids of ARGV[5] to KEYS[1] at score ARGV[1], drops what is older
# than ARGV[2] and all but the newest ARGV[3], and keeps the key for ARGV[4] seconds.
_ADD = """
local key, now = KEYS[1], ARGV[1]
local args = {}
for id in string.gmatch(ARGV[5], '[^,]+') do
  args[#args + 1] = now
  args[#args + 1] = id
end
if #args > 0 then redis.call('ZADD', key, unpack(args)) end
redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[2])
redis.call('ZREMRANGEBYRANK', key, 0, -tonumber(ARGV[3]) - 1)
redis.call('EXPIRE', key, ARGV[4])
return 1
"""


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
        self._add_script = redis.register_script(_ADD)
        self._pending: dict[int, list[int]] = {}
        self._flush_task: asyncio.Task[None] | None = None
        self._writing = asyncio.Lock()  # held while records are on their way to Redis

    def _key(self, reader_id: int) -> str:
        return f"{self.prefix}seen:{{{reader_id}}}"

    async def add(self, reader_id: int, post_ids: Sequence[int]) -> None:
        if not post_ids or self.ttl_s <= 0:
            return
        self._pending.setdefault(reader_id, []).extend(post_ids)
        if len(self._pending) >= PENDING_READERS_MAX:
            await self.flush()
        elif self._flush_task is None:
            self._flush_task = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        try:
            await asyncio.sleep(FLUSH_AFTER_S)
        finally:
            self._flush_task = None
        await self.flush()

    async def flush(self) -> None:
        """Write every pending record now; skipped while Redis is down (as a record made
        during the outage would have been)."""
        async with self._writing:  # after any write already under way
            pending, self._pending = self._pending, {}
            if not pending:
                return
            try:
                await self.breaker.call(self._add_all, pending)
            except StoreUnavailable:
                return
            except Exception:  # a background write: logged, never raised into a request
                log.exception("seen_posts_flush_failed", readers=len(pending))

    async def _add_all(self, pending: dict[int, list[int]]) -> None:
        now_ms = int(time.time() * 1000)
        head: list[int | str] = [now_ms, now_ms - self.ttl_s * 1000, SEEN_MAX, self.ttl_s]
        # The ids travel as one argument: a page of 20 would otherwise be 40 arguments for
        # redis-py to encode.
        calls: list[tuple[list[str], list[int | str]]] = [
            ([self._key(reader_id)], [*head, ",".join(map(str, post_ids))])
            for reader_id, post_ids in pending.items()
        ]
        redis = self.redis
        if not is_single_node(redis):  # Redis Cluster: the keys live in different slots
            for keys, args in calls:
                await self._add_script(keys=keys, args=args)
            return
        await run_script_pipelined(redis, self._add_script, calls)

    def forget(self, reader_id: int) -> None:
        self._pending.pop(reader_id, None)

    async def close(self) -> None:
        if self._flush_task is not None:
            self._flush_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush_task
        await self.flush()

    async def recent(self, reader_id: int) -> set[int]:
        if self.ttl_s <= 0:
            return set()
        if reader_id in self._pending or self._writing.locked():
            await self.flush()  # this process's own records, written first
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
