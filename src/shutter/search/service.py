"""Search use cases, and the pages of posts under a hashtag or at a place."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.errors import NotFound
from shutter.posts.presenters import page_of
from shutter.search import repository
from shutter.search.presenters import (
    HashtagHeaderDict,
    HashtagPageDict,
    PlacePageDict,
    SearchResultsDict,
    present_hashtag,
    present_location,
)
from shutter.search.ranking import match_rank
from shutter.stores.hydration import HydrationCache
from shutter.tags import repository as tags_repo
from shutter.tags.entities import normalise_tag, parse_tag
from shutter.users.presenters import ProfileOutDict, present_profile
from shutter.users.service import UrlFor

SearchType = Literal["users", "hashtags", "locations"]


def _clean(query: str) -> str:
    """The query (already a clean `Line`), its spaces collapsed, lower-cased."""
    return " ".join(query.split()).lower()


async def search(
    conn: AsyncConnection,
    viewer_id: int | None,
    query: str,
    kind: SearchType,
    limit: int,
    url_for: UrlFor,
) -> SearchResultsDict:
    """`{users: [...]}`, `{hashtags: [...]}` or `{locations: [...]}`, best match first."""
    cleaned = _clean(query)
    if kind == "users":
        return {"users": await _users(conn, viewer_id, cleaned.lstrip("@"), limit, url_for)}
    if kind == "hashtags":
        tag = normalise_tag(cleaned.lstrip("#"))
        rows = await repository.hashtags_by_prefix(conn, viewer_id, tag, limit) if tag else []
        return {"hashtags": [present_hashtag(row) for row in rows]}
    rows = (
        await repository.locations_by_name(conn, viewer_id, cleaned.casefold(), limit)
        if cleaned
        else []
    )
    return {"locations": [present_location(row) for row in rows]}


async def _users(
    conn: AsyncConnection, viewer_id: int | None, query: str, limit: int, url_for: UrlFor
) -> list[ProfileOutDict]:
    if not query:
        return []
    ranked = []
    for row in await repository.user_candidates(conn, viewer_id, query):
        rank = match_rank(query, row["username"], row["display_name"])
        if rank is not None:
            ranked.append((rank, -row["follower_count"], row["username"], row))
    ranked.sort(key=lambda item: item[:3])
    return [present_profile(row, url_for) for *_, row in ranked[:limit]]


async def hashtag_page(
    conn: AsyncConnection,
    viewer_id: int | None,
    tag: str,
    before_id: int | None,
    limit: int,
    url_for: UrlFor,
    cache: HydrationCache | None,
) -> HashtagPageDict:
    """A hashtag with the number of its posts the viewer may see and whether the viewer
    follows it, and a page of them.
    404 when there is none: a tag used only where the viewer may not look is answered
    as one nobody used."""
    name = parse_tag(tag)
    post_count = await repository.hashtag_post_count(conn, viewer_id, name)
    if post_count == 0:
        raise NotFound(f"Nobody has used #{name} yet.", code="hashtag_not_found")
    rows = await repository.posts_with_hashtag(conn, viewer_id, name, before_id, limit + 1)
    page = await page_of(conn, rows, limit, viewer_id, url_for, cache)
    following = viewer_id is not None and await tags_repo.follows_hashtag(conn, viewer_id, name)
    header: HashtagHeaderDict = {"name": name, "post_count": post_count, "following": following}
    return {"hashtag": header, **page}


async def location_page(
    conn: AsyncConnection,
    viewer_id: int | None,
    location_id: int,
    before_id: int | None,
    limit: int,
    url_for: UrlFor,
    cache: HydrationCache | None,
) -> PlacePageDict:
    """A place and a page of its posts the viewer may see; 404 when there is none (a
    place named only by posts the viewer may not read is answered as no place at all)."""
    row = await repository.location(conn, viewer_id, location_id)
    if row is None:
        raise NotFound("No such place.", code="location_not_found")
    rows = await repository.posts_at_location(conn, viewer_id, location_id, before_id, limit + 1)
    page = await page_of(conn, rows, limit, viewer_id, url_for, cache)
    return {"location": present_location(row), **page}
