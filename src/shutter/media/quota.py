"""The upload byte budget: how many bytes one user's upload tickets may announce per rolling
hour (SHUTTER_UPLOAD_BYTES_PER_HOUR), beside the count limit `rate_limit_uploads`.

It counts in whole MiB, in the rate limiter's own storage (process memory, or Redis shared
by every API process) with the same moving window, so that one 250 MiB ticket spends 250
units of the budget. A refusal is the usual `429 rate_limited` with `Retry-After`.
"""

from __future__ import annotations

import math
import time

import structlog
from limits import RateLimitItemPerHour
from limits.aio.strategies import MovingWindowRateLimiter

from shutter.context import AppContext
from shutter.errors import RateLimited
from shutter.settings import MIB

log = structlog.get_logger("shutter.media")

ACTION = "upload_bytes"


async def spend_upload_bytes(context: AppContext, owner_id: int, size_bytes: int) -> None:
    """Count `size_bytes` against the owner's hourly budget; raises RateLimited, without
    counting, when they do not fit in what is left."""
    limiter = context.rate_limiter
    if not limiter.enabled:
        return
    budget_mib = context.settings.upload_bytes_per_hour // MIB
    cost = max(1, math.ceil(size_bytes / MIB))
    item = RateLimitItemPerHour(budget_mib)
    strategy = MovingWindowRateLimiter(limiter.storage)
    if await strategy.hit(item, ACTION, str(owner_id), cost=cost):
        return
    stats = await strategy.get_window_stats(item, ACTION, str(owner_id))
    retry_after = max(1, math.ceil(stats.reset_time - time.time()))
    log.info("rate_limited", action=ACTION, cost_mib=cost, retry_after=retry_after)
    raise RateLimited(
        f"Uploads may announce at most {budget_mib} MiB an hour; "
        f"{stats.remaining} MiB are left. Try again in {retry_after} s.",
        retry_after=retry_after,
    )
