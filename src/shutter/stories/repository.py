"""Queries on stories, their views, and the media they carry. The only place that writes
SQL for stories.

Every query that serves a story filters on `expires_at > now` itself: a story is never
served after its deadline, however late the expiry job runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import RowMapping, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import id_in, insert_or_ignore
from shutter.db.tables import follows, media, stories, story_views, users
from shutter.media.repository import MediaRow, media_row, unattached
from shutter.privacy.visibility import (
    blocked_either_way,
    content_readable_by,
    hidden_by_block,
    story_is_live,
)
from shutter.users.repository import AuthorRow, author_row

# A story joined with the fields its media object needs: `id` is the MEDIA id (what
# present_media reads), the story's own id is `story_id`.
STORY_COLUMNS = (
    stories.c.id.label("story_id"),
    stories.c.author_id,
    stories.c.created_at,
    stories.c.expires_at,
    media.c.id,
    media.c.kind,
    media.c.width,
    media.c.height,
    media.c.blurhash,
    media.c.original_key,
    media.c.variants,
    media.c.poster_key,
    media.c.duration_s,
)


class StoryRow(TypedDict):
    """A live story (STORY_COLUMNS): its own fields and its media object's."""

    story_id: int
    author_id: int
    created_at: datetime
    expires_at: datetime
    media: MediaRow


def story_row(row: RowMapping) -> StoryRow:
    return {
        "story_id": row["story_id"],
        "author_id": row["author_id"],
        "created_at": row["created_at"],
        "expires_at": row["expires_at"],
        "media": media_row(row),
    }


class StoryViewerRow(TypedDict):
    """One view of a story (page_viewers): the view's id and time, the viewer's author
    fields."""

    view_id: int
    viewed_at: datetime
    viewer: AuthorRow


def _live(now: datetime) -> Any:
    return story_is_live(now)


def _with_media() -> Any:
    return select(*STORY_COLUMNS).select_from(stories.join(media, media.c.id == stories.c.media_id))


async def insert(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(stories.insert().values(**values))


async def attach_media(conn: AsyncConnection, media_id: int, owner_id: int, story_id: int) -> bool:
    """Attach a ready media object of this owner that no post or story uses yet; False if
    it is not one (concurrent attempts included: the condition is in the UPDATE)."""
    statement = (
        update(media)
        .where(
            (media.c.id == media_id)
            & (media.c.owner_id == owner_id)
            & (media.c.status == "ready")
            & media.c.kind.in_(("image", "video"))
            & unattached()
        )
        .values(story_id=story_id)
    )
    return (await conn.execute(statement)).rowcount == 1


async def get_live(conn: AsyncConnection, story_id: int, now: datetime) -> RowMapping | None:
    query = _with_media().where((stories.c.id == story_id) & _live(now))
    return (await conn.execute(query)).mappings().first()


async def live_by_author(conn: AsyncConnection, author_id: int, now: datetime) -> list[StoryRow]:
    """An author's live stories, oldest first."""
    query = (
        _with_media().where((stories.c.author_id == author_id) & _live(now)).order_by(stories.c.id)
    )
    return [story_row(row) for row in (await conn.execute(query)).mappings()]


async def live_for_tray(
    conn: AsyncConnection, reader_id: int, now: datetime, limit: int
) -> list[StoryRow]:
    """Live stories of the reader and of the accounts the reader follows (accepted follows
    only: for a private account that is exactly its approved followers), minus anyone
    blocked either way; the newest `limit` of them, newest first."""
    followees = select(follows.c.followee_id).where(
        (follows.c.follower_id == reader_id) & (follows.c.status == "accepted")
    )
    query = (
        _with_media()
        .where(
            _live(now)
            & or_(stories.c.author_id == reader_id, stories.c.author_id.in_(followees))
            & ~hidden_by_block(reader_id, stories.c.author_id)  # blocks, deactivated
        )
        .order_by(stories.c.id.desc())
        .limit(limit)
    )
    return [story_row(row) for row in (await conn.execute(query)).mappings()]


async def seen_among(conn: AsyncConnection, viewer_id: int, story_ids: Sequence[int]) -> set[int]:
    """Which of these stories the viewer has seen."""
    if not story_ids:
        return set()
    query = select(story_views.c.story_id).where(
        id_in(conn, story_views.c.story_id, story_ids) & (story_views.c.viewer_id == viewer_id)
    )
    return set((await conn.execute(query)).scalars())


async def record_view(
    conn: AsyncConnection, story_id: int, viewer_id: int, view_id: int, now: datetime
) -> bool:
    """Record that the viewer saw the story; False if that was already known."""
    statement = (
        insert_or_ignore(conn, story_views, ["story_id", "viewer_id"])
        .values(story_id=story_id, viewer_id=viewer_id, id=view_id, created_at=now)
        .returning(story_views.c.id)
    )
    return (await conn.execute(statement)).first() is not None


async def page_viewers(
    conn: AsyncConnection, story_id: int, author_id: int, before_id: int | None, limit: int
) -> list[StoryViewerRow]:
    """Viewers of a story, most recent first, without the author and without anyone the
    author blocked or who blocked the author. Rows: view id, viewed_at and author fields."""
    query = (
        select(
            story_views.c.id.label("view_id"),
            story_views.c.created_at.label("viewed_at"),
            users.c.id,
            users.c.username,
            users.c.display_name,
            users.c.avatar_key,
        )
        .select_from(story_views.join(users, users.c.id == story_views.c.viewer_id))
        .where(
            (story_views.c.story_id == story_id)
            & (story_views.c.viewer_id != author_id)
            & ~blocked_either_way(author_id, story_views.c.viewer_id)
        )
    )
    if before_id is not None:
        query = query.where(story_views.c.id < before_id)
    query = query.order_by(story_views.c.id.desc()).limit(limit)
    return [
        {"view_id": row["view_id"], "viewed_at": row["viewed_at"], "viewer": author_row(row)}
        for row in (await conn.execute(query)).mappings()
    ]


async def mark_deleted(conn: AsyncConnection, story_id: int, now: datetime) -> bool:
    """Soft-delete a live story; False if it was gone already."""
    statement = (
        update(stories).where((stories.c.id == story_id) & _live(now)).values(deleted_at=now)
    )
    return (await conn.execute(statement)).rowcount == 1


async def expire_due(conn: AsyncConnection, now: datetime, limit: int) -> list[RowMapping]:
    """Soft-delete up to `limit` stories whose deadline has passed; returns the rows this
    call changed (id, author_id, media_id). Two processes running it at once never both
    change a row: the condition is re-checked by the UPDATE itself."""
    due = (
        select(stories.c.id)
        .where(stories.c.deleted_at.is_(None) & (stories.c.expires_at <= now))
        .order_by(stories.c.expires_at)
        .limit(limit)
        .scalar_subquery()
    )
    statement = (
        update(stories)
        .where(stories.c.id.in_(due) & stories.c.deleted_at.is_(None))
        .values(deleted_at=now)
        .returning(stories.c.id, stories.c.author_id, stories.c.media_id)
    )
    return list((await conn.execute(statement)).mappings())


async def media_past_retention(
    conn: AsyncConnection, deleted_before: datetime, limit: int
) -> list[RowMapping]:
    """Deleted stories whose media objects are still kept and whose retention is over:
    story id, author id, media id and the media's object keys (original, variants,
    poster)."""
    query = (
        select(
            stories.c.id,
            stories.c.author_id,
            stories.c.media_id,
            media.c.original_key,
            media.c.variants,
            media.c.poster_key,
        )
        .select_from(stories.outerjoin(media, media.c.id == stories.c.media_id))
        .where(
            stories.c.deleted_at.is_not(None)
            & stories.c.media_deleted_at.is_(None)
            & (stories.c.deleted_at <= deleted_before)
            & stories.c.archived.is_(False)
        )
        .order_by(stories.c.deleted_at)
        .limit(limit)
    )
    return list((await conn.execute(query)).mappings())


async def object_used_elsewhere(conn: AsyncConnection, key: str, media_id: int) -> bool:
    """Is this (content-addressed) object also the original of other media still in use?
    Media of stories whose media were already deleted do not count."""
    purged_story = exists().where(
        (stories.c.id == media.c.story_id) & stories.c.media_deleted_at.is_not(None)
    )
    query = select(
        exists().where((media.c.original_key == key) & (media.c.id != media_id) & ~purged_story)
    )
    return bool((await conn.execute(query)).scalar())


async def mark_media_deleted(conn: AsyncConnection, story_id: int, now: datetime) -> None:
    statement = (
        update(stories)
        .where((stories.c.id == story_id) & stories.c.media_deleted_at.is_(None))
        .values(media_deleted_at=now)
    )
    await conn.execute(statement)


async def readable_live_among(
    conn: AsyncConnection, story_ids: Sequence[int], reader_id: int, now: datetime
) -> dict[int, StoryRow]:
    """Live stories among `story_ids` that the reader may see, with their media fields,
    in one query (for stories referred to by messages)."""
    if not story_ids:
        return {}
    query = _with_media().where(
        id_in(conn, stories.c.id, story_ids)
        & _live(now)
        & content_readable_by(reader_id, stories.c.author_id)
    )
    return {row["story_id"]: story_row(row) for row in (await conn.execute(query)).mappings()}
