"""The transactional outbox, read side: what is unpublished, marked published or failed.

Events are written by `UnitOfWork.record` (db/unit_of_work.py), in the transaction of the
change they describe."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import orjson
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.tables import outbox
from shutter.events.types import Event
from shutter.timeutil import utcnow


async def claim_pending(
    conn: AsyncConnection,
    limit: int,
    *,
    only: Collection[str] | None = None,
    excluding: Collection[str] = (),
) -> list[Event]:
    """Oldest unpublished events (of the `only` topics, or of all but the `excluding` ones:
    one lane's events). On PostgreSQL the rows stay locked until the transaction ends and
    other relays skip them, so several relays never publish the same rows at once."""
    query = (
        outbox.select()
        .with_only_columns(outbox.c.id, outbox.c.topic, outbox.c.payload)
        .where(outbox.c.published_at.is_(None) & outbox.c.dead_at.is_(None))
        .order_by(outbox.c.id)
        .limit(limit)
    )
    if only is not None:
        query = query.where(outbox.c.topic.in_(sorted(only)))
    if excluding:
        query = query.where(outbox.c.topic.not_in(sorted(excluding)))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = (await conn.execute(query)).all()
    return [Event(row.id, row.topic, orjson.loads(row.payload)) for row in rows]


async def mark_published(conn: AsyncConnection, event_ids: Sequence[int]) -> None:
    if event_ids:
        statement = update(outbox).where(outbox.c.id.in_(event_ids)).values(published_at=utcnow())
        await conn.execute(statement)


async def mark_failed(conn: AsyncConnection, event_id: int, error: str, max_attempts: int) -> bool:
    """Count a failed attempt; returns True when the event is now dead-lettered."""
    row = (
        await conn.execute(
            update(outbox)
            .where(outbox.c.id == event_id)
            .values(attempts=outbox.c.attempts + 1, last_error=error[:255])
            .returning(outbox.c.attempts)
        )
    ).first()
    if row is not None and row.attempts >= max_attempts:
        await conn.execute(update(outbox).where(outbox.c.id == event_id).values(dead_at=utcnow()))
        return True
    return False


async def purge_published(conn: AsyncConnection, older_than: datetime, limit: int = 1000) -> int:
    """Delete handled events older than a cut-off (dead letters are kept for operators)."""
    doomed = (
        select(outbox.c.id)
        .where(outbox.c.published_at.is_not(None) & (outbox.c.published_at < older_than))
        .limit(limit)
        .scalar_subquery()
    )
    result = await conn.execute(delete(outbox).where(outbox.c.id.in_(doomed)))
    return int(result.rowcount)
