"""The pull feed query: the reader's own posts and those of accounts they follow."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import id_in
from shutter.db.tables import follows, posts
from shutter.posts.repository import POST_COLUMNS


async def pull_page(
    conn: AsyncConnection, reader_id: int, before_id: int | None, limit: int
) -> Sequence[RowMapping]:
    """Newest first: posts by the reader and by accounts the reader follows (approved)."""
    followees = select(follows.c.followee_id).where(
        (follows.c.follower_id == reader_id) & (follows.c.status == "accepted")
    )
    query = select(*POST_COLUMNS).where(
        ((posts.c.author_id == reader_id) | posts.c.author_id.in_(followees))
        & posts.c.deleted_at.is_(None)
    )
    if before_id is not None:
        query = query.where(posts.c.id < before_id)
    result = await conn.execute(query.order_by(posts.c.id.desc()).limit(limit))
    return result.mappings().all()


async def pull_ids(
    conn: AsyncConnection, reader_id: int, before_id: int | None, limit: int
) -> list[int]:
    """Just the ids of `pull_page` (regeneration and the hybrid read's fallback)."""
    followees = select(follows.c.followee_id).where(
        (follows.c.follower_id == reader_id) & (follows.c.status == "accepted")
    )
    query = select(posts.c.id).where(
        ((posts.c.author_id == reader_id) | posts.c.author_id.in_(followees))
        & posts.c.deleted_at.is_(None)
    )
    if before_id is not None:
        query = query.where(posts.c.id < before_id)
    result = await conn.execute(query.order_by(posts.c.id.desc()).limit(limit))
    return list(result.scalars())


async def visible_rows(
    conn: AsyncConnection, reader_id: int, post_ids: Sequence[int]
) -> dict[int, RowMapping]:
    """Of `post_ids`, the live posts by the reader or by accounts the reader follows now:
    the read-time filter of the hybrid feed, in one query (a primary-key probe of the
    reader's follow edge per candidate, not a scan of everything the reader follows)."""
    if not post_ids:
        return {}
    follows_author = (
        select(follows.c.followee_id)
        .where(
            (follows.c.follower_id == reader_id)
            & (follows.c.followee_id == posts.c.author_id)
            & (follows.c.status == "accepted")
        )
        .exists()
    )
    query = select(*POST_COLUMNS).where(
        id_in(conn, posts.c.id, post_ids)
        & posts.c.deleted_at.is_(None)
        & ((posts.c.author_id == reader_id) | follows_author)
    )
    return {row["id"]: row for row in (await conn.execute(query)).mappings()}


async def followed_among(
    conn: AsyncConnection, reader_id: int, author_ids: Iterable[int]
) -> set[int]:
    """Which of these authors the reader follows (approved)."""
    candidates = list(author_ids)
    if not candidates:
        return set()
    query = select(follows.c.followee_id).where(
        (follows.c.follower_id == reader_id)
        & (follows.c.status == "accepted")
        & follows.c.followee_id.in_(candidates)
    )
    return set((await conn.execute(query)).scalars())


async def followers_among(
    conn: AsyncConnection, reader_id: int, author_ids: Iterable[int]
) -> set[int]:
    """Which of these authors follow the reader back (approved)."""
    candidates = list(author_ids)
    if not candidates:
        return set()
    query = select(follows.c.follower_id).where(
        (follows.c.followee_id == reader_id)
        & (follows.c.status == "accepted")
        & id_in(conn, follows.c.follower_id, candidates)
    )
    return set((await conn.execute(query)).scalars())
