"""Search use cases, and the pages of posts under a hashtag or at a place."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.context import AppContext
from shutter.errors import NotFound
from shutter.feed.ranking import resume_snapshot
from shutter.pagination import next_snapshot_cursor
from shutter.posts.presenters import PostPageDict, hydrate, page_of
from shutter.posts.repository import PostRow
from shutter.search import repository
from shutter.search.geo import bounding_box, haversine_km
from shutter.search.presenters import (
    HashtagHeaderDict,
    HashtagPageDict,
    NearbyPlaceOutDict,
    NearbyResultsDict,
    PlacePageDict,
    SearchResultsDict,
    present_hashtag,
    present_location,
)
from shutter.search.ranking import match_rank, ranked_ids
from shutter.stores.breaker import StoreUnavailable
from shutter.stores.hydration import HydrationCache
from shutter.tags import repository as tags_repo
from shutter.tags.entities import normalise_tag, parse_tag
from shutter.users.presenters import ProfileOutDict, present_profile
from shutter.users.service import UrlFor

SearchType = Literal["users", "hashtags", "locations", "posts"]
PeopleAndPlaces = Literal["users", "hashtags", "locations"]

# A post search scroll: a snapshot of the ranked matches, kept as long as an explore scroll.
POSTS_CURSOR_KIND = "s"
POSTS_SNAPSHOT_TTL_S = 3600
ANONYMOUS = 0  # anonymous readers' snapshots (user ids start far above 0)
DISTANCE_DIGITS = 2  # kilometres to 10 m: finer than the published position anyway


def _clean(query: str) -> str:
    """The query (already a clean `Line`), its spaces collapsed, lower-cased."""
    return " ".join(query.split()).lower()


async def search(
    conn: AsyncConnection,
    viewer_id: int | None,
    query: str,
    kind: PeopleAndPlaces,
    limit: int,
    url_for: UrlFor,
) -> SearchResultsDict:
    """`{users: [...]}`, `{hashtags: [...]}` or `{locations: [...]}`, best match first."""
    cleaned = _clean(query)
    if kind == "users":
        return {"users": await _users(conn, viewer_id, cleaned.lstrip("@"), limit, url_for)}
    if kind == "hashtags":
        tag = normalise_tag(cleaned.lstrip("#"))
        tags = await repository.hashtags_by_prefix(conn, viewer_id, tag, limit) if tag else []
        return {"hashtags": [present_hashtag(row) for row in tags]}
    places = (
        await repository.locations_by_name(conn, viewer_id, cleaned.casefold(), limit)
        if cleaned
        else []
    )
    return {"locations": [present_location(row) for row in places]}


async def places_nearby(
    conn: AsyncConnection,
    viewer_id: int | None,
    lat: float,
    lng: float,
    radius_km: float,
    limit: int,
) -> NearbyResultsDict:
    """`{locations: [...]}`: places within `radius_km` of (lat, lng) that have a post the
    viewer may read, nearest first, each with its distance. A place's position is its
    published one (the mean over public posts, rounded), so a place known only from
    private posts is never listed by distance, and the distance reveals nothing finer."""
    box = bounding_box(lat, lng, radius_km)
    rows = await repository.places_in_box(conn, viewer_id, box, repository.NEARBY_CANDIDATES)
    near: list[tuple[float, int, NearbyPlaceOutDict]] = []
    for row in rows:
        place = present_location(row)
        if place["lat"] is None or place["lng"] is None:
            continue
        distance = haversine_km(lat, lng, place["lat"], place["lng"])
        if distance <= radius_km:
            rounded = round(distance, DISTANCE_DIGITS)
            near.append((distance, row.id, {**place, "distance_km": rounded}))
    near.sort(key=lambda item: item[:2])
    return {"locations": [place for *_, place in near[:limit]]}


async def search_posts(
    context: AppContext,
    conn: AsyncConnection,
    viewer_id: int | None,
    query: str,
    cursor: str | None,
    limit: int,
    url_for: UrlFor,
) -> PostPageDict:
    """`{posts, next_cursor}`: posts the viewer may read whose caption has every word of
    the query (stemmed), most relevant first, then most engaging. The first page ranks
    the matches once and keeps them as a snapshot; the cursor pages through it, so a
    scroll never repeats a post."""
    owner = viewer_id if viewer_id is not None else ANONYMOUS
    if cursor:
        snapshot_id, offset, ids, _ = await resume_snapshot(
            context.timelines, owner, POSTS_CURSOR_KIND, cursor, "search"
        )
    else:
        matches = await repository.posts_matching(conn, viewer_id, repository.query_words(query))
        ids = ranked_ids(
            (relevance, post["like_count"], post["comment_count"], post["id"])
            for post, relevance in matches
        )
        snapshot_id, offset = context.ids.next_id(), 0
        try:
            await context.timelines.save_snapshot(
                owner, snapshot_id, ids, None, POSTS_SNAPSHOT_TTL_S
            )
        except StoreUnavailable:
            ids = ids[:limit]  # nowhere to keep the rest: one page, no cursor
    page_ids = ids[offset : offset + limit]
    visible = await repository.readable_rows(conn, viewer_id, page_ids)
    rows: list[PostRow] = [visible[post_id] for post_id in page_ids if post_id in visible]
    return {
        "posts": await hydrate(conn, rows, viewer_id, url_for, context.hydration),
        "next_cursor": next_snapshot_cursor(
            POSTS_CURSOR_KIND, snapshot_id, offset + limit, len(ids)
        ),
    }


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
