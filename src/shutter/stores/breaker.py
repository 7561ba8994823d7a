"""A circuit breaker for a store that can go away (Redis), so that its outage costs one
timeout, not one per request.

Closed (the normal state): calls go through. The first connection or timeout error opens
the circuit: for `open_seconds` every call fails at once with `StoreUnavailable`, without
touching the network. Then one call is let through as a probe: if it succeeds the circuit
closes again, if it fails it stays open for another period. The outage is logged twice,
when it starts and when it ends, never per call.

Callers catch `StoreUnavailable` where they have something better to do (the feed falls
back to the database, a write after commit moves on); elsewhere the HTTP layer answers it
`503 temporarily_unavailable` with `Retry-After`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

import structlog
from redis import exceptions as redis_errors

log = structlog.get_logger("shutter.stores")

P = ParamSpec("P")
T = TypeVar("T")

# What "the store is not there" looks like: refused or dropped connections, timeouts, a
# Redis still loading its data after a restart (a ConnectionError subclass), a cluster
# without a quorum. Other errors (a bug, a wrong command) are not outages.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ClusterDownError,
    OSError,
    TimeoutError,
)


class StoreUnavailable(Exception):
    """The store cannot be reached now; try again in `retry_after` seconds."""

    def __init__(self, store: str, retry_after: float) -> None:
        super().__init__(f"{store} is unavailable")
        self.store = store
        self.retry_after = retry_after

    @property
    def retry_after_header(self) -> str:
        """Whole seconds, at least 1, for a `Retry-After` header."""
        return str(max(1, math.ceil(self.retry_after)))


class CircuitBreaker:
    """Guards the calls to one store; shared by everything in the process that uses it."""

    def __init__(
        self, store: str, open_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store = store
        self.open_seconds = open_seconds
        self._clock = clock
        self._open_until: float | None = None  # None: closed
        self._probing = False
        self._outage_started = 0.0
        self._refused = 0
        # Since the process started, for /metrics: errors seen, calls refused while open.
        self.failures = 0
        self.refusals = 0

    @property
    def is_open(self) -> bool:
        """True during an outage (including while a probe is out)."""
        return self._open_until is not None

    @property
    def retry_after(self) -> float:
        """Seconds until the next probe (0 when closed)."""
        if self._open_until is None:
            return 0.0
        return max(0.0, self._open_until - self._clock())

    async def call(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """`await fn(*args, **kwargs)` unless the circuit is open; a connection or timeout
        error opens it. Raises `StoreUnavailable` for both."""
        probe = self._admit()
        try:
            result = await fn(*args, **kwargs)
        except UNAVAILABLE_ERRORS as exc:
            self._failed(exc, probe)
            raise StoreUnavailable(self.store, self.retry_after) from exc
        except BaseException:
            if probe:  # the store answered (or we were cancelled): let another call probe
                self._probing = False
            raise
        if probe:
            self._closed()
        return result

    def _admit(self) -> bool:
        """Whether this call may go through and whether it is the probe; raises when not."""
        if self._open_until is None:
            return False
        if self._probing or self._clock() < self._open_until:
            self._refused += 1
            self.refusals += 1
            raise StoreUnavailable(self.store, self.retry_after or self.open_seconds)
        self._probing = True
        return True

    def _failed(self, exc: BaseException, probe: bool) -> None:
        self.failures += 1
        if probe:
            self._probing = False
            self._open_until = self._clock() + self.open_seconds
        elif self._open_until is None:
            self._open_until = self._clock() + self.open_seconds
            self._outage_started = self._clock()
            self._refused = 0
            log.warning(
                "store_unavailable",
                store=self.store,
                error=f"{type(exc).__name__}: {exc}"[:300],
                retry_in_s=self.open_seconds,
            )
        # else: a call that was already out when the circuit opened; nothing new

    def _closed(self) -> None:
        self._probing = False
        self._open_until = None
        log.info(
            "store_recovered",
            store=self.store,
            outage_s=round(self._clock() - self._outage_started, 3),
            calls_refused=self._refused,
        )
