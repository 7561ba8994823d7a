"""GET /search, GET /hashtags/{tag}/posts, GET /locations/{id}/posts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from shutter.http.deps import Context, Page, UrlFor, ViewerId
from shutter.http.responses import json_response
from shutter.pagination import CursorParam, Limit
from shutter.search import service
from shutter.search.schemas import HashtagPage, NearbyPlaces, PlacePage, SearchResults
from shutter.search.service import SearchType
from shutter.textfields import Line

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchResults)
async def search(
    q: Annotated[str, Line(min_length=1, max_length=100), Query(description="what to look for")],
    viewer_id: ViewerId,
    context: Context,
    url_for: UrlFor,
    type: Annotated[SearchType, Query(description="what kind of results")] = "users",
    limit: Limit = 20,
    cursor: CursorParam = None,
) -> Response:
    """People by username or name (exact, then prefix, then typo-tolerant), hashtags by
    prefix with post counts, places by name, or posts by the words of their caption
    (stemmed; most relevant, then most engaging first; paginated by `cursor`)."""
    async with context.db.read() as conn:
        if type == "posts":
            page = await service.search_posts(context, conn, viewer_id, q, cursor, limit, url_for)
            return json_response(page)
        results = await service.search(conn, viewer_id, q, type, limit, url_for)
    return json_response(results)


@router.get("/hashtags/{tag}/posts", response_model=HashtagPage)
async def hashtag_posts(
    tag: Annotated[str, Path(min_length=1, max_length=101, description="a hashtag, # optional")],
    viewer_id: ViewerId,
    context: Context,
    url_for: UrlFor,
    paging: Page,
) -> Response:
    """Posts under a hashtag, newest first, with the hashtag's post count."""
    async with context.db.read() as conn:
        page = await service.hashtag_page(
            conn,
            viewer_id,
            tag,
            paging.after,
            paging.limit,
            url_for,
            context.hydration,
        )
    return json_response(page)


@router.get("/locations/nearby", response_model=NearbyPlaces)
async def locations_nearby(
    lat: Annotated[float, Query(ge=-90, le=90, description="latitude, degrees")],
    lng: Annotated[float, Query(ge=-180, le=180, description="longitude, degrees")],
    viewer_id: ViewerId,
    context: Context,
    radius_km: Annotated[float, Query(gt=0, le=50, description="how far, kilometres")] = 5,
    limit: Limit = 20,
) -> Response:
    """Places within `radius_km` of (lat, lng) with a post you may see, nearest first,
    each with `distance_km`."""
    async with context.db.read() as conn:
        places = await service.places_nearby(conn, viewer_id, lat, lng, radius_km, limit)
    return json_response(places)


@router.get("/locations/{location_id}/posts", response_model=PlacePage)
async def location_posts(
    location_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="a place id")],
    viewer_id: ViewerId,
    context: Context,
    url_for: UrlFor,
    paging: Page,
) -> Response:
    """Posts tagged with a place, newest first."""
    async with context.db.read() as conn:
        page = await service.location_page(
            conn,
            viewer_id,
            location_id,
            paging.after,
            paging.limit,
            url_for,
            context.hydration,
        )
    return json_response(page)
