"""Follow and unfollow; follower and following lists."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.db.unit_of_work import UnitOfWork
from shutter.errors import Forbidden, InvalidInput, NotFound
from shutter.events.types import FollowRequested, UserFollowed, UserUnfollowed
from shutter.follows import repository
from shutter.privacy.visibility import (
    Access,
    account_access,
    block_directions,
    require_account_content,
)
from shutter.timeutil import utcnow
from shutter.users import repository as users_repo
from shutter.users.presenters import UserPageDict, page_of_users
from shutter.users.service import UrlFor

FollowState = Literal["following", "requested", "none"]


async def follow(
    context: AppContext, uow: UnitOfWork, follower_id: int, followee_id: int
) -> FollowState:
    """Follow a user (idempotent). A private account gets a pending request instead."""
    conn = uow.conn
    if follower_id == followee_id:
        raise InvalidInput("You cannot follow yourself.", code="cannot_follow_self")
    # Locked before reading the target: its privacy and blocks cannot change under us.
    await users_repo.lock_users(conn, (follower_id, followee_id))
    target = await users_repo.get_auth_row(conn, followee_id)
    if target is None:
        raise NotFound("No such user.", code="user_not_found")
    follower_blocked, followee_blocked = await block_directions(conn, follower_id, followee_id)
    if follower_blocked:
        raise Forbidden("You blocked this account; unblock it to follow it.", code="follow_blocked")
    if followee_blocked:
        # The blocker must look nonexistent: the very answer an unknown id gets above.
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
        await uow.record(UserFollowed(follower_id=follower_id, followee_id=followee_id))
        return "following"
    await uow.record(FollowRequested(follower_id=follower_id, followee_id=followee_id))
    return "requested"


async def unfollow(
    context: AppContext, uow: UnitOfWork, follower_id: int, followee_id: int
) -> FollowState:
    """Stop following, or withdraw a pending request (idempotent)."""
    conn = uow.conn
    # The users' rows first, as every follow-graph write does: taking the edge's row lock
    # first would deadlock against a follow that holds the users and waits for the edge.
    await users_repo.lock_users(conn, (follower_id, followee_id))
    if await users_repo.get_auth_row(conn, followee_id) is None:
        raise NotFound("No such user.", code="user_not_found")
    removed = await repository.delete_edge(conn, follower_id, followee_id)
    if removed == "accepted":
        await users_repo.add_to_follow_counts(conn, follower_id, followee_id, -1)
        await uow.record(UserUnfollowed(follower_id=follower_id, followee_id=followee_id))
    return "none"


async def set_post_notifications(uow: UnitOfWork, viewer_id: int, user_id: int, on: bool) -> bool:
    """Turn the bell for an account on or off: a notification for each of its new posts
    and stories. On needs an approved follow (403 `not_following`, or
    `follow_not_approved` while a request waits); off is idempotent. The bell lives on
    the follow, so unfollowing or a block drops it. Returns the bell's state."""
    conn = uow.conn
    if viewer_id == user_id:
        raise InvalidInput(
            "You cannot get notifications of your own posts.", code="cannot_notify_self"
        )
    await users_repo.lock_users(conn, (viewer_id, user_id))
    target = await users_repo.get_auth_row(conn, user_id)
    if (
        target is None
        or await account_access(conn, viewer_id, user_id, target["is_private"]) is Access.HIDDEN
    ):
        raise NotFound("No such user.", code="user_not_found")
    status = await repository.get_status(conn, viewer_id, user_id)
    if on and status is None:
        raise Forbidden(
            "Follow this account first to turn on its notifications.", code="not_following"
        )
    if on and status != "accepted":
        raise Forbidden(
            "Your follow request has not been approved yet.", code="follow_not_approved"
        )
    if status is not None:
        await repository.set_notify(conn, viewer_id, user_id, on)
    return on


async def remove_follower(
    context: AppContext, uow: UnitOfWork, owner_id: int, follower_id: int
) -> None:
    """The owner stops the follower following them, without a block (idempotent): counts
    move as for an unfollow, and so do the owner's posts out of the follower's feed (the
    same event). They may follow again; a private account's must ask again."""
    conn = uow.conn
    if owner_id == follower_id:
        raise InvalidInput("You cannot remove yourself.", code="cannot_remove_self")
    await users_repo.lock_users(conn, (owner_id, follower_id))
    if await users_repo.get_auth_row(conn, follower_id) is None:
        raise NotFound("No such user.", code="user_not_found")
    removed = await repository.delete_edge(conn, follower_id, owner_id)
    if removed == "accepted":
        await users_repo.add_to_follow_counts(conn, follower_id, owner_id, -1)
        await uow.record(UserUnfollowed(follower_id=follower_id, followee_id=owner_id))


async def remove_edges_between(context: AppContext, uow: UnitOfWork, a: int, b: int) -> None:
    """Remove follows and requests between two users in both directions, keeping counts
    exact; every removed follow is an unfollow event (timelines are cleaned by its
    handler). The caller holds `users_repo.lock_users((a, b))`."""
    conn = uow.conn
    for follower_id, followee_id in ((a, b), (b, a)):
        removed = await repository.delete_edge(conn, follower_id, followee_id)
        if removed == "accepted":
            await users_repo.add_to_follow_counts(conn, follower_id, followee_id, -1)
            await uow.record(UserUnfollowed(follower_id=follower_id, followee_id=followee_id))


async def approve_all_requests(context: AppContext, uow: UnitOfWork, owner_id: int) -> int:
    """Approve every pending request to follow the owner (the account went public);
    returns how many. Counts move exactly as one approval each would move them."""
    conn = uow.conn
    requesters = await repository.pending_requester_ids(conn, owner_id)
    if not requesters:
        return 0
    await users_repo.lock_users(conn, (owner_id, *requesters))
    approved = await repository.approve_all(conn, owner_id)
    for requester_id in sorted(approved):
        await users_repo.add_to_counter(conn, requester_id, "following_count", 1)
        await uow.record(UserFollowed(follower_id=requester_id, followee_id=owner_id))
    await users_repo.add_to_counter(conn, owner_id, "follower_count", len(approved))
    return len(approved)


async def list_connections(
    conn: AsyncConnection,
    viewer_id: int | None,
    user_id: int,
    direction: Literal["followers", "following"],
    before_edge: int | None,
    limit: int,
    url_for: UrlFor,
) -> UserPageDict:
    """A page of a user's followers or followees, if the viewer may see them."""
    owner = await users_repo.get_auth_row(conn, user_id)
    if owner is None:
        raise NotFound("No such user.", code="user_not_found")
    await require_account_content(conn, viewer_id, user_id, owner["is_private"])
    pager = repository.page_followers if direction == "followers" else repository.page_following
    # People who blocked the viewer, or whom the viewer blocked, are left out of the list.
    edges = await pager(conn, user_id, before_edge, limit + 1, viewer_id)
    return await page_of_users(conn, edges, limit, url_for)


async def approve_request(
    context: AppContext, uow: UnitOfWork, owner_id: int, requester_id: int
) -> None:
    """Let a pending requester follow the owner's private account."""
    conn = uow.conn
    await users_repo.lock_users(conn, (owner_id, requester_id))
    if not await repository.approve(conn, requester_id, owner_id):
        raise NotFound("No pending request from this user.", code="request_not_found")
    await users_repo.add_to_follow_counts(conn, requester_id, owner_id, 1)
    await uow.record(UserFollowed(follower_id=requester_id, followee_id=owner_id, approved=True))


async def reject_request(conn: AsyncConnection, owner_id: int, requester_id: int) -> None:
    if not await repository.delete_pending(conn, requester_id, owner_id):
        raise NotFound("No pending request from this user.", code="request_not_found")


async def list_requests(
    conn: AsyncConnection, owner_id: int, before_edge: int | None, limit: int, url_for: UrlFor
) -> UserPageDict:
    """A page of the people waiting for the owner's approval, newest first."""
    edges = await repository.page_requests(conn, owner_id, before_edge, limit + 1)
    return await page_of_users(conn, edges, limit, url_for)
