"""Event handlers and periodic jobs of trust and safety.

- A removed post leaves the stored timelines (read paths hide it at once already, through
  the visibility rule); a restored one is pushed back as at its creation.
- The files of removed content leave the object store's served keys, and come back on a
  restore (`sync_withheld_files`; a no-op on the local store, whose file route refuses them).
- An account that keeps hitting rate limits (`LimitsKeptHit`) is flagged into the queue.
- Suspensions whose `until` has passed are lifted every `LIFT_INTERVAL_S` (login accepts
  the account again from `until` on, before the job runs; its content shows again when
  the job has run).
"""

from __future__ import annotations

from typing import Protocol, TypeVar

import structlog

from shutter.db.database import Database
from shutter.events.periodic import Scheduler
from shutter.events.runtime import HandlerRegistry
from shutter.events.types import (
    ContentRemoved,
    ContentRestored,
    LimitsKeptHit,
    PostCreated,
    PostDeleted,
)
from shutter.feed import tasks as feed_tasks
from shutter.feed.tasks import FeedDeps
from shutter.ids import IdGenerator
from shutter.moderation import repository
from shutter.moderation.service import Signals, raise_flag
from shutter.stores.objects import ObjectStore
from shutter.timeutil import utcnow

log = structlog.get_logger("shutter.moderation")

LIFT_INTERVAL_S = 60.0
LIFT_BATCH = 500


class LiftDeps(Protocol):
    """What lifting ended suspensions uses of the application context."""

    @property
    def db(self) -> Database: ...
    @property
    def ids(self) -> IdGenerator: ...


class FileDeps(Protocol):
    """What keeping the object store in step with withheld files uses."""

    @property
    def db(self) -> Database: ...
    @property
    def objects(self) -> ObjectStore: ...


class ModerationDeps(FeedDeps, FileDeps, Protocol):
    """What the handlers of this module use of the application context."""


D = TypeVar("D", bound=ModerationDeps)
L = TypeVar("L", bound=LiftDeps)


async def on_content_removed(context: FeedDeps, event: ContentRemoved) -> None:
    if event.target_type == "post":
        deleted = PostDeleted(
            post_id=event.target_id, author_id=event.author_id, outbox_id=event.outbox_id
        )
        await feed_tasks.on_post_deleted(context, deleted)


async def on_content_restored(context: FeedDeps, event: ContentRestored) -> None:
    if event.target_type == "post":
        created = PostCreated(
            post_id=event.target_id, author_id=event.author_id, outbox_id=event.outbox_id
        )
        await feed_tasks.on_post_created(context, created)


async def sync_withheld_files(context: FileDeps, target_type: str, target_id: int) -> None:
    """Make the object store agree with `withheld_media_keys` for the target's files: a
    withheld file is moved out of reach, a released one back. It reads the state when it
    runs, so a repeated or late event (a restore overtaken by a second removal) does no
    harm; the primary, so a replica's lag cannot undo a moderator's action."""
    async with context.db.read(primary=True) as conn:
        keys = repository.media_keys(await repository.media_of(conn, target_type, target_id))
        withheld = await repository.withheld_among(conn, keys)
    for key in sorted(keys):
        if key in withheld:
            await context.objects.withhold(key)
        else:
            await context.objects.release(key)


async def on_files_removed(context: FileDeps, event: ContentRemoved) -> None:
    if event.target_type in ("post", "story"):
        await sync_withheld_files(context, event.target_type, event.target_id)


async def on_files_restored(context: FileDeps, event: ContentRestored) -> None:
    if event.target_type in ("post", "story"):
        await sync_withheld_files(context, event.target_type, event.target_id)


async def on_limits_kept_hit(context: ModerationDeps, event: LimitsKeptHit) -> None:
    """Flag an account that keeps hitting rate limits (once while the flag is open)."""
    signals: Signals = {"last_limit": event.action, "refusals": context.settings.rate_limit_refused}
    async with context.db.write() as uow:
        await raise_flag(
            context, uow.conn, "spam", "user", event.user_id, event.user_id, "spam", signals
        )


async def lift_ended_suspensions(context: LiftDeps) -> int:
    """Lift the suspensions whose end has passed, with a line in the audit log each."""
    now = utcnow()
    async with context.db.write() as uow:
        conn = uow.conn
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


def register(registry: HandlerRegistry[D]) -> None:
    registry.on(ContentRemoved, on_content_removed)
    registry.on(ContentRestored, on_content_restored)
    registry.on(ContentRemoved, on_files_removed)
    registry.on(ContentRestored, on_files_restored)
    registry.on(LimitsKeptHit, on_limits_kept_hit)


def schedule(scheduler: Scheduler[L], context: L) -> None:
    scheduler.every(LIFT_INTERVAL_S, "lift_ended_suspensions", lift_ended_suspensions)
