"""Test-only operations on the stores, kept off their production interfaces."""

from __future__ import annotations

from shutter.stores.timelines import (
    TimelineStore,
)


async def drop_timeline(store: TimelineStore, user_id: int) -> None:
    """Lose one stored timeline, as a Redis flush or an expiry would."""
    await store.drop(user_id)
