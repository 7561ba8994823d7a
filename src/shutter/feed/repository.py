"""The pull feed query: the reader's own posts, those of accounts they follow, and public
posts under the hashtags they follow (privacy/visibility.py `reachable_through_tags`).

Muted posts (privacy/visibility.py `muted`) are left out of what a reader is shown, at
read time: stored timelines keep them, so that an unmute brings them back at once."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import fetch_rows, ids_param
from shutter.db.tables import (
    comments,
    conversation_members,
    follows,
    hashtag_follows,
    likes,
    messages,
    post_hashtags,
    posts,
    profile_visits,
    saves,
)
from shutter.feed.affinity import Interaction
from shutter.posts.repository import (
    LIKED_BY_READER,
    POST_COLUMNS,
    SAVED_BY_READER,
    PostRow,
    post_rows,
    post_rows_of,
)
from shutter.privacy.visibility import (
    blocked_either_way,
    deactivated,
    muted,
    post_is_live,
    reachable_through_tags,
)
from shutter.timeutil import as_utc

# Hot statements are built once per dialect and executed with parameters: building a
# SQLAlchemy statement costs about 0.4 ms, more than running it.
NO_CURSOR = 2**63 - 1


def _brought_by_tags(reader: BindParameter[int]) -> ColumnElement[bool]:
    """SQL over `posts`: the post is under a hashtag the reader follows (in its caption)
    and the rule lets hashtags bring it (public author, no block, not muted)."""
    followed = select(hashtag_follows.c.tag).where(hashtag_follows.c.user_id == reader)
    tagged = select(post_hashtags.c.post_id).where(post_hashtags.c.tag.in_(followed))
    return posts.c.id.in_(tagged) & reachable_through_tags(reader)


@functools.cache
def _pull_statement(dialect_name: str, columns: str, for_timeline: bool = False) -> Select[Any]:
    followees = select(follows.c.followee_id).where(
        (follows.c.follower_id == bindparam("reader")) & (follows.c.status == "accepted")
    )
    selected = POST_COLUMNS if columns == "rows" else (posts.c.id,)
    reader: BindParameter[int] = bindparam("reader")
    followed = (
        posts.c.author_id.in_(followees)
        & ~blocked_either_way(reader, posts.c.author_id)
        & ~deactivated(posts.c.author_id)
    )
    if not for_timeline:
        followed = followed & ~muted(reader, posts.c.author_id, "posts")
        # Hashtags are pulled at read time, never stored in a timeline.
        followed = followed | _brought_by_tags(reader)
    return (
        select(*selected)
        .where(
            (
                (posts.c.author_id == reader)
                # A block deletes the follows, but the pull query also serves whole feeds
                # while Redis is down: it keeps the rule of `visible_rows` explicit too.
                | followed
            )
            & post_is_live(reader)
            & (posts.c.id < bindparam("before"))
        )
        .order_by(posts.c.id.desc())
        .limit(bindparam("limit"))
    )


async def pull_page(
    conn: AsyncConnection, reader_id: int, before_id: int | None, limit: int
) -> list[PostRow]:
    """Newest first: posts by the reader, by accounts the reader follows (approved) and is
    not blocked from either way, and public posts under the hashtags the reader follows."""
    statement = _pull_statement(conn.dialect.name, "rows")
    params = {"reader": reader_id, "before": before_id or NO_CURSOR, "limit": limit}
    return post_rows(await conn.execute(statement, params))


async def pull_ids(
    conn: AsyncConnection,
    reader_id: int,
    before_id: int | None,
    limit: int,
    *,
    for_timeline: bool = False,
) -> list[int]:
    """Just the ids of `pull_page` (the hybrid read's fallback). `for_timeline`: the ids a
    rebuilt stored timeline holds, muted authors' posts included (filtered when read) and
    followed hashtags' left out (pulled when read)."""
    statement = _pull_statement(conn.dialect.name, "ids", for_timeline)
    params = {"reader": reader_id, "before": before_id or NO_CURSOR, "limit": limit}
    return list((await conn.execute(statement, params)).scalars())


@functools.cache
def _visible_statement(dialect_name: str) -> Select[Any]:
    follows_author = (
        select(follows.c.followee_id)
        .where(
            (follows.c.follower_id == bindparam("reader"))
            & (follows.c.followee_id == posts.c.author_id)
            & (follows.c.status == "accepted")
        )
        .exists()
    )
    reader: BindParameter[int] = bindparam("reader")
    # liked_by_me and saved_by_me ride along (a probe of the likes and saves primary keys
    # per row), saving hydration their own round trips.
    liked = (
        select(likes.c.post_id)
        .where((likes.c.post_id == posts.c.id) & (likes.c.user_id == reader))
        .exists()
        .label(LIKED_BY_READER)
    )
    saved = (
        select(saves.c.post_id)
        .where((saves.c.post_id == posts.c.id) & (saves.c.user_id == reader))
        .exists()
        .label(SAVED_BY_READER)
    )
    return select(*POST_COLUMNS, liked, saved).where(
        ids_param(dialect_name, posts.c.id)
        & post_is_live(reader)
        & (
            (posts.c.author_id == reader)
            | (
                follows_author
                & ~blocked_either_way(reader, posts.c.author_id)
                & ~deactivated(posts.c.author_id)
                & ~muted(reader, posts.c.author_id, "posts")
            )
            | _brought_by_tags(reader)
        )
    )


async def visible_rows(
    conn: AsyncConnection, reader_id: int, post_ids: Sequence[int]
) -> dict[int, PostRow]:
    """Of `post_ids`, the live posts by the reader or by accounts the reader follows now,
    has not muted and is not blocked from either way, and the public posts under the
    hashtags the reader follows now (`reachable_through_tags`): the read-time filter of the hybrid
    feed, in one query (primary-key probes of the reader's follow edge, mutes and blocks
    per candidate, not a scan of everything the reader follows). A block deletes the
    follows in its own transaction; the block probe keeps the rule explicit here."""
    if not post_ids:
        return {}
    statement = _visible_statement(conn.dialect.name)
    keys, tuples = await fetch_rows(conn, statement, {"reader": reader_id, "ids": list(post_ids)})
    return {row["id"]: row for row in post_rows_of(keys, tuples)}


@functools.cache
def _tagged_statement(dialect_name: str) -> Select[Any]:
    reader: BindParameter[int] = bindparam("reader")
    # From the reader's followed tags into their posts (the (tag, post_id) primary key),
    # not down the whole posts table: a reader who follows no tag costs one index probe.
    followed_posts = hashtag_follows.join(
        post_hashtags, post_hashtags.c.tag == hashtag_follows.c.tag
    ).join(posts, posts.c.id == post_hashtags.c.post_id)
    return (
        select(posts.c.id)
        .distinct()
        .select_from(followed_posts)
        .where(
            (hashtag_follows.c.user_id == reader)
            & (post_hashtags.c.post_id < bindparam("before"))
            & reachable_through_tags(reader)
            & post_is_live(reader)
        )
        .order_by(posts.c.id.desc())
        .limit(bindparam("limit"))
    )


async def tagged_ids(
    conn: AsyncConnection, reader_id: int, before_id: int | None, limit: int
) -> list[int]:
    """Newest first, below `before_id`: the ids of live public posts under the hashtags the
    reader follows, by no account blocked either way or muted (the hybrid read's pulled
    hashtag source: one query per round for all followed tags, never fanned out)."""
    statement = _tagged_statement(conn.dialect.name)
    params = {"reader": reader_id, "before": before_id or NO_CURSOR, "limit": limit}
    return list((await conn.execute(statement, params)).scalars())


@functools.cache
def _followed_among_statement(dialect_name: str) -> Select[Any]:
    reader: BindParameter[int] = bindparam("reader")
    return select(follows.c.followee_id).where(
        (follows.c.follower_id == reader)
        & (follows.c.status == "accepted")
        & ids_param(dialect_name, follows.c.followee_id)
        # A muted pulled author is no source at all: its posts would only be dropped.
        & ~muted(reader, follows.c.followee_id, "posts")
    )


@functools.cache
def _sources_statement(dialect_name: str) -> Any:
    """Which pulled authors the reader follows (approved) and has not muted the posts of,
    and `tagged_ids`, as one statement: (0, author) and (1, post) rows."""
    followed = _followed_among_statement(dialect_name).subquery()
    tagged = _tagged_statement(dialect_name).subquery()
    return union_all(
        select(literal(0).label("kind"), followed.c.followee_id.label("id")),
        select(literal(1).label("kind"), tagged.c.id.label("id")),
    )


async def followed_and_tagged(
    conn: AsyncConnection,
    reader_id: int,
    author_ids: Iterable[int],
    before_id: int | None,
    limit: int,
) -> tuple[set[int], list[int]]:
    """Which of `author_ids` (the pulled authors) the reader follows and has not muted,
    and `tagged_ids(before_id, limit)`, in one round trip: the first two questions of
    every hybrid feed read. The statement is built once per dialect."""
    candidates = list(author_ids)
    if not candidates:
        return set(), await tagged_ids(conn, reader_id, before_id, limit)
    params = {
        "reader": reader_id,
        "ids": candidates,
        "before": before_id or NO_CURSOR,
        "limit": limit,
    }
    followed: set[int] = set()
    tagged: list[int] = []
    _, found = await fetch_rows(conn, _sources_statement(conn.dialect.name), params)
    for kind, row_id in found:
        (tagged.append if kind else followed.add)(row_id)
    tagged.sort(reverse=True)  # a union keeps no order
    return followed, tagged


async def interactions_with(
    conn: AsyncConnection, reader_id: int, author_ids: Iterable[int], since: datetime
) -> list[Interaction]:
    """What the reader did with each of these authors since `since`, in one query: per
    (author, kind) the number of likes and comments on their posts, messages exchanged in
    a direct conversation, the last profile visit, and whether the author follows the
    reader back (approved)."""
    authors = list(author_ids)
    if not authors:
        return []
    on_posts = posts.c.author_id.in_(authors)
    liked = (
        select(posts.c.author_id, literal("like"), func.count(), func.max(likes.c.created_at))
        .select_from(likes.join(posts, posts.c.id == likes.c.post_id))
        .where((likes.c.user_id == reader_id) & (likes.c.created_at >= since) & on_posts)
        .group_by(posts.c.author_id)
    )
    commented = (
        select(posts.c.author_id, literal("comment"), func.count(), func.max(comments.c.created_at))
        .select_from(comments.join(posts, posts.c.id == comments.c.post_id))
        .where(
            (comments.c.author_id == reader_id)
            & (comments.c.created_at >= since)
            & comments.c.deleted_at.is_(None)
            & on_posts
        )
        .group_by(posts.c.author_id)
    )
    member = conversation_members
    messaged = (
        select(member.c.other_id, literal("message"), func.count(), func.max(messages.c.created_at))
        .select_from(member.join(messages, messages.c.conversation_id == member.c.conversation_id))
        .where(
            (member.c.user_id == reader_id)
            & member.c.other_id.in_(authors)
            & (messages.c.created_at >= since)
            & messages.c.system.is_(None)
        )
        .group_by(member.c.other_id)
    )
    visited = select(
        profile_visits.c.user_id, literal("visit"), literal(1), profile_visits.c.visited_at
    ).where(
        (profile_visits.c.viewer_id == reader_id)
        & profile_visits.c.user_id.in_(authors)
        & (profile_visits.c.visited_at >= since)
    )
    follows_back = select(
        follows.c.follower_id, literal("follows_back"), literal(1), follows.c.created_at
    ).where(
        (follows.c.followee_id == reader_id)
        & (follows.c.status == "accepted")
        & follows.c.follower_id.in_(authors)
    )
    result = await conn.execute(union_all(liked, commented, messaged, visited, follows_back))
    return [
        Interaction(int(author), kind, int(times), as_utc(latest))
        for author, kind, times, latest in result.all()
    ]
