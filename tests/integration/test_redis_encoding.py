"""Redis memory: the start-up check of `zset-max-listpack-entries` against TIMELINE_MAX, on
a single Redis and on a three-node Redis Cluster (the servers' settings are only read)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from shutter.app import open_redis
from shutter.stores import timelines
from shutter.stores.timelines import RedisTimelineStore, check_compact_encoding
from tests import services
from tests.conftest import CLUSTER_PROFILE, PROFILES


class Recorder:
    """Stands in for the store module's logger (structlog caches loggers on first use)."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def _record(self, event: str, **fields: Any) -> None:
        self.entries.append({"event": event, **fields})

    warning = info = error = _record


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorded = Recorder()
    monkeypatch.setattr(timelines, "log", recorded)
    return recorded


@pytest.fixture(params=[PROFILES[1], CLUSTER_PROFILE])
async def redis(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    kind = request.param
    url = request.getfixturevalue("redis_cluster_url") if kind == "cluster" else services.REDIS_URL
    client = open_redis(url)
    yield client
    await client.aclose()


async def server_setting(redis: Any) -> int:
    reply = await redis.config_get("zset-max-listpack-entries")
    if "zset-max-listpack-entries" not in reply:  # Redis Cluster: one reply per node
        return min(int(node["zset-max-listpack-entries"]) for node in reply.values())
    return int(reply["zset-max-listpack-entries"])


async def test_start_up_warns_when_full_timelines_would_be_skiplists(
    redis: Any, recorder: Recorder
) -> None:
    setting = await server_setting(redis)
    too_big = RedisTimelineStore(redis, "enc:", setting - 1, inactive_days=14)
    fits = RedisTimelineStore(redis, "enc:", setting - 2, inactive_days=14)

    assert await check_compact_encoding(too_big) == setting
    assert [entry["event"] for entry in recorder.entries] == ["redis_timelines_not_compact"]
    warning = recorder.entries[0]
    assert warning["zset_max_listpack_entries"] == setting
    assert warning["needed"] == setting + 1
    assert f"zset-max-listpack-entries {setting + 1}" in warning["hint"]

    recorder.entries.clear()
    assert await check_compact_encoding(fits) == setting
    assert recorder.entries == []


async def test_the_needed_setting_is_what_keeps_a_full_timeline_a_listpack(redis: Any) -> None:
    """TIMELINE_MAX + 2: the posts, the sentinel and the member a fan-out adds before it
    trims. One more post than that and the timeline becomes a skiplist for good."""
    setting = await server_setting(redis)
    prefix = f"enc{uuid.uuid4().hex[:8]}:"
    encodings = {}
    try:
        for cap in (setting - 2, setting - 1):
            store = RedisTimelineStore(redis, prefix, cap, inactive_days=14)
            user_id = cap
            assert await store.begin_rebuild(user_id)
            await store.finish_rebuild(user_id, list(range(1, cap + 1)))  # full
            for post_id in range(cap + 1, cap + 4):  # three more fan-outs, each trimmed
                assert await store.fan_out([user_id], post_id) == 1
            key = f"{prefix}tl:{{{user_id}}}"
            assert await redis.zcard(key) == cap + 1  # the posts and the sentinel
            encodings[cap] = await redis.object("encoding", key)
    finally:
        async for key in redis.scan_iter(match=f"{prefix}*", count=1000):
            await redis.delete(key)
    assert encodings[setting - 2] in (b"listpack", "listpack", b"ziplist", "ziplist")
    assert encodings[setting - 1] in (b"skiplist", "skiplist")


async def test_a_redis_that_forbids_config_is_started_with_all_the_same(recorder: Recorder) -> None:
    class ManagedRedis:
        """Answers like a managed Redis where CONFIG is disabled."""

        def register_script(self, _script: str) -> object:
            return object()

        async def config_get(self, _name: str) -> dict[str, str]:
            from redis.exceptions import ResponseError

            raise ResponseError("unknown command 'CONFIG'")

    store = RedisTimelineStore(ManagedRedis(), "x:", 800, inactive_days=14)

    assert await check_compact_encoding(store) is None
    assert [entry["event"] for entry in recorder.entries] == ["redis_encoding_unchecked"]
