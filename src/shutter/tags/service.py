"""Following hashtags: public posts under a followed hashtag come into the follower's home
feed (pulled at read time by feed/service.py, never fanned out)."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.db.unit_of_work import UnitOfWork
from shutter.errors import Conflict
from shutter.pagination import page_tail
from shutter.tags import repository
from shutter.tags.entities import parse_tag
from shutter.timeutil import isoformat, utcnow
from shutter.users import repository as users_repo

# Hashtags one account may follow (the feed's pull query takes them all in one round).
FOLLOWED_HASHTAGS_MAX = 1000


class HashtagFollowStateDict(TypedDict):
    hashtag: str
    following: bool


class FollowedHashtagDict(TypedDict):
    name: str
    followed_at: str


class FollowedHashtagPageDict(TypedDict):
    hashtags: list[FollowedHashtagDict]
    next_cursor: str | None


async def follow_hashtag(
    context: AppContext, uow: UnitOfWork, user_id: int, tag: str
) -> HashtagFollowStateDict:
    """Follow a hashtag (idempotent); 422 `invalid_hashtag` for what is not one, 409
    `too_many_hashtags` past the cap."""
    name = parse_tag(tag)
    conn = uow.conn
    await users_repo.lock_users(conn, (user_id,))  # two follows cannot both pass the cap
    if not await repository.follows_hashtag(conn, user_id, name):
        if await repository.count_hashtag_follows(conn, user_id) >= FOLLOWED_HASHTAGS_MAX:
            raise Conflict(
                f"You can follow at most {FOLLOWED_HASHTAGS_MAX} hashtags; unfollow one first.",
                code="too_many_hashtags",
            )
        await repository.insert_hashtag_follow(conn, user_id, name, context.ids.next_id(), utcnow())
    return {"hashtag": name, "following": True}


async def unfollow_hashtag(uow: UnitOfWork, user_id: int, tag: str) -> HashtagFollowStateDict:
    """Stop following a hashtag (idempotent): its posts leave the home feed at once."""
    name = parse_tag(tag)
    await repository.delete_hashtag_follow(uow.conn, user_id, name)
    return {"hashtag": name, "following": False}


async def list_followed_hashtags(
    conn: AsyncConnection, user_id: int, before_id: int | None, limit: int
) -> FollowedHashtagPageDict:
    """The hashtags the user follows, most recently followed first."""
    rows = await repository.page_hashtag_follows(conn, user_id, before_id, limit + 1)
    page = page_tail(rows, limit, lambda row: row.id)
    return {
        "hashtags": [
            {"name": row.tag, "followed_at": isoformat(row.created_at)} for row in page.items
        ],
        "next_cursor": page.next_cursor,
    }
