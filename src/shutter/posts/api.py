"""POST /posts, GET/DELETE /posts/{id}, GET /users/{id}/posts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path
from starlette.responses import Response

from shutter.http.deps import Context, CurrentUser, OptionalUser, UrlFor, rate_limited
from shutter.http.responses import json_response
from shutter.moderation import service as moderation_service
from shutter.pagination import CursorParam, Limit, parse_cursor
from shutter.posts import service
from shutter.posts.schemas import PostCreate, PostEnvelope, PostPage
from shutter.users.api import UserId

router = APIRouter(tags=["posts"])

PostId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a post id")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="repeat a request with the same key to get the same post back, once",
    ),
]


@router.post(
    "/posts",
    status_code=201,
    response_model=PostEnvelope,
    dependencies=[rate_limited("posts")],
)
async def create_post(
    body: PostCreate,
    viewer: CurrentUser,
    context: Context,
    url_for: UrlFor,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Publish ready media with a caption. Returns at once; followers see it shortly."""
    async with context.db.write() as conn:
        post_id, replayed = await service.create_post(
            context, conn, viewer.id, body, idempotency_key
        )
        if not replayed:  # what screening found in the media: removed, blurred, queued
            await moderation_service.screen_new_post(context, conn, post_id, viewer.id)
        post = await service.created_post(conn, viewer.id, post_id, url_for, context.hydration)
    await service.show_to_author(context, viewer.id, post_id)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return json_response({"post": post}, 201, headers)


@router.get("/posts/{post_id}", response_model=PostEnvelope)
async def get_post(
    post_id: PostId, viewer: OptionalUser, context: Context, url_for: UrlFor
) -> Response:
    async with context.db.read() as conn:
        post = await service.get_post(
            conn, viewer.id if viewer else None, post_id, url_for, context.hydration
        )
    return json_response({"post": post})


@router.delete("/posts/{post_id}", status_code=204)
async def delete_post(post_id: PostId, viewer: CurrentUser, context: Context) -> Response:
    """Delete one of your posts."""
    async with context.db.write() as conn:
        await service.delete_post(context, conn, viewer.id, post_id)
    return Response(status_code=204)


@router.get("/users/{user_id}/posts", response_model=PostPage)
async def user_posts(
    user_id: UserId,
    viewer: OptionalUser,
    context: Context,
    url_for: UrlFor,
    cursor: CursorParam = None,
    limit: Limit = 20,
) -> Response:
    """A profile's grid, newest first."""
    async with context.db.read() as conn:
        page = await service.list_by_author(
            conn,
            viewer.id if viewer else None,
            user_id,
            parse_cursor(cursor),
            limit,
            url_for,
            context.hydration,
        )
    return json_response(page)
