"""Mute and unmute; the list of muted accounts.

A mute changes what the muter is shown and nothing else (privacy/visibility.py rule 7):
muted posts are left out of the home feed and muted stories out of the tray when they
are read, so an unmute brings everything back at once. The muted account is not told:
nothing it can read changes, and no event is recorded.
"""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.errors import InvalidInput, NotFound
from shutter.mutes import repository
from shutter.pagination import page_tail
from shutter.privacy.visibility import Access, account_access
from shutter.timeutil import utcnow
from shutter.users import repository as users_repo
from shutter.users.presenters import MutingDict, ProfileOutDict, present_profile
from shutter.users.service import UrlFor


class MutedAccountDict(TypedDict):
    user: ProfileOutDict
    muting: MutingDict


class MutedPageDict(TypedDict):
    muted: list[MutedAccountDict]
    next_cursor: str | None


async def _require_account(conn: AsyncConnection, viewer_id: int, user_id: int) -> None:
    """404 for an account the viewer cannot know of (unknown, blocked by it, gone)."""
    row = await users_repo.get_auth_row(conn, user_id)
    if row is None or (
        await account_access(conn, viewer_id, user_id, row["is_private"]) is Access.HIDDEN
    ):
        raise NotFound("No such user.", code="user_not_found")


async def mute(
    context: AppContext,
    conn: AsyncConnection,
    muter_id: int,
    muted_id: int,
    posts: bool,
    stories: bool,
) -> MutingDict:
    """Mute an account's posts and/or stories (idempotent; muting neither unmutes)."""
    if muter_id == muted_id:
        raise InvalidInput("You cannot mute yourself.", code="cannot_mute_self")
    await _require_account(conn, muter_id, muted_id)
    if not posts and not stories:
        await repository.delete_mute(conn, muter_id, muted_id)
    else:
        await repository.upsert(
            conn, muter_id, muted_id, context.ids.next_id(), posts, stories, utcnow()
        )
    return {"posts": posts, "stories": stories}


async def unmute(conn: AsyncConnection, muter_id: int, muted_id: int) -> MutingDict:
    """Unmute both posts and stories (idempotent)."""
    if await users_repo.get_auth_row(conn, muted_id) is None:
        raise NotFound("No such user.", code="user_not_found")
    await repository.delete_mute(conn, muter_id, muted_id)
    return {"posts": False, "stories": False}


async def list_muted(
    conn: AsyncConnection, muter_id: int, before_id: int | None, limit: int, url_for: UrlFor
) -> MutedPageDict:
    """A page of the accounts the muter muted, most recent first, with what is muted.
    Accounts gone (deactivated, purged) are left out."""
    rows = await repository.page_muted(conn, muter_id, before_id, limit + 1)
    page = page_tail(rows, limit, lambda row: row.id)
    profiles = {
        row["id"]: row
        for row in await users_repo.get_profiles(conn, [row.muted_id for row in page.items])
    }
    muted: list[MutedAccountDict] = [
        {
            "user": present_profile(profiles[row.muted_id], url_for),
            "muting": {"posts": row.posts, "stories": row.stories},
        }
        for row in page.items
        if row.muted_id in profiles
    ]
    return {"muted": muted, "next_cursor": page.next_cursor}
