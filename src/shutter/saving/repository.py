"""Queries on saved posts and collections. Every read of saved posts goes through the
visibility rule in SQL (`post_is_live` and `posts_readable_by`), so that a post that
became invisible to its saver leaves their lists at once, with pages kept full and
cursors exact."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.sql import id_in, insert_or_ignore
from shutter.db.tables import collection_posts, collections, posts, saves
from shutter.posts.repository import POST_COLUMNS, PostRow, post_row
from shutter.privacy.visibility import post_is_live, posts_readable_by

COLLECTION_COLUMNS = (
    collections.c.id,
    collections.c.user_id,
    collections.c.name,
    collections.c.created_at,
    collections.c.updated_at,
)


class CollectionRow(NamedTuple):
    """A collection (COLLECTION_COLUMNS)."""

    id: int
    user_id: int
    name: str
    created_at: datetime
    updated_at: datetime


def _visible_to(viewer_id: int) -> Any:
    """SQL over `posts`: live, and readable by the viewer now (the one rule)."""
    return post_is_live(viewer_id) & posts_readable_by(viewer_id)


# -- saves ----------------------------------------------------------------------------------


async def insert_save(
    conn: AsyncConnection, user_id: int, post_id: int, save_id: int, now: datetime
) -> bool:
    """Save a post; False if the user had saved it already (concurrent callers included)."""
    statement = (
        insert_or_ignore(conn, saves, ["user_id", "post_id"])
        .values(user_id=user_id, post_id=post_id, id=save_id, created_at=now)
        .returning(saves.c.id)
    )
    return (await conn.execute(statement)).first() is not None


async def delete_save(conn: AsyncConnection, user_id: int, post_id: int) -> bool:
    """Unsave a post, taking it out of every collection of the user; False if it was not
    saved."""
    await conn.execute(
        delete(collection_posts).where(
            (collection_posts.c.user_id == user_id) & (collection_posts.c.post_id == post_id)
        )
    )
    statement = delete(saves).where((saves.c.user_id == user_id) & (saves.c.post_id == post_id))
    return (await conn.execute(statement)).rowcount == 1


async def page_saved(
    conn: AsyncConnection, user_id: int, before_save: int | None, limit: int
) -> list[tuple[int, PostRow]]:
    """(save id, post) pairs of the user's saved posts they may still see, newest save
    first."""
    query = (
        select(*POST_COLUMNS, saves.c.id.label("save_id"))
        .select_from(saves.join(posts, posts.c.id == saves.c.post_id))
        .where((saves.c.user_id == user_id) & _visible_to(user_id))
    )
    if before_save is not None:
        query = query.where(saves.c.id < before_save)
    query = query.order_by(saves.c.id.desc()).limit(limit)
    rows = (await conn.execute(query)).mappings().all()
    return [(row["save_id"], post_row(row)) for row in rows]


# -- collections ----------------------------------------------------------------------------


async def count_collections(conn: AsyncConnection, user_id: int) -> int:
    query = select(func.count()).select_from(collections).where(collections.c.user_id == user_id)
    return int((await conn.execute(query)).scalar_one())


async def insert_collection(
    conn: AsyncConnection, collection_id: int, user_id: int, name: str, now: datetime
) -> None:
    await conn.execute(
        collections.insert().values(
            id=collection_id, user_id=user_id, name=name, created_at=now, updated_at=now
        )
    )


async def get_collection(conn: AsyncConnection, collection_id: int) -> CollectionRow | None:
    query = select(*COLLECTION_COLUMNS).where(collections.c.id == collection_id)
    row = (await conn.execute(query)).first()
    return CollectionRow(*row) if row is not None else None


async def page_collections(
    conn: AsyncConnection, user_id: int, before_id: int | None, limit: int
) -> list[CollectionRow]:
    """The user's collections, newest first."""
    query = select(*COLLECTION_COLUMNS).where(collections.c.user_id == user_id)
    if before_id is not None:
        query = query.where(collections.c.id < before_id)
    result = await conn.execute(query.order_by(collections.c.id.desc()).limit(limit))
    return [CollectionRow(*row) for row in result]


async def rename_collection(
    conn: AsyncConnection, collection_id: int, name: str, now: datetime
) -> None:
    await conn.execute(
        update(collections)
        .where(collections.c.id == collection_id)
        .values(name=name, updated_at=now)
    )


async def touch_collection(conn: AsyncConnection, collection_id: int, now: datetime) -> None:
    await conn.execute(
        update(collections).where(collections.c.id == collection_id).values(updated_at=now)
    )


async def delete_collection(conn: AsyncConnection, collection_id: int) -> None:
    """A collection and its entries (the posts stay saved)."""
    await conn.execute(
        delete(collection_posts).where(collection_posts.c.collection_id == collection_id)
    )
    await conn.execute(delete(collections).where(collections.c.id == collection_id))


async def add_to_collection(
    conn: AsyncConnection,
    collection_id: int,
    user_id: int,
    post_id: int,
    position: int,
    now: datetime,
) -> bool:
    """Put a post in a collection, first in its order; False if it was there already."""
    statement = (
        insert_or_ignore(conn, collection_posts, ["collection_id", "post_id"])
        .values(
            collection_id=collection_id,
            post_id=post_id,
            user_id=user_id,
            position=position,
            created_at=now,
        )
        .returning(collection_posts.c.post_id)
    )
    return (await conn.execute(statement)).first() is not None


async def remove_from_collection(conn: AsyncConnection, collection_id: int, post_id: int) -> bool:
    statement = delete(collection_posts).where(
        (collection_posts.c.collection_id == collection_id)
        & (collection_posts.c.post_id == post_id)
    )
    return (await conn.execute(statement)).rowcount == 1


async def count_entries(conn: AsyncConnection, collection_id: int) -> int:
    """Every entry of the collection, visible or not (the cap counts them all)."""
    query = (
        select(func.count())
        .select_from(collection_posts)
        .where(collection_posts.c.collection_id == collection_id)
    )
    return int((await conn.execute(query)).scalar_one())


async def entries_in_order(conn: AsyncConnection, collection_id: int) -> list[tuple[int, int]]:
    """(post id, position) of every entry, in the order shown (highest position first)."""
    query = (
        select(collection_posts.c.post_id, collection_posts.c.position)
        .where(collection_posts.c.collection_id == collection_id)
        .order_by(collection_posts.c.position.desc())
    )
    return [(row.post_id, row.position) for row in (await conn.execute(query)).all()]


async def set_position(
    conn: AsyncConnection, collection_id: int, post_id: int, position: int
) -> None:
    await conn.execute(
        update(collection_posts)
        .where(
            (collection_posts.c.collection_id == collection_id)
            & (collection_posts.c.post_id == post_id)
        )
        .values(position=position)
    )


async def page_collection_posts(
    conn: AsyncConnection,
    user_id: int,
    collection_id: int,
    before_position: int | None,
    limit: int,
) -> list[tuple[int, PostRow]]:
    """(position, post) pairs of the collection's posts the owner may still see, in the
    collection's order."""
    query = (
        select(*POST_COLUMNS, collection_posts.c.position)
        .select_from(collection_posts.join(posts, posts.c.id == collection_posts.c.post_id))
        .where((collection_posts.c.collection_id == collection_id) & _visible_to(user_id))
    )
    if before_position is not None:
        query = query.where(collection_posts.c.position < before_position)
    query = query.order_by(collection_posts.c.position.desc()).limit(limit)
    rows = (await conn.execute(query)).mappings().all()
    return [(row["position"], post_row(row)) for row in rows]


async def visible_counts(
    conn: AsyncConnection, user_id: int, collection_ids: Sequence[int]
) -> dict[int, int]:
    """How many posts each collection shows its owner now, in one query for a page."""
    if not collection_ids:
        return {}
    query = (
        select(collection_posts.c.collection_id, func.count())
        .select_from(collection_posts.join(posts, posts.c.id == collection_posts.c.post_id))
        .where(id_in(conn, collection_posts.c.collection_id, collection_ids) & _visible_to(user_id))
        .group_by(collection_posts.c.collection_id)
    )
    return {row[0]: int(row[1]) for row in (await conn.execute(query)).all()}


async def covers(
    conn: AsyncConnection, user_id: int, collection_ids: Sequence[int]
) -> dict[int, int]:
    """The first post each collection shows its owner (its cover), in one query for a
    page: {collection id: post id}."""
    if not collection_ids:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=collection_posts.c.collection_id,
            order_by=collection_posts.c.position.desc(),
        )
        .label("rank")
    )
    ranked = (
        select(collection_posts.c.collection_id, collection_posts.c.post_id, rank)
        .select_from(collection_posts.join(posts, posts.c.id == collection_posts.c.post_id))
        .where(id_in(conn, collection_posts.c.collection_id, collection_ids) & _visible_to(user_id))
        .subquery()
    )
    query = select(ranked.c.collection_id, ranked.c.post_id).where(ranked.c.rank == 1)
    return {row.collection_id: row.post_id for row in (await conn.execute(query)).all()}


async def collections_holding(conn: AsyncConnection, user_id: int, post_id: int) -> set[int]:
    """Which of the user's collections hold this post."""
    query = select(collection_posts.c.collection_id).where(
        (collection_posts.c.user_id == user_id) & (collection_posts.c.post_id == post_id)
    )
    return set((await conn.execute(query)).scalars())


async def is_saved(conn: AsyncConnection, user_id: int, post_id: int) -> bool:
    query = select(saves.c.id).where((saves.c.user_id == user_id) & (saves.c.post_id == post_id))
    return (await conn.execute(query)).first() is not None
