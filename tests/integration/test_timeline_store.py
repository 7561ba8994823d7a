"""One contract for every TimelineStore: in-process, Redis, and a three-node Redis Cluster."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from shutter.stores.redis import open_redis
from shutter.stores.timelines import MemoryTimelineStore, RedisTimelineStore, TimelineStore
from tests import services
from tests.conftest import CLUSTER_PROFILE, PROFILES

CAP = 10


# The Redis kinds carry the distributed profile's marks: skipped loudly without services,
# a failure under CI=true.
@pytest.fixture(params=["memory", PROFILES[1], CLUSTER_PROFILE])
def kind(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
async def store(kind: str, request: pytest.FixtureRequest) -> AsyncIterator[TimelineStore]:
    if kind == "memory":
        yield MemoryTimelineStore(CAP, inactive_days=14)
        return
    url = request.getfixturevalue("redis_cluster_url") if kind == "cluster" else services.REDIS_URL
    redis = open_redis(url)
    prefix = f"ts{uuid.uuid4().hex[:10]}:"
    redis_store = RedisTimelineStore(redis, prefix, CAP, inactive_days=14)
    yield redis_store
    async for key in redis.scan_iter(match=f"{prefix}*", count=1000):
        await redis.delete(key)
    await redis_store.close()
    await redis.aclose()


async def built(store: TimelineStore, user_id: int, post_ids: list[int]) -> None:
    assert await store.begin_rebuild(user_id)
    await store.finish_rebuild(user_id, post_ids)


async def test_fan_out_reaches_existing_timelines_only(store: TimelineStore) -> None:
    await built(store, 1, [])
    await built(store, 2, [])
    delivered = await store.fan_out([1, 2, 3], 100)
    assert delivered == 2
    assert (await store.page(1, None, 5)).ids == [100]
    assert (await store.page(3, None, 5)).ids is None  # inactive: no timeline, none made


async def test_holding_names_the_timelines_a_post_reached(store: TimelineStore) -> None:
    await built(store, 1, [50])
    await built(store, 2, [])
    await store.fan_out([1, 2, 3], 100)
    await store.remove([2], [100])
    assert await store.holding([1, 2, 3], 100) == {1}
    assert await store.holding([1, 2, 3], 50) == {1}
    assert await store.holding([], 100) == set()


async def test_order_is_exact_for_ids_a_double_cannot_hold(store: TimelineStore) -> None:
    # Neighbouring 64-bit ids that are equal once rounded to a double.
    base = 2**62 + 1
    ids = [base + 2, base, base + 1, base + 3]
    assert len({float(i) for i in ids}) == 1
    await built(store, 1, ids)
    assert (await store.page(1, None, 10)).ids == sorted(ids, reverse=True)
    assert (await store.page(1, base + 2, 10)).ids == [base + 1, base]


async def test_timelines_are_capped_keeping_the_newest(store: TimelineStore) -> None:
    await built(store, 1, list(range(1, 6)))
    for post_id in range(6, 30):
        await store.fan_out([1], post_id)
    assert (await store.page(1, None, 100)).ids == list(range(29, 29 - CAP, -1))
    assert await store.oldest(1) == (29 - CAP + 1, CAP)


async def test_adding_twice_and_removing_are_idempotent(store: TimelineStore) -> None:
    await built(store, 1, [5])
    await store.fan_out([1], 7)
    await store.fan_out([1], 7)
    await store.add(1, [6, 7])
    assert (await store.page(1, None, 10)).ids == [7, 6, 5]
    await store.remove([1], [6, 6, 99])
    await store.remove([1], [6])
    assert (await store.page(1, None, 10)).ids == [7, 5]


async def test_an_empty_timeline_is_not_a_missing_one(store: TimelineStore) -> None:
    assert (await store.page(1, None, 10)).ids is None
    await built(store, 1, [])
    assert (await store.page(1, None, 10)).ids == []
    await store.drop(1)
    assert (await store.page(1, None, 10)).ids is None


async def test_a_timeline_being_rebuilt_reads_as_missing_but_collects_fan_out(
    store: TimelineStore,
) -> None:
    assert await store.begin_rebuild(1)
    assert not await store.begin_rebuild(1)  # one rebuild at a time
    await store.fan_out([1], 50)  # a post arriving during the rebuild is kept
    assert (await store.page(1, None, 10)).ids is None
    await store.finish_rebuild(1, [10, 20])
    assert (await store.page(1, None, 10)).ids == [50, 20, 10]


async def test_recent_lists_and_author_modes(store: TimelineStore) -> None:
    for post_id in range(1, 15):
        await store.add_recent(7, post_id)
    recent = await store.recent([7, 8], 9, 3)
    assert recent[7] == ([8, 7, 6], False)
    # Below the capped list's oldest entry: nothing here, the database has the rest.
    assert (await store.recent([7], 5, 10))[7] == ([], True)
    ids, truncated = (await store.recent([7], None, 20))[7]
    assert ids == list(range(14, 14 - CAP, -1))
    assert truncated  # the list was capped: older posts live in the database only
    assert recent[8] == ([], False)

    assert await store.push_stopped_since(7) is None
    await store.set_pulled(7, True)
    await store.stop_push(7, 1234)
    assert await store.push_stopped_since(7) == 1234
    assert 7 in (await store.page(1, None, 1)).pulled_authors
    await store.resume_push(7)
    await store.set_pulled(7, False)
    assert await store.push_stopped_since(7) is None
    assert not await store.is_pulled(7)


async def test_ranked_snapshots_round_trip(store: TimelineStore) -> None:
    await store.save_snapshot(1, 99, [3, 1, 2], 1, 60)
    await store.save_snapshot(1, 98, [], None, 60)
    assert await store.load_snapshot(1, 99) == ([3, 1, 2], 1)
    assert await store.load_snapshot(1, 98) == ([], None)
    assert await store.load_snapshot(2, 99) is None
