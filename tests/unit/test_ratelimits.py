"""The rate limiter over process memory: counting, refusal with a Retry-After inside the
window, check-without-counting, refunds, concurrent hits, the off switch; the Redis URI
forms it accepts; and what it does while Redis is down."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
import uuid

import pytest
from pydantic import ValidationError

from shutter.errors import Busy, RateLimited
from shutter.settings import Settings
from shutter.stores.ratelimits import RateLimiter, parse_limits, storage_uri
from tests import services


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


async def test_a_refund_gives_back_one_hit() -> None:
    logins = limiter("2/minute")
    for _ in range(5):  # each attempt refunded: never refused
        await logins.hit("likes", "10.0.0.1")
        await logins.refund("likes", "10.0.0.1")
    await logins.hit("likes", "10.0.0.1")
    await logins.hit("likes", "10.0.0.1")
    with pytest.raises(RateLimited):
        await logins.hit("likes", "10.0.0.1")


async def test_concurrent_hits_never_pass_the_limit() -> None:
    logins = limiter("10/minute")
    results = await asyncio.gather(
        *(logins.hit("likes", "10.0.0.1") for _ in range(40)), return_exceptions=True
    )
    assert sum(result is None for result in results) == 10
    assert all(isinstance(r, RateLimited) for r in results if r is not None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
async def test_while_redis_is_down_logins_fail_closed_and_likes_open_until_it_returns() -> None:
    port = _free_port()  # nothing listens here yet: Redis is "down"
    limits = {"login": parse_limits("2/minute"), "likes": parse_limits("2/minute")}
    down = RateLimiter.open(limits, f"redis://127.0.0.1:{port}/0", "t-down", enabled=True)
    with pytest.raises(Busy) as refused:
        await down.hit("login", "10.0.0.1")
    assert (refused.value.status, refused.value.code) == (503, "busy")
    assert refused.value.retry_after >= 1
    for _ in range(3):  # failing open: nothing is counted, nothing refused
        await down.hit("likes", 1)
    await down.refund("login", "10.0.0.1")  # only logged

    redis = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:  # the same limiter, unchanged, counts again once Redis answers
            try:
                await down.hit("login", "10.0.0.1")
                break
            except Busy:
                assert time.monotonic() < deadline, "the limiter did not recover"
                await asyncio.sleep(0.05)
        await down.hit("login", "10.0.0.1")
        with pytest.raises(RateLimited):
            await down.hit("login", "10.0.0.1")
    finally:
        redis.terminate()
        redis.wait(10)


@pytest.mark.distributed
@pytest.mark.skipif(not services.probe().available, reason="needs the distributed services")
@pytest.mark.parametrize("kind", ["redis", "cluster"])
async def test_reserve_and_refund_over_redis_and_redis_cluster(
    kind: str, request: pytest.FixtureRequest
) -> None:
    url = services.REDIS_URL if kind == "redis" else request.getfixturevalue("redis_cluster_url")
    namespace = f"t{uuid.uuid4().hex[:12]}"
    logins = RateLimiter.open({"login": parse_limits("10/minute")}, url, namespace, enabled=True)
    try:
        # Connected (and, on a cluster, the slots discovered) before the burst: the burst
        # tests atomicity, not how fast a loaded machine opens connections (REDIS_TIMEOUT_S).
        await logins.check("login", "warm-up")
        results = await asyncio.gather(
            *(logins.hit("login", "10.0.0.1") for _ in range(40)), return_exceptions=True
        )
        assert sum(result is None for result in results) == 10, results
        assert all(isinstance(result, RateLimited) for result in results if result is not None)
        await logins.refund("login", "10.0.0.1")
        await logins.hit("login", "10.0.0.1")  # the refunded place, taken again
        with pytest.raises(RateLimited):
            await logins.hit("login", "10.0.0.1")
    finally:
        await logins.reset()
