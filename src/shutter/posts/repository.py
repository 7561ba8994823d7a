"""Queries on posts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple, NotRequired, TypedDict, cast

from sqlalchemy import Result, RowMapping, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.rows import typed_one
from shutter.db.sql import id_in, insert_or_ignore
from shutter.db.tables import idempotency_keys, post_versions, posts
from shutter.privacy.visibility import post_is_live, posts_readable_by

POST_COLUMNS = (
    posts.c.id,
    posts.c.author_id,
    posts.c.caption,
    posts.c.location_name,
    posts.c.location_lat,
    posts.c.location_lng,
    posts.c.location_id,
    posts.c.like_count,
    posts.c.comment_count,
    posts.c.created_at,
    posts.c.sensitive,
    posts.c.content_warning,
    posts.c.comments_enabled,
    posts.c.hide_like_count,
    posts.c.edited_at,
    posts.c.pinned_at,
    posts.c.archived_at,
)
# Boolean columns some queries add to POST_COLUMNS: the reader likes (saved) this post.
LIKED_BY_READER = "liked_by_reader"
SAVED_BY_READER = "saved_by_reader"


class PostRow(TypedDict):
    """A post (POST_COLUMNS), and whether the reader likes it when the query said so."""

    id: int
    author_id: int
    caption: str
    location_name: str | None
    location_lat: float | None
    location_lng: float | None
    location_id: int | None
    like_count: int
    comment_count: int
    created_at: datetime
    sensitive: bool
    content_warning: str | None
    comments_enabled: bool
    hide_like_count: bool
    edited_at: datetime | None
    pinned_at: datetime | None
    archived_at: datetime | None
    liked_by_reader: NotRequired[bool]
    saved_by_reader: NotRequired[bool]
    removed: NotRequired[bool]  # only from get_own_new: a moderator or screening removed it


def post_row(row: RowMapping) -> PostRow:
    """A PostRow from a row of POST_COLUMNS (and LIKED_BY_READER, if the query added it)."""
    result: PostRow = {
        "id": row["id"],
        "author_id": row["author_id"],
        "caption": row["caption"],
        "location_name": row["location_name"],
        "location_lat": row["location_lat"],
        "location_lng": row["location_lng"],
        "location_id": row["location_id"],
        "like_count": row["like_count"],
        "comment_count": row["comment_count"],
        "created_at": row["created_at"],
        "sensitive": bool(row["sensitive"]),
        "content_warning": row["content_warning"],
        "comments_enabled": bool(row["comments_enabled"]),
        "hide_like_count": bool(row["hide_like_count"]),
        "edited_at": row["edited_at"],
        "pinned_at": row["pinned_at"],
        "archived_at": row["archived_at"],
    }
    if LIKED_BY_READER in row:
        result["liked_by_reader"] = bool(row[LIKED_BY_READER])
    if SAVED_BY_READER in row:
        result["saved_by_reader"] = bool(row[SAVED_BY_READER])
    if "removed_at" in row:
        result["removed"] = row["removed_at"] is not None
    return result


_POST_KEYS = tuple(column.name for column in POST_COLUMNS)
_FLAGS = ("sensitive", "comments_enabled", "hide_like_count")
_READER_FLAGS = (LIKED_BY_READER, SAVED_BY_READER)


def post_rows(result: Result[Any]) -> list[PostRow]:
    """The PostRows of a result of POST_COLUMNS (and the reader's flags). A result with
    other columns goes through `post_row`."""
    keys = tuple(result.keys())
    if not _is_post_result(keys):
        return [post_row(row) for row in result.mappings()]
    return post_rows_of(keys, result)


def post_rows_of(keys: tuple[str, ...], tuples: Iterable[Sequence[Any]]) -> list[PostRow]:
    """PostRows from row tuples of POST_COLUMNS (and the reader's flags) with the column
    names read once: the feed's hottest loop (`db.sql.fetch_rows` gives these)."""
    if not _is_post_result(keys):
        raise ValueError(f"not the columns of a post: {keys}")
    flags = _FLAGS + keys[len(_POST_KEYS) :]
    rows = []
    for values in tuples:
        row = dict(zip(keys, values, strict=True))
        for flag in flags:  # SQLite answers 0/1
            row[flag] = bool(row[flag])
        rows.append(cast(PostRow, row))
    return rows


def _is_post_result(keys: tuple[str, ...]) -> bool:
    extra = keys[len(_POST_KEYS) :]
    return keys[: len(_POST_KEYS)] == _POST_KEYS and all(key in _READER_FLAGS for key in extra)


async def insert(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(posts.insert().values(**values))


async def get_live(conn: AsyncConnection, post_id: int, viewer_id: int | None) -> PostRow | None:
    """A live post (deleted, removed and, unless the viewer wrote it, archived ones are
    not); the viewer's right to see its author's content is checked by the caller."""
    query = select(*POST_COLUMNS).where((posts.c.id == post_id) & post_is_live(viewer_id))
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else post_row(row)


async def get_own_new(conn: AsyncConnection, post_id: int) -> PostRow | None:
    """A post not deleted, removed or not (the author's answer to creating it): its row
    says `removed`."""
    query = select(*POST_COLUMNS, posts.c.removed_at).where(
        (posts.c.id == post_id) & posts.c.deleted_at.is_(None)
    )
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else post_row(row)


async def mark_deleted(conn: AsyncConnection, post_id: int, now: datetime) -> bool:
    """Soft-delete; False if it was already gone."""
    statement = (
        update(posts)
        .where((posts.c.id == post_id) & posts.c.deleted_at.is_(None))
        .values(deleted_at=now)
    )
    return (await conn.execute(statement)).rowcount == 1


async def page_by_author(
    conn: AsyncConnection,
    author_id: int,
    viewer_id: int | None,
    before_id: int | None,
    limit: int,
) -> list[PostRow]:
    """A page of the author's unpinned live posts, newest first (pins come first apart)."""
    query = select(*POST_COLUMNS).where(
        (posts.c.author_id == author_id) & post_is_live(viewer_id) & posts.c.pinned_at.is_(None)
    )
    if before_id is not None:
        query = query.where(posts.c.id < before_id)
    return post_rows(await conn.execute(query.order_by(posts.c.id.desc()).limit(limit)))


async def claim_idempotency_key(
    conn: AsyncConnection, user_id: int, key: str, digest: str, resource_id: int, now: datetime
) -> bool:
    """Record a key for a new resource; False if the key was used before (by any request)."""
    statement = (
        insert_or_ignore(conn, idempotency_keys, ["user_id", "key"])
        .values(
            user_id=user_id, key=key, request_digest=digest, resource_id=resource_id, created_at=now
        )
        .returning(idempotency_keys.c.resource_id)
    )
    return (await conn.execute(statement)).first() is not None


class IdempotencyRecord(NamedTuple):
    """What an Idempotency-Key was first used for: the request's digest, the post made."""

    request_digest: str
    resource_id: int


async def get_idempotency_key(
    conn: AsyncConnection, user_id: int, key: str
) -> IdempotencyRecord | None:
    query = select(idempotency_keys.c.request_digest, idempotency_keys.c.resource_id).where(
        (idempotency_keys.c.user_id == user_id) & (idempotency_keys.c.key == key)
    )
    return typed_one(await conn.execute(query), IdempotencyRecord)


async def live_ids_by_author(
    conn: AsyncConnection,
    author_id: int,
    before_id: int | None,
    limit: int,
    after_id: int | None = None,
) -> list[int]:
    """Ids of an author's live posts, newest first, within the given bounds."""
    query = select(posts.c.id).where((posts.c.author_id == author_id) & post_is_live(None))
    if before_id is not None:
        query = query.where(posts.c.id < before_id)
    if after_id is not None:
        query = query.where(posts.c.id >= after_id)
    return list((await conn.execute(query.order_by(posts.c.id.desc()).limit(limit))).scalars())


async def author_of(conn: AsyncConnection, post_id: int) -> tuple[int, bool] | None:
    """(author id, still live) of a post, deleted (or removed) or not."""
    live = post_is_live(None).label("live")  # archived: not live for fan-out
    query = select(posts.c.author_id, live).where(posts.c.id == post_id)
    row = (await conn.execute(query)).first()
    return None if row is None else (row.author_id, bool(row.live))


async def readable_live_among(
    conn: AsyncConnection, post_ids: Sequence[int], reader_id: int
) -> dict[int, PostRow]:
    """Live posts among `post_ids` that the reader may see, in one query."""
    if not post_ids:
        return {}
    query = select(*POST_COLUMNS).where(
        id_in(conn, posts.c.id, post_ids) & post_is_live(reader_id) & posts_readable_by(reader_id)
    )
    return {row["id"]: row for row in post_rows(await conn.execute(query))}


async def pinned_by_author(
    conn: AsyncConnection, author_id: int, viewer_id: int | None
) -> list[PostRow]:
    """The author's pinned live posts, newest pin first (at most MAX_PINS)."""
    query = (
        select(*POST_COLUMNS)
        .where(
            (posts.c.author_id == author_id)
            & posts.c.pinned_at.is_not(None)
            & post_is_live(viewer_id)
        )
        .order_by(posts.c.pinned_at.desc(), posts.c.id.desc())
    )
    return post_rows(await conn.execute(query))


async def count_pins(conn: AsyncConnection, author_id: int) -> int:
    """How many of the author's posts (live or archived) are pinned."""
    query = select(func.count()).where(
        (posts.c.author_id == author_id)
        & posts.c.pinned_at.is_not(None)
        & posts.c.deleted_at.is_(None)
    )
    return int((await conn.execute(query)).scalar_one())


async def update_post(conn: AsyncConnection, post_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(posts).where(posts.c.id == post_id).values(**values))


async def set_archived(conn: AsyncConnection, post_id: int, when: datetime | None) -> bool:
    """Archive (a time) or restore (None); False when it was so already."""
    already = posts.c.archived_at.is_(None) if when is None else posts.c.archived_at.is_not(None)
    statement = update(posts).where((posts.c.id == post_id) & ~already).values(archived_at=when)
    return (await conn.execute(statement)).rowcount == 1


async def archived_page(
    conn: AsyncConnection, author_id: int, before_id: int | None, limit: int
) -> list[PostRow]:
    """The author's archived posts (otherwise live), newest first."""
    query = select(*POST_COLUMNS).where(
        (posts.c.author_id == author_id)
        & posts.c.archived_at.is_not(None)
        & post_is_live(author_id)
    )
    if before_id is not None:
        query = query.where(posts.c.id < before_id)
    return post_rows(await conn.execute(query.order_by(posts.c.id.desc()).limit(limit)))


class PostVersionRow(TypedDict):
    """An earlier version of an edited post: what it said from `valid_from` until
    `replaced_at` (`alt_texts`: JSON {media id: alt text or null})."""

    id: int
    caption: str
    location_name: str | None
    sensitive: bool
    content_warning: str | None
    alt_texts: str
    valid_from: datetime
    replaced_at: datetime


async def insert_version(conn: AsyncConnection, post_id: int, version: PostVersionRow) -> None:
    await conn.execute(post_versions.insert().values(post_id=post_id, **version))


async def versions_of(conn: AsyncConnection, post_id: int, limit: int) -> list[PostVersionRow]:
    """A post's earlier versions, newest first."""
    query = (
        select(
            post_versions.c.id,
            post_versions.c.caption,
            post_versions.c.location_name,
            post_versions.c.sensitive,
            post_versions.c.content_warning,
            post_versions.c.alt_texts,
            post_versions.c.valid_from,
            post_versions.c.replaced_at,
        )
        .where(post_versions.c.post_id == post_id)
        .order_by(post_versions.c.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": row["id"],
            "caption": row["caption"],
            "location_name": row["location_name"],
            "sensitive": bool(row["sensitive"]),
            "content_warning": row["content_warning"],
            "alt_texts": row["alt_texts"],
            "valid_from": row["valid_from"],
            "replaced_at": row["replaced_at"],
        }
        for row in (await conn.execute(query)).mappings()
    ]


async def caption_of_version(conn: AsyncConnection, version_id: int) -> str | None:
    query = select(post_versions.c.caption).where(post_versions.c.id == version_id)
    caption: str | None = (await conn.execute(query)).scalar_one_or_none()
    return caption
