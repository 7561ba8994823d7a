"""Users to the user objects of the API: a profile (UserOut) and an author (AuthorOut)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NotRequired, TypedDict

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.pagination import page_tail
from shutter.stores.objects import UrlFor
from shutter.timeutil import isoformat
from shutter.users import repository
from shutter.users.repository import AuthorRow, ProfileRow


class MutingDict(TypedDict):
    posts: bool
    stories: bool


class RelationshipDict(TypedDict):
    following: bool
    follow_requested: bool
    followed_by: bool
    blocking: bool
    blocked_by: bool
    notify: bool  # the bell: notified of each new post and story
    muting: MutingDict


class AvatarUrlsDict(TypedDict):
    thumb: str  # 150 px square
    small: str  # 320 px wide


class ProfileOutDict(TypedDict):
    """The wire shape of UserOut (users/schemas.py)."""

    id: str
    username: str
    display_name: str
    bio: str
    avatar_url: str | None
    avatar_urls: AvatarUrlsDict | None
    is_private: bool
    follower_count: int
    following_count: int
    post_count: int
    created_at: str
    relationship: RelationshipDict | None
    email: NotRequired[str]
    email_verified: NotRequired[bool]
    role: NotRequired[str]


class UserPageDict(TypedDict):
    """The wire shape of UserPage: `{users, next_cursor}`."""

    users: list[ProfileOutDict]
    next_cursor: str | None


class AuthorOutDict(TypedDict):
    """The wire shape of AuthorOut (users/schemas.py)."""

    id: str
    username: str
    display_name: str
    avatar_url: str | None


def present_profile(row: ProfileRow, url_for: UrlFor) -> ProfileOutDict:
    return {
        "id": str(row["id"]),
        "username": row["username"],
        "display_name": row["display_name"],
        "bio": row["bio"],
        "avatar_url": url_for(row["avatar_key"]) if row["avatar_key"] else None,
        "avatar_urls": _avatar_urls(row, url_for),
        "is_private": bool(row["is_private"]),
        "follower_count": row["follower_count"],
        "following_count": row["following_count"],
        "post_count": row["post_count"],
        "created_at": isoformat(row["created_at"]),
        "relationship": None,
    }


def _avatar_urls(row: ProfileRow, url_for: UrlFor) -> AvatarUrlsDict | None:
    """The avatar at 150 px (square) and 320 px wide, where the row has the avatar media's
    variants (a single profile's query joins them; lists do without)."""
    raw = row["avatar_variants"] if row["avatar_key"] else None
    if not raw:
        return None
    variants: dict[str, str] = orjson.loads(raw)
    if "thumb" not in variants or "small" not in variants:
        return None
    return {"thumb": url_for(variants["thumb"]), "small": url_for(variants["small"])}


def present_author(row: AuthorRow, url_for: UrlFor) -> AuthorOutDict:
    return {
        "id": str(row["id"]),
        "username": row["username"],
        "display_name": row["display_name"],
        "avatar_url": url_for(row["avatar_key"]) if row["avatar_key"] else None,
    }


async def page_of_users(
    conn: AsyncConnection, edges: Sequence[tuple[int, int]], limit: int, url_for: UrlFor
) -> UserPageDict:
    """`{users, next_cursor}` from up to limit+1 (edge id, user id) pairs, the edge id
    being what the next page continues after (a follow's, a block's, a like's)."""
    page = page_tail(edges, limit, lambda edge: edge[0])
    profiles = await repository.get_profiles(conn, [other for _, other in page.items])
    return {
        "users": [present_profile(row, url_for) for row in profiles],
        "next_cursor": page.next_cursor,
    }
