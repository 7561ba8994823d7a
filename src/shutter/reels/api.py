"""GET /reels."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from shutter.http.deps import Context, CurrentUser, UrlFor
from shutter.http.responses import json_response
from shutter.pagination import CursorParam, Limit
from shutter.posts.schemas import PostPage
from shutter.reels import service

router = APIRouter(tags=["reels"])


@router.get("/reels", response_model=PostPage)
async def reels(
    viewer: CurrentUser,
    context: Context,
    url_for: UrlFor,
    cursor: CursorParam = None,
    limit: Limit = 10,
) -> Response:
    """Video posts, one screen each: first the newest from accounts you follow, then
    popular public ones ranked as Explore ranks. A scroll is a snapshot: it never repeats
    a reel (the cursor names the snapshot and the offset in it)."""
    async with context.db.read() as conn:
        page = await service.reels(context, conn, viewer.id, cursor, limit, url_for)
    return json_response(page)
