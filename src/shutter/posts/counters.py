"""The denormalised like and comment counts on post rows, and the like counts on comment
rows: moved in the transaction of the like or comment, and reconciled now and then
(`posts/tasks.py`). Likes and comments of a deactivated account are hidden by the
visibility rule, so the counts leave them out too: `recount_for_account` runs when an
account is deactivated and again when it is restored."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import id_in
from shutter.db.tables import (
    comment_likes,
    comments,
    likes,
    posts,
)
from shutter.privacy.visibility import deactivated

RECOUNT_BATCH = 500


async def add_to_post_counter(conn: AsyncConnection, post_id: int, column: str, delta: int) -> None:
    """Atomic increment in the database: concurrent callers never lose an update."""
    target = posts.c[column]
    await conn.execute(update(posts).where(posts.c.id == post_id).values({target: target + delta}))


async def reconcile_post_counts(conn: AsyncConnection, post_ids: Sequence[int]) -> int:
    """Set like_count and comment_count of these posts to what the rows say (leaving out
    deactivated accounts' likes and comments); returns how many posts were off."""
    if not post_ids:
        return 0
    true_likes = (
        select(func.count())
        .select_from(likes)
        .where((likes.c.post_id == posts.c.id) & ~deactivated(likes.c.user_id))
    ).scalar_subquery()
    true_comments = (
        select(func.count())
        .select_from(comments)
        .where(
            (comments.c.post_id == posts.c.id)
            & comments.c.deleted_at.is_(None)
            & ~deactivated(comments.c.author_id)
        )
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


async def recount_for_account(conn: AsyncConnection, user_id: int) -> None:
    """Put right the counts the account's likes and comments enter: the like and comment
    counts of the posts it liked or commented on, and the reply counts of the comments it
    replied to. Run in the transaction that deactivates or restores the account."""
    liked = select(likes.c.post_id).where(likes.c.user_id == user_id)
    commented = select(comments.c.post_id).where(comments.c.author_id == user_id)
    post_ids = sorted(set((await conn.execute(liked.union(commented))).scalars()))
    for start in range(0, len(post_ids), RECOUNT_BATCH):
        await reconcile_post_counts(conn, post_ids[start : start + RECOUNT_BATCH])
    replied = select(comments.c.parent_id).where(
        (comments.c.author_id == user_id) & comments.c.parent_id.is_not(None)
    )
    parent_ids = sorted(set((await conn.execute(replied)).scalars()))
    reply = comments.alias("reply")
    live_replies = (
        select(func.count())
        .select_from(reply)
        .where(
            (reply.c.parent_id == comments.c.id)
            & reply.c.deleted_at.is_(None)
            & ~deactivated(reply.c.author_id)
        )
        .scalar_subquery()
    )
    for start in range(0, len(parent_ids), RECOUNT_BATCH):
        chunk = parent_ids[start : start + RECOUNT_BATCH]
        await conn.execute(
            update(comments)
            .where(id_in(conn, comments.c.id, chunk))
            .values(reply_count=live_replies)
        )


async def reconcile_comment_like_counts(conn: AsyncConnection, post_ids: Sequence[int]) -> int:
    """Set like_count of the comments on these posts to what `comment_likes` says;
    returns how many comments were off."""
    if not post_ids:
        return 0
    return await _reconcile_comment_likes(conn, id_in(conn, comments.c.post_id, post_ids))


async def recount_comment_likes(conn: AsyncConnection, comment_ids: Sequence[int]) -> int:
    """The same for these comments (a purge took likes from them)."""
    if not comment_ids:
        return 0
    return await _reconcile_comment_likes(conn, id_in(conn, comments.c.id, comment_ids))


async def _reconcile_comment_likes(conn: AsyncConnection, which: ColumnElement[bool]) -> int:
    true_likes = (
        select(func.count())
        .select_from(comment_likes)
        .where(comment_likes.c.comment_id == comments.c.id)
        .scalar_subquery()
    )
    statement = (
        update(comments)
        .where(which & (comments.c.like_count != true_likes))
        .values(like_count=true_likes)
    )
    return (await conn.execute(statement)).rowcount


async def post_ids_page(conn: AsyncConnection, after_id: int, limit: int) -> list[int]:
    """Post ids in id order after `after_id`: the reconciler walks them in batches."""
    query = select(posts.c.id).where(posts.c.id > after_id).order_by(posts.c.id).limit(limit)
    return list((await conn.execute(query)).scalars())
