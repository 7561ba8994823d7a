"""Per-user and per-address rate limits, through the `limits` library.

Counters live in process memory (embedded) or in Redis (distributed: single node or
Redis Cluster), so that every API process of a deployment shares them. The strategy is
the moving window: exact (no double burst at a window boundary), and the time until the
oldest counted hit leaves the window is exactly the `Retry-After` a client should wait.

Services and routes call `RateLimiter.hit(action, key)`; HTTP routes usually do it with
one line, `dependencies=[rate_limited("likes")]` (http/deps.py). A hit is taken before the
work it guards, atomically; work that should not count when it succeeds (a login with the
right password) gives it back with `refund`.

When Redis cannot be reached, each action fails open or closed (FAIL_CLOSED below), and
the limiter recovers on its own when Redis answers again.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Iterable, Mapping
from typing import Protocol, cast

import structlog
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisClusterStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.exceptions import RedisError

from shutter.errors import Busy, RateLimited

log = structlog.get_logger("shutter.ratelimits")

# What an unreachable counter store raises (wrapped by `limits`, or from our own calls).
_UNREACHABLE = (StorageError, RedisError, OSError)


def parse_limits(value: str) -> list[RateLimitItem]:
    """`"10/minute;60/hour"` to limit items; raises ValueError on anything else."""
    items = parse_many(value)
    if not items:
        raise ValueError(f"not a rate limit: {value!r}")
    return list(items)


def storage_uri(redis_url: str) -> str:
    """The `limits` storage URI for Shutter's SHUTTER_REDIS_URL forms: `redis://`,
    `rediss://`, `redis+cluster://h:p[,h:p…]`, or a comma-separated list of node URLs
    (which, as everywhere in Shutter, means Redis Cluster)."""
    if redis_url.startswith("redis+cluster://") or "," in redis_url:
        nodes = []
        for part in redis_url.split(","):
            nodes.append(part.split("://", 1)[-1].split("/", 1)[0])
        scheme_auth = redis_url.split("://", 1)[-1].split(",", 1)[0]
        auth = scheme_auth.rsplit("@", 1)[0] + "@" if "@" in scheme_auth.split("/", 1)[0] else ""
        hosts = ",".join(node.rsplit("@", 1)[-1] for node in nodes)
        return f"async+redis+cluster://{auth}{hosts}"
    return f"async+{redis_url}"


# Actions refused (503 busy) rather than let through while the counters cannot be reached:
# they guard passwords (logins, and password changes, which count against the account's
# login budget) and account creation, where an unlimited burst is the attack. Every other
# action (likes, posts, comments, follows, messages) is let through with a warning: a
# Redis outage should not take the product down for everyone.
FAIL_CLOSED = frozenset({"login", "register"})
# What a refused client is told to wait while the counters are unreachable.
UNAVAILABLE_RETRY_AFTER_S = 5
# Redis answers in a millisecond; a limiter that cannot reach it must not hold requests.
REDIS_TIMEOUT_S = 2.0


class _ListPop(Protocol):
    def lpop(self, name: str) -> Awaitable[object]: ...


class _RedisBridge(Protocol):
    """What the refund uses of the `limits` Redis storage's bridge to redis-py."""

    def get_connection(self) -> _ListPop: ...

    def prefixed_key(self, key: str) -> str: ...


class RateLimiter:
    """Counts hits per (action, key) against the configured limits of each action."""

    def __init__(
        self,
        limits: Mapping[str, list[RateLimitItem]],
        storage: Storage | None = None,
        *,
        enabled: bool = True,
    ) -> None:
        self.enabled = enabled
        self.limits = dict(limits)
        self.storage = storage or MemoryStorage()
        self._strategy = MovingWindowRateLimiter(self.storage)

    @classmethod
    def open(
        cls,
        limits: Mapping[str, list[RateLimitItem]],
        redis_url: str | None,
        namespace: str,
        *,
        enabled: bool,
    ) -> RateLimiter:
        """A limiter over Redis when a URL is given, else over process memory."""
        storage: Storage
        if redis_url and enabled:
            uri = storage_uri(redis_url)
            kind = RedisClusterStorage if uri.startswith("async+redis+cluster") else RedisStorage
            # redis-py, the client Shutter already uses, rather than the default coredis.
            # Errors wrapped as StorageError and short timeouts: an outage is detected at
            # once and handled per action (see FAIL_CLOSED); redis-py reconnects by itself
            # on the next call once Redis is back.
            storage = kind(
                uri,
                implementation="redispy",
                key_prefix=f"{namespace}:limits",
                wrap_exceptions=True,
                socket_connect_timeout=REDIS_TIMEOUT_S,
                socket_timeout=REDIS_TIMEOUT_S,
            )
        else:
            storage = MemoryStorage()
        return cls(limits, storage, enabled=enabled)

    async def hit(self, action: str, key: int | str) -> None:
        """Count one `action` by `key` (a user id, a client address); raises RateLimited,
        without counting, when any of the action's limits is already used up.

        The count is taken atomically before the work it guards, so that a concurrent
        burst cannot slip past the limit: a check-then-count would let every request of
        the burst through the check. Work that should cost nothing when it succeeds (a
        login with the right password) gives the hit back with `refund`.

        While the counters are unreachable (Redis down), FAIL_CLOSED actions raise Busy
        (503) and the others are let through with a warning."""
        if not self.enabled:
            return
        taken: list[RateLimitItem] = []
        try:
            for item in self.limits.get(action, ()):
                if not await self._strategy.hit(item, action, str(key)):
                    await self._give_back(taken, action, key)
                    raise await self._refusal(action, key, item)
                taken.append(item)
        except _UNREACHABLE as exc:
            self._unreachable(action, exc)

    async def refund(self, action: str, key: int | str) -> None:
        """Give back one `hit` of `action` by `key` (the attempt turned out not to count,
        e.g. the password was right). Best effort: an unreachable store is only logged."""
        if not self.enabled:
            return
        try:
            await self._give_back(self.limits.get(action, ()), action, key)
        except _UNREACHABLE as exc:
            log.warning("rate_limit_refund_failed", action=action, error=type(exc).__name__)

    async def check(self, action: str, key: int | str) -> None:
        """Raise RateLimited if `action` by `key` is used up now; counts nothing. Not for
        guarding work (see `hit`): only for telling a client early."""
        if not self.enabled:
            return
        try:
            for item in self.limits.get(action, ()):
                if not await self._strategy.test(item, action, str(key)):
                    raise await self._refusal(action, key, item)
        except _UNREACHABLE as exc:
            self._unreachable(action, exc)

    async def _give_back(self, items: Iterable[RateLimitItem], action: str, key: int | str) -> None:
        """Remove the newest entry of each item's moving window. `limits` has no such
        operation, so this reaches into its two storages: both keep a window as a list of
        timestamps, newest first (MemoryStorage.events; a Redis list, LPUSHed). Removing
        the newest rather than our own entry keeps the count exact; the window can only
        free up a moment sooner."""
        for item in items:
            storage_key = item.key_for(action, str(key))
            if isinstance(self.storage, MemoryStorage):
                # Under the key's lock, as the storage's own acquire_entry and expiry.
                async with self.storage.locks[storage_key]:
                    events = self.storage.events.get(storage_key)
                    if events:
                        events.pop(0)
            elif isinstance(self.storage, RedisStorage):
                bridge = cast("_RedisBridge", self.storage.bridge)  # typed loosely by `limits`
                await bridge.get_connection().lpop(bridge.prefixed_key(storage_key))
            else:  # pragma: no cover - only the two storages above are opened
                raise TypeError(f"cannot refund on {type(self.storage).__name__}")

    def _unreachable(self, action: str, exc: BaseException) -> None:
        if action in FAIL_CLOSED:
            log.error(
                "rate_limits_unreachable", action=action, error=type(exc).__name__, failing="closed"
            )
            raise Busy(
                "This is unavailable for a moment; try again shortly.",
                retry_after=UNAVAILABLE_RETRY_AFTER_S,
            ) from None
        log.warning(
            "rate_limits_unreachable", action=action, error=type(exc).__name__, failing="open"
        )

    async def _refusal(self, action: str, key: int | str, item: RateLimitItem) -> RateLimited:
        try:
            stats = await self._strategy.get_window_stats(item, action, str(key))
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        except _UNREACHABLE:
            retry_after = item.get_expiry()
        log.info("rate_limited", action=action, limit=str(item), retry_after=retry_after)
        return RateLimited(
            f"Too many requests ({action}: {item}). Try again in {retry_after} s.",
            retry_after=retry_after,
        )

    async def reset(self) -> None:
        """Forget every count (tests, operators)."""
        await self.storage.reset()
