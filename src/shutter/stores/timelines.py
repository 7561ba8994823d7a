"""Home timelines and per-author recent posts: in-process (embedded) or Redis.

A timeline is the ids of posts for one reader, newest first, capped at TIMELINE_MAX. Redis
keeps it in a sorted set whose scores are all 0 and whose members are ids written as
20-digit zero-padded decimals: Redis then orders members byte-wise, which for fixed-width
digits is exactly numeric order. No 64-bit id ever passes through a double.

A timeline also carries a sentinel member "0" (sorts before every id), so that a timeline
with no posts still exists: "missing" means "never built or expired", never "empty".
Timelines expire after INACTIVE_DAYS without a read; fan-out only adds to timelines that
exist, which is how inactive readers are skipped at no cost.
"""

from __future__ import annotations

import abc
import asyncio
import bisect
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

import structlog
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import NoScriptError

from shutter.stores.breaker import CircuitBreaker
from shutter.stores.redis import RedisClient, run_script_pipelined

ID_WIDTH = 20
SENTINEL = "0"
FAN_OUT_BATCH = 500
log = structlog.get_logger("shutter.stores")
REBUILD_LOCK_S = 60
TOUCH_EVERY_S = 3600


def encode(post_id: int) -> str:
    return f"{post_id:0{ID_WIDTH}d}"


class RecentPosts(NamedTuple):
    """An author's recent post ids below a cursor, newest first; `truncated`: the capped
    list ends here but the author has older posts (in the database)."""

    ids: list[int]
    truncated: bool


class OldestEntry(NamedTuple):
    """The oldest post id in a timeline (None when empty) and how many it holds."""

    post_id: int | None
    held: int


class Snapshot(NamedTuple):
    """A stored ranked order (ranked feed, explore) and the id to continue below past it."""

    ids: list[int]
    tail: int | None


@dataclass
class TimelinePage:
    """Ids below the cursor, newest first; `None` ids means the timeline must be rebuilt."""

    ids: list[int] | None
    pulled_authors: set[int] = field(default_factory=set)


class Timelines(Protocol):
    """Home timelines: read a page, fan posts out, merge and remove, rebuild a missing one."""

    @abc.abstractmethod
    async def page(self, user_id: int, before: int | None, limit: int) -> TimelinePage:
        """Up to `limit` ids below `before` and the set of authors pulled at read time, in
        one round trip. Keeps an active reader's timeline alive (one write an hour)."""

    @abc.abstractmethod
    async def holding(self, user_ids: Sequence[int], post_id: int) -> set[int]:
        """Which of these users' stored timelines hold the post (the benchmark's
        post-to-timeline probe), in one round trip."""

    @abc.abstractmethod
    async def fan_out(self, user_ids: Sequence[int], post_id: int) -> int:
        """Add a post to each of these timelines that exists; returns how many got it."""

    @abc.abstractmethod
    async def add(self, user_id: int, post_ids: Sequence[int]) -> None:
        """Merge posts into one timeline if it exists (follow backfill)."""

    @abc.abstractmethod
    async def remove(self, user_ids: Sequence[int], post_ids: Sequence[int]) -> None:
        """Take posts out of these timelines (delete, unfollow)."""

    @abc.abstractmethod
    async def begin_rebuild(self, user_id: int) -> bool:
        """Claim the rebuild of a missing timeline. While it runs, the timeline exists (so
        that concurrent fan-outs land in it) but reads treat it as missing. False if
        another process holds the claim."""

    @abc.abstractmethod
    async def finish_rebuild(self, user_id: int, post_ids: Sequence[int]) -> None:
        """Merge the rebuilt ids and open the timeline to readers."""

    @abc.abstractmethod
    async def drop(self, user_id: int) -> None:
        """Forget a user's stored timeline (a deleted account's purge)."""

    @abc.abstractmethod
    async def oldest(self, user_id: int) -> OldestEntry:
        """(oldest id held, how many are held) of a timeline; (None, 0) if missing/empty."""


class AuthorLists(Protocol):
    """Per author: the capped list of recent post ids, and the push/pull mode (celebrities)."""

    @abc.abstractmethod
    async def recent(
        self, author_ids: Iterable[int], before: int | None, limit: int
    ) -> dict[int, RecentPosts]:
        """Per author: (up to `limit` recent post ids below `before`, whether older posts
        may exist beyond the capped list)."""

    @abc.abstractmethod
    async def add_recent(self, author_id: int, post_id: int) -> None: ...

    @abc.abstractmethod
    async def remove_recent(self, author_id: int, post_ids: Sequence[int]) -> None: ...

    @abc.abstractmethod
    async def set_pulled(self, author_id: int, pulled: bool) -> None:
        """Whether readers merge the author's recent posts at read time."""

    @abc.abstractmethod
    async def stop_push(self, author_id: int, since_id: int) -> None:
        """Stop fanning out the author's posts; posts with ids from `since_id` on are
        then reached only by pulling."""

    @abc.abstractmethod
    async def resume_push(self, author_id: int) -> None: ...

    @abc.abstractmethod
    async def push_stopped_since(self, author_id: int) -> int | None:
        """The id from which the author's posts stopped being fanned out; None if pushed."""

    @abc.abstractmethod
    async def is_pulled(self, author_id: int) -> bool: ...


class Snapshots(Protocol):
    """Ranked orders kept for a while, so that a ranked scroll (feed, explore) pages
    through one fixed order."""

    @abc.abstractmethod
    async def save_snapshot(
        self, user_id: int, snapshot_id: int, ids: Sequence[int], tail: int | None, ttl_s: int
    ) -> None:
        """Keep a ranked scroll's order (and where it continues) for `ttl_s` seconds."""

    @abc.abstractmethod
    async def load_snapshot(self, user_id: int, snapshot_id: int) -> Snapshot | None: ...


class TimelineStore(Timelines, AuthorLists, Snapshots, abc.ABC):
    """One store holding all three (memory, Redis, or Redis behind a breaker): the
    application builds one, and each consumer is typed on the narrowest part it uses
    (`Timelines`, `AuthorLists`, `Snapshots`)."""

    def __init__(self, timeline_max: int, inactive_days: int) -> None:
        self.timeline_max = timeline_max
        self.ttl_s = inactive_days * 86_400

    async def ping(self) -> None:  # in-process stores are always there
        """Raise if the store cannot be reached."""

    async def close(self) -> None:  # in-process stores hold no connections
        """Release connections."""


# ---------------------------------------------------------------------------------------


class MemoryTimelineStore(TimelineStore):
    """In-process store for the embedded profile and unit tests. Lists are ascending."""

    def __init__(self, timeline_max: int, inactive_days: int) -> None:
        super().__init__(timeline_max, inactive_days)
        self._timelines: dict[int, list[int]] = {}
        self._expires: dict[int, float] = {}
        self._rebuilding: dict[int, float] = {}
        self._recent: dict[int, list[int]] = {}
        self._pulled: set[int] = set()
        self._no_push: dict[int, int] = {}
        self._snapshots: dict[tuple[int, int], tuple[float, list[int], int | None]] = {}

    def _live(self, user_id: int) -> list[int] | None:
        now = time.monotonic()
        if self._expires.get(user_id, 0) <= now:
            self._timelines.pop(user_id, None)
            self._expires.pop(user_id, None)
            return None
        return self._timelines.get(user_id)

    def _building(self, user_id: int) -> bool:
        return self._rebuilding.get(user_id, 0) > time.monotonic()

    async def page(self, user_id: int, before: int | None, limit: int) -> TimelinePage:
        timeline = self._live(user_id)
        if timeline is None or self._building(user_id):
            return TimelinePage(None, set(self._pulled))
        self._expires[user_id] = time.monotonic() + self.ttl_s
        end = len(timeline) if before is None else bisect.bisect_left(timeline, before)
        ids = timeline[max(0, end - limit) : end][::-1]
        return TimelinePage(ids, set(self._pulled))

    async def recent(
        self, author_ids: Iterable[int], before: int | None, limit: int
    ) -> dict[int, RecentPosts]:
        result = {}
        for author_id in author_ids:
            posts = self._recent.get(author_id, [])
            end = len(posts) if before is None else bisect.bisect_left(posts, before)
            ids = posts[max(0, end - limit) : end][::-1]
            result[author_id] = RecentPosts(
                ids, end - len(ids) == 0 and len(posts) >= self.timeline_max
            )
        return result

    async def holding(self, user_ids: Sequence[int], post_id: int) -> set[int]:
        held = set()
        for user_id in user_ids:
            timeline = self._timelines.get(user_id, [])
            index = bisect.bisect_left(timeline, post_id)
            if index < len(timeline) and timeline[index] == post_id:
                held.add(user_id)
        return held

    def _insert(self, timeline: list[int], post_id: int, cap: int) -> None:
        index = bisect.bisect_left(timeline, post_id)
        if index < len(timeline) and timeline[index] == post_id:
            return
        timeline.insert(index, post_id)
        if len(timeline) > cap:
            del timeline[: len(timeline) - cap]

    async def fan_out(self, user_ids: Sequence[int], post_id: int) -> int:
        delivered = 0
        for user_id in user_ids:
            timeline = self._live(user_id)
            if timeline is not None:
                self._insert(timeline, post_id, self.timeline_max)
                delivered += 1
        return delivered

    async def add(self, user_id: int, post_ids: Sequence[int]) -> None:
        timeline = self._live(user_id)
        if timeline is not None:
            for post_id in post_ids:
                self._insert(timeline, post_id, self.timeline_max)

    async def remove(self, user_ids: Sequence[int], post_ids: Sequence[int]) -> None:
        doomed = set(post_ids)
        for user_id in user_ids:
            timeline = self._live(user_id)
            if timeline is not None:
                timeline[:] = [post_id for post_id in timeline if post_id not in doomed]

    async def add_recent(self, author_id: int, post_id: int) -> None:
        self._insert(self._recent.setdefault(author_id, []), post_id, self.timeline_max)

    async def remove_recent(self, author_id: int, post_ids: Sequence[int]) -> None:
        doomed = set(post_ids)
        posts = self._recent.get(author_id, [])
        posts[:] = [post_id for post_id in posts if post_id not in doomed]

    async def begin_rebuild(self, user_id: int) -> bool:
        if self._building(user_id):
            return False
        now = time.monotonic()
        self._rebuilding[user_id] = now + REBUILD_LOCK_S
        self._timelines[user_id] = []
        self._expires[user_id] = now + REBUILD_LOCK_S
        return True

    async def finish_rebuild(self, user_id: int, post_ids: Sequence[int]) -> None:
        timeline = self._timelines.setdefault(user_id, [])
        for post_id in post_ids:
            self._insert(timeline, post_id, self.timeline_max)
        self._expires[user_id] = time.monotonic() + self.ttl_s
        self._rebuilding.pop(user_id, None)

    async def drop(self, user_id: int) -> None:
        self._timelines.pop(user_id, None)
        self._expires.pop(user_id, None)

    async def oldest(self, user_id: int) -> OldestEntry:
        timeline = self._live(user_id)
        if not timeline:
            return OldestEntry(None, 0)
        return OldestEntry(timeline[0], len(timeline))

    async def set_pulled(self, author_id: int, pulled: bool) -> None:
        (self._pulled.add if pulled else self._pulled.discard)(author_id)

    async def stop_push(self, author_id: int, since_id: int) -> None:
        self._no_push.setdefault(author_id, since_id)

    async def resume_push(self, author_id: int) -> None:
        self._no_push.pop(author_id, None)

    async def push_stopped_since(self, author_id: int) -> int | None:
        return self._no_push.get(author_id)

    async def save_snapshot(
        self, user_id: int, snapshot_id: int, ids: Sequence[int], tail: int | None, ttl_s: int
    ) -> None:
        now = time.monotonic()
        for key in [key for key, value in self._snapshots.items() if value[0] <= now]:
            del self._snapshots[key]
        self._snapshots[(user_id, snapshot_id)] = (now + ttl_s, list(ids), tail)

    async def load_snapshot(self, user_id: int, snapshot_id: int) -> Snapshot | None:
        saved = self._snapshots.get((user_id, snapshot_id))
        if saved is None or saved[0] <= time.monotonic():
            return None
        return Snapshot(saved[1], saved[2])

    async def is_pulled(self, author_id: int) -> bool:
        return author_id in self._pulled


# ---------------------------------------------------------------------------------------

# Adds one member to every existing timeline among KEYS and trims each to ARGV[2] entries
# (plus the sentinel at rank 0). One call per batch of keys: one round trip, no reply per key.
_FAN_OUT = """
local member, cap, delivered = ARGV[1], tonumber(ARGV[2]), 0
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    if redis.call('ZADD', key, 0, member) == 1 then
      local size = redis.call('ZCARD', key)
      if size > cap + 1 then
        redis.call('ZREMRANGEBYRANK', key, 1, size - cap - 1)
      end
    end
    delivered = delivered + 1
  end
end
return delivered
"""

# Adds many members to one key if it exists (or unconditionally with ARGV[2] == "1"), trims.
_ADD_MANY = """
local key, cap, always = KEYS[1], tonumber(ARGV[1]), ARGV[2] == '1'
if not always and redis.call('EXISTS', key) == 0 then return 0 end
for i = 3, #ARGV, 500 do
  local args = {}
  for j = i, math.min(i + 499, #ARGV) do
    args[#args + 1] = 0
    args[#args + 1] = ARGV[j]
  end
  redis.call('ZADD', key, unpack(args))
end
local size = redis.call('ZCARD', key)
local floor = redis.call('ZSCORE', key, '0') and 1 or 0
if size > cap + floor then
  redis.call('ZREMRANGEBYRANK', key, floor, size - cap - 1)
end
return 1
"""


# A page of a timeline (KEYS[1]) below ARGV[1], if it exists and no rebuild (KEYS[2]) is
# running; refreshes its expiry at most once an hour; adds the pulled authors (KEYS[3]).
_PAGE = """
local pulled = redis.call('SMEMBERS', KEYS[3])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 or redis.call('EXISTS', KEYS[2]) == 1 then
  return {0, {}, pulled}
end
if ttl < tonumber(ARGV[4]) then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
local members = redis.call('ZRANGE', KEYS[1], ARGV[1], '(0', 'BYLEX', 'REV', 'LIMIT', 0, ARGV[2])
return {1, members, pulled}
"""


# The recent posts of several pulled authors (KEYS: their recent lists) below ARGV[1], at
# most ARGV[2] each, with each list's length: one call instead of two commands per author.
_RECENT = """
local replies = {}
for _, key in ipairs(KEYS) do
  local members = redis.call('ZRANGE', key, ARGV[1], '-', 'BYLEX', 'REV', 'LIMIT', 0, ARGV[2])
  replies[#replies + 1] = members
  replies[#replies + 1] = redis.call('ZCARD', key)
end
return replies
"""


class RedisTimelineStore(TimelineStore):
    """Timelines in Redis. Keys carry the user id as a hash tag, so a user's timeline and
    its rebuild marker share a Redis Cluster slot."""

    def __init__(
        self,
        redis: RedisClient,
        prefix: str,
        timeline_max: int,
        inactive_days: int,
        *,
        connect_timeout_s: float | None = None,
        timeout_s: float | None = None,
    ) -> None:
        super().__init__(timeline_max, inactive_days)
        self.redis = redis
        # The per-node clients of Redis Cluster fan-out wait no longer than the main one.
        self._connect_timeout_s = connect_timeout_s
        self._timeout_s = timeout_s
        self.prefix = prefix
        self._fan_out = redis.register_script(_FAN_OUT)
        self._add_many = redis.register_script(_ADD_MANY)
        self._page = redis.register_script(_PAGE)
        self._recent = redis.register_script(_RECENT)
        self.cluster = isinstance(redis, RedisCluster)
        # Redis Cluster: a plain client per primary, for fan-out pipelines grouped by node.
        self._node_clients: dict[tuple[str, int], Redis] = {}

    @property
    def compact_entries_needed(self) -> int:
        """The `zset-max-listpack-entries` that keeps every timeline a listpack (~26 bytes
        an entry instead of ~121 in a skiplist): TIMELINE_MAX posts, the sentinel, and the
        one extra member a fan-out adds before it trims (a sorted set that outgrows the
        setting once becomes a skiplist and stays one)."""
        return self.timeline_max + 2

    async def compact_entries_setting(self) -> int | None:
        """The lowest `zset-max-listpack-entries` (`zset-max-ziplist-entries` before Redis
        7) among the nodes, or None when the server does not let us read it (managed Redis
        often disables CONFIG)."""
        values: list[int] = []
        redis = self.redis
        nodes = redis.get_primaries() if isinstance(redis, RedisCluster) else [None]
        for node in nodes:
            for name in ("zset-max-listpack-entries", "zset-max-ziplist-entries"):
                if node is None:
                    reply = await redis.config_get(name)
                else:
                    reply = await redis.config_get(name, target_nodes=node)
                value = reply.get(name)
                if value is not None:
                    values.append(int(value))
                    break
        return min(values) if values else None

    def _timeline(self, user_id: int) -> str:
        return f"{self.prefix}tl:{{{user_id}}}"

    def _marker(self, user_id: int) -> str:
        return f"{self.prefix}tl-rebuild:{{{user_id}}}"

    def _recent_key(self, author_id: int) -> str:
        return f"{self.prefix}recent:{{{author_id}}}"

    @property
    def _pulled_key(self) -> str:
        return f"{self.prefix}authors:pulled"

    @property
    def _no_push_key(self) -> str:
        return f"{self.prefix}authors:no-push"

    async def page(self, user_id: int, before: int | None, limit: int) -> TimelinePage:
        key = self._timeline(user_id)
        upper = f"({encode(before)}" if before is not None else "+"
        if not self.cluster:
            # One script call: the page, whether it is readable, the keep-alive, and the
            # pulled authors, in a single reply.
            keys = [key, self._marker(user_id), self._pulled_key]
            args: list[str | int] = [upper, limit, self.ttl_s, self.ttl_s - TOUCH_EVERY_S]
            try:
                reply = await self._page(keys=keys, args=args)
            except NoScriptError:
                await self.redis.script_load(_PAGE)
                reply = await self._page(keys=keys, args=args)
            readable, members, pulled = reply
            ids = [int(member) for member in members] if readable else None
            return TimelinePage(ids, {int(author) for author in pulled})
        # Redis Cluster: the pulled set lives in another slot, so a pipeline instead.
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zrange(key, upper, f"({SENTINEL}", desc=True, bylex=True, offset=0, num=limit)
            pipe.exists(key, self._marker(user_id))
            pipe.ttl(key)
            pipe.smembers(self._pulled_key)
            members, present, ttl, pulled = await pipe.execute()
        pulled_ids = {int(author) for author in pulled}
        # present counts the timeline (1) and the rebuild marker (1): only 1 means readable
        if present != 1 or ttl < 0:
            return TimelinePage(None, pulled_ids)
        if ttl < self.ttl_s - TOUCH_EVERY_S:
            await self.redis.expire(key, self.ttl_s)
        return TimelinePage([int(member) for member in members], pulled_ids)

    async def holding(self, user_ids: Sequence[int], post_id: int) -> set[int]:
        member = encode(post_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                pipe.zscore(self._timeline(user_id), member)
            scores = await pipe.execute()
        return {
            user_id for user_id, score in zip(user_ids, scores, strict=True) if score is not None
        }

    async def recent(
        self, author_ids: Iterable[int], before: int | None, limit: int
    ) -> dict[int, RecentPosts]:
        authors = list(author_ids)
        if not authors:
            return {}
        upper = f"({encode(before)}" if before is not None else "+"
        keys = [self._recent_key(author_id) for author_id in authors]
        if self.cluster:
            # The lists live in different slots: a pipeline, two commands per author.
            async with self.redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.zrange(key, upper, "-", desc=True, bylex=True, offset=0, num=limit)
                    pipe.zcard(key)
                replies = await pipe.execute()
        else:
            # One script call: packing two commands per author cost more CPU than the
            # rest of the feed's Redis work (docs/bench.md, the lean feed path).
            replies = await self._recent(keys=keys, args=[upper, limit])
        result = {}
        for index, author_id in enumerate(authors):
            members, size = replies[2 * index], replies[2 * index + 1]
            ids = [int(member) for member in members]
            result[author_id] = RecentPosts(ids, len(ids) < limit and size >= self.timeline_max)
        return result

    async def fan_out(self, user_ids: Sequence[int], post_id: int) -> int:
        member = encode(post_id)
        prefix = f"{self.prefix}tl:"
        batches = [
            [f"{prefix}{{{user_id}}}" for user_id in user_ids[start : start + FAN_OUT_BATCH]]
            for start in range(0, len(user_ids), FAN_OUT_BATCH)
        ]
        if self.cluster:
            keys = [key for batch in batches for key in batch]
            return await self._fan_out_by_node(keys, member)
        try:
            return await self._fan_out_batches(batches, member)
        except NoScriptError:
            await self.redis.script_load(_FAN_OUT)  # Redis restarted and forgot the script
            return await self._fan_out_batches(batches, member)

    async def _fan_out_by_node(self, keys: list[str], member: str) -> int:
        """Redis Cluster: a script may only touch keys of one slot, and every timeline has
        a slot of its own; so one script call per key, pipelined per primary node, all
        nodes at once."""
        assert isinstance(self.redis, RedisCluster)
        by_node: dict[tuple[str, int], list[str]] = {}
        for key in keys:
            node = self.redis.get_node_from_key(key)
            assert node is not None  # every slot has a primary while the cluster is up
            by_node.setdefault((node.host, int(node.port)), []).append(key)
        counts = await asyncio.gather(
            *(
                self._fan_out_on_node(address, node_keys, member)
                for address, node_keys in by_node.items()
            )
        )
        return sum(counts)

    async def _fan_out_on_node(self, address: tuple[str, int], keys: list[str], member: str) -> int:
        client = self._node_clients.get(address)
        if client is None:
            client = Redis(
                host=address[0],
                port=address[1],
                socket_connect_timeout=self._connect_timeout_s,
                socket_timeout=self._timeout_s,
            )
            self._node_clients[address] = client

        # An error reply (MOVED during resharding and the like) is raised: the event is
        # retried.
        calls = [([key], [member, self.timeline_max]) for key in keys]
        replies = await run_script_pipelined(client, self._fan_out, calls)
        return sum(int(reply) for reply in replies)

    async def close(self) -> None:
        for client in self._node_clients.values():
            await client.aclose()

    async def _fan_out_batches(self, batches: list[list[str]], member: str) -> int:
        # Every batch travels in one pipeline: one round trip per page of followers.
        async with self.redis.pipeline(transaction=False) as pipe:
            for keys in batches:
                pipe.evalsha(self._fan_out.sha, len(keys), *keys, member, self.timeline_max)
            replies = await pipe.execute()
        return sum(int(reply) for reply in replies)

    async def add(self, user_id: int, post_ids: Sequence[int]) -> None:
        if post_ids:
            args: list[str | int] = [
                self.timeline_max,
                "0",
                *(encode(post_id) for post_id in post_ids),
            ]
            await self._add_many(keys=[self._timeline(user_id)], args=args)

    async def remove(self, user_ids: Sequence[int], post_ids: Sequence[int]) -> None:
        if not post_ids:
            return
        members = [encode(post_id) for post_id in post_ids]
        for start in range(0, len(user_ids), FAN_OUT_BATCH):
            async with self.redis.pipeline(transaction=False) as pipe:
                for user_id in user_ids[start : start + FAN_OUT_BATCH]:
                    pipe.zrem(self._timeline(user_id), *members)
                await pipe.execute()

    async def add_recent(self, author_id: int, post_id: int) -> None:
        await self._add_many(
            keys=[self._recent_key(author_id)], args=[self.timeline_max, "1", encode(post_id)]
        )

    async def remove_recent(self, author_id: int, post_ids: Sequence[int]) -> None:
        if post_ids:
            await self.redis.zrem(
                self._recent_key(author_id), *(encode(post_id) for post_id in post_ids)
            )

    async def begin_rebuild(self, user_id: int) -> bool:
        claimed = await self.redis.set(self._marker(user_id), "1", nx=True, ex=REBUILD_LOCK_S)
        if not claimed:
            return False
        key = self._timeline(user_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {SENTINEL: 0})
            # If this rebuild dies half-way, timeline and marker vanish together.
            pipe.expire(key, REBUILD_LOCK_S)
            await pipe.execute()
        return True

    async def finish_rebuild(self, user_id: int, post_ids: Sequence[int]) -> None:
        key = self._timeline(user_id)
        args: list[str | int] = [
            self.timeline_max,
            "1",
            SENTINEL,
            *(encode(post_id) for post_id in post_ids),
        ]
        await self._add_many(keys=[key], args=args)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.expire(key, self.ttl_s)
            pipe.delete(self._marker(user_id))
            await pipe.execute()

    async def drop(self, user_id: int) -> None:
        await self.redis.delete(self._timeline(user_id))

    async def oldest(self, user_id: int) -> OldestEntry:
        key = self._timeline(user_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zrange(key, f"({SENTINEL}", "+", bylex=True, offset=0, num=1)
            pipe.zcard(key)
            first, size = await pipe.execute()
        if not first:
            return OldestEntry(None, 0)
        return OldestEntry(int(first[0]), max(0, int(size) - 1))

    async def set_pulled(self, author_id: int, pulled: bool) -> None:
        if pulled:
            await self.redis.sadd(self._pulled_key, author_id)
        else:
            await self.redis.srem(self._pulled_key, author_id)

    async def stop_push(self, author_id: int, since_id: int) -> None:
        await self.redis.hsetnx(self._no_push_key, str(author_id), str(since_id))

    async def resume_push(self, author_id: int) -> None:
        await self.redis.hdel(self._no_push_key, str(author_id))

    async def push_stopped_since(self, author_id: int) -> int | None:
        value = await self.redis.hget(self._no_push_key, str(author_id))
        return None if value is None else int(value)

    def _snapshot_key(self, user_id: int, snapshot_id: int) -> str:
        return f"{self.prefix}ranked:{{{user_id}}}:{snapshot_id}"

    async def save_snapshot(
        self, user_id: int, snapshot_id: int, ids: Sequence[int], tail: int | None, ttl_s: int
    ) -> None:
        value = f"{tail if tail is not None else ''}|{','.join(map(str, ids))}"
        await self.redis.set(self._snapshot_key(user_id, snapshot_id), value, ex=ttl_s)

    async def load_snapshot(self, user_id: int, snapshot_id: int) -> Snapshot | None:
        value = await self.redis.get(self._snapshot_key(user_id, snapshot_id))
        if value is None:
            return None
        text = value.decode() if isinstance(value, bytes) else value
        tail, _, ids = text.partition("|")
        return Snapshot(
            [int(post_id) for post_id in ids.split(",") if post_id], int(tail) if tail else None
        )

    async def is_pulled(self, author_id: int) -> bool:
        return bool(await self.redis.sismember(self._pulled_key, str(author_id)))

    async def ping(self) -> None:
        await self.redis.ping()


# ---------------------------------------------------------------------------------------


class GuardedTimelineStore(TimelineStore):
    """A timeline store behind a circuit breaker (stores/breaker.py): a connection or
    timeout error, or any call while the circuit is open, raises `StoreUnavailable`, which
    the feed answers from the database instead."""

    def __init__(self, inner: TimelineStore, breaker: CircuitBreaker) -> None:
        super().__init__(inner.timeline_max, inner.ttl_s // 86_400)
        self.inner = inner
        self.breaker = breaker

    async def page(self, user_id: int, before: int | None, limit: int) -> TimelinePage:
        return await self.breaker.call(self.inner.page, user_id, before, limit)

    async def recent(
        self, author_ids: Iterable[int], before: int | None, limit: int
    ) -> dict[int, RecentPosts]:
        return await self.breaker.call(self.inner.recent, author_ids, before, limit)

    async def holding(self, user_ids: Sequence[int], post_id: int) -> set[int]:
        return await self.breaker.call(self.inner.holding, user_ids, post_id)

    async def fan_out(self, user_ids: Sequence[int], post_id: int) -> int:
        return await self.breaker.call(self.inner.fan_out, user_ids, post_id)

    async def add(self, user_id: int, post_ids: Sequence[int]) -> None:
        await self.breaker.call(self.inner.add, user_id, post_ids)

    async def remove(self, user_ids: Sequence[int], post_ids: Sequence[int]) -> None:
        await self.breaker.call(self.inner.remove, user_ids, post_ids)

    async def add_recent(self, author_id: int, post_id: int) -> None:
        await self.breaker.call(self.inner.add_recent, author_id, post_id)

    async def remove_recent(self, author_id: int, post_ids: Sequence[int]) -> None:
        await self.breaker.call(self.inner.remove_recent, author_id, post_ids)

    async def begin_rebuild(self, user_id: int) -> bool:
        return await self.breaker.call(self.inner.begin_rebuild, user_id)

    async def finish_rebuild(self, user_id: int, post_ids: Sequence[int]) -> None:
        await self.breaker.call(self.inner.finish_rebuild, user_id, post_ids)

    async def drop(self, user_id: int) -> None:
        await self.breaker.call(self.inner.drop, user_id)

    async def oldest(self, user_id: int) -> OldestEntry:
        return await self.breaker.call(self.inner.oldest, user_id)

    async def set_pulled(self, author_id: int, pulled: bool) -> None:
        await self.breaker.call(self.inner.set_pulled, author_id, pulled)

    async def stop_push(self, author_id: int, since_id: int) -> None:
        await self.breaker.call(self.inner.stop_push, author_id, since_id)

    async def resume_push(self, author_id: int) -> None:
        await self.breaker.call(self.inner.resume_push, author_id)

    async def push_stopped_since(self, author_id: int) -> int | None:
        return await self.breaker.call(self.inner.push_stopped_since, author_id)

    async def is_pulled(self, author_id: int) -> bool:
        return await self.breaker.call(self.inner.is_pulled, author_id)

    async def save_snapshot(
        self, user_id: int, snapshot_id: int, ids: Sequence[int], tail: int | None, ttl_s: int
    ) -> None:
        await self.breaker.call(self.inner.save_snapshot, user_id, snapshot_id, ids, tail, ttl_s)

    async def load_snapshot(self, user_id: int, snapshot_id: int) -> Snapshot | None:
        return await self.breaker.call(self.inner.load_snapshot, user_id, snapshot_id)

    async def ping(self) -> None:
        await self.inner.ping()  # readiness asks Redis itself, whatever the circuit says

    async def close(self) -> None:
        await self.inner.close()


async def check_compact_encoding(store: RedisTimelineStore) -> int | None:
    """At start-up: warn when Redis would keep full timelines as skiplists (~121 bytes an
    entry) rather than listpacks (~26), i.e. when `zset-max-listpack-entries` is below
    what TIMELINE_MAX needs. Returns the setting read (None if it could not be read). Never
    raises: a Redis that is down or forbids CONFIG does not stop the process."""
    try:
        setting = await asyncio.wait_for(store.compact_entries_setting(), 5.0)
    except Exception as exc:  # down, or CONFIG disabled (managed Redis): say so, carry on
        log.info("redis_encoding_unchecked", error=f"{type(exc).__name__}: {exc}"[:200])
        return None
    needed = store.compact_entries_needed
    if setting is None:
        log.info("redis_encoding_unchecked", error="no zset-max-listpack-entries setting")
    elif setting < needed:
        log.warning(
            "redis_timelines_not_compact",
            zset_max_listpack_entries=setting,
            needed=needed,
            bytes_per_entry="~121 instead of ~26",
            hint=f"set zset-max-listpack-entries {needed} or more in redis.conf "
            "(docs/operations.md, 'Redis memory')",
        )
    return setting
