"""Queries on posts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import id_in
from shutter.db.tables import idempotency_keys, posts
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
)
# A boolean column some queries add to POST_COLUMNS: the reader likes this post.
LIKED_BY_READER = "liked_by_reader"


async def insert(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(posts.insert().values(**values))


async def get_live(conn: AsyncConnection, post_id: int) -> RowMapping | None:
    """A post that has not been deleted."""
    query = select(*POST_COLUMNS).where((posts.c.id == post_id) & post_is_live())
    return (await conn.execute(query)).mappings().first()


async def get_own_new(conn: AsyncConnection, post_id: int) -> RowMapping | None:
    """A post not deleted, removed or not (the author's answer to creating it)."""
    query = select(*POST_COLUMNS, posts.c.removed_at).where(
        (posts.c.id == post_id) & posts.c.deleted_at.is_(None)
    )
    return (await conn.execute(query)).mappings().first()


async def mark_deleted(conn: AsyncConnection, post_id: int, now: datetime) -> bool:
    """Soft-delete; False if it was already gone."""
    statement = (
        update(posts)
        .where((posts.c.id == post_id) & posts.c.deleted_at.is_(None))
        .values(deleted_at=now)
    )
    return (await conn.execute(statement)).rowcount == 1


async def page_by_author(
    conn: AsyncConnection, author_id: int, before_id: int | None, limit: int
) -> Sequence[RowMapping]:
    query = select(*POST_COLUMNS).where((posts.c.author_id == author_id) & post_is_live())
    if before_id is not None:
        query = query.where(posts.c.id < before_id)
    result = await conn.execute(query.order_by(posts.c.id.desc()).limit(limit))
    return result.mappings().all()


async def claim_idempotency_key(
    conn: AsyncConnection, user_id: int, key: str, digest: str, resource_id: int, now: datetime
) -> bool:
    """Record a key for a new resource; False if the key was used before (by any request)."""
    dialect_insert = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
    statement = (
        dialect_insert(idempotency_keys)
        .values(
            user_id=user_id, key=key, request_digest=digest, resource_id=resource_id, created_at=now
        )
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(idempotency_keys.c.resource_id)
    )
    return (await conn.execute(statement)).first() is not None


async def get_idempotency_key(conn: AsyncConnection, user_id: int, key: str) -> RowMapping | None:
    query = select(idempotency_keys.c.request_digest, idempotency_keys.c.resource_id).where(
        (idempotency_keys.c.user_id == user_id) & (idempotency_keys.c.key == key)
    )
    return (await conn.execute(query)).mappings().first()


async def live_ids_by_author(
    conn: AsyncConnection,
    author_id: int,
    before_id: int | None,
    limit: int,
    after_id: int | None = None,
) -> list[int]:
    """Ids of an author's live posts, newest first, within the given bounds."""
    query = select(posts.c.id).where((posts.c.author_id == author_id) & post_is_live())
    if before_id is not None:
        query = query.where(posts.c.id < before_id)
    if after_id is not None:
        query = query.where(posts.c.id >= after_id)
    return list((await conn.execute(query.order_by(posts.c.id.desc()).limit(limit))).scalars())


async def get_live_many(conn: AsyncConnection, post_ids: Sequence[int]) -> dict[int, RowMapping]:
    """Live posts among `post_ids`, in one query."""
    if not post_ids:
        return {}
    query = select(*POST_COLUMNS).where(posts.c.id.in_(post_ids) & post_is_live())
    return {row["id"]: row for row in (await conn.execute(query)).mappings()}


async def author_of(conn: AsyncConnection, post_id: int) -> tuple[int, bool] | None:
    """(author id, still live) of a post, deleted (or removed) or not."""
    query = select(posts.c.author_id, post_is_live().label("live")).where(posts.c.id == post_id)
    row = (await conn.execute(query)).first()
    return None if row is None else (row.author_id, bool(row.live))


async def readable_live_among(
    conn: AsyncConnection, post_ids: Sequence[int], reader_id: int
) -> dict[int, RowMapping]:
    """Live posts among `post_ids` that the reader may see, in one query."""
    if not post_ids:
        return {}
    query = select(*POST_COLUMNS).where(
        id_in(conn, posts.c.id, post_ids) & post_is_live() & posts_readable_by(reader_id)
    )
    return {row["id"]: row for row in (await conn.execute(query)).mappings()}
