"""Saving use cases: save and unsave posts, "All saved", and the owner's private
collections. A collection belongs to its owner alone: anyone else gets 404 for it, as
for one that does not exist. Saving asks the visibility rule (a post you cannot see is
404), and every read filters through it (privacy/visibility.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.db.unit_of_work import UnitOfWork
from shutter.errors import Conflict, InvalidInput, NotFound
from shutter.pagination import page_tail
from shutter.posts.presenters import PostOutDict, PostPageDict, hydrate
from shutter.posts.service import readable_post
from shutter.saving import repository
from shutter.saving.presenters import (
    CollectionOutDict,
    CollectionPageDict,
    CollectionPostsDict,
    CollectionPostStateDict,
    SaveStateDict,
    collection_post_state,
    present_collections,
)
from shutter.saving.repository import CollectionRow
from shutter.saving.schemas import (
    COLLECTIONS_PER_USER_MAX,
    POSTS_PER_COLLECTION_MAX,
    CollectionUpdate,
)
from shutter.stores.hydration import HydrationCache
from shutter.stores.objects import UrlFor
from shutter.timeutil import utcnow
from shutter.users import repository as users_repo

# -- saves ----------------------------------------------------------------------------------


async def save(context: AppContext, uow: UnitOfWork, user_id: int, post_id: int) -> SaveStateDict:
    """Save a post the user may see (idempotent: saving again keeps its place in "All
    saved"); 404 for a post the user cannot see."""
    await readable_post(uow.conn, user_id, post_id)
    await repository.insert_save(uow.conn, user_id, post_id, context.ids.next_id(), utcnow())
    return {"saved": True}


async def unsave(uow: UnitOfWork, user_id: int, post_id: int) -> SaveStateDict:
    """Unsave a post, and take it out of every collection (idempotent). A saved post that
    has become invisible can still be unsaved (the answer tells nothing about it); for
    one never saved, the post must be visible (404 otherwise, as for saving)."""
    if not await repository.delete_save(uow.conn, user_id, post_id):
        await readable_post(uow.conn, user_id, post_id)
    return {"saved": False}


async def list_saved(
    conn: AsyncConnection,
    user_id: int,
    before_save: int | None,
    limit: int,
    url_for: UrlFor,
    cache: HydrationCache | None = None,
) -> PostPageDict:
    """ "All saved": the posts the user saved and may still see, newest save first."""
    pairs = await repository.page_saved(conn, user_id, before_save, limit + 1)
    page = page_tail(pairs, limit, lambda pair: pair[0])
    rows = [row for _, row in page.items]
    return {
        "posts": await hydrate(conn, rows, user_id, url_for, cache),
        "next_cursor": page.next_cursor,
    }


# -- collections ----------------------------------------------------------------------------


async def _own_collection(conn: AsyncConnection, user_id: int, collection_id: int) -> CollectionRow:
    """The user's collection; 404 for anyone else's, as for one that does not exist."""
    row = await repository.get_collection(conn, collection_id)
    if row is None or row.user_id != user_id:
        raise NotFound("No such collection.", code="collection_not_found")
    return row


async def create_collection(
    context: AppContext, uow: UnitOfWork, user_id: int, name: str, url_for: UrlFor
) -> CollectionOutDict:
    """A new, empty collection; 409 `too_many_collections` past the cap."""
    conn = uow.conn
    await users_repo.lock_users(conn, (user_id,))  # two creates cannot both pass the cap
    if await repository.count_collections(conn, user_id) >= COLLECTIONS_PER_USER_MAX:
        raise Conflict(
            f"You can keep at most {COLLECTIONS_PER_USER_MAX} collections; delete one first.",
            code="too_many_collections",
        )
    collection_id = context.ids.next_id()
    await repository.insert_collection(conn, collection_id, user_id, name, utcnow())
    row = await repository.get_collection(conn, collection_id)
    assert row is not None
    (collection,) = await present_collections(conn, user_id, [row], url_for)
    return collection


async def list_collections(
    conn: AsyncConnection,
    user_id: int,
    before_id: int | None,
    limit: int,
    url_for: UrlFor,
    post_id: int | None = None,
) -> CollectionPageDict:
    """The user's collections, newest first; with `post_id`, each says whether it holds
    that post (the save menu of a post)."""
    rows = await repository.page_collections(conn, user_id, before_id, limit + 1)
    page = page_tail(rows, limit, lambda row: row.id)
    holding = (
        await repository.collections_holding(conn, user_id, post_id)
        if post_id is not None
        else None
    )
    return {
        "collections": await present_collections(conn, user_id, page.items, url_for, holding),
        "next_cursor": page.next_cursor,
    }


async def get_collection(
    conn: AsyncConnection,
    user_id: int,
    collection_id: int,
    before_position: int | None,
    limit: int,
    url_for: UrlFor,
    cache: HydrationCache | None = None,
) -> CollectionPostsDict:
    """A collection and a page of the posts in it the owner may still see, in its order."""
    row = await _own_collection(conn, user_id, collection_id)
    (collection,) = await present_collections(conn, user_id, [row], url_for)
    pairs = await repository.page_collection_posts(
        conn, user_id, collection_id, before_position, limit + 1
    )
    page = page_tail(pairs, limit, lambda pair: pair[0])
    posts: list[PostOutDict] = await hydrate(
        conn, [post for _, post in page.items], user_id, url_for, cache
    )
    return {"collection": collection, "posts": posts, "next_cursor": page.next_cursor}


async def update_collection(
    context: AppContext,
    uow: UnitOfWork,
    user_id: int,
    collection_id: int,
    body: CollectionUpdate,
    url_for: UrlFor,
) -> CollectionOutDict:
    """Rename, and/or reorder: the listed posts first, in the order given, then the others
    in their order. Listing a post the collection does not hold is 422 `not_in_collection`."""
    conn = uow.conn
    await _own_collection(conn, user_id, collection_id)
    now = utcnow()
    if body.name is not None:
        await repository.rename_collection(conn, collection_id, body.name, now)
    if body.post_ids is not None:
        entries = await repository.entries_in_order(conn, collection_id)
        held = {post_id for post_id, _ in entries}
        listed = [int(post_id) for post_id in body.post_ids]
        strangers = [post_id for post_id in listed if post_id not in held]
        if strangers:
            raise InvalidInput(
                f"post_ids: post {strangers[0]} is not in this collection",
                code="not_in_collection",
            )
        chosen = set(listed)
        order = listed + [post_id for post_id, _ in entries if post_id not in chosen]
        current = dict(entries)
        # Highest first; posts added later get new ids, above every position given here.
        top = context.ids.next_id()
        for index, post_id in enumerate(order):
            if current[post_id] != top - index:
                await repository.set_position(conn, collection_id, post_id, top - index)
        await repository.touch_collection(conn, collection_id, now)
    row = await _own_collection(conn, user_id, collection_id)
    (collection,) = await present_collections(conn, user_id, [row], url_for)
    return collection


async def delete_collection(uow: UnitOfWork, user_id: int, collection_id: int) -> None:
    """Delete a collection; its posts stay saved."""
    await _own_collection(uow.conn, user_id, collection_id)
    await repository.delete_collection(uow.conn, collection_id)


async def add_post(
    context: AppContext, uow: UnitOfWork, user_id: int, collection_id: int, post_id: int
) -> CollectionPostStateDict:
    """Put a post the user may see in one of their collections, first in its order, and
    save it (idempotent). 409 `collection_full` past the cap."""
    conn = uow.conn
    await users_repo.lock_users(conn, (user_id,))  # concurrent adds cannot pass the cap
    await _own_collection(conn, user_id, collection_id)
    await readable_post(conn, user_id, post_id)
    now = utcnow()
    if collection_id not in await repository.collections_holding(conn, user_id, post_id):
        if await repository.count_entries(conn, collection_id) >= POSTS_PER_COLLECTION_MAX:
            raise Conflict(
                f"A collection holds at most {POSTS_PER_COLLECTION_MAX} posts.",
                code="collection_full",
            )
        await repository.add_to_collection(
            conn, collection_id, user_id, post_id, context.ids.next_id(), now
        )
        await repository.touch_collection(conn, collection_id, now)
    await repository.insert_save(conn, user_id, post_id, context.ids.next_id(), now)
    return collection_post_state(collection_id, post_id, in_collection=True, saved=True)


async def remove_post(
    uow: UnitOfWork, user_id: int, collection_id: int, post_id: int
) -> CollectionPostStateDict:
    """Take a post out of a collection (it stays saved; idempotent). As for unsaving, a
    post no longer visible can be taken out; one that is not there must be visible."""
    conn = uow.conn
    await _own_collection(conn, user_id, collection_id)
    if await repository.remove_from_collection(conn, collection_id, post_id):
        await repository.touch_collection(conn, collection_id, utcnow())
    else:
        await readable_post(conn, user_id, post_id)
    saved = await repository.is_saved(conn, user_id, post_id)
    return collection_post_state(collection_id, post_id, in_collection=False, saved=saved)
