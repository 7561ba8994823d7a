"""Queries on comments and their replies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import RowMapping, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import dialect_insert
from shutter.db.tables import comment_filters, comments
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
)


async def insert_comment(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(comments.insert().values(**values))


async def get_comment(conn: AsyncConnection, comment_id: int) -> RowMapping | None:
    """A comment that has not been deleted."""
    query = select(*COMMENT_COLUMNS).where((comments.c.id == comment_id) & comment_is_live())
    return (await conn.execute(query)).mappings().first()


async def page_comments(
    conn: AsyncConnection,
    post_id: int,
    parent_id: int | None,
    after_id: int | None,
    limit: int,
    viewer_id: int | None,
) -> Sequence[RowMapping]:
    """Live comments of a post (top level, or the replies to `parent_id`), oldest first;
    comments by people the viewer blocked or is blocked by are left out."""
    parent = (
        comments.c.parent_id.is_(None) if parent_id is None else comments.c.parent_id == parent_id
    )
    query = select(*COMMENT_COLUMNS).where(
        (comments.c.post_id == post_id) & parent & comment_is_live()
    )
    if after_id is not None:
        query = query.where(comments.c.id > after_id)
    # Blocked either way, or deactivated (the author's deletion requested): left out; so
    # are comments the post author's filter hid, but for their author and the post's.
    query = query.where(
        ~hidden_by_block(viewer_id, comments.c.author_id) & comment_shown_to(viewer_id)
    )
    return (await conn.execute(query.order_by(comments.c.id).limit(limit))).mappings().all()


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
