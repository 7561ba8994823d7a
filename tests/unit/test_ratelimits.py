"""The rate limiter over process memory: counting, refusal with a Retry-After inside the
window, check-without-counting, the off switch; and the Redis URI forms it accepts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shutter.errors import RateLimited
from shutter.settings import Settings
from shutter.stores.ratelimits import RateLimiter, parse_limits, storage_uri


def limiter(limits: str = "3/minute", *, enabled: bool = True) -> RateLimiter:
    return RateLimiter({"likes": parse_limits(limits)}, enabled=enabled)


async def test_hits_past_the_limit_are_refused_with_retry_after() -> None:
    likes = limiter()
    for _ in range(3):
        await likes.hit("likes", 1)
    with pytest.raises(RateLimited) as refused:
        await likes.hit("likes", 1)
    assert refused.value.status == 429
    assert 1 <= refused.value.retry_after <= 60
    await likes.hit("likes", 2)  # per key
    await likes.hit("comments", 1)  # an action without limits is never refused


async def test_the_tightest_of_several_windows_decides() -> None:
    logins = limiter("2/minute;3/hour")
    await logins.hit("likes", "10.0.0.1")
    await logins.hit("likes", "10.0.0.1")
    with pytest.raises(RateLimited) as refused:
        await logins.hit("likes", "10.0.0.1")
    assert refused.value.retry_after <= 60


async def test_check_counts_nothing() -> None:
    likes = limiter("1/minute")
    for _ in range(3):
        await likes.check("likes", 1)
    await likes.hit("likes", 1)
    with pytest.raises(RateLimited):
        await likes.check("likes", 1)


async def test_disabled_limiter_never_refuses() -> None:
    likes = limiter("1/minute", enabled=False)
    for _ in range(3):
        await likes.hit("likes", 1)


@pytest.mark.parametrize(
    ("redis_url", "uri"),
    [
        ("redis://localhost:6379/0", "async+redis://localhost:6379/0"),
        ("rediss://:pw@cache:6380", "async+rediss://:pw@cache:6380"),
        ("redis+cluster://a:7000,b:7001", "async+redis+cluster://a:7000,b:7001"),
        ("redis://a:7000,redis://b:7001", "async+redis+cluster://a:7000,b:7001"),
        ("redis+cluster://:pw@a:7000,b:7001", "async+redis+cluster://:pw@a:7000,b:7001"),
    ],
)
def test_redis_urls_become_limits_storage_uris(redis_url: str, uri: str) -> None:
    assert storage_uri(redis_url) == uri


def test_settings_refuse_a_malformed_limit() -> None:
    with pytest.raises(ValidationError, match="rate_limit_posts"):
        Settings(_env_file=None, rate_limit_posts="lots")  # type: ignore[call-arg]
    assert Settings(_env_file=None).rate_limit_table["posts"] == "25/hour"  # type: ignore[call-arg]
