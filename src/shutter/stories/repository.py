"""Queries on stories, their views, and the media they carry. The only place that writes
SQL for stories.

Every query that serves a story filters on `expires_at > now` itself: a story is never
served after its deadline, however late the expiry job runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypedDict

from sqlalchemy import RowMapping, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.rows import typed_all
from shutter.db.sql import id_in, insert_or_ignore
from shutter.db.tables import (
    close_friends,
    follows,
    highlight_items,
    highlights,
    media,
    stories,
    story_views,
    users,
)
from shutter.media.repository import MediaRow, media_row, unattached
from shutter.privacy.visibility import (
    blocked_either_way,
    content_readable_by,
    hidden_by_block,
    muted,
    story_audience_includes,
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
    stories.c.audience,
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
    audience: str  # "everyone" | "close_friends"
    media: MediaRow


def story_row(row: RowMapping) -> StoryRow:
    return {
        "story_id": row["story_id"],
        "author_id": row["author_id"],
        "created_at": row["created_at"],
        "expires_at": row["expires_at"],
        "audience": row["audience"],
        "media": media_row(row),
    }


class NewStory(NamedTuple):
    """A story just created, as its author reads it back: whether screening removed it."""

    story: StoryRow
    removed: bool


class ExpiredStory(NamedTuple):
    """A story `expire_due` just expired."""

    id: int
    author_id: int
    media_id: int


class RetainedMedia(NamedTuple):
    """A deleted story whose media's retention is over (`media_past_retention`), with its
    media's object keys (None when the media row is gone)."""

    id: int
    author_id: int
    media_id: int
    original_key: str | None
    variants: str | None
    poster_key: str | None


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


async def get_live(
    conn: AsyncConnection, story_id: int, now: datetime, reader_id: int
) -> StoryRow | None:
    """A live story whose audience takes in the reader (the account rule is the caller's)."""
    query = _with_media().where(
        (stories.c.id == story_id) & _live(now) & story_audience_includes(reader_id)
    )
    row = (await conn.execute(query)).mappings().first()
    return story_row(row) if row is not None else None


async def get_own_new(conn: AsyncConnection, story_id: int, author_id: int) -> NewStory | None:
    """A story just created, for its author, whatever screening did to it (`removed_at`)."""
    query = (
        _with_media()
        .add_columns(stories.c.removed_at)
        .where((stories.c.id == story_id) & (stories.c.author_id == author_id))
    )
    row = (await conn.execute(query)).mappings().first()
    return NewStory(story_row(row), row["removed_at"] is not None) if row is not None else None


async def live_by_author(
    conn: AsyncConnection, author_id: int, now: datetime, reader_id: int
) -> list[StoryRow]:
    """An author's live stories whose audience takes in the reader, oldest first."""
    query = (
        _with_media()
        .where((stories.c.author_id == author_id) & _live(now) & story_audience_includes(reader_id))
        .order_by(stories.c.id)
    )
    return [story_row(row) for row in (await conn.execute(query)).mappings()]


async def live_for_tray(
    conn: AsyncConnection, reader_id: int, now: datetime, limit: int
) -> list[StoryRow]:
    """Live stories of the reader and of the accounts the reader follows (accepted follows
    only: for a private account that is exactly its approved followers), minus anyone
    blocked either way, accounts whose stories the reader muted, and close-friends
    stories of lists the reader is not on; the newest `limit` of them, newest first."""
    followees = select(follows.c.followee_id).where(
        (follows.c.follower_id == reader_id) & (follows.c.status == "accepted")
    )
    query = (
        _with_media()
        .where(
            _live(now)
            & or_(stories.c.author_id == reader_id, stories.c.author_id.in_(followees))
            & ~hidden_by_block(reader_id, stories.c.author_id)  # blocks, deactivated
            & ~muted(reader_id, stories.c.author_id, "stories")
            & story_audience_includes(reader_id)
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
    """Soft-delete a live story (and take it out of any highlight); False if it was gone
    already."""
    statement = (
        update(stories).where((stories.c.id == story_id) & _live(now)).values(deleted_at=now)
    )
    deleted = (await conn.execute(statement)).rowcount == 1
    if deleted:
        await conn.execute(delete(highlight_items).where(highlight_items.c.story_id == story_id))
    return deleted


async def expire_due(conn: AsyncConnection, now: datetime, limit: int) -> list[ExpiredStory]:
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
    return typed_all(await conn.execute(statement), ExpiredStory)


async def media_past_retention(
    conn: AsyncConnection, deleted_before: datetime, limit: int
) -> list[RetainedMedia]:
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
            & ~held_by_highlight()
        )
        .order_by(stories.c.deleted_at)
        .limit(limit)
    )
    return typed_all(await conn.execute(query), RetainedMedia)


def held_by_highlight() -> Any:
    """SQL over `stories`: some highlight holds the story (its media are kept)."""
    return exists().where(highlight_items.c.story_id == stories.c.id)


async def claim_for_media_removal(conn: AsyncConnection, story_id: int) -> bool:
    """In the transaction that removes a story's media: lock the story's row and say
    whether its media may go (not removed yet, held by no highlight). Highlights lock the
    same rows before adding a story (`lock_own_stories`), so the two never cross."""
    locked = select(stories.c.id).where(stories.c.id == story_id).with_for_update()
    await conn.execute(locked)
    query = select(stories.c.id).where(
        (stories.c.id == story_id) & stories.c.media_deleted_at.is_(None) & ~held_by_highlight()
    )
    return (await conn.execute(query)).first() is not None


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
        & story_audience_includes(reader_id)
    )
    return {row["story_id"]: story_row(row) for row in (await conn.execute(query)).mappings()}


# -- the story archive ---------------------------------------------------------------------

ARCHIVE_COLUMNS = (*STORY_COLUMNS, stories.c.media_deleted_at)


def in_archive() -> Any:
    """SQL over `stories`: what the author's archive holds: live and expired stories (and
    imported archived ones), not those the author deleted before they expired, nor those a
    moderator removed. The expiry job sets `deleted_at` past `expires_at`; an author's
    delete, only possible while the story is live, sets it before."""
    return (
        stories.c.deleted_at.is_(None) | (stories.c.deleted_at >= stories.c.expires_at)
    ) & stories.c.removed_at.is_(None)


class ArchivedStoryRow(TypedDict):
    """A story of the author's archive: a StoryRow and whether its media are gone."""

    story: StoryRow
    media_deleted: bool


def archived_row(row: RowMapping) -> ArchivedStoryRow:
    return {"story": story_row(row), "media_deleted": row["media_deleted_at"] is not None}


async def page_archive(
    conn: AsyncConnection, author_id: int, before_id: int | None, limit: int
) -> list[ArchivedStoryRow]:
    """The author's archive, newest first."""
    query = (
        select(*ARCHIVE_COLUMNS)
        .select_from(stories.join(media, media.c.id == stories.c.media_id))
        .where((stories.c.author_id == author_id) & in_archive())
    )
    if before_id is not None:
        query = query.where(stories.c.id < before_id)
    query = query.order_by(stories.c.id.desc()).limit(limit)
    return [archived_row(row) for row in (await conn.execute(query)).mappings()]


# -- close friends -------------------------------------------------------------------------


async def close_friend_ids(conn: AsyncConnection, owner_id: int) -> list[int]:
    """The owner's close friends, leaving out anyone in a block with the owner and
    accounts gone (deactivated), in the order they were added."""
    query = (
        select(close_friends.c.friend_id)
        .where(
            (close_friends.c.owner_id == owner_id)
            & ~hidden_by_block(owner_id, close_friends.c.friend_id)
        )
        .order_by(close_friends.c.created_at, close_friends.c.friend_id)
    )
    return list((await conn.execute(query)).scalars())


async def replace_close_friends(
    conn: AsyncConnection, owner_id: int, friend_ids: Sequence[int], now: datetime
) -> None:
    """Make the list exactly `friend_ids`; those already on it keep their place."""
    current = set(
        (
            await conn.execute(
                select(close_friends.c.friend_id).where(close_friends.c.owner_id == owner_id)
            )
        ).scalars()
    )
    wanted = list(dict.fromkeys(friend_ids))
    gone = current - set(wanted)
    if gone:
        await conn.execute(
            delete(close_friends).where(
                (close_friends.c.owner_id == owner_id)
                & id_in(conn, close_friends.c.friend_id, list(gone))
            )
        )
    added = [friend_id for friend_id in wanted if friend_id not in current]
    if added:
        await conn.execute(
            close_friends.insert(),
            [{"owner_id": owner_id, "friend_id": friend, "created_at": now} for friend in added],
        )


async def addable_accounts(
    conn: AsyncConnection, owner_id: int, user_ids: Sequence[int]
) -> set[int]:
    """Of `user_ids`, the accounts that exist and are not in a block with the owner (nor
    deactivated or suspended)."""
    if not user_ids:
        return set()
    query = select(users.c.id).where(
        id_in(conn, users.c.id, user_ids)
        & users.c.suspended_at.is_(None)
        & ~hidden_by_block(owner_id, users.c.id)
    )
    return set((await conn.execute(query)).scalars())


# -- highlights ----------------------------------------------------------------------------


class HighlightRow(TypedDict):
    id: int
    owner_id: int
    title: str
    created_at: datetime
    updated_at: datetime


def highlight_row(row: RowMapping) -> HighlightRow:
    return {
        "id": row["id"],
        "owner_id": row["owner_id"],
        "title": row["title"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


async def get_highlight(conn: AsyncConnection, highlight_id: int) -> HighlightRow | None:
    query = select(highlights).where(highlights.c.id == highlight_id)
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else highlight_row(row)


async def highlights_of(conn: AsyncConnection, owner_id: int, limit: int) -> list[HighlightRow]:
    """The owner's highlights, newest first."""
    query = (
        select(highlights)
        .where(highlights.c.owner_id == owner_id)
        .order_by(highlights.c.id.desc())
        .limit(limit)
    )
    return [highlight_row(row) for row in (await conn.execute(query)).mappings()]


async def count_highlights(conn: AsyncConnection, owner_id: int) -> int:
    query = select(func.count()).select_from(highlights).where(highlights.c.owner_id == owner_id)
    return int((await conn.execute(query)).scalar_one())


async def insert_highlight(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(highlights.insert().values(**values))


async def update_highlight(
    conn: AsyncConnection, highlight_id: int, values: dict[str, Any]
) -> None:
    await conn.execute(update(highlights).where(highlights.c.id == highlight_id).values(**values))


async def delete_highlight(conn: AsyncConnection, highlight_id: int) -> None:
    await conn.execute(
        delete(highlight_items).where(highlight_items.c.highlight_id == highlight_id)
    )
    await conn.execute(delete(highlights).where(highlights.c.id == highlight_id))


async def lock_own_stories(
    conn: AsyncConnection, owner_id: int, story_ids: Sequence[int]
) -> set[int]:
    """Lock the owner's stories among `story_ids` that a highlight may hold (in the
    archive, media still kept) and return their ids. The lock keeps the retention job
    (`claim_for_media_removal`) from removing their media under the new highlight."""
    if not story_ids:
        return set()
    query = (
        select(stories.c.id)
        .where(
            id_in(conn, stories.c.id, story_ids)
            & (stories.c.author_id == owner_id)
            & in_archive()
            & stories.c.media_deleted_at.is_(None)
        )
        .order_by(stories.c.id)
    )
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    return set((await conn.execute(query)).scalars())


async def replace_highlight_items(
    conn: AsyncConnection, highlight_id: int, owner_id: int, story_ids: Sequence[int]
) -> None:
    await conn.execute(
        delete(highlight_items).where(highlight_items.c.highlight_id == highlight_id)
    )
    if story_ids:
        await conn.execute(
            highlight_items.insert(),
            [
                {
                    "highlight_id": highlight_id,
                    "story_id": story_id,
                    "owner_id": owner_id,
                    "position": position,
                }
                for position, story_id in enumerate(story_ids)
            ],
        )


async def highlight_stories(
    conn: AsyncConnection, highlight_ids: Sequence[int], reader_id: int | None
) -> dict[int, list[StoryRow]]:
    """The stories of these highlights that the reader may see, in each highlight's order:
    in the archive with their media kept, and, for a close-friends story, the reader on
    the author's list (or the author). The account rule is the caller's."""
    if not highlight_ids:
        return {}
    audience = (
        stories.c.audience == "everyone"
        if reader_id is None
        else story_audience_includes(reader_id)
    )
    query = (
        select(highlight_items.c.highlight_id, *STORY_COLUMNS)
        .select_from(
            highlight_items.join(stories, stories.c.id == highlight_items.c.story_id).join(
                media, media.c.id == stories.c.media_id
            )
        )
        .where(
            id_in(conn, highlight_items.c.highlight_id, highlight_ids)
            & in_archive()
            & stories.c.media_deleted_at.is_(None)
            & audience
        )
        .order_by(highlight_items.c.highlight_id, highlight_items.c.position)
    )
    found: dict[int, list[StoryRow]] = {highlight_id: [] for highlight_id in highlight_ids}
    for row in (await conn.execute(query)).mappings():
        found[row["highlight_id"]].append(story_row(row))
    return found
