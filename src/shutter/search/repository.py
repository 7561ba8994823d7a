"""Search queries. Candidates come from the database's own text indexes (pg_trgm on
PostgreSQL, an FTS5 trigram table on SQLite); `ranking` orders them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Float, RowMapping, func, literal_column, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.tables import hashtags, locations, post_hashtags, posts, users
from shutter.posts.repository import POST_COLUMNS
from shutter.privacy.visibility import blocked_either_way, posts_readable_by
from shutter.search.ranking import trigrams
from shutter.users.repository import PROFILE_COLUMNS

CANDIDATES = 200


def like_prefix(value: str) -> str:
    """A LIKE pattern matching strings that start with `value`, wildcards escaped."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


async def user_candidates(
    conn: AsyncConnection, viewer_id: int | None, query: str
) -> Sequence[RowMapping]:
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
    statement = select(*PROFILE_COLUMNS).where(or_(*matches)).order_by(order.desc())
    if viewer_id is not None:
        statement = statement.where(~blocked_either_way(viewer_id, users.c.id))
    return (await conn.execute(statement.limit(CANDIDATES))).mappings().all()


def _fts_query(query: str) -> str | None:
    """An FTS5 query matching any trigram of the query, each quoted (so no query syntax
    can be injected), or None when the query is too short to have trigrams."""
    grams = sorted(gram for gram in trigrams(query) if gram.strip() == gram and len(gram) == 3)
    if not grams:
        return None
    return " OR ".join('"' + gram.replace('"', '""') + '"' for gram in grams)


async def hashtags_by_prefix(
    conn: AsyncConnection, prefix: str, limit: int
) -> Sequence[RowMapping]:
    statement = (
        select(hashtags.c.tag, hashtags.c.post_count)
        .where(hashtags.c.tag.like(like_prefix(prefix), escape="\\") & (hashtags.c.post_count > 0))
        .order_by(hashtags.c.post_count.desc(), hashtags.c.tag)
        .limit(limit)
    )
    return (await conn.execute(statement)).mappings().all()


async def locations_by_name(conn: AsyncConnection, query: str, limit: int) -> Sequence[RowMapping]:
    """Places whose name contains the query, those starting with it first."""
    pattern = like_prefix(query)
    starts = locations.c.name_key.like(pattern, escape="\\")
    statement = (
        select(
            locations.c.id,
            locations.c.name,
            locations.c.lat,
            locations.c.lng,
            locations.c.post_count,
        )
        .where(locations.c.name_key.like("%" + pattern, escape="\\") & (locations.c.post_count > 0))
        .order_by(starts.desc(), locations.c.post_count.desc(), locations.c.name_key)
        .limit(limit)
    )
    return (await conn.execute(statement)).mappings().all()


async def posts_with_hashtag(
    conn: AsyncConnection, viewer_id: int | None, tag: str, before_id: int | None, limit: int
) -> Sequence[RowMapping]:
    """Live posts the viewer may see under a hashtag, newest first."""
    statement = (
        select(*POST_COLUMNS)
        .join(post_hashtags, post_hashtags.c.post_id == posts.c.id)
        .where(
            (post_hashtags.c.tag == tag)
            & posts.c.deleted_at.is_(None)
            & posts_readable_by(viewer_id)
        )
    )
    if before_id is not None:
        statement = statement.where(posts.c.id < before_id)
    statement = statement.order_by(posts.c.id.desc()).limit(limit)
    return (await conn.execute(statement)).mappings().all()


async def posts_at_location(
    conn: AsyncConnection,
    viewer_id: int | None,
    location_id: int,
    before_id: int | None,
    limit: int,
) -> Sequence[RowMapping]:
    """Live posts the viewer may see at a place, newest first."""
    statement = select(*POST_COLUMNS).where(
        (posts.c.location_id == location_id)
        & posts.c.deleted_at.is_(None)
        & posts_readable_by(viewer_id)
    )
    if before_id is not None:
        statement = statement.where(posts.c.id < before_id)
    statement = statement.order_by(posts.c.id.desc()).limit(limit)
    return (await conn.execute(statement)).mappings().all()
