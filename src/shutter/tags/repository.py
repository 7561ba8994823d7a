"""Queries on hashtags (of posts and comments) and locations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.rows import typed_all
from shutter.db.sql import id_in, insert_or_ignore
from shutter.db.tables import (
    comment_hashtags,
    hashtag_follows,
    hashtags,
    locations,
    post_hashtags,
)


async def attach_hashtags(
    conn: AsyncConnection, post_id: int, tags: Sequence[str], now: datetime
) -> None:
    """Index a new post under its hashtags and count it in each."""
    if not tags:
        return
    statement = insert_or_ignore(conn, hashtags, ["tag"]).values(
        [{"tag": tag, "post_count": 0, "created_at": now} for tag in tags]
    )
    await conn.execute(statement)
    await conn.execute(
        post_hashtags.insert().values([{"tag": t, "post_id": post_id} for t in tags])
    )
    # In tag order, so two posts sharing tags lock the counter rows in the same order.
    await conn.execute(
        update(hashtags)
        .where(hashtags.c.tag.in_(sorted(tags)))
        .values(post_count=hashtags.c.post_count + 1)
    )


async def detach_hashtags(conn: AsyncConnection, post_id: int) -> None:
    """Take a deleted post out of its hashtags' pages and counts."""
    statement = delete(post_hashtags).where(post_hashtags.c.post_id == post_id)
    tags = list((await conn.execute(statement.returning(post_hashtags.c.tag))).scalars())
    if tags:
        await conn.execute(
            update(hashtags)
            .where(hashtags.c.tag.in_(sorted(tags)))
            .values(post_count=hashtags.c.post_count - 1)
        )


async def attach_comment_hashtags(
    conn: AsyncConnection, comment: dict[str, Any], tags: Sequence[str]
) -> None:
    """Index a new comment's post under the comment's hashtags (`comment`: the comment's
    row as inserted)."""
    if not tags:
        return
    # In tag order, so that two writers of the same new tags lock them in the same order.
    await conn.execute(
        insert_or_ignore(conn, hashtags, ["tag"]).values(
            [
                {"tag": tag, "post_count": 0, "created_at": comment["created_at"]}
                for tag in sorted(tags)
            ]
        )
    )
    await conn.execute(
        comment_hashtags.insert().values(
            [
                {
                    "comment_id": comment["id"],
                    "tag": tag,
                    "post_id": comment["post_id"],
                    "author_id": comment["author_id"],
                }
                for tag in tags
            ]
        )
    )


async def detach_comment_hashtags(conn: AsyncConnection, comment_ids: Sequence[int]) -> None:
    """Take deleted comments out of their hashtags' pages."""
    if comment_ids:
        await conn.execute(
            delete(comment_hashtags).where(id_in(conn, comment_hashtags.c.comment_id, comment_ids))
        )


async def location_for(conn: AsyncConnection, new_id: int, name: str, now: datetime) -> int:
    """The id of the place with this name (case-insensitive), created on first use, and
    its post count moved up by one. The post's coordinates stay the post's own."""
    key = name.casefold()
    await conn.execute(
        insert_or_ignore(conn, locations, ["name_key"]).values(
            id=new_id, name=name, name_key=key, created_at=now
        )
    )
    statement = (
        update(locations)
        .where(locations.c.name_key == key)
        .values(post_count=locations.c.post_count + 1)
        .returning(locations.c.id)
    )
    return int((await conn.execute(statement)).scalar_one())


async def add_to_location_count(conn: AsyncConnection, location_id: int, delta: int) -> None:
    target = locations.c.post_count
    await conn.execute(
        update(locations).where(locations.c.id == location_id).values(post_count=target + delta)
    )


# -- followed hashtags ----------------------------------------------------------------------


async def insert_hashtag_follow(
    conn: AsyncConnection, user_id: int, tag: str, follow_id: int, now: datetime
) -> bool:
    """Follow a hashtag; False if the user followed it already (concurrent callers too)."""
    statement = (
        insert_or_ignore(conn, hashtag_follows, ["user_id", "tag"])
        .values(user_id=user_id, tag=tag, id=follow_id, created_at=now)
        .returning(hashtag_follows.c.id)
    )
    return (await conn.execute(statement)).first() is not None


async def delete_hashtag_follow(conn: AsyncConnection, user_id: int, tag: str) -> None:
    await conn.execute(
        delete(hashtag_follows).where(
            (hashtag_follows.c.user_id == user_id) & (hashtag_follows.c.tag == tag)
        )
    )


async def count_hashtag_follows(conn: AsyncConnection, user_id: int) -> int:
    query = select(func.count()).where(hashtag_follows.c.user_id == user_id)
    return int((await conn.execute(query)).scalar_one())


async def follows_hashtag(conn: AsyncConnection, user_id: int, tag: str) -> bool:
    query = select(hashtag_follows.c.id).where(
        (hashtag_follows.c.user_id == user_id) & (hashtag_follows.c.tag == tag)
    )
    return (await conn.execute(query)).first() is not None


class FollowedHashtag(NamedTuple):
    """A hashtag the user follows (`page_hashtag_follows`)."""

    id: int
    tag: str
    created_at: datetime


async def page_hashtag_follows(
    conn: AsyncConnection, user_id: int, before_id: int | None, limit: int
) -> list[FollowedHashtag]:
    """The hashtags the user follows (id, tag, created_at), most recently followed first."""
    query = select(hashtag_follows.c.id, hashtag_follows.c.tag, hashtag_follows.c.created_at).where(
        hashtag_follows.c.user_id == user_id
    )
    if before_id is not None:
        query = query.where(hashtag_follows.c.id < before_id)
    query = query.order_by(hashtag_follows.c.id.desc()).limit(limit)
    return typed_all(await conn.execute(query), FollowedHashtag)
