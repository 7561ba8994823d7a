"""GET /feed."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.responses import Response

from shutter.feed import ranking, service
from shutter.http import API_PREFIX
from shutter.http.deps import BEARER_SECURITY, SignedIn
from shutter.http.responses import json_response
from shutter.pagination import CursorParam, Limit, parse_cursor
from shutter.posts.schemas import PostPage
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
    viewer, context, url_for = caller.viewer, caller.context, caller.url_for
    async with context.db.read() as conn:
        if mode == "ranked" and (not cursor or ranking.is_ranked_cursor(cursor)):
            page = await ranking.ranked_feed(
                context, conn, viewer.id, cursor or None, limit, url_for
            )
        else:
            # Chronological, or a ranked scroll that has gone past its snapshot.
            page = await service.home_feed(
                context, conn, viewer.id, parse_cursor(cursor), limit, url_for
            )
    shown = [int(post["id"]) for post in page.body["posts"]]
    await record_shown(context.seen_posts, viewer.id, shown)
    # Served from the database while the timeline store is down (docs/api.md#home-feed).
    headers = {DEGRADED_HEADER: "timelines"} if page.degraded else None
    return json_response(page.body, headers=headers)
