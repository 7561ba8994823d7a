"""Faults in the event path: a handler that keeps failing ends in the dead-letter place an
operator can inspect; losing every timeline (Redis flushed) changes no feed."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select

from shutter.db.tables import outbox
from shutter.events.types import POST_CREATED, PostCreated
from shutter.stores.timelines import MemoryTimelineStore
from tests.conftest import RunningServer
from tests.factories import follow, register
from tests.integration.test_hybrid_feed import quick_post, whole_feed


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"event_max_attempts": 2, "event_retry_base_seconds": 0.05, "celebrity_threshold": 3}


async def test_an_event_that_keeps_failing_is_dead_lettered_with_its_error(
    profile: str, server: RunningServer, client: httpx.AsyncClient
) -> None:
    attempts: list[int] = []

    async def broken_handler(_context: Any, event: PostCreated) -> None:
        attempts.append(event.outbox_id)
        raise RuntimeError("notification service exploded")

    server.context.events.registry.on(PostCreated, broken_handler)
    author = await register(client)
    post_id = await quick_post(client, author)
    await server.settle()

    assert len(attempts) == 2  # event_max_attempts, then no more
    if profile == "embedded":
        async with server.context.db.read() as conn:
            row = (await conn.execute(select(outbox).where(outbox.c.topic == POST_CREATED))).one()
        assert row.dead_at is not None
        assert row.published_at is None
        assert "notification service exploded" in row.last_error
        assert orjson.loads(row.payload)["post_id"] == int(post_id)
    else:
        js = server.context.nats.jetstream()
        namespace = server.settings.namespace
        subscription = await js.subscribe(f"{namespace}.dlq.{POST_CREATED}", ordered_consumer=True)
        message = await subscription.next_msg(timeout=30)  # a bound, not a speed claim
        body = orjson.loads(message.data)
        assert body["event"]["payload"]["post_id"] == int(post_id)
        assert "notification service exploded" in body["error"]
        await subscription.unsubscribe()
    # The other handlers of the event still did their work: the post is in the feed.
    assert await whole_feed(client, author) == [post_id]


async def test_feeds_come_back_identical_after_every_timeline_is_lost(
    profile: str, server: RunningServer, client: httpx.AsyncClient
) -> None:
    people = [await register(client) for _ in range(5)]
    for person in people:
        await whole_feed(client, person)
    for reader in people[1:]:
        await follow(client, reader, people[0])  # people[0] crosses the threshold of 3
    await follow(client, people[0], people[1])
    for person in people[:3]:
        await quick_post(client, person)
        await quick_post(client, person)
    await server.settle()
    before = {person.id: await whole_feed(client, person, limit=4) for person in people}

    context = server.context
    if profile == "embedded":
        empty = MemoryTimelineStore(context.settings.timeline_max, context.settings.inactive_days)
        object.__setattr__(context, "timelines", empty)  # the context is frozen
    else:  # FLUSH, limited to this test's keys: timelines, recent lists, author modes
        async for key in context.redis.scan_iter(match=f"{context.settings.namespace}:*"):
            await context.redis.delete(key)

    for _ in range(3):  # served from the database at once, then from rebuilt timelines
        for person in people:
            assert await whole_feed(client, person, limit=4) == before[person.id]
        await server.settle()
        await asyncio.sleep(0.1)
