"""Event handlers and periodic jobs of trust and safety.

- A removed post leaves the stored timelines (read paths hide it at once already, through
  the visibility rule); a restored one is pushed back as at its creation.
- Suspensions whose `until` has passed are lifted every `LIFT_INTERVAL_S` (login accepts
  the account again from `until` on, before the job runs; its content shows again when
  the job has run).
"""

from __future__ import annotations

import structlog

from shutter.context import AppContext
from shutter.events.periodic import Scheduler
from shutter.events.runtime import HandlerRegistry
from shutter.events.types import Event
from shutter.feed import tasks as feed_tasks
from shutter.moderation import repository
from shutter.moderation.events import REMOVED_TOPIC, RESTORED_TOPIC
from shutter.timeutil import utcnow

log = structlog.get_logger("shutter.moderation")

LIFT_INTERVAL_S = 60.0
LIFT_BATCH = 500


def _as_post_event(event: Event) -> Event | None:
    """The payload of a moderation event on a post, in the shape the feed handlers read."""
    if event.payload["target_type"] != "post":
        return None
    payload = {"post_id": event.payload["target_id"], "author_id": event.payload["author_id"]}
    return Event(event.id, event.topic, payload)


async def on_content_removed(context: AppContext, event: Event) -> None:
    post_event = _as_post_event(event)
    if post_event is not None:
        await feed_tasks.on_post_deleted(context, post_event)


async def on_content_restored(context: AppContext, event: Event) -> None:
    post_event = _as_post_event(event)
    if post_event is not None:
        await feed_tasks.on_post_created(context, post_event)


async def lift_ended_suspensions(context: AppContext) -> int:
    """Lift the suspensions whose end has passed, with a line in the audit log each."""
    now = utcnow()
    async with context.db.write() as conn:
        ended = await repository.ended_suspensions(conn, now, LIFT_BATCH)
        for user_id in ended:
            await repository.unsuspend(conn, user_id)
            await repository.insert_action(
                conn,
                {
                    "id": context.ids.next_id(),
                    "actor_id": None,
                    "action": "unsuspend",
                    "target_type": "user",
                    "target_id": user_id,
                    "target_owner_id": user_id,
                    "reason": "the suspension ended",
                    "created_at": now,
                },
            )
    if ended:
        log.info("suspensions_lifted", count=len(ended))
    return len(ended)


def register(registry: HandlerRegistry) -> None:
    registry.on(REMOVED_TOPIC, on_content_removed)
    registry.on(RESTORED_TOPIC, on_content_restored)


def schedule(scheduler: Scheduler, context: AppContext) -> None:
    scheduler.every(LIFT_INTERVAL_S, "lift_ended_suspensions", lift_ended_suspensions)
