"""Likes and comments: POST/DELETE /posts/{id}/like, GET /posts/{id}/likes,
GET/POST /posts/{id}/comments, GET /comments/{id}/replies, DELETE /comments/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from shutter.accounts.api import verified_email_required
from shutter.http.deps import Context, CurrentUser, OptionalUser, UrlFor, rate_limited
from shutter.http.responses import json_response
from shutter.pagination import CursorParam, Limit, parse_cursor
from shutter.posts.api import PostId
from shutter.social import service
from shutter.social.schemas import CommentCreate, CommentEnvelope, CommentPage, LikeState
from shutter.users.schemas import UserPage

router = APIRouter(tags=["likes and comments"])

CommentId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a comment id")]


@router.post(
    "/posts/{post_id}/like", response_model=LikeState, dependencies=[rate_limited("likes")]
)
async def like(post_id: PostId, viewer: CurrentUser, context: Context) -> Response:
    """Like a post (idempotent)."""
    async with context.db.write() as conn:
        state = await service.like(context, conn, viewer.id, post_id)
    return json_response(state)


@router.delete("/posts/{post_id}/like", response_model=LikeState)
async def unlike(post_id: PostId, viewer: CurrentUser, context: Context) -> Response:
    """Withdraw a like (idempotent)."""
    async with context.db.write() as conn:
        state = await service.unlike(context, conn, viewer.id, post_id)
    return json_response(state)


@router.get("/posts/{post_id}/likes", response_model=UserPage)
async def likers(
    post_id: PostId,
    viewer: OptionalUser,
    context: Context,
    url_for: UrlFor,
    cursor: CursorParam = None,
    limit: Limit = 20,
) -> Response:
    """Who liked a post, most recent first."""
    async with context.db.read() as conn:
        page = await service.list_likers(
            conn, viewer.id if viewer else None, post_id, parse_cursor(cursor), limit, url_for
        )
    return json_response(page)


@router.get("/posts/{post_id}/comments", response_model=CommentPage)
async def comments(
    post_id: PostId,
    viewer: OptionalUser,
    context: Context,
    url_for: UrlFor,
    cursor: CursorParam = None,
    limit: Limit = 20,
) -> Response:
    """A post's top-level comments, oldest first, each with `reply_count`."""
    async with context.db.read() as conn:
        page = await service.list_comments(
            conn, viewer.id if viewer else None, post_id, parse_cursor(cursor), limit, url_for
        )
    return json_response(page)


@router.post(
    "/posts/{post_id}/comments",
    status_code=201,
    response_model=CommentEnvelope,
    dependencies=[verified_email_required, rate_limited("comments")],
)
async def create_comment(
    post_id: PostId, body: CommentCreate, viewer: CurrentUser, context: Context, url_for: UrlFor
) -> Response:
    """Comment on a post, or reply to a comment with `parent_id`."""
    parent_id = int(body.parent_id) if body.parent_id is not None else None
    async with context.db.write() as conn:
        comment = await service.create_comment(
            context, conn, viewer.id, post_id, body.text, parent_id, url_for
        )
    return json_response({"comment": comment}, 201)


@router.get("/comments/{comment_id}/replies", response_model=CommentPage)
async def replies(
    comment_id: CommentId,
    viewer: OptionalUser,
    context: Context,
    url_for: UrlFor,
    cursor: CursorParam = None,
    limit: Limit = 20,
) -> Response:
    """Replies to a comment, oldest first."""
    async with context.db.read() as conn:
        page = await service.list_replies(
            conn, viewer.id if viewer else None, comment_id, parse_cursor(cursor), limit, url_for
        )
    return json_response(page)


@router.delete("/comments/{comment_id}", status_code=204)
async def delete_comment(comment_id: CommentId, viewer: CurrentUser, context: Context) -> Response:
    """Delete a comment you wrote, or any comment on your post (replies go with it)."""
    async with context.db.write() as conn:
        await service.delete_comment(context, conn, viewer.id, comment_id)
    return Response(status_code=204)
