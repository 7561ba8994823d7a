"""Reels' queries: what makes a post a reel, the newest reels of the accounts a reader
follows, and the read-time check of a page of a snapshot.

Every statement filters with `posts_in_reels_of` (the visibility rule) and `post_is_live`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import id_in
from shutter.db.tables import follows, media, posts
from shutter.posts.repository import POST_COLUMNS, PostRow, post_rows
from shutter.privacy.visibility import post_is_live, posts_in_reels_of


def is_reel() -> ColumnElement[bool]:
    """SQL over `posts`: a video post, i.e. its first media item is a video, and every
    media item of it is ready (a primary-key range probe of `ix_media_post_id`)."""
    video_first = (
        select(media.c.id)
        .where((media.c.post_id == posts.c.id) & (media.c.position == 0))
        .where((media.c.kind == "video") & (media.c.status == "ready"))
        .exists()
    )
    unready = (
        select(media.c.id)
        .where((media.c.post_id == posts.c.id) & (media.c.status != "ready"))
        .exists()
    )
    return video_first & ~unready


def playable_to(reader_id: int) -> ColumnElement[bool]:
    """SQL over `posts`: a live reel the reader may be shown in Reels."""
    return post_is_live(reader_id) & is_reel() & posts_in_reels_of(reader_id)


async def followed_reels(conn: AsyncConnection, reader_id: int, limit: int) -> list[int]:
    """The ids of the `limit` newest reels by accounts the reader follows (approved)."""
    followees = select(follows.c.followee_id).where(
        (follows.c.follower_id == reader_id) & (follows.c.status == "accepted")
    )
    statement = (
        select(posts.c.id)
        .where(posts.c.author_id.in_(followees) & playable_to(reader_id))
        .order_by(posts.c.id.desc())
        .limit(limit)
    )
    return list((await conn.execute(statement)).scalars())


async def playable_rows(
    conn: AsyncConnection, reader_id: int, post_ids: Sequence[int]
) -> dict[int, PostRow]:
    """Of `post_ids` (a page of a snapshot), the reels the reader may still be shown now:
    deletions, removals, blocks, mutes and switches to private since the snapshot drop
    out. One query for the page."""
    if not post_ids:
        return {}
    statement = select(*POST_COLUMNS).where(
        id_in(conn, posts.c.id, post_ids) & playable_to(reader_id)
    )
    return {row["id"]: row for row in post_rows(await conn.execute(statement))}
