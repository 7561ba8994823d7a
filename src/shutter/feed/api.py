"""GET /feed."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from shutter.context import AppContext
from shutter.feed import ranking, service
from shutter.feed.service import FeedPage
from shutter.http import API_PREFIX
from shutter.http.deps import BEARER_SECURITY, SignedIn, get_caller
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


class FeedQuery(BaseModel):
    """GET /feed's query, with the same types and bounds as the route's signature."""

    cursor: CursorParam = None
    limit: Limit = 20
    mode: FeedMode = "chronological"


class LeanFeedRoute(APIRoute):
    """The home feed's route, served without FastAPI's per-request dependency solving
    (one dependency and three query parameters: about 0.1 ms of CPU and 465 Python calls
    a page; docs/bench.md, "fourth pass"). The signature of `home_feed` still makes the
    OpenAPI schema; `serve_home_feed` answers the requests, in the same order (the
    caller, 401, before the query, 422) and with the same errors
    (tests/integration/test_feed_route.py compares the two handlers)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        return serve_home_feed


async def serve_home_feed(request: Request) -> Response:
    caller = await get_caller(request)
    try:
        query = FeedQuery.model_validate(request.query_params)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("query", *e["loc"])} for e in errors]) from None
    return await home_feed(caller, query.cursor, query.limit, query.mode)


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


router.add_api_route(
    "/feed",
    home_feed,
    methods=["GET"],
    response_model=PostPage,
    openapi_extra=BEARER_SECURITY,
    route_class_override=LeanFeedRoute,
)


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
