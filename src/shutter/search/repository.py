"""Search queries. Candidates come from the database's own text indexes (pg_trgm on
PostgreSQL, an FTS5 trigram table on SQLite; for captions, PostgreSQL full-text search
with English stemming and an FTS5 porter table); `ranking` orders them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Float,
    Row,
    Select,
    case,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import id_in
from shutter.db.tables import (
    comment_hashtags,
    comments,
    hashtags,
    locations,
    post_hashtags,
    posts,
    users,
)
from shutter.posts.repository import POST_COLUMNS, PostRow, post_row, post_rows
from shutter.privacy.visibility import (
    blocked_either_way,
    comment_is_live,
    comment_shown_to,
    hidden_by_block,
    post_is_live,
    posts_readable_by,
)
from shutter.search.geo import BoundingBox
from shutter.search.ranking import trigrams
from shutter.users.repository import PROFILE_COLUMNS, ProfileRow, profile_row

CANDIDATES = 200
# Post search: the best POST_CANDIDATES readable matches are ranked (a scroll's snapshot);
# on SQLite the FTS5 table hands over at most FTS_MATCHES before the visibility rule.
POST_CANDIDATES = 500
FTS_MATCHES = 2000
MAX_QUERY_WORDS = 10
# Places nearby: at most this many places in the bounding box are measured.
NEARBY_CANDIDATES = 1000
_QUERY_WORD = re.compile(r"[^\W_]+")
# The text search configuration of the caption index (0024_post_search): written as a
# literal so that PostgreSQL matches the query to the index expression.
_ENGLISH: ColumnElement[Any] = literal_column("'english'::regconfig")


def like_prefix(value: str) -> str:
    """A LIKE pattern matching strings that start with `value`, wildcards escaped."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


async def user_candidates(
    conn: AsyncConnection, viewer_id: int | None, query: str
) -> list[ProfileRow]:
    """Users whose username or display name starts with the query or resembles it."""
    prefix = like_prefix(query)
    display_name = func.lower(users.c.display_name)
    matches = [
        users.c.username.like(prefix, escape="\\"),
        display_name.like(prefix, escape="\\"),
        display_name.like("% " + prefix, escape="\\"),
    ]
    order: ColumnElement[Any]
    if conn.dialect.name == "postgresql":
        matches += [users.c.username.op("%")(query), display_name.op("%")(query)]
        order = func.greatest(
            func.similarity(users.c.username, query), func.similarity(display_name, query)
        ).cast(Float)
    else:
        fuzzy = _fts_query(query)
        if fuzzy:
            found = text(
                "SELECT rowid FROM users_search WHERE users_search MATCH :fts "
                "ORDER BY rank LIMIT 200"
            ).bindparams(fts=fuzzy)
            matches.append(users.c.id.in_(found.columns(literal_column("rowid"))))
        order = users.c.follower_count
    statement = (
        select(*PROFILE_COLUMNS)
        .where(or_(*matches) & users.c.suspended_at.is_(None))
        .where(users.c.deactivated_at.is_(None))  # deletion requested: unfound
        .order_by(order.desc())
    )
    if viewer_id is not None:
        statement = statement.where(~blocked_either_way(viewer_id, users.c.id))
    result = await conn.execute(statement.limit(CANDIDATES))
    return [profile_row(row) for row in result.mappings()]


def _fts_query(query: str) -> str | None:
    """An FTS5 query matching any trigram of the query, each quoted (so no query syntax
    can be injected), or None when the query is too short to have trigrams."""
    grams = sorted(gram for gram in trigrams(query) if gram.strip() == gram and len(gram) == 3)
    if not grams:
        return None
    return " OR ".join('"' + gram.replace('"', '""') + '"' for gram in grams)


def _tagged(viewer_id: int | None, tag_matches: Any) -> CompoundSelect[Any]:
    """SQL: (tag, post_id) of every post under the tags that `tag_matches(column)`
    selects, from captions, and from live comments the viewer may see (a comment by
    someone in a block with the viewer is hidden from them, and so is what it tags; so
    is a removed comment, a suspended author's, and one hidden by a comment filter).
    Whether the viewer may read the post itself is left to the caller."""
    from_captions = select(post_hashtags.c.tag, post_hashtags.c.post_id).where(
        tag_matches(post_hashtags.c.tag)
    )
    comment_shown = exists().where(
        (comments.c.id == comment_hashtags.c.comment_id)
        & comment_is_live()
        & comment_shown_to(viewer_id)
    )
    from_comments = select(comment_hashtags.c.tag, comment_hashtags.c.post_id).where(
        tag_matches(comment_hashtags.c.tag)
        & ~hidden_by_block(viewer_id, comment_hashtags.c.author_id)
        & comment_shown
    )
    return union(from_captions, from_comments)


class HashtagCount(NamedTuple):
    """A hashtag and how many live posts the viewer may read are under it."""

    tag: str
    post_count: int


class PlaceRow(NamedTuple):
    """A place as `_places` reads it: the posts the viewer may read there, and the mean
    position of public posts (None when no public post gave one)."""

    id: int
    name: str
    post_count: int
    lat: float | None
    lng: float | None


def _place(row: Row[Any]) -> PlaceRow:
    """A PlaceRow; the means come back as Decimal from PostgreSQL, float from SQLite."""
    return PlaceRow(row.id, row.name, int(row.post_count), _float(row.lat), _float(row.lng))


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _readable_live_post(viewer_id: int | None) -> ColumnElement[bool]:
    return post_is_live(viewer_id) & posts_readable_by(viewer_id)


async def hashtags_by_prefix(
    conn: AsyncConnection, viewer_id: int | None, prefix: str, limit: int
) -> list[HashtagCount]:
    """Hashtags starting with `prefix` that tag at least one post the viewer may read,
    each with the number of such posts, most used first."""
    candidates = (
        select(hashtags.c.tag)
        .where(hashtags.c.tag.like(like_prefix(prefix), escape="\\"))
        .order_by(hashtags.c.post_count.desc(), hashtags.c.tag)
        .limit(CANDIDATES)
        .scalar_subquery()
    )
    tagged = _tagged(viewer_id, lambda column: column.in_(candidates)).subquery()
    post_count = func.count().label("post_count")
    statement = (
        select(tagged.c.tag, post_count)
        .join(posts, posts.c.id == tagged.c.post_id)
        .where(_readable_live_post(viewer_id))
        .group_by(tagged.c.tag)
        .order_by(post_count.desc(), tagged.c.tag)
        .limit(limit)
    )
    return [HashtagCount(row.tag, int(row.post_count)) for row in await conn.execute(statement)]


async def hashtag_post_count(conn: AsyncConnection, viewer_id: int | None, tag: str) -> int:
    """How many live posts the viewer may read are under the hashtag."""
    tagged = _tagged(viewer_id, lambda column: column == tag).subquery()
    statement = (
        select(func.count())
        .select_from(tagged)
        .join(posts, posts.c.id == tagged.c.post_id)
        .where(_readable_live_post(viewer_id))
    )
    return int((await conn.execute(statement)).scalar_one())


def _places(viewer_id: int | None) -> tuple[Select[Any], ColumnElement[Any]]:
    """(SQL over places that have a live post the viewer may read, grouped: add a WHERE
    and an ORDER BY; the expression of that number of posts). Each row: id, name,
    post_count (those posts) and lat/lng: the mean over posts of public accounts, so that
    no private post's position is ever published and no single poster fixes a place's
    (None when no public post gave any)."""
    readable_count = func.sum(case((posts_readable_by(viewer_id), 1), else_=0))
    public = (
        posts_readable_by(None)
        & posts.c.location_lat.is_not(None)
        & posts.c.location_lng.is_not(None)
    )
    statement = (
        select(
            locations.c.id,
            locations.c.name,
            readable_count.label("post_count"),
            func.avg(case((public, posts.c.location_lat))).label("lat"),
            func.avg(case((public, posts.c.location_lng))).label("lng"),
        )
        .select_from(locations)
        .join(posts, posts.c.location_id == locations.c.id)
        .where(post_is_live(None))  # counts: archived posts count for no one
        .group_by(locations.c.id, locations.c.name, locations.c.name_key)
        .having(readable_count > 0)
    )
    return statement, readable_count


async def locations_by_name(
    conn: AsyncConnection, viewer_id: int | None, query: str, limit: int
) -> list[PlaceRow]:
    """Places whose name contains the query and that have a post the viewer may read,
    those starting with it first."""
    pattern = like_prefix(query)
    starts = locations.c.name_key.like(pattern, escape="\\")
    places, post_count = _places(viewer_id)
    statement = (
        places.where(
            locations.c.name_key.like("%" + pattern, escape="\\") & (locations.c.post_count > 0)
        )
        .order_by(starts.desc(), post_count.desc(), locations.c.name_key)
        .limit(limit)
    )
    return [_place(row) for row in await conn.execute(statement)]


async def places_in_box(
    conn: AsyncConnection, viewer_id: int | None, box: BoundingBox, limit: int
) -> list[PlaceRow]:
    """Places named by a live post with coordinates inside the box, with a post the viewer
    may read (at most `limit`, the most used first); rows as `_places`."""
    inside = posts.c.location_lat.between(box.south, box.north) & or_(
        *(posts.c.location_lng.between(west, east) for west, east in box.longitudes)
    )
    in_box = (
        select(posts.c.location_id)
        .where(inside & posts.c.location_id.is_not(None) & post_is_live(viewer_id))
        .distinct()
        .limit(NEARBY_CANDIDATES)
    )
    places, post_count = _places(viewer_id)
    statement = (
        places.where(locations.c.id.in_(in_box))
        .order_by(post_count.desc(), locations.c.id)
        .limit(limit)
    )
    return [_place(row) for row in await conn.execute(statement)]


async def location(
    conn: AsyncConnection, viewer_id: int | None, location_id: int
) -> PlaceRow | None:
    """A place, if it has a post the viewer may read (else None, as if it did not exist)."""
    places, _ = _places(viewer_id)
    statement = places.where(locations.c.id == location_id)
    row = (await conn.execute(statement)).first()
    return _place(row) if row is not None else None


def tagged_post_ids(viewer_id: int | None, tag: str) -> Select[Any]:
    """SQL: the ids of posts under a hashtag, in their caption or in a comment the viewer
    may see (whether the viewer may read the post is left to the caller)."""
    tagged = _tagged(viewer_id, lambda column: column == tag).subquery()
    return select(tagged.c.post_id)


async def posts_with_hashtag(
    conn: AsyncConnection, viewer_id: int | None, tag: str, before_id: int | None, limit: int
) -> list[PostRow]:
    """Live posts the viewer may see under a hashtag (in their caption or in a comment
    the viewer may see), newest first."""
    statement = select(*POST_COLUMNS).where(
        posts.c.id.in_(tagged_post_ids(viewer_id, tag)) & _readable_live_post(viewer_id)
    )
    if before_id is not None:
        statement = statement.where(posts.c.id < before_id)
    statement = statement.order_by(posts.c.id.desc()).limit(limit)
    return post_rows(await conn.execute(statement))


async def posts_at_location(
    conn: AsyncConnection,
    viewer_id: int | None,
    location_id: int,
    before_id: int | None,
    limit: int,
) -> list[PostRow]:
    """Live posts the viewer may see at a place, newest first."""
    statement = select(*POST_COLUMNS).where(
        (posts.c.location_id == location_id)
        & post_is_live(viewer_id)
        & posts_readable_by(viewer_id)
    )
    if before_id is not None:
        statement = statement.where(posts.c.id < before_id)
    statement = statement.order_by(posts.c.id.desc()).limit(limit)
    return post_rows(await conn.execute(statement))


class PostMatch(NamedTuple):
    """A post whose caption matches a search, and how well (higher is better)."""

    post: PostRow
    relevance: float


def query_words(query: str) -> list[str]:
    """The words of a search query (letters and digits), lower-cased, at most
    MAX_QUERY_WORDS: all a caption must contain."""
    return _QUERY_WORD.findall(query.lower())[:MAX_QUERY_WORDS]


async def posts_matching(
    conn: AsyncConnection, viewer_id: int | None, words: Sequence[str]
) -> list[PostMatch]:
    """Live posts the viewer may read whose caption has every word (stemmed: "running"
    finds "runs"), the POST_CANDIDATES most relevant, with their relevance."""
    if not words:
        return []
    if conn.dialect.name == "postgresql":
        vector = func.to_tsvector(_ENGLISH, posts.c.caption)
        tsquery = func.plainto_tsquery(_ENGLISH, " ".join(words))
        relevance = func.ts_rank(vector, tsquery).cast(Float).label("relevance")
        statement = select(*POST_COLUMNS, relevance).where(
            vector.bool_op("@@")(tsquery) & _readable_live_post(viewer_id)
        )
    else:
        fts = " ".join('"' + word.replace('"', '""') + '"' for word in words)
        found = (
            text(
                "SELECT rowid AS post_id, bm25(posts_search) AS score FROM posts_search "
                "WHERE posts_search MATCH :fts ORDER BY rank LIMIT :matches"
            )
            .bindparams(fts=fts, matches=FTS_MATCHES)
            .columns(literal_column("post_id", BigInteger), literal_column("score", Float))
            .subquery()
        )
        relevance = (-found.c.score).label("relevance")  # bm25: lower is better
        statement = (
            select(*POST_COLUMNS, relevance)
            .join_from(found, posts, posts.c.id == found.c.post_id)
            .where(_readable_live_post(viewer_id))
        )
    statement = statement.order_by(relevance.desc(), posts.c.id.desc()).limit(POST_CANDIDATES)
    result = await conn.execute(statement)
    return [PostMatch(post_row(row), float(row["relevance"])) for row in result.mappings()]


async def readable_rows(
    conn: AsyncConnection, viewer_id: int | None, post_ids: Sequence[int]
) -> dict[int, PostRow]:
    """Of `post_ids` (a page of a search snapshot), those the viewer may still read now."""
    if not post_ids:
        return {}
    statement = select(*POST_COLUMNS).where(
        id_in(conn, posts.c.id, post_ids) & _readable_live_post(viewer_id)
    )
    return {row["id"]: row for row in post_rows(await conn.execute(statement))}
