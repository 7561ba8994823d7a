"""Queries on media objects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import RowMapping, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import id_in
from shutter.db.tables import media

POST_MEDIA_COLUMNS = (
    media.c.id,
    media.c.post_id,
    media.c.position,
    media.c.kind,
    media.c.width,
    media.c.height,
    media.c.blurhash,
    media.c.original_key,
    media.c.duration_s,
)


async def insert(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(media.insert().values(**values))


async def get(conn: AsyncConnection, media_id: int) -> RowMapping | None:
    return (await conn.execute(select(media).where(media.c.id == media_id))).mappings().first()


async def transition(
    conn: AsyncConnection, media_id: int, owner_id: int, from_status: str, values: dict[str, Any]
) -> bool:
    """Move a media object on from `from_status`; False if it was not in that state."""
    statement = (
        update(media)
        .where(
            (media.c.id == media_id)
            & (media.c.owner_id == owner_id)
            & (media.c.status == from_status)
        )
        .values(**values)
    )
    return (await conn.execute(statement)).rowcount == 1


async def attach_to_post(
    conn: AsyncConnection, media_id: int, owner_id: int, post_id: int, position: int
) -> bool:
    """Attach a ready, unattached media object of this owner; False if it is not one."""
    statement = (
        update(media)
        .where(
            (media.c.id == media_id)
            & (media.c.owner_id == owner_id)
            & (media.c.status == "ready")
            & media.c.post_id.is_(None)
        )
        .values(post_id=post_id, position=position)
    )
    return (await conn.execute(statement)).rowcount == 1


async def for_posts(conn: AsyncConnection, post_ids: Sequence[int]) -> dict[int, list[RowMapping]]:
    """Media of many posts in one query: {post id: [media in position order]}."""
    if not post_ids:
        return {}
    query = (
        select(*POST_MEDIA_COLUMNS)
        .where(id_in(conn, media.c.post_id, post_ids))
        .order_by(media.c.post_id, media.c.position)
    )
    grouped: dict[int, list[RowMapping]] = {}
    for row in (await conn.execute(query)).mappings():
        grouped.setdefault(row["post_id"], []).append(row)
    return grouped
