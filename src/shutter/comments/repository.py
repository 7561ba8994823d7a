"""Queries on comments and their replies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypedDict

import orjson
from sqlalchemy import ColumnElement, Result, RowMapping, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import dialect_insert, id_in, insert_or_ignore
from shutter.db.tables import comment_filters, comment_likes, comments, posts
from shutter.privacy.visibility import comment_is_live, comment_shown_to, hidden_by_block

COMMENT_COLUMNS = (
    comments.c.id,
    comments.c.post_id,
    comments.c.author_id,
    comments.c.parent_id,
    comments.c.text,
    comments.c.reply_count,
    comments.c.created_at,
    comments.c.hidden_by_filter,
    comments.c.like_count,
)


class CommentRow(TypedDict):
    """A live comment (COMMENT_COLUMNS)."""

    id: int
    post_id: int
    author_id: int
    parent_id: int | None
    text: str
    reply_count: int
    created_at: datetime
    hidden_by_filter: bool
    like_count: int


def comment_row(row: RowMapping) -> CommentRow:
    """A CommentRow from a row of COMMENT_COLUMNS."""
    return {
        "id": row["id"],
        "post_id": row["post_id"],
        "author_id": row["author_id"],
        "parent_id": row["parent_id"],
        "text": row["text"],
        "reply_count": row["reply_count"],
        "created_at": row["created_at"],
        "hidden_by_filter": bool(row["hidden_by_filter"]),
        "like_count": row["like_count"],
    }


async def insert_comment(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(comments.insert().values(**values))


async def get_comment(conn: AsyncConnection, comment_id: int) -> CommentRow | None:
    """A comment that has not been deleted."""
    query = select(*COMMENT_COLUMNS).where((comments.c.id == comment_id) & comment_is_live())
    return _first(await conn.execute(query))


def _first(result: Result[Any]) -> CommentRow | None:
    row = result.mappings().first()
    return comment_row(row) if row is not None else None


async def get_shown_comment(
    conn: AsyncConnection, comment_id: int, viewer_id: int | None
) -> CommentRow | None:
    """A live comment as the viewer may see it in its post's list: not by someone in a
    block with the viewer, not hidden from the viewer by a comment filter. Whether the
    viewer may read the post is the caller's question (`readable_post`)."""
    query = select(*COMMENT_COLUMNS).where(
        (comments.c.id == comment_id) & comment_is_live() & _shown_to(viewer_id)
    )
    return _first(await conn.execute(query))


def _shown_to(viewer_id: int | None) -> ColumnElement[bool]:
    # Blocked either way, or deactivated (the author's deletion requested): left out; so
    # are comments the post author's filter hid, but for their author and the post's.
    return ~hidden_by_block(viewer_id, comments.c.author_id) & comment_shown_to(viewer_id)


async def page_comments(
    conn: AsyncConnection,
    post_id: int,
    parent_id: int | None,
    after_id: int | None,
    limit: int,
    viewer_id: int | None,
    leave_out: int | None = None,
) -> list[CommentRow]:
    """Live comments of a post (top level, or the replies to `parent_id`), oldest first;
    comments by people the viewer blocked or is blocked by are left out, and so is the
    comment `leave_out` (the pinned one, shown apart)."""
    parent = (
        comments.c.parent_id.is_(None) if parent_id is None else comments.c.parent_id == parent_id
    )
    query = select(*COMMENT_COLUMNS).where(
        (comments.c.post_id == post_id) & parent & comment_is_live() & _shown_to(viewer_id)
    )
    if after_id is not None:
        query = query.where(comments.c.id > after_id)
    if leave_out is not None:
        query = query.where(comments.c.id != leave_out)
    result = await conn.execute(query.order_by(comments.c.id).limit(limit))
    return [comment_row(row) for row in result.mappings()]


async def mark_comment_deleted(conn: AsyncConnection, comment_id: int, now: datetime) -> bool:
    statement = (
        update(comments)
        .where((comments.c.id == comment_id) & comments.c.deleted_at.is_(None))
        .values(deleted_at=now)
    )
    return (await conn.execute(statement)).rowcount == 1


async def mark_replies_deleted(conn: AsyncConnection, parent_id: int, now: datetime) -> list[int]:
    """Delete the live replies of a comment; returns their ids."""
    statement = (
        update(comments)
        .where((comments.c.parent_id == parent_id) & comments.c.deleted_at.is_(None))
        .values(deleted_at=now)
        .returning(comments.c.id)
    )
    return list((await conn.execute(statement)).scalars())


async def add_to_reply_count(conn: AsyncConnection, comment_id: int, delta: int) -> None:
    target = comments.c.reply_count
    await conn.execute(
        update(comments).where(comments.c.id == comment_id).values(reply_count=target + delta)
    )


# -- likes on comments -------------------------------------------------------------------


async def insert_comment_like(
    conn: AsyncConnection, comment_id: int, user_id: int, like_id: int, now: datetime
) -> bool:
    """Like a comment; False if this user already did (concurrent callers included)."""
    statement = (
        insert_or_ignore(conn, comment_likes, ["comment_id", "user_id"])
        .values(comment_id=comment_id, user_id=user_id, id=like_id, created_at=now)
        .returning(comment_likes.c.id)
    )
    return (await conn.execute(statement)).first() is not None


async def delete_comment_like(conn: AsyncConnection, comment_id: int, user_id: int) -> bool:
    statement = delete(comment_likes).where(
        (comment_likes.c.comment_id == comment_id) & (comment_likes.c.user_id == user_id)
    )
    return (await conn.execute(statement)).rowcount == 1


async def add_to_like_count(conn: AsyncConnection, comment_id: int, delta: int) -> int:
    """Atomic increment in the database (concurrent likes never lose an update); returns
    the count after it."""
    target = comments.c.like_count
    statement = (
        update(comments)
        .where(comments.c.id == comment_id)
        .values(like_count=target + delta)
        .returning(target)
    )
    return int((await conn.execute(statement)).scalar_one())


async def like_count(conn: AsyncConnection, comment_id: int) -> int:
    query = select(comments.c.like_count).where(comments.c.id == comment_id)
    return int((await conn.execute(query)).scalar_one())


async def has_liked_comment(conn: AsyncConnection, comment_id: int, user_id: int) -> bool:
    query = select(comment_likes.c.id).where(
        (comment_likes.c.comment_id == comment_id) & (comment_likes.c.user_id == user_id)
    )
    return (await conn.execute(query)).first() is not None


async def liked_among(conn: AsyncConnection, user_id: int, comment_ids: Sequence[int]) -> set[int]:
    """Which of these comments the user liked: one query for a page of comments."""
    if not comment_ids:
        return set()
    query = select(comment_likes.c.comment_id).where(
        (comment_likes.c.user_id == user_id) & id_in(conn, comment_likes.c.comment_id, comment_ids)
    )
    return set((await conn.execute(query)).scalars())


# -- the pinned comment -------------------------------------------------------------------


async def pinned_comment_id(conn: AsyncConnection, post_id: int) -> int | None:
    query = select(posts.c.pinned_comment_id).where(posts.c.id == post_id)
    found = (await conn.execute(query)).scalar_one_or_none()
    return None if found is None else int(found)


async def set_pinned_comment(conn: AsyncConnection, post_id: int, comment_id: int) -> None:
    """Pin the comment: it replaces the post's previous pin, if any."""
    await conn.execute(
        update(posts).where(posts.c.id == post_id).values(pinned_comment_id=comment_id)
    )


async def clear_pinned_comment(conn: AsyncConnection, post_id: int, comment_id: int) -> bool:
    """Unpin the comment if it is the post's pin; False when it was not."""
    statement = (
        update(posts)
        .where((posts.c.id == post_id) & (posts.c.pinned_comment_id == comment_id))
        .values(pinned_comment_id=None)
    )
    return (await conn.execute(statement)).rowcount == 1


class CommentFilterRow(NamedTuple):
    """An account's comment filters: case-folded words, and comments for followers only."""

    words: list[str]
    followers_only: bool


async def get_filters(conn: AsyncConnection, user_id: int) -> CommentFilterRow:
    query = select(comment_filters.c.words, comment_filters.c.followers_only).where(
        comment_filters.c.user_id == user_id
    )
    row = (await conn.execute(query)).first()
    if row is None:
        return CommentFilterRow([], False)
    return CommentFilterRow(list(orjson.loads(row.words)), bool(row.followers_only))


async def put_filters(
    conn: AsyncConnection, user_id: int, words: list[str], followers_only: bool, now: datetime
) -> None:
    values = {"words": orjson.dumps(words).decode(), "followers_only": followers_only}
    statement = (
        dialect_insert(conn, comment_filters)
        .values(user_id=user_id, updated_at=now, **values)
        .on_conflict_do_update(index_elements=["user_id"], set_={**values, "updated_at": now})
    )
    await conn.execute(statement)
