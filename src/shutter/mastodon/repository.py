"""Reads the Mastodon entities need beyond what the features present: whole account rows
(counts, bio, privacy) for a set of users."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.tables import users

_ACCOUNT_COLUMNS = (
    users.c.id,
    users.c.username,
    users.c.display_name,
    users.c.bio,
    users.c.avatar_key,
    users.c.is_private,
    users.c.follower_count,
    users.c.following_count,
    users.c.post_count,
    users.c.created_at,
)


async def account_rows(conn: AsyncConnection, user_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    wanted = set(user_ids)
    if not wanted:
        return {}
    rows = (await conn.execute(select(*_ACCOUNT_COLUMNS).where(users.c.id.in_(wanted)))).mappings()
    return {row["id"]: dict(row) for row in rows}


async def account_id_by_username(conn: AsyncConnection, username: str) -> int | None:
    found = await conn.execute(select(users.c.id).where(users.c.username == username.casefold()))
    user_id: int | None = found.scalar()
    return user_id
