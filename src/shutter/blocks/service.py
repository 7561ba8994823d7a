"""Block and unblock; the list of people one has blocked.

A block hides two people from each other (the rule is in privacy/visibility.py). Taking
one removes the follows and pending requests between them in both directions, in the
same transaction, with exact counts; the unfollow events it records clean the stored
timelines afterwards, while read-time filters hide the content at once.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.blocks import repository
from shutter.context import AppContext
from shutter.db.unit_of_work import UnitOfWork
from shutter.errors import InvalidInput, NotFound
from shutter.follows import service as follows_service
from shutter.timeutil import utcnow
from shutter.users import repository as users_repo
from shutter.users.presenters import UserPageDict, page_of_users
from shutter.users.service import UrlFor

BlockState = Literal["blocked", "none"]


async def block(
    context: AppContext, uow: UnitOfWork, blocker_id: int, blocked_id: int
) -> BlockState:
    """Block a user (idempotent): follows and requests both ways are removed."""
    conn = uow.conn
    if blocker_id == blocked_id:
        raise InvalidInput("You cannot block yourself.", code="cannot_block_self")
    # The same lock as follow and approve take: none of them can interleave with this.
    await users_repo.lock_users(conn, (blocker_id, blocked_id))
    if await users_repo.get_auth_row(conn, blocked_id) is None:
        raise NotFound("No such user.", code="user_not_found")
    created = await repository.insert_if_absent(
        conn, blocker_id, blocked_id, context.ids.next_id(), utcnow()
    )
    if created:
        await follows_service.remove_edges_between(context, uow, blocker_id, blocked_id)
    return "blocked"


async def unblock(conn: AsyncConnection, blocker_id: int, blocked_id: int) -> BlockState:
    """Lift a block (idempotent). Follows removed by the block stay removed."""
    if await users_repo.get_auth_row(conn, blocked_id) is None:
        raise NotFound("No such user.", code="user_not_found")
    await repository.delete_block(conn, blocker_id, blocked_id)
    return "none"


async def list_blocked(
    conn: AsyncConnection, blocker_id: int, before_block: int | None, limit: int, url_for: UrlFor
) -> UserPageDict:
    """A page of the people the user blocked, most recently blocked first."""
    edges = await repository.page_blocked(conn, blocker_id, before_block, limit + 1)
    return await page_of_users(conn, edges, limit, url_for)
