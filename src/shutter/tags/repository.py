"""Queries on hashtags (of posts and comments) and locations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import id_in
from shutter.db.tables import (
    comment_hashtags,
    hashtags,
    locations,
    post_hashtags,
)


def _insert(conn: AsyncConnection) -> Any:
    return sqlite_insert if conn.dialect.name == "sqlite" else pg_insert


async def attach_hashtags(
    conn: AsyncConnection, post_id: int, tags: Sequence[str], now: datetime
) -> None:
    """Index a new post under its hashtags and count it in each."""
    if not tags:
        return
    statement = (
        _insert(conn)(hashtags)
        .values([{"tag": tag, "post_count": 0, "created_at": now} for tag in tags])
        .on_conflict_do_nothing(index_elements=["tag"])
    )
    await conn.execute(statement)
    await conn.execute(
        post_hashtags.insert().values([{"tag": t, "post_id": post_id} for t in tags])
    )
    # In tag order, so two posts sharing tags lock the counter rows in the same order.
    await conn.execute(
        update(hashtags)
        .where(hashtags.c.tag.in_(sorted(tags)))
        .values(post_count=hashtags.c.post_count + 1)
    )


async def detach_hashtags(conn: AsyncConnection, post_id: int) -> None:
    """Take a deleted post out of its hashtags' pages and counts."""
    statement = delete(post_hashtags).where(post_hashtags.c.post_id == post_id)
    tags = list((await conn.execute(statement.returning(post_hashtags.c.tag))).scalars())
    if tags:
        await conn.execute(
            update(hashtags)
            .where(hashtags.c.tag.in_(sorted(tags)))
            .values(post_count=hashtags.c.post_count - 1)
        )


async def attach_comment_hashtags(
    conn: AsyncConnection, comment: dict[str, Any], tags: Sequence[str]
) -> None:
    """Index a new comment's post under the comment's hashtags (`comment`: the comment's
    row as inserted)."""
    if not tags:
        return
    # In tag order, so that two writers of the same new tags lock them in the same order.
    await conn.execute(
        _insert(conn)(hashtags)
        .values(
            [
                {"tag": tag, "post_count": 0, "created_at": comment["created_at"]}
                for tag in sorted(tags)
            ]
        )
        .on_conflict_do_nothing(index_elements=["tag"])
    )
    await conn.execute(
        comment_hashtags.insert().values(
            [
                {
                    "comment_id": comment["id"],
                    "tag": tag,
                    "post_id": comment["post_id"],
                    "author_id": comment["author_id"],
                }
                for tag in tags
            ]
        )
    )


async def detach_comment_hashtags(conn: AsyncConnection, comment_ids: Sequence[int]) -> None:
    """Take deleted comments out of their hashtags' pages."""
    if comment_ids:
        await conn.execute(
            delete(comment_hashtags).where(id_in(conn, comment_hashtags.c.comment_id, comment_ids))
        )


async def location_for(conn: AsyncConnection, new_id: int, name: str, now: datetime) -> int:
    """The id of the place with this name (case-insensitive), created on first use, and
    its post count moved up by one. The post's coordinates stay the post's own."""
    key = name.casefold()
    await conn.execute(
        _insert(conn)(locations)
        .values(id=new_id, name=name, name_key=key, created_at=now)
        .on_conflict_do_nothing(index_elements=["name_key"])
    )
    statement = (
        update(locations)
        .where(locations.c.name_key == key)
        .values(post_count=locations.c.post_count + 1)
        .returning(locations.c.id)
    )
    return int((await conn.execute(statement)).scalar_one())


async def add_to_location_count(conn: AsyncConnection, location_id: int, delta: int) -> None:
    target = locations.c.post_count
    await conn.execute(
        update(locations).where(locations.c.id == location_id).values(post_count=target + delta)
    )
