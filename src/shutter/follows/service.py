"""Follow and unfollow; follower and following lists."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.errors import Forbidden, InvalidInput, NotFound
from shutter.events import outbox
from shutter.events.types import USER_FOLLOWED, USER_UNFOLLOWED
from shutter.follows import repository
from shutter.pagination import make_cursor
from shutter.privacy.visibility import can_view_account_content
from shutter.timeutil import utcnow
from shutter.users import repository as users_repo
from shutter.users.service import UrlFor, present_profile

FollowState = Literal["following", "requested", "none"]


async def follow(
    context: AppContext, conn: AsyncConnection, follower_id: int, followee_id: int
) -> FollowState:
    """Follow a user (idempotent). A private account gets a pending request instead."""
    if follower_id == followee_id:
        raise InvalidInput("You cannot follow yourself.", code="cannot_follow_self")
    target = await users_repo.get_auth_row(conn, followee_id)
    if target is None:
        raise NotFound("No such user.", code="user_not_found")
    status = "pending" if target["is_private"] else "accepted"
    edge_id = context.ids.next_id()
    created = await repository.insert_if_absent(
        conn, follower_id, followee_id, edge_id, status, utcnow()
    )
    if not created:
        existing = await repository.get_status(conn, follower_id, followee_id)
        return "following" if existing == "accepted" else "requested"
    if status == "accepted":
        await users_repo.add_to_follow_counts(conn, follower_id, followee_id, 1)
        await outbox.record(conn, context.ids, USER_FOLLOWED, _edge(follower_id, followee_id))
        return "following"
    return "requested"


async def unfollow(
    context: AppContext, conn: AsyncConnection, follower_id: int, followee_id: int
) -> FollowState:
    """Stop following, or withdraw a pending request (idempotent)."""
    if await users_repo.get_auth_row(conn, followee_id) is None:
        raise NotFound("No such user.", code="user_not_found")
    removed = await repository.delete_edge(conn, follower_id, followee_id)
    if removed == "accepted":
        await users_repo.add_to_follow_counts(conn, follower_id, followee_id, -1)
        await outbox.record(conn, context.ids, USER_UNFOLLOWED, _edge(follower_id, followee_id))
    return "none"


def _edge(follower_id: int, followee_id: int) -> dict[str, int]:
    return {"follower_id": follower_id, "followee_id": followee_id}


async def list_connections(
    conn: AsyncConnection,
    viewer_id: int | None,
    user_id: int,
    direction: Literal["followers", "following"],
    before_edge: int | None,
    limit: int,
    url_for: UrlFor,
) -> dict[str, Any]:
    """A page of a user's followers or followees, if the viewer may see them."""
    owner = await users_repo.get_auth_row(conn, user_id)
    if owner is None:
        raise NotFound("No such user.", code="user_not_found")
    if not await can_view_account_content(conn, viewer_id, user_id, owner["is_private"]):
        raise Forbidden("This account is private.", code="private_account")
    pager = repository.page_followers if direction == "followers" else repository.page_following
    edges = await pager(conn, user_id, before_edge, limit + 1)
    return await _page_of_users(conn, edges, limit, url_for)


async def _page_of_users(
    conn: AsyncConnection, edges: list[tuple[int, int]], limit: int, url_for: UrlFor
) -> dict[str, Any]:
    """`{users, next_cursor}` from up to limit+1 (edge id, user id) pairs."""
    page = edges[:limit]
    profiles = await users_repo.get_profiles(conn, [other for _, other in page])
    return {
        "users": [present_profile(row, url_for) for row in profiles],
        "next_cursor": make_cursor(page[-1][0]) if len(edges) > limit and page else None,
    }


async def approve_request(
    context: AppContext, conn: AsyncConnection, owner_id: int, requester_id: int
) -> None:
    """Let a pending requester follow the owner's private account."""
    if not await repository.approve(conn, requester_id, owner_id):
        raise NotFound("No pending request from this user.", code="request_not_found")
    await users_repo.add_to_follow_counts(conn, requester_id, owner_id, 1)
    await outbox.record(conn, context.ids, USER_FOLLOWED, _edge(requester_id, owner_id))


async def reject_request(conn: AsyncConnection, owner_id: int, requester_id: int) -> None:
    if not await repository.delete_pending(conn, requester_id, owner_id):
        raise NotFound("No pending request from this user.", code="request_not_found")


async def list_requests(
    conn: AsyncConnection, owner_id: int, before_edge: int | None, limit: int, url_for: UrlFor
) -> dict[str, Any]:
    """A page of the people waiting for the owner's approval, newest first."""
    edges = await repository.page_requests(conn, owner_id, before_edge, limit + 1)
    return await _page_of_users(conn, edges, limit, url_for)
