"""SQL for push_subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.tables import push_subscriptions
from shutter.ids import IdGenerator

MAX_PER_USER = 20  # browsers and devices; the oldest goes when a 21st subscribes


class SubscriptionRow(TypedDict):
    id: int
    endpoint: str
    p256dh: str
    auth: str


async def save(
    conn: AsyncConnection,
    ids: IdGenerator,
    user_id: int,
    endpoint: str,
    p256dh: str,
    auth: str,
    now: datetime,
) -> None:
    """The browser's subscription, for this user: a browser that subscribed before (for
    whoever was signed in then) is replaced."""
    await conn.execute(delete(push_subscriptions).where(push_subscriptions.c.endpoint == endpoint))
    await conn.execute(
        push_subscriptions.insert().values(
            id=ids.next_id(),
            user_id=user_id,
            endpoint=endpoint,
            p256dh=p256dh,
            auth=auth,
            created_at=now,
        )
    )
    kept = (
        select(push_subscriptions.c.id)
        .where(push_subscriptions.c.user_id == user_id)
        .order_by(push_subscriptions.c.id.desc())
        .limit(MAX_PER_USER)
    )
    keep = [row.id for row in (await conn.execute(kept)).all()]
    await conn.execute(
        delete(push_subscriptions).where(
            (push_subscriptions.c.user_id == user_id) & push_subscriptions.c.id.not_in(keep)
        )
    )


async def remove(conn: AsyncConnection, user_id: int, endpoint: str) -> bool:
    result = await conn.execute(
        delete(push_subscriptions).where(
            (push_subscriptions.c.user_id == user_id) & (push_subscriptions.c.endpoint == endpoint)
        )
    )
    return bool(result.rowcount)


async def remove_by_id(conn: AsyncConnection, subscription_id: int) -> None:
    await conn.execute(delete(push_subscriptions).where(push_subscriptions.c.id == subscription_id))


async def for_user(conn: AsyncConnection, user_id: int) -> list[SubscriptionRow]:
    query = select(
        push_subscriptions.c.id,
        push_subscriptions.c.endpoint,
        push_subscriptions.c.p256dh,
        push_subscriptions.c.auth,
    ).where(push_subscriptions.c.user_id == user_id)
    return [
        {"id": row.id, "endpoint": row.endpoint, "p256dh": row.p256dh, "auth": row.auth}
        for row in (await conn.execute(query)).all()
    ]
