"""Comments: GET/POST /posts/{id}/comments, GET /comments/{id}/replies,
DELETE /comments/{id}, POST/DELETE /comments/{id}/like, POST/DELETE /comments/{id}/pin;
GET/PUT /users/me/comment-filters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from shutter.comments import service
from shutter.comments.schemas import (
    CommentCreate,
    CommentEnvelope,
    CommentFilters,
    CommentLikeState,
    CommentPage,
    PinState,
)
from shutter.http.deps import (
    Context,
    CurrentUser,
    Page,
    Read,
    UrlFor,
    ViewerId,
    Write,
    rate_limited,
    verified_email_required,
)
from shutter.http.responses import json_response
from shutter.posts.api import PostId

router = APIRouter(tags=["likes and comments"])


CommentId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a comment id")]


@router.get("/posts/{post_id}/comments", response_model=CommentPage)
async def comments(
    post_id: PostId,
    viewer_id: ViewerId,
    conn: Read,
    url_for: UrlFor,
    paging: Page,
) -> Response:
    """A post's top-level comments, oldest first, each with `reply_count`."""
    page = await service.list_comments(
        conn, viewer_id, post_id, paging.after, paging.limit, url_for
    )
    return json_response(page)


@router.post(
    "/posts/{post_id}/comments",
    status_code=201,
    response_model=CommentEnvelope,
    dependencies=[verified_email_required, rate_limited("comments")],
)
async def create_comment(
    post_id: PostId,
    body: CommentCreate,
    viewer: CurrentUser,
    uow: Write,
    context: Context,
    url_for: UrlFor,
) -> Response:
    """Comment on a post, or reply to a comment with `parent_id`."""
    parent_id = int(body.parent_id) if body.parent_id is not None else None
    comment = await service.create_comment(
        context, uow, viewer.id, post_id, body.text, parent_id, url_for
    )
    return json_response({"comment": comment}, 201)


@router.get("/comments/{comment_id}/replies", response_model=CommentPage)
async def replies(
    comment_id: CommentId,
    viewer_id: ViewerId,
    conn: Read,
    url_for: UrlFor,
    paging: Page,
) -> Response:
    """Replies to a comment, oldest first."""
    page = await service.list_replies(
        conn, viewer_id, comment_id, paging.after, paging.limit, url_for
    )
    return json_response(page)


@router.delete("/comments/{comment_id}", status_code=204)
async def delete_comment(
    comment_id: CommentId, viewer: CurrentUser, uow: Write, context: Context
) -> Response:
    """Delete a comment you wrote, or any comment on your post (replies go with it)."""
    await service.delete_comment(context, uow, viewer.id, comment_id)
    return Response(status_code=204)


@router.post(
    "/comments/{comment_id}/like",
    response_model=CommentLikeState,
    dependencies=[rate_limited("likes")],
)
async def like_comment(
    comment_id: CommentId, viewer: CurrentUser, uow: Write, context: Context
) -> Response:
    """Like a comment you can see (idempotent); its author is notified."""
    return json_response(await service.like_comment(context, uow, viewer.id, comment_id))


@router.delete("/comments/{comment_id}/like", response_model=CommentLikeState)
async def unlike_comment(
    comment_id: CommentId, viewer: CurrentUser, uow: Write, context: Context
) -> Response:
    """Withdraw your like from a comment (idempotent)."""
    return json_response(await service.unlike_comment(context, uow, viewer.id, comment_id))


@router.post("/comments/{comment_id}/pin", response_model=PinState)
async def pin_comment(comment_id: CommentId, viewer: CurrentUser, uow: Write) -> Response:
    """Pin a top-level comment on your own post: it comes first in the post's comments,
    in place of the comment pinned before (idempotent). Others get 403 `not_your_post`."""
    return json_response(await service.pin_comment(uow.conn, viewer.id, comment_id))


@router.delete("/comments/{comment_id}/pin", response_model=PinState)
async def unpin_comment(comment_id: CommentId, viewer: CurrentUser, uow: Write) -> Response:
    """Unpin a comment from your own post (idempotent)."""
    return json_response(await service.unpin_comment(uow.conn, viewer.id, comment_id))


@router.get("/users/me/comment-filters", response_model=CommentFilters)
async def get_comment_filters(viewer: CurrentUser, conn: Read) -> Response:
    """Your comment filters: hidden words, and whether only followers may comment."""
    return json_response(await service.get_filters(conn, viewer.id))


@router.put("/users/me/comment-filters", response_model=CommentFilters)
async def put_comment_filters(body: CommentFilters, viewer: CurrentUser, uow: Write) -> Response:
    """Replace your comment filters. Words hide new comments on your posts that contain
    them (whole words, any case) from everyone but you and the commenter; with
    `followers_only`, people who do not follow you get `403 comments_followers_only`."""
    found = await service.put_filters(uow.conn, viewer.id, body.words, body.followers_only)
    return json_response(found)
