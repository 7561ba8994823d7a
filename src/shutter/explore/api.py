"""GET /explore."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from shutter.explore import service
from shutter.http.deps import Context, UrlFor, ViewerId
from shutter.http.responses import json_response
from shutter.pagination import CursorParam, Limit
from shutter.posts.schemas import PostPage

router = APIRouter(tags=["explore"])


@router.get("/explore", response_model=PostPage)
async def explore(
    viewer_id: ViewerId,
    context: Context,
    url_for: UrlFor,
    cursor: CursorParam = None,
    limit: Limit = 24,
) -> Response:
    """Posts from accounts you do not follow: liked and commented fast, or liked by people
    who like what you like; at most two per author per page. Without a token: the
    popular public posts. A scroll is a snapshot: it never repeats or skips a post."""
    async with context.db.read() as conn:
        page = await service.explore(context, conn, viewer_id, cursor, limit, url_for)
    return json_response(page)
