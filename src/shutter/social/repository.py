"""Queries on likes, comments, hashtags and locations."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, Select, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import id_in, ids_param
from shutter.db.tables import (
    comment_hashtags,
    comments,
    hashtags,
    likes,
    locations,
    post_hashtags,
    posts,
)
from shutter.privacy.visibility import hidden_by_block


def _insert(conn: AsyncConnection) -> Any:
    return sqlite_insert if conn.dialect.name == "sqlite" else pg_insert


# Likes


async def insert_like(
    conn: AsyncConnection, post_id: int, user_id: int, like_id: int, now: datetime
) -> bool:
    """Like a post; False if this user already did (concurrent callers included)."""
    statement = (
        _insert(conn)(likes)
        .values(post_id=post_id, user_id=user_id, id=like_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["post_id", "user_id"])
        .returning(likes.c.id)
    )
    return (await conn.execute(statement)).first() is not None


async def delete_like(conn: AsyncConnection, post_id: int, user_id: int) -> bool:
    statement = delete(likes).where((likes.c.post_id == post_id) & (likes.c.user_id == user_id))
    return (await conn.execute(statement)).rowcount == 1


async def has_liked(conn: AsyncConnection, post_id: int, user_id: int) -> bool:
    query = select(likes.c.id).where((likes.c.post_id == post_id) & (likes.c.user_id == user_id))
    return (await conn.execute(query)).first() is not None


@functools.cache
def _liked_among_statement(dialect_name: str) -> Select[Any]:
    return select(likes.c.post_id).where(
        (likes.c.user_id == bindparam("user_id")) & ids_param(dialect_name, likes.c.post_id)
    )


async def liked_among(conn: AsyncConnection, user_id: int, post_ids: Sequence[int]) -> set[int]:
    """Which of these posts the user has liked: one query for a whole page (on every
    page of posts, so the statement is built once per dialect)."""
    if not post_ids:
        return set()
    statement = _liked_among_statement(conn.dialect.name)
    params = {"user_id": user_id, "ids": list(post_ids)}
    return set((await conn.execute(statement, params)).scalars())


async def page_likers(
    conn: AsyncConnection, post_id: int, before_id: int | None, limit: int, viewer_id: int | None
) -> list[tuple[int, int]]:
    """(like id, user id) pairs, most recent like first, leaving out people the viewer
    blocked or is blocked by (in SQL, so that pages stay full and cursors exact)."""
    query = select(likes.c.id, likes.c.user_id).where(
        (likes.c.post_id == post_id) & ~hidden_by_block(viewer_id, likes.c.user_id)
    )
    if before_id is not None:
        query = query.where(likes.c.id < before_id)
    rows = (await conn.execute(query.order_by(likes.c.id.desc()).limit(limit))).all()
    return [(row.id, row.user_id) for row in rows]


async def add_to_post_counter(conn: AsyncConnection, post_id: int, column: str, delta: int) -> None:
    """Atomic increment in the database: concurrent callers never lose an update."""
    target = posts.c[column]
    await conn.execute(update(posts).where(posts.c.id == post_id).values({target: target + delta}))


async def reconcile_post_counts(conn: AsyncConnection, post_ids: Sequence[int]) -> int:
    """Set like_count and comment_count of these posts to what the rows say; returns how
    many posts were off."""
    if not post_ids:
        return 0
    true_likes = (
        select(func.count()).select_from(likes).where(likes.c.post_id == posts.c.id)
    ).scalar_subquery()
    true_comments = (
        select(func.count())
        .select_from(comments)
        .where((comments.c.post_id == posts.c.id) & comments.c.deleted_at.is_(None))
    ).scalar_subquery()
    statement = (
        update(posts)
        .where(
            id_in(conn, posts.c.id, post_ids)
            & ((posts.c.like_count != true_likes) | (posts.c.comment_count != true_comments))
        )
        .values(like_count=true_likes, comment_count=true_comments)
    )
    return (await conn.execute(statement)).rowcount


async def post_ids_page(conn: AsyncConnection, after_id: int, limit: int) -> list[int]:
    """Post ids in id order after `after_id`: the reconciler walks them in batches."""
    query = select(posts.c.id).where(posts.c.id > after_id).order_by(posts.c.id).limit(limit)
    return list((await conn.execute(query)).scalars())


# Comments

COMMENT_COLUMNS = (
    comments.c.id,
    comments.c.post_id,
    comments.c.author_id,
    comments.c.parent_id,
    comments.c.text,
    comments.c.reply_count,
    comments.c.created_at,
)


async def insert_comment(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(comments.insert().values(**values))


async def get_comment(conn: AsyncConnection, comment_id: int) -> RowMapping | None:
    """A comment that has not been deleted."""
    query = select(*COMMENT_COLUMNS).where(
        (comments.c.id == comment_id) & comments.c.deleted_at.is_(None)
    )
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
        (comments.c.post_id == post_id) & parent & comments.c.deleted_at.is_(None)
    )
    if after_id is not None:
        query = query.where(comments.c.id > after_id)
    # Blocked either way, or deactivated (the author's deletion requested): left out.
    query = query.where(~hidden_by_block(viewer_id, comments.c.author_id))
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


# Hashtags


async def attach_hashtags(
    conn: AsyncConnection, post_id: int, tags: Sequence[str], now: datetime
) -> None:
    """Index a new post under its hashtags and count it in each."""
    if not tags:
        return
    statement = (
        _insert(conn)(hashtags)
        .values([{"tag": tag, "post_count": 0, "created_at": now} for tag in tags])
        .on_conflict_do_nothing(index_elements=["tag"])
    )
    await conn.execute(statement)
    await conn.execute(
        post_hashtags.insert().values([{"tag": t, "post_id": post_id} for t in tags])
    )
    # In tag order, so two posts sharing tags lock the counter rows in the same order.
    await conn.execute(
        update(hashtags)
        .where(hashtags.c.tag.in_(sorted(tags)))
        .values(post_count=hashtags.c.post_count + 1)
    )


async def detach_hashtags(conn: AsyncConnection, post_id: int) -> None:
    """Take a deleted post out of its hashtags' pages and counts."""
    statement = delete(post_hashtags).where(post_hashtags.c.post_id == post_id)
    tags = list((await conn.execute(statement.returning(post_hashtags.c.tag))).scalars())
    if tags:
        await conn.execute(
            update(hashtags)
            .where(hashtags.c.tag.in_(sorted(tags)))
            .values(post_count=hashtags.c.post_count - 1)
        )


async def attach_comment_hashtags(
    conn: AsyncConnection, comment: dict[str, Any], tags: Sequence[str]
) -> None:
    """Index a new comment's post under the comment's hashtags (`comment`: the comment's
    row as inserted)."""
    if not tags:
        return
    # In tag order, so that two writers of the same new tags lock them in the same order.
    await conn.execute(
        _insert(conn)(hashtags)
        .values(
            [
                {"tag": tag, "post_count": 0, "created_at": comment["created_at"]}
                for tag in sorted(tags)
            ]
        )
        .on_conflict_do_nothing(index_elements=["tag"])
    )
    await conn.execute(
        comment_hashtags.insert().values(
            [
                {
                    "comment_id": comment["id"],
                    "tag": tag,
                    "post_id": comment["post_id"],
                    "author_id": comment["author_id"],
                }
                for tag in tags
            ]
        )
    )


async def detach_comment_hashtags(conn: AsyncConnection, comment_ids: Sequence[int]) -> None:
    """Take deleted comments out of their hashtags' pages."""
    if comment_ids:
        await conn.execute(
            delete(comment_hashtags).where(id_in(conn, comment_hashtags.c.comment_id, comment_ids))
        )


# Locations


async def location_for(conn: AsyncConnection, new_id: int, name: str, now: datetime) -> int:
    """The id of the place with this name (case-insensitive), created on first use, and
    its post count moved up by one. The post's coordinates stay the post's own."""
    key = name.casefold()
    await conn.execute(
        _insert(conn)(locations)
        .values(id=new_id, name=name, name_key=key, created_at=now)
        .on_conflict_do_nothing(index_elements=["name_key"])
    )
    statement = (
        update(locations)
        .where(locations.c.name_key == key)
        .values(post_count=locations.c.post_count + 1)
        .returning(locations.c.id)
    )
    return int((await conn.execute(statement)).scalar_one())


async def add_to_location_count(conn: AsyncConnection, location_id: int, delta: int) -> None:
    target = locations.c.post_count
    await conn.execute(
        update(locations).where(locations.c.id == location_id).values(post_count=target + delta)
    )
