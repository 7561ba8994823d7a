"""Queries on likes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.tables import (
    likes,
)
from shutter.privacy.visibility import hidden_by_block


def _insert(conn: AsyncConnection) -> Any:
    return sqlite_insert if conn.dialect.name == "sqlite" else pg_insert


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
