"""Per-user and per-address rate limits, through the `limits` library.

Counters live in process memory (embedded) or in Redis (distributed: single node or
Redis Cluster), so that every API process of a deployment shares them. The strategy is
the moving window: exact (no double burst at a window boundary), and the time until the
oldest counted hit leaves the window is exactly the `Retry-After` a client should wait.

Services and routes call `RateLimiter.hit(action, key)`; HTTP routes usually do it with
one line, `dependencies=[rate_limited("likes")]` (http/deps.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

import structlog
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisClusterStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from shutter.errors import RateLimited

log = structlog.get_logger("shutter.ratelimits")


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
    def disabled(cls) -> RateLimiter:
        return cls({}, enabled=False)

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
            storage = kind(uri, implementation="redispy", key_prefix=f"{namespace}:limits")
        else:
            storage = MemoryStorage()
        return cls(limits, storage, enabled=enabled)

    async def hit(self, action: str, key: int | str) -> None:
        """Count one `action` by `key` (a user id, a client address); raises RateLimited,
        without counting, when any of the action's limits is already used up."""
        if not self.enabled:
            return
        for item in self.limits.get(action, ()):
            if not await self._strategy.hit(item, action, str(key)):
                raise await self._refusal(action, key, item)

    async def check(self, action: str, key: int | str) -> None:
        """Raise RateLimited if `action` by `key` is used up now; counts nothing (for
        budgets spent only on failure, like failed logins)."""
        if not self.enabled:
            return
        for item in self.limits.get(action, ()):
            if not await self._strategy.test(item, action, str(key)):
                raise await self._refusal(action, key, item)

    async def _refusal(self, action: str, key: int | str, item: RateLimitItem) -> RateLimited:
        stats = await self._strategy.get_window_stats(item, action, str(key))
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        log.info("rate_limited", action=action, limit=str(item), retry_after=retry_after)
        return RateLimited(
            f"Too many requests ({action}: {item}). Try again in {retry_after} s.",
            retry_after=retry_after,
        )

    async def reset(self) -> None:
        """Forget every count (tests, operators)."""
        await self.storage.reset()
