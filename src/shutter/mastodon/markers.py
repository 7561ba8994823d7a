"""Mastodon clients' reading positions (`/api/v1/markers`): the last status read in the
home timeline and the last notification read. A save bumps the row's `version`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Literal, TypedDict, cast, get_args

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import dialect_insert
from shutter.db.tables import markers

Timeline = Literal["home", "notifications"]
TIMELINES: tuple[str, ...] = get_args(Timeline)


class MarkerRow(TypedDict):
    timeline: str
    last_read_id: int
    version: int
    updated_at: datetime


async def read(conn: AsyncConnection, user_id: int, timelines: Iterable[str]) -> list[MarkerRow]:
    query = select(
        markers.c.timeline, markers.c.last_read_id, markers.c.version, markers.c.updated_at
    ).where((markers.c.user_id == user_id) & markers.c.timeline.in_(list(timelines)))
    return [cast("MarkerRow", dict(row)) for row in (await conn.execute(query)).mappings()]


async def save(
    conn: AsyncConnection, user_id: int, positions: Mapping[str, int], now: datetime
) -> None:
    """Set each timeline's position (new rows start at version 1; a save adds one)."""
    for timeline, last_read_id in positions.items():
        statement = dialect_insert(conn, markers).values(
            user_id=user_id,
            timeline=timeline,
            last_read_id=last_read_id,
            version=1,
            updated_at=now,
        )
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id", "timeline"],
                set_={
                    "last_read_id": statement.excluded.last_read_id,
                    "version": markers.c.version + 1,
                    "updated_at": statement.excluded.updated_at,
                },
            )
        )
