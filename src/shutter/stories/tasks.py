"""Story expiry, a periodic job (see `events/periodic.py`).

Readers never depend on it: every read filters on `expires_at`. The job tidies up after
the deadline: it soft-deletes expired stories, writing a `story.expired` event to the
outbox in the same transaction, and once `SHUTTER_STORY_MEDIA_RETENTION_SECONDS` have
passed since a story was deleted (expired or taken down by its author) it deletes the
story's media objects from the object store, unless a highlight holds the story: its
media are then kept for as long as one does, and follow the same retention (counted from
the story's deletion) once none does.

Safe in several processes at once: expiry claims rows with a conditional UPDATE, so each
story expires (and emits its event) exactly once; deleting an object twice is harmless.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol, TypeVar

import orjson
import structlog

from shutter.db.database import Database
from shutter.events.periodic import Scheduler
from shutter.events.types import StoryExpired
from shutter.ids import IdGenerator
from shutter.settings import Settings
from shutter.stores.objects import ObjectStore
from shutter.stories import repository
from shutter.stories.repository import RetainedMedia
from shutter.timeutil import utcnow

log = structlog.get_logger("shutter.stories")

BATCH = 500


class ExpiryDeps(Protocol):
    """What story expiry uses of the application context."""

    @property
    def settings(self) -> Settings: ...
    @property
    def db(self) -> Database: ...
    @property
    def ids(self) -> IdGenerator: ...
    @property
    def objects(self) -> ObjectStore: ...


D = TypeVar("D", bound=ExpiryDeps)


async def expire_stories(context: ExpiryDeps) -> int:
    """Soft-delete every story past its deadline; returns how many this call expired."""
    total = 0
    while True:
        async with context.db.write() as uow:
            rows = await repository.expire_due(uow.conn, utcnow(), BATCH)
            for row in rows:
                await uow.record(
                    StoryExpired(story_id=row.id, author_id=row.author_id, media_id=row.media_id)
                )
        total += len(rows)
        if len(rows) < BATCH:
            break
    if total:
        log.info("stories_expired", stories=total)
    return total


async def remove_retained_media(context: ExpiryDeps) -> int:
    """Delete the media objects of stories deleted more than the retention ago; returns
    how many stories' media this call removed.

    Every object of the media goes: the original (a video's transcoded MP4), each variant
    and the poster. Objects are content-addressed: the same bytes posted elsewhere share
    them, and they are then kept (only the story's claim on them ends)."""
    retention = timedelta(seconds=context.settings.story_media_retention_seconds)
    total = 0
    while True:
        async with context.db.read() as conn:
            rows = await repository.media_past_retention(conn, utcnow() - retention, BATCH)
        for row in rows:
            removed: list[str] = []
            kept: list[str] = []
            # One transaction per story, holding its row: a highlight that takes the story
            # meanwhile waits for it, or wins and keeps the media (nothing is deleted).
            async with context.db.write() as uow:
                if not await repository.claim_for_media_removal(uow.conn, row.id):
                    continue
                if row.original_key:
                    shared = await repository.object_used_elsewhere(
                        uow.conn, row.original_key, row.media_id
                    )
                    keys = _object_keys(row, row.original_key)
                    if shared:
                        kept += keys
                    else:
                        for key in keys:
                            await context.objects.delete(key)
                        removed += keys
                await repository.mark_media_deleted(uow.conn, row.id, utcnow())
            log.info(
                "story_media_removed",
                story_id=row.id,
                author_id=row.author_id,
                media_id=row.media_id,
                removed=removed,
                kept_shared=kept,
            )
        total += len(rows)
        if len(rows) < BATCH:
            return total


def _object_keys(row: RetainedMedia, original_key: str) -> list[str]:
    """Every stored object of a story's media: original, variants, poster (one file may
    serve several sizes of a small picture: each is named once)."""
    keys = [original_key]
    if row.variants:
        keys += orjson.loads(row.variants).values()
    if row.poster_key:
        keys.append(row.poster_key)
    return list(dict.fromkeys(keys))


async def run_expiry(context: ExpiryDeps) -> None:
    """One round of the job: expire, then remove media past the retention."""
    await expire_stories(context)
    await remove_retained_media(context)


def schedule(scheduler: Scheduler[D], context: D) -> None:
    scheduler.every(context.settings.story_expiry_interval_seconds, "story_expiry", run_expiry)
