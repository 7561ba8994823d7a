"""Users to the user objects of the API: a profile (UserOut) and an author (AuthorOut)."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from shutter.stores.objects import UrlFor
from shutter.timeutil import isoformat
from shutter.users.repository import AuthorRow, ProfileRow


class RelationshipDict(TypedDict):
    following: bool
    follow_requested: bool
    followed_by: bool
    blocking: bool
    blocked_by: bool


class ProfileOutDict(TypedDict):
    """The wire shape of UserOut (users/schemas.py)."""

    id: str
    username: str
    display_name: str
    bio: str
    avatar_url: str | None
    is_private: bool
    follower_count: int
    following_count: int
    post_count: int
    created_at: str
    relationship: RelationshipDict | None
    email: NotRequired[str]


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
        "is_private": bool(row["is_private"]),
        "follower_count": row["follower_count"],
        "following_count": row["following_count"],
        "post_count": row["post_count"],
        "created_at": isoformat(row["created_at"]),
        "relationship": None,
    }


def present_author(row: AuthorRow, url_for: UrlFor) -> AuthorOutDict:
    return {
        "id": str(row["id"]),
        "username": row["username"],
        "display_name": row["display_name"],
        "avatar_url": url_for(row["avatar_key"]) if row["avatar_key"] else None,
    }
