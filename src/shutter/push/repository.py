"""SQL for push_subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypedDict, get_args

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import dialect_insert
from shutter.db.tables import auth_sessions, push_preferences, push_subscriptions
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
    session_id: int | None = None,
) -> None:
    """The browser's subscription, for this user and the session it was made in: a
    browser that subscribed before (for whoever was signed in then) is replaced."""
    await conn.execute(delete(push_subscriptions).where(push_subscriptions.c.endpoint == endpoint))
    await conn.execute(
        push_subscriptions.insert().values(
            id=ids.next_id(),
            user_id=user_id,
            session_id=session_id,
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


async def remove_for_sessions(conn: AsyncConnection, session_ids: list[int]) -> None:
    """Ended sessions take their browsers' subscriptions with them."""
    if session_ids:
        await conn.execute(
            delete(push_subscriptions).where(push_subscriptions.c.session_id.in_(session_ids))
        )


async def for_user(conn: AsyncConnection, user_id: int, now: datetime) -> list[SubscriptionRow]:
    """The user's subscriptions whose session is still signed in (or that have none)."""
    live_session = (
        select(auth_sessions.c.id)
        .where(
            (auth_sessions.c.id == push_subscriptions.c.session_id)
            & (auth_sessions.c.user_id == push_subscriptions.c.user_id)
            & auth_sessions.c.revoked_at.is_(None)
            & (auth_sessions.c.expires_at > now)
        )
        .exists()
    )
    query = select(
        push_subscriptions.c.id,
        push_subscriptions.c.endpoint,
        push_subscriptions.c.p256dh,
        push_subscriptions.c.auth,
    ).where(
        (push_subscriptions.c.user_id == user_id)
        & or_(push_subscriptions.c.session_id.is_(None), live_session)
    )
    return [
        {"id": row.id, "endpoint": row.endpoint, "p256dh": row.p256dh, "auth": row.auth}
        for row in (await conn.execute(query)).all()
    ]


# The kinds a person may switch off (notification kinds, and direct messages).
PushKind = Literal[
    "like",
    "comment",
    "reply",
    "comment_like",
    "mention",
    "follow",
    "follow_request",
    "follow_accepted",
    "post",
    "story",
    "message",
]
PUSH_KINDS: tuple[str, ...] = get_args(PushKind)


class Preferences(TypedDict):
    muted_kinds: list[str]
    message_text: bool


async def preferences(conn: AsyncConnection, user_id: int) -> Preferences:
    query = select(push_preferences.c.muted_kinds, push_preferences.c.message_text).where(
        push_preferences.c.user_id == user_id
    )
    row = (await conn.execute(query)).first()
    if row is None:
        return {"muted_kinds": [], "message_text": False}
    muted = [kind for kind in row.muted_kinds.split(",") if kind in PUSH_KINDS]
    return {"muted_kinds": muted, "message_text": bool(row.message_text)}


async def save_preferences(
    conn: AsyncConnection, user_id: int, wanted: Preferences, now: datetime
) -> None:
    values = {
        "muted_kinds": ",".join(kind for kind in PUSH_KINDS if kind in wanted["muted_kinds"]),
        "message_text": wanted["message_text"],
        "updated_at": now,
    }
    statement = (
        dialect_insert(conn, push_preferences)
        .values(user_id=user_id, **values)
        .on_conflict_do_update(index_elements=["user_id"], set_=values)
    )
    await conn.execute(statement)
