"""GET /feed."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.responses import Response

from shutter.context import AppContext
from shutter.feed import ranking, service
from shutter.feed.service import FeedPage
from shutter.http import API_PREFIX
from shutter.http.deps import BEARER_SECURITY, SignedIn
from shutter.http.responses import json_response
from shutter.pagination import CursorParam, Limit, parse_cursor
from shutter.posts.schemas import PostPage
from shutter.stores.objects import ObjectUrls
from shutter.stores.seen import record_shown

router = APIRouter(prefix=API_PREFIX, tags=["feed"])  # served first (app.py)

DEGRADED_HEADER = "X-Shutter-Degraded"

FeedMode = Annotated[
    Literal["chronological", "ranked"],
    Query(description="chronological (newest first) or ranked (a stable ranked snapshot)"),
]


@router.get("/feed", response_model=PostPage, openapi_extra=BEARER_SECURITY)
async def home_feed(
    caller: SignedIn,
    cursor: CursorParam = None,
    limit: Limit = 20,
    mode: FeedMode = "chronological",
) -> Response:
    """Your posts and those of the accounts you follow: newest first, or ranked."""
    page = await read_page(caller.context, caller.viewer.id, cursor, limit, mode, caller.url_for)
    # Served from the database while the timeline store is down (docs/api.md#home-feed).
    headers = {DEGRADED_HEADER: "timelines"} if page.degraded else None
    return json_response(page.body, headers=headers)


async def read_page(
    context: AppContext,
    reader_id: int,
    cursor: str | None,
    limit: int,
    mode: str,
    url_for: ObjectUrls,
) -> FeedPage:
    """A page of the home feed, its posts remembered as shown: GET /feed's, and the first
    page the web client's page carries (web/api.py)."""
    async with context.db.read() as conn:
        if mode == "ranked" and (not cursor or ranking.is_ranked_cursor(cursor)):
            page = await ranking.ranked_feed(
                context, conn, reader_id, cursor or None, limit, url_for
            )
        else:
            # Chronological, or a ranked scroll that has gone past its snapshot.
            page = await service.home_feed(
                context, conn, reader_id, parse_cursor(cursor), limit, url_for
            )
    shown = [int(post["id"]) for post in page.body["posts"]]
    await record_shown(context.seen_posts, reader_id, shown)
    return page
