"""Likes: who may like what, the count kept in step, events for notifications."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.db.tables import posts
from shutter.db.unit_of_work import UnitOfWork
from shutter.events.types import PostLiked, PostUnliked
from shutter.likes import repository
from shutter.likes.presenters import LikeStateDict
from shutter.posts import counters
from shutter.posts.service import readable_post
from shutter.timeutil import utcnow
from shutter.users.presenters import UserPageDict, page_of_users
from shutter.users.service import UrlFor


async def _like_count(conn: AsyncConnection, post_id: int) -> int:
    query = select(posts.c.like_count).where(posts.c.id == post_id)
    return int((await conn.execute(query)).scalar_one())


async def like(context: AppContext, uow: UnitOfWork, user_id: int, post_id: int) -> LikeStateDict:
    """Like a post the user may see (idempotent). Returns `{liked, like_count}`."""
    conn = uow.conn
    post = await readable_post(conn, user_id, post_id)
    if await repository.insert_like(conn, post_id, user_id, context.ids.next_id(), utcnow()):
        await counters.add_to_post_counter(conn, post_id, "like_count", 1)
        await uow.record(PostLiked(post_id=post_id, user_id=user_id, author_id=post["author_id"]))
    return {"liked": True, "like_count": await _like_count(conn, post_id)}


async def unlike(context: AppContext, uow: UnitOfWork, user_id: int, post_id: int) -> LikeStateDict:
    """Withdraw a like (idempotent)."""
    conn = uow.conn
    post = await readable_post(conn, user_id, post_id)
    if await repository.delete_like(conn, post_id, user_id):
        await counters.add_to_post_counter(conn, post_id, "like_count", -1)
        await uow.record(PostUnliked(post_id=post_id, user_id=user_id, author_id=post["author_id"]))
    return {"liked": False, "like_count": await _like_count(conn, post_id)}


async def list_likers(
    conn: AsyncConnection,
    viewer_id: int | None,
    post_id: int,
    before_id: int | None,
    limit: int,
    url_for: UrlFor,
) -> UserPageDict:
    """Who liked a post, most recent first."""
    await readable_post(conn, viewer_id, post_id)
    pairs = await repository.page_likers(conn, post_id, before_id, limit + 1, viewer_id)
    return await page_of_users(conn, pairs, limit, url_for)
