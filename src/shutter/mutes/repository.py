"""Queries on mutes. The only place that writes SQL for this table."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import dialect_insert
from shutter.db.tables import mutes


class MuteRow(NamedTuple):
    """One mute: its keyset id, the muted account, and what of theirs is muted."""

    id: int
    muted_id: int
    posts: bool
    stories: bool


async def upsert(
    conn: AsyncConnection,
    muter_id: int,
    muted_id: int,
    mute_id: int,
    posts: bool,
    stories: bool,
    now: datetime,
) -> None:
    """Mute (or change what is muted); the row keeps its first id and time."""
    statement = (
        dialect_insert(conn, mutes)
        .values(
            muter_id=muter_id,
            muted_id=muted_id,
            id=mute_id,
            posts=posts,
            stories=stories,
            created_at=now,
        )
        .on_conflict_do_update(
            index_elements=["muter_id", "muted_id"], set_={"posts": posts, "stories": stories}
        )
    )
    await conn.execute(statement)


async def delete_mute(conn: AsyncConnection, muter_id: int, muted_id: int) -> bool:
    """Unmute; False if nothing was muted."""
    statement = delete(mutes).where((mutes.c.muter_id == muter_id) & (mutes.c.muted_id == muted_id))
    return (await conn.execute(statement)).rowcount == 1


async def page_muted(
    conn: AsyncConnection, muter_id: int, before_id: int | None, limit: int
) -> list[MuteRow]:
    """The muter's mutes, most recent first."""
    query = select(mutes.c.id, mutes.c.muted_id, mutes.c.posts, mutes.c.stories).where(
        mutes.c.muter_id == muter_id
    )
    if before_id is not None:
        query = query.where(mutes.c.id < before_id)
    rows = await conn.execute(query.order_by(mutes.c.id.desc()).limit(limit))
    return [MuteRow(row.id, row.muted_id, bool(row.posts), bool(row.stories)) for row in rows]
