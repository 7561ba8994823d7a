"""Who may see what: one function per resource, used by every read path.

Today: private accounts show their posts and lists to themselves and approved followers.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.tables import follows


async def is_approved_follower(conn: AsyncConnection, viewer_id: int, owner_id: int) -> bool:
    query = select(follows.c.status).where(
        (follows.c.follower_id == viewer_id) & (follows.c.followee_id == owner_id)
    )
    return (await conn.execute(query)).scalar_one_or_none() == "accepted"


async def can_view_account_content(
    conn: AsyncConnection, viewer_id: int | None, owner_id: int, owner_is_private: bool
) -> bool:
    """May the viewer see this account's posts and follower/following lists?"""
    if not owner_is_private or viewer_id == owner_id:
        return True
    if viewer_id is None:
        return False
    return await is_approved_follower(conn, viewer_id, owner_id)
