"""A Redis outage without a Redis: the circuit breaker in front of the timeline store and
the real-time bus, and the ration of feed pages the database serves meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from shutter.realtime.bus import RedisBus
from shutter.stores import breaker
from shutter.stores.breaker import CircuitBreaker, StoreUnavailable
from shutter.stores.degraded import DegradedReads
from shutter.stores.timelines import GuardedTimelineStore, MemoryTimelineStore, TimelinePage


class BreakerLog:
    """Stands in for the breaker's logger. (structlog's capture_logs misses loggers that an
    earlier test in the same process already used: they are cached on first use.)"""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def _record(self, event: str, **fields: Any) -> None:
        self.entries.append({"event": event, **fields})

    warning = info = error = _record

    @contextmanager
    def capture(self) -> Iterator[list[dict[str, Any]]]:
        self.entries = []
        yield self.entries


@pytest.fixture
def breaker_log(monkeypatch: pytest.MonkeyPatch) -> BreakerLog:
    recorder = BreakerLog()
    monkeypatch.setattr(breaker, "log", recorder)
    return recorder


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FlakyTimelines(MemoryTimelineStore):
    """An in-memory store that can be switched off; counts the reads that reach it."""

    def __init__(self) -> None:
        super().__init__(800, 14)
        self.down = False
        self.reads = 0

    async def page(self, user_id: int, before: int | None, limit: int) -> TimelinePage:
        self.reads += 1
        if self.down:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6390")
        return await super().page(user_id, before, limit)


def guarded() -> tuple[GuardedTimelineStore, FlakyTimelines, Clock]:
    clock = Clock()
    inner = FlakyTimelines()
    return GuardedTimelineStore(inner, CircuitBreaker("redis", 2.0, clock)), inner, clock


async def test_an_outage_costs_one_call_then_calls_fail_at_once_until_a_probe(
    breaker_log: BreakerLog,
) -> None:
    store, inner, clock = guarded()
    await store.page(1, None, 10)
    inner.down = True
    with breaker_log.capture() as logs, pytest.raises(StoreUnavailable) as first:
        await store.page(1, None, 10)
    assert inner.reads == 2
    assert first.value.retry_after == pytest.approx(2.0)
    assert [entry["event"] for entry in logs] == ["store_unavailable"]

    # While the circuit is open nothing reaches Redis, and nothing more is logged.
    with breaker_log.capture() as logs:
        for _ in range(5):
            clock.now += 0.3
            with pytest.raises(StoreUnavailable):
                await store.page(1, None, 10)
    assert inner.reads == 2
    assert logs == []

    # After the open period one call probes; still down: open again, still one log line.
    clock.now += 0.6
    with breaker_log.capture() as logs, pytest.raises(StoreUnavailable):
        await store.page(1, None, 10)
    assert inner.reads == 3
    assert logs == []
    with pytest.raises(StoreUnavailable):
        await store.page(1, None, 10)
    assert inner.reads == 3

    # Back: the next probe closes the circuit and the outage's end is logged once.
    inner.down = False
    clock.now += 2.0
    with breaker_log.capture() as logs:
        assert (await store.page(1, None, 10)).ids is None  # a missing timeline, answered
        await store.page(1, None, 10)
    assert inner.reads == 5
    assert [entry["event"] for entry in logs] == ["store_recovered"]
    assert logs[0]["calls_refused"] == 6


async def test_errors_that_are_not_outages_pass_through_and_leave_the_circuit_closed() -> None:
    breaker = CircuitBreaker("redis", 2.0, Clock())

    async def wrong_type() -> None:
        raise ResponseError("WRONGTYPE Operation against a key holding the wrong kind")

    with pytest.raises(ResponseError):
        await breaker.call(wrong_type)
    assert not breaker.is_open


async def test_a_probe_that_is_cancelled_lets_the_next_call_probe() -> None:
    clock = Clock()
    breaker = CircuitBreaker("redis", 2.0, clock)

    async def down() -> None:
        raise RedisConnectionError("down")

    async def cancelled() -> None:
        raise asyncio.CancelledError  # the request went away mid-probe

    async def up() -> str:
        return "pong"

    with pytest.raises(StoreUnavailable):
        await breaker.call(down)
    clock.now += 2.0
    with pytest.raises(asyncio.CancelledError):
        await breaker.call(cancelled)
    assert await breaker.call(up) == "pong"
    assert not breaker.is_open


def test_degraded_reads_are_rationed_per_second_with_a_burst() -> None:
    clock = Clock()
    reads = DegradedReads(2.0, clock)
    assert [reads.take() for _ in range(2)] == [0.0, 0.0]  # the burst
    wait = reads.take()
    assert wait == pytest.approx(0.5)
    assert DegradedReads.retry_after_header(wait) == 1
    clock.now += 0.5
    assert reads.take() == 0.0
    clock.now += 10  # an idle spell refills to the burst, no further
    assert [reads.take() for _ in range(3)][-1] > 0

    slow = DegradedReads(0.01, clock)  # one read per 100 s: the burst is still one read
    assert slow.take() == 0.0
    assert DegradedReads.retry_after_header(slow.take()) == 100


class DownRedis:
    """A Redis client whose connection is refused; counts the publishes it was asked for."""

    def __init__(self) -> None:
        self.publishes = 0

    def pubsub(self) -> Any:
        return None

    async def publish(self, channel: str, data: bytes) -> int:
        self.publishes += 1
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6390")


async def test_publishing_on_a_down_redis_neither_raises_nor_waits_on_redis_each_time(
    breaker_log: BreakerLog,
) -> None:
    redis = DownRedis()
    bus = RedisBus(redis, "ns", CircuitBreaker("redis", 2.0, Clock()))
    with breaker_log.capture() as logs:
        for n in range(3):
            await bus.publish([1, 2], {"type": "message", "n": n})
    assert redis.publishes == 1  # the breaker opened on the first refusal
    assert [entry["event"] for entry in logs] == ["store_unavailable"]
