"""Queries on the follow graph."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import insert_or_ignore
from shutter.db.tables import follows
from shutter.privacy.visibility import hidden_by_block


async def insert_if_absent(
    conn: AsyncConnection,
    follower_id: int,
    followee_id: int,
    edge_id: int,
    status: str,
    now: datetime,
) -> bool:
    """Insert a follow edge; False if one already existed (concurrent callers included)."""
    statement = (
        insert_or_ignore(conn, follows, ["follower_id", "followee_id"])
        .values(
            follower_id=follower_id,
            followee_id=followee_id,
            id=edge_id,
            status=status,
            created_at=now,
        )
        .returning(follows.c.id)
    )
    return (await conn.execute(statement)).first() is not None


async def get_status(conn: AsyncConnection, follower_id: int, followee_id: int) -> str | None:
    query = select(follows.c.status).where(
        (follows.c.follower_id == follower_id) & (follows.c.followee_id == followee_id)
    )
    return (await conn.execute(query)).scalar_one_or_none()


async def delete_edge(conn: AsyncConnection, follower_id: int, followee_id: int) -> str | None:
    """Remove an edge; returns the status it had, or None if there was none."""
    statement = (
        delete(follows)
        .where((follows.c.follower_id == follower_id) & (follows.c.followee_id == followee_id))
        .returning(follows.c.status)
    )
    return (await conn.execute(statement)).scalar_one_or_none()


async def page_followers(
    conn: AsyncConnection,
    user_id: int,
    before_edge: int | None,
    limit: int,
    viewer_id: int | None = None,
) -> list[tuple[int, int]]:
    """(edge id, follower id) of approved followers, newest first."""
    query = select(follows.c.id, follows.c.follower_id).where(
        (follows.c.followee_id == user_id)
        & (follows.c.status == "accepted")
        & ~hidden_by_block(viewer_id, follows.c.follower_id)
    )
    if before_edge is not None:
        query = query.where(follows.c.id < before_edge)
    rows = await conn.execute(query.order_by(follows.c.id.desc()).limit(limit))
    return [(row[0], row[1]) for row in rows]


async def page_following(
    conn: AsyncConnection,
    user_id: int,
    before_edge: int | None,
    limit: int,
    viewer_id: int | None = None,
) -> list[tuple[int, int]]:
    """(edge id, followee id) of accounts the user follows (approved), newest first."""
    query = select(follows.c.id, follows.c.followee_id).where(
        (follows.c.follower_id == user_id)
        & (follows.c.status == "accepted")
        & ~hidden_by_block(viewer_id, follows.c.followee_id)
    )
    if before_edge is not None:
        query = query.where(follows.c.id < before_edge)
    rows = await conn.execute(query.order_by(follows.c.id.desc()).limit(limit))
    return [(row[0], row[1]) for row in rows]


async def follower_ids_after(
    conn: AsyncConnection, user_id: int, after_edge: int | None, limit: int
) -> list[tuple[int, int]]:
    """(edge id, follower id) of approved followers in edge order, for keyset paging."""
    query = select(follows.c.id, follows.c.follower_id).where(
        (follows.c.followee_id == user_id) & (follows.c.status == "accepted")
    )
    if after_edge is not None:
        query = query.where(follows.c.id > after_edge)
    rows = await conn.execute(query.order_by(follows.c.id).limit(limit))
    return [(row[0], row[1]) for row in rows]


async def approve(conn: AsyncConnection, follower_id: int, followee_id: int) -> bool:
    """Turn a pending request into a follow; False if there was no pending request."""
    statement = (
        update(follows)
        .where(
            (follows.c.follower_id == follower_id)
            & (follows.c.followee_id == followee_id)
            & (follows.c.status == "pending")
        )
        .values(status="accepted")
    )
    return (await conn.execute(statement)).rowcount == 1


async def delete_pending(conn: AsyncConnection, follower_id: int, followee_id: int) -> bool:
    statement = delete(follows).where(
        (follows.c.follower_id == follower_id)
        & (follows.c.followee_id == followee_id)
        & (follows.c.status == "pending")
    )
    return (await conn.execute(statement)).rowcount == 1


async def page_requests(
    conn: AsyncConnection, user_id: int, before_edge: int | None, limit: int
) -> list[tuple[int, int]]:
    """(edge id, requester id) of pending requests to follow the user, newest first."""
    query = select(follows.c.id, follows.c.follower_id).where(
        (follows.c.followee_id == user_id) & (follows.c.status == "pending")
    )
    if before_edge is not None:
        query = query.where(follows.c.id < before_edge)
    rows = await conn.execute(query.order_by(follows.c.id.desc()).limit(limit))
    return [(row[0], row[1]) for row in rows]


async def pending_requester_ids(conn: AsyncConnection, user_id: int) -> list[int]:
    """Everyone waiting for the user's approval."""
    query = select(follows.c.follower_id).where(
        (follows.c.followee_id == user_id) & (follows.c.status == "pending")
    )
    return list((await conn.execute(query)).scalars())


async def approve_all(conn: AsyncConnection, user_id: int) -> list[int]:
    """Accept every pending request to follow the user; returns the requesters approved."""
    statement = (
        update(follows)
        .where((follows.c.followee_id == user_id) & (follows.c.status == "pending"))
        .values(status="accepted")
        .returning(follows.c.follower_id)
    )
    return list((await conn.execute(statement)).scalars())


async def set_notify(conn: AsyncConnection, follower_id: int, followee_id: int, on: bool) -> None:
    """Ring or silence the follower's bell for the followee (on an existing edge)."""
    await conn.execute(
        update(follows)
        .where((follows.c.follower_id == follower_id) & (follows.c.followee_id == followee_id))
        .values(notify=on)
    )


async def bell_followers(conn: AsyncConnection, followee_id: int) -> list[int]:
    """Approved followers who rang the bell for the followee (ix_follows_notify)."""
    query = select(follows.c.follower_id).where(
        (follows.c.followee_id == followee_id)
        & follows.c.notify.is_(True)
        & (follows.c.status == "accepted")
    )
    return list((await conn.execute(query)).scalars())
