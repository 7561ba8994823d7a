"""Explore's candidate queries: one SQL statement per source, each bounded by a time
window and a row limit, so that their cost does not grow with the size of the network.

Both filter with `posts_discoverable_by` (the visibility rule) and keep only live posts
whose media are all ready.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import ColumnElement, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import id_in
from shutter.db.tables import follows, likes, media, posts
from shutter.posts.repository import POST_COLUMNS, PostRow, post_row, post_rows
from shutter.privacy.visibility import post_is_live, posts_discoverable_by

# How many of the reader's own recent likes define "people who like what you like", and
# how many of those people (and of the accounts the reader follows) lend their likes.
OWN_LIKES = 100
NEIGHBOURS = 200
# At most this many of the reader's recent likes are left out of Explore.
RECENT_LIKES = 1000


def _explorable(
    viewer_id: int | None, since_id: int, only: ColumnElement[bool] | None = None
) -> ColumnElement[bool]:
    """Live posts made since `since_id`, discoverable by the viewer, media all ready (and,
    when given, matching `only`: Reels keeps to video posts)."""
    unready = (
        select(media.c.id)
        .where((media.c.post_id == posts.c.id) & (media.c.status != "ready"))
        .exists()
    )
    explorable = (
        (posts.c.id >= since_id)
        & post_is_live(viewer_id)
        & posts_discoverable_by(viewer_id)
        & ~unready
    )
    return explorable if only is None else explorable & only


class Signalled(NamedTuple):
    """A post the reader's neighbours liked, and the summed weight of those neighbours."""

    post: PostRow
    signal: float


def engagement() -> ColumnElement[int]:
    """Likes plus comments, a comment counting twice (it costs more than a tap)."""
    return posts.c.like_count + 2 * posts.c.comment_count


async def most_engaging(
    conn: AsyncConnection,
    viewer_id: int | None,
    since_id: int,
    limit: int,
    only: ColumnElement[bool] | None = None,
) -> list[PostRow]:
    """The `limit` most liked and commented posts made since `since_id` that the viewer
    may discover (and that match `only`), most engaging (then newest) first."""
    statement = (
        select(*POST_COLUMNS)
        .where(_explorable(viewer_id, since_id, only))
        .order_by(engagement().desc(), posts.c.id.desc())
        .limit(limit)
    )
    return post_rows(await conn.execute(statement))


async def liked_by_neighbours(
    conn: AsyncConnection,
    reader_id: int,
    since_id: int,
    limit: int,
    only: ColumnElement[bool] | None = None,
) -> list[Signalled]:
    """Posts made since `since_id` that the reader may discover (and that match `only`)
    and that the reader's neighbours liked, with `signal`: the summed weight of the
    neighbours who liked each.

    Neighbours are the people who liked the reader's recent likes (weight: how many of
    them they share) and the accounts the reader follows (weight 1); likes older than
    `since_id` do not count."""
    own_likes = (
        select(likes.c.post_id)
        .where(likes.c.user_id == reader_id)
        .order_by(likes.c.id.desc())
        .limit(OWN_LIKES)
        .subquery()
    )
    co_likers = (
        select(likes.c.user_id.label("user_id"), func.count().label("weight"))
        .where(likes.c.post_id.in_(select(own_likes.c.post_id)) & (likes.c.user_id != reader_id))
        .group_by(likes.c.user_id)
        .order_by(func.count().desc())
        .limit(NEIGHBOURS)
        .subquery()
    )
    followees = (
        select(follows.c.followee_id.label("user_id"), literal(1).label("weight"))
        .where((follows.c.follower_id == reader_id) & (follows.c.status == "accepted"))
        .order_by(follows.c.id.desc())
        .limit(NEIGHBOURS)
        .subquery()
    )
    neighbours = union_all(select(co_likers), select(followees)).subquery()
    # Summed per post first, so that the visibility rule runs once per liked post rather
    # than once per like; then filtered, ranked and cut.
    signals = (
        select(likes.c.post_id, func.sum(neighbours.c.weight).label("signal"))
        .select_from(likes.join(neighbours, neighbours.c.user_id == likes.c.user_id))
        .where(likes.c.id >= since_id)
        .group_by(likes.c.post_id)
        .subquery()
    )
    statement = (
        select(*POST_COLUMNS, signals.c.signal)
        .join_from(signals, posts, posts.c.id == signals.c.post_id)
        .where(_explorable(reader_id, since_id, only))
        .order_by(signals.c.signal.desc(), posts.c.id.desc())
        .limit(limit)
    )
    result = await conn.execute(statement)
    return [Signalled(post_row(row), float(row["signal"])) for row in result.mappings()]


async def explorable_rows(
    conn: AsyncConnection, viewer_id: int | None, post_ids: Sequence[int]
) -> dict[int, PostRow]:
    """Of `post_ids` (a page of a snapshot), those the viewer may still discover now:
    deletions, blocks, follows and switches to private since the snapshot drop out."""
    if not post_ids:
        return {}
    statement = select(*POST_COLUMNS).where(
        id_in(conn, posts.c.id, post_ids) & _explorable(viewer_id, 0)
    )
    return {row["id"]: row for row in post_rows(await conn.execute(statement))}


async def liked_since(conn: AsyncConnection, reader_id: int, since_id: int) -> set[int]:
    """The posts the reader liked since `since_id` (the newest RECENT_LIKES of them)."""
    statement = (
        select(likes.c.post_id)
        .where((likes.c.user_id == reader_id) & (likes.c.id >= since_id))
        .order_by(likes.c.id.desc())
        .limit(RECENT_LIKES)
    )
    return set((await conn.execute(statement)).scalars())
