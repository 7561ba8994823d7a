"""POST /posts, GET/DELETE /posts/{id}, GET /users/{id}/posts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path
from starlette.responses import Response

from shutter.http.deps import (
    Context,
    CurrentUser,
    Page,
    UrlFor,
    ViewerId,
    Write,
    rate_limited,
)
from shutter.http.responses import json_response
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
    uow: Write,
    context: Context,
    url_for: UrlFor,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Publish ready media with a caption. Returns at once; followers see it shortly."""
    post_id, replayed = await service.create_post(context, uow, viewer.id, body, idempotency_key)
    post = await service.get_post(uow.conn, viewer.id, post_id, url_for, context.hydration)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return json_response({"post": post}, 201, headers)


@router.get("/posts/{post_id}", response_model=PostEnvelope)
async def get_post(
    post_id: PostId, viewer_id: ViewerId, context: Context, url_for: UrlFor
) -> Response:
    async with context.db.read() as conn:
        post = await service.get_post(conn, viewer_id, post_id, url_for, context.hydration)
    return json_response({"post": post})


@router.delete("/posts/{post_id}", status_code=204)
async def delete_post(
    post_id: PostId, viewer: CurrentUser, uow: Write, context: Context
) -> Response:
    """Delete one of your posts."""
    await service.delete_post(context, uow, viewer.id, post_id)
    return Response(status_code=204)


@router.get("/users/{user_id}/posts", response_model=PostPage)
async def user_posts(
    user_id: UserId,
    viewer_id: ViewerId,
    context: Context,
    url_for: UrlFor,
    paging: Page,
) -> Response:
    """A profile's grid, newest first."""
    async with context.db.read() as conn:
        page = await service.list_by_author(
            conn,
            viewer_id,
            user_id,
            paging.after,
            paging.limit,
            url_for,
            context.hydration,
        )
    return json_response(page)
