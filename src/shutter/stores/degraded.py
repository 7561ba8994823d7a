"""How many feed pages the database serves while the timeline store (Redis) is down.

Normally a feed page costs the database a few primary-key probes; served from the pull
query instead, it costs a scan over the reader's followees. A Redis outage turns every
feed read into the expensive kind at once, so they are rationed: a token bucket per
process, refilled at `rate` per second and holding at most `max(1, rate)` tokens. A read
that finds it empty is answered 503 with Retry-After rather than queued behind the
database.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class DegradedReads:
    """A token bucket: `take()` spends one token, or says how long until there is one."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self._clock = clock
        self._tokens = self.capacity
        self._updated = clock()

    def take(self) -> float:
        """Spend a token and return 0, or spend nothing and return the seconds until a
        token is there."""
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate

    @staticmethod
    def retry_after_header(wait_s: float) -> int:
        """Whole seconds, at least 1."""
        return max(1, math.ceil(wait_s))
