"""Test-only operations on the stores, kept off their production interfaces."""

from __future__ import annotations

from shutter.stores.timelines import (
    GuardedTimelineStore,
    MemoryTimelineStore,
    RedisTimelineStore,
    TimelineStore,
)


async def drop_timeline(store: TimelineStore, user_id: int) -> None:
    """Lose one stored timeline, as a Redis flush or an expiry would: no production code
    ever drops one (timelines only expire), so this reaches into each store."""
    if isinstance(store, GuardedTimelineStore):
        store = store.inner
    if isinstance(store, RedisTimelineStore):
        await store.redis.delete(store._timeline(user_id))
    elif isinstance(store, MemoryTimelineStore):
        store._timelines.pop(user_id, None)
        store._expires.pop(user_id, None)
    else:
        raise TypeError(f"cannot drop a timeline from {type(store).__name__}")
