"""Queries on media objects."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from sqlalchemy import ColumnElement, RowMapping, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.rows import typed_all, typed_one
from shutter.db.sql import id_in
from shutter.db.tables import media, posts, users, withheld_media_keys
from shutter.timeutil import utcnow


def unattached() -> ColumnElement[bool]:
    """SQL over `media`: in no post, story or message yet (free to attach to one)."""
    return media.c.post_id.is_(None) & media.c.story_id.is_(None) & media.c.message_id.is_(None)


POST_MEDIA_COLUMNS = (
    media.c.id,
    media.c.post_id,
    media.c.position,
    media.c.kind,
    media.c.width,
    media.c.height,
    media.c.blurhash,
    media.c.original_key,
    media.c.variants,
    media.c.poster_key,
    media.c.duration_s,
    media.c.alt,
)


class MediaRow(TypedDict):
    """The fields of a media object that its API object shows (POST_MEDIA_COLUMNS, a
    story's media columns, or the owner's full row with its processing state), as a plain
    dict: the hydration cache keeps the media of posts, untracked by the garbage collector."""

    id: int
    kind: str
    width: int | None
    height: int | None
    blurhash: str | None
    original_key: str | None
    variants: str | None
    poster_key: str | None
    duration_s: float | None
    alt: NotRequired[str | None]
    status: NotRequired[str]
    error_code: NotRequired[str | None]
    error_message: NotRequired[str | None]


class StoredMedia(TypedDict):
    """A whole row of `media`: what the upload, processing, sending and collection of a
    media object read."""

    id: int
    owner_id: int
    kind: str
    content_type: str
    size_bytes: int
    status: str
    upload_key: str
    original_key: str | None
    variants: str | None
    poster_key: str | None
    width: int | None
    height: int | None
    blurhash: str | None
    duration_s: float | None
    alt: str | None
    error_code: str | None
    error_message: str | None
    post_id: int | None
    position: int | None
    story_id: int | None
    message_id: int | None
    created_at: datetime
    updated_at: datetime
    screening: str | None
    screening_score: float | None


def media_row(row: RowMapping | StoredMedia, *, with_status: bool = False) -> MediaRow:
    """A MediaRow from any row that has the media columns (with its processing state if
    `with_status`)."""
    result: MediaRow = {
        "id": row["id"],
        "kind": row["kind"],
        "width": row["width"],
        "height": row["height"],
        "blurhash": row["blurhash"],
        "original_key": row["original_key"],
        "variants": row["variants"],
        "poster_key": row["poster_key"],
        "duration_s": row["duration_s"],
    }
    if "alt" in row:
        result["alt"] = row["alt"]
    if with_status:
        result["status"] = row["status"]
        result["error_code"] = row["error_code"]
        result["error_message"] = row["error_message"]
    return result


async def insert(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(media.insert().values(**values))


async def get(conn: AsyncConnection, media_id: int) -> StoredMedia | None:
    return typed_one(await conn.execute(select(media).where(media.c.id == media_id)), StoredMedia)


async def status_of(conn: AsyncConnection, media_id: int) -> str | None:
    status: str | None = await conn.scalar(select(media.c.status).where(media.c.id == media_id))
    return status


async def transition(
    conn: AsyncConnection, media_id: int, from_status: str, values: dict[str, Any]
) -> bool:
    """Move a media object on from `from_status`; False if it was not in that state (so of
    two workers racing, one wins)."""
    statement = (
        update(media)
        .where((media.c.id == media_id) & (media.c.status == from_status))
        .values(**values)
    )
    return (await conn.execute(statement)).rowcount == 1


async def fail_stuck(conn: AsyncConnection, before: datetime, code: str, message: str) -> int:
    """Mark media `processing` since before `before` as failed; returns how many."""
    statement = (
        update(media)
        .where((media.c.status == "processing") & (media.c.updated_at < before))
        .values(status="failed", error_code=code, error_message=message, updated_at=utcnow())
    )
    return int((await conn.execute(statement)).rowcount)


async def delete_collectable(
    conn: AsyncConnection, before: datetime, limit: int, removed_before: datetime
) -> list[StoredMedia]:
    """Delete up to `limit` media rows created before `before` that nothing needs: attached
    to no post, story or avatar (uploads never completed or never posted), attached to a
    post deleted before `before`, or to a post a moderator removed before `removed_before`
    (its retention for a restore is over). Media being processed is left alone. Returns
    the rows."""
    unused = (
        unattached()
        & (media.c.created_at < before)
        & (media.c.status != "processing")
        & ~exists().where(users.c.avatar_media_id == media.c.id)
    )
    of_deleted_post = media.c.post_id.in_(
        select(posts.c.id).where(
            (posts.c.deleted_at.is_not(None) & (posts.c.deleted_at < before))
            | (posts.c.removed_at.is_not(None) & (posts.c.removed_at < removed_before))
        )
    )
    ids = select(media.c.id).where(unused | of_deleted_post).limit(limit)
    if conn.dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    chosen = [row[0] for row in await conn.execute(ids)]
    if not chosen:
        return []
    rows = typed_all(await conn.execute(select(media).where(media.c.id.in_(chosen))), StoredMedia)
    await conn.execute(delete(media).where(media.c.id.in_(chosen)))
    return rows


async def originals_in_use(conn: AsyncConnection, keys: Sequence[str]) -> set[str]:
    """Which of these original keys some media row still refers to (the same bytes
    uploaded twice share one set of content-addressed files)."""
    if not keys:
        return set()
    query = select(media.c.original_key).where(media.c.original_key.in_(set(keys)))
    return {row[0] for row in await conn.execute(query)}


async def attach_to_post(
    conn: AsyncConnection, media_id: int, owner_id: int, post_id: int, position: int
) -> bool:
    """Attach a ready media object of this owner that no post, story or message uses;
    False if it is not one."""
    statement = (
        update(media)
        .where(
            (media.c.id == media_id)
            & (media.c.owner_id == owner_id)
            & (media.c.status == "ready")
            & unattached()
        )
        .values(post_id=post_id, position=position)
    )
    return (await conn.execute(statement)).rowcount == 1


async def attach_to_message(
    conn: AsyncConnection, media_id: int, owner_id: int, message_id: int, keys: dict[str, Any]
) -> bool:
    """Attach a ready photo or video of this owner that nothing uses yet to a message,
    with its files' private keys (`keys`: original_key, variants, poster_key); False if it
    is not one (concurrent attempts included: the condition is in the UPDATE)."""
    statement = (
        update(media)
        .where(
            (media.c.id == media_id)
            & (media.c.owner_id == owner_id)
            & (media.c.status == "ready")
            & media.c.kind.in_(("image", "video"))
            & unattached()
            & ~exists().where(users.c.avatar_media_id == media.c.id)
        )
        .values(message_id=message_id, updated_at=utcnow(), **keys)
    )
    return (await conn.execute(statement)).rowcount == 1


async def for_messages(conn: AsyncConnection, media_ids: Sequence[int]) -> dict[int, MediaRow]:
    """The media of many messages in one query, by media id."""
    if not media_ids:
        return {}
    query = select(*POST_MEDIA_COLUMNS).where(
        id_in(conn, media.c.id, media_ids) & media.c.message_id.is_not(None)
    )
    return {row["id"]: media_row(row) for row in (await conn.execute(query)).mappings()}


async def detach_from_message(conn: AsyncConnection, message_id: int) -> list[StoredMedia]:
    """Delete the media rows of an unsent message; returns them (their files go next)."""
    query = select(media).where(media.c.message_id == message_id)
    rows = typed_all(await conn.execute(query), StoredMedia)
    if rows:
        await conn.execute(delete(media).where(media.c.message_id == message_id))
    return rows


async def for_posts(conn: AsyncConnection, post_ids: Sequence[int]) -> dict[int, list[MediaRow]]:
    """Media of many posts in one query: {post id: [media in position order]}."""
    if not post_ids:
        return {}
    query = (
        select(*POST_MEDIA_COLUMNS)
        .where(id_in(conn, media.c.post_id, post_ids))
        .order_by(media.c.post_id, media.c.position)
    )
    grouped: dict[int, list[MediaRow]] = {}
    for row in (await conn.execute(query)).mappings():
        grouped.setdefault(row["post_id"], []).append(media_row(row))
    return grouped


async def set_alt(conn: AsyncConnection, media_id: int, owner_id: int, alt: str | None) -> bool:
    """Describe one's own media not yet in a post or story (False otherwise): the media
    of posts are cached as they were published."""
    done = await conn.execute(
        update(media)
        .where((media.c.id == media_id) & (media.c.owner_id == owner_id) & unattached())
        .values(alt=alt, updated_at=utcnow())
    )
    return done.rowcount == 1


async def forget_withheld(conn: AsyncConnection, keys: Collection[str]) -> None:
    """Drop deleted files from the withheld list."""
    if keys:
        query = delete(withheld_media_keys).where(withheld_media_keys.c.key.in_(sorted(keys)))
        await conn.execute(query)


async def is_withheld(conn: AsyncConnection, key: str) -> bool:
    """Is this object key a file of removed content (moderation withholds it)?"""
    query = select(withheld_media_keys.c.key).where(withheld_media_keys.c.key == key)
    return (await conn.execute(query)).first() is not None


async def set_post_alts(
    conn: AsyncConnection, post_id: int, alts: dict[int, str | None]
) -> set[int]:
    """Describe media of a post (an edit of the post); returns the ids that belong to it."""
    done = set()
    for media_id, alt in alts.items():
        result = await conn.execute(
            update(media)
            .where((media.c.id == media_id) & (media.c.post_id == post_id))
            .values(alt=alt, updated_at=utcnow())
        )
        if result.rowcount == 1:
            done.add(media_id)
    return done


async def alts_of_post(conn: AsyncConnection, post_id: int) -> dict[int, str | None]:
    """{media id: alt text} of a post's media, in order."""
    query = (
        select(media.c.id, media.c.alt).where(media.c.post_id == post_id).order_by(media.c.position)
    )
    return {row.id: row.alt for row in await conn.execute(query)}
