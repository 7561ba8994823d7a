"""Collections and saves as the API answers them (CollectionOut, CollectionPage,
CollectionPosts, SaveState, CollectionPostState in saving/schemas.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.media import repository as media_repo
from shutter.media.presenters import thumb_url
from shutter.posts.presenters import PostOutDict
from shutter.saving import repository
from shutter.saving.repository import CollectionRow
from shutter.stores.objects import UrlFor
from shutter.timeutil import isoformat


class CollectionCoverDict(TypedDict):
    post_id: str
    thumb_url: str | None


class CollectionOutDict(TypedDict, total=False):
    """The wire shape of CollectionOut; `has_post` only when a post was asked about."""

    id: str
    name: str
    post_count: int
    cover: CollectionCoverDict | None
    has_post: bool
    created_at: str
    updated_at: str


class CollectionPageDict(TypedDict):
    """The wire shape of CollectionPage: `{collections, next_cursor}`."""

    collections: list[CollectionOutDict]
    next_cursor: str | None


class CollectionPostsDict(TypedDict):
    """The wire shape of CollectionPosts: a collection and a page of its posts."""

    collection: CollectionOutDict
    posts: list[PostOutDict]
    next_cursor: str | None


class SaveStateDict(TypedDict):
    """The wire shape of SaveState."""

    saved: bool


class CollectionPostStateDict(TypedDict):
    """The wire shape of CollectionPostState."""

    collection_id: str
    post_id: str
    in_collection: bool
    saved: bool


async def present_collections(
    conn: AsyncConnection,
    user_id: int,
    rows: Sequence[CollectionRow],
    url_for: UrlFor,
    holding: set[int] | None = None,
) -> list[CollectionOutDict]:
    """Collections to API objects: visible counts and covers for the page in one query
    each, and the covers' media in one more."""
    ids = [row.id for row in rows]
    counts = await repository.visible_counts(conn, user_id, ids)
    covers = await repository.covers(conn, user_id, ids)
    media = await media_repo.for_posts(conn, sorted(set(covers.values())))
    result: list[CollectionOutDict] = []
    for row in rows:
        cover_post = covers.get(row.id)
        cover: CollectionCoverDict | None = None
        if cover_post is not None:
            items = media.get(cover_post, [])
            cover = {
                "post_id": str(cover_post),
                "thumb_url": thumb_url(items[0], url_for) if items else None,
            }
        item: CollectionOutDict = {
            "id": str(row.id),
            "name": row.name,
            "post_count": counts.get(row.id, 0),
            "cover": cover,
            "created_at": isoformat(row.created_at),
            "updated_at": isoformat(row.updated_at),
        }
        if holding is not None:
            item["has_post"] = row.id in holding
        result.append(item)
    return result


def collection_post_state(
    collection_id: int, post_id: int, *, in_collection: bool, saved: bool
) -> CollectionPostStateDict:
    return {
        "collection_id": str(collection_id),
        "post_id": str(post_id),
        "in_collection": in_collection,
        "saved": saved,
    }
