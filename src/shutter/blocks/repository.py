"""Queries on blocks. The only place that writes SQL for this table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import insert_or_ignore
from shutter.db.tables import blocks


async def insert_if_absent(
    conn: AsyncConnection, blocker_id: int, blocked_id: int, block_id: int, now: datetime
) -> bool:
    """Record a block; False if the blocker had already blocked this user."""
    statement = (
        insert_or_ignore(conn, blocks, ["blocker_id", "blocked_id"])
        .values(blocker_id=blocker_id, blocked_id=blocked_id, id=block_id, created_at=now)
        .returning(blocks.c.id)
    )
    return (await conn.execute(statement)).first() is not None


async def delete_block(conn: AsyncConnection, blocker_id: int, blocked_id: int) -> bool:
    """Lift a block; False if there was none."""
    statement = delete(blocks).where(
        (blocks.c.blocker_id == blocker_id) & (blocks.c.blocked_id == blocked_id)
    )
    return (await conn.execute(statement)).rowcount == 1


async def page_blocked(
    conn: AsyncConnection, blocker_id: int, before_block: int | None, limit: int
) -> list[tuple[int, int]]:
    """(block id, blocked user id) of the people the user blocked, newest first."""
    query = select(blocks.c.id, blocks.c.blocked_id).where(blocks.c.blocker_id == blocker_id)
    if before_block is not None:
        query = query.where(blocks.c.id < before_block)
    rows = await conn.execute(query.order_by(blocks.c.id.desc()).limit(limit))
    return [(row[0], row[1]) for row in rows]
