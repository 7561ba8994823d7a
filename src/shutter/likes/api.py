"""Likes: POST/DELETE /posts/{id}/like, GET /posts/{id}/likes."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from shutter.http.deps import (
    Context,
    CurrentUser,
    Page,
    Read,
    UrlFor,
    ViewerId,
    Write,
    rate_limited,
)
from shutter.http.responses import json_response
from shutter.likes import service
from shutter.likes.schemas import LikeState
from shutter.posts.api import PostId
from shutter.users.schemas import UserPage

router = APIRouter(tags=["likes and comments"])


@router.post(
    "/posts/{post_id}/like", response_model=LikeState, dependencies=[rate_limited("likes")]
)
async def like(post_id: PostId, viewer: CurrentUser, uow: Write, context: Context) -> Response:
    """Like a post (idempotent)."""
    state = await service.like(context, uow, viewer.id, post_id)
    return json_response(state)


@router.delete("/posts/{post_id}/like", response_model=LikeState)
async def unlike(post_id: PostId, viewer: CurrentUser, uow: Write, context: Context) -> Response:
    """Withdraw a like (idempotent)."""
    state = await service.unlike(context, uow, viewer.id, post_id)
    return json_response(state)


@router.get("/posts/{post_id}/likes", response_model=UserPage)
async def likers(
    post_id: PostId,
    viewer_id: ViewerId,
    conn: Read,
    url_for: UrlFor,
    paging: Page,
) -> Response:
    """Who liked a post, most recent first."""
    page = await service.list_likers(conn, viewer_id, post_id, paging.after, paging.limit, url_for)
    return json_response(page)
