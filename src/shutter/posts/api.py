"""POST /posts, GET/PATCH/DELETE /posts/{id}, its history, pins and the archive,
PATCH /media/{id} (alt text), GET /users/{id}/posts and /users/me/archive."""

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
    verified_email_required,
)
from shutter.http.responses import json_response
from shutter.posts import service
from shutter.posts.schemas import (
    ArchiveState,
    MediaPatch,
    PinState,
    PostCreate,
    PostEnvelope,
    PostHistory,
    PostPage,
    PostPatch,
)
from shutter.users.api import UserId

router = APIRouter(tags=["posts"])

PostId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a post id")]
MediaId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a media id")]
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
    dependencies=[verified_email_required, rate_limited("posts")],
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
    # The post object of GET; `removed: true` when screening took it down at once.
    post = await service.created_post(uow.conn, viewer.id, post_id, url_for, context.hydration)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return json_response({"post": post}, 201, headers)


@router.get("/posts/{post_id}", response_model=PostEnvelope)
async def get_post(
    post_id: PostId, viewer_id: ViewerId, context: Context, url_for: UrlFor
) -> Response:
    async with context.db.read() as conn:
        post = await service.get_post(conn, viewer_id, post_id, url_for, context.hydration)
    return json_response({"post": post})


@router.patch("/posts/{post_id}", response_model=PostEnvelope)
async def edit_post(
    post_id: PostId,
    body: PostPatch,
    viewer: CurrentUser,
    uow: Write,
    context: Context,
    url_for: UrlFor,
) -> Response:
    """Edit one of your posts (only the fields sent change); the earlier version goes to
    its history."""
    await service.edit_post(context, uow, viewer.id, post_id, body)
    post = await service.get_post(uow.conn, viewer.id, post_id, url_for, context.hydration)
    return json_response({"post": post})


@router.get("/posts/{post_id}/history", response_model=PostHistory)
async def post_history(
    post_id: PostId, viewer_id: ViewerId, context: Context, paging: Page
) -> Response:
    """The earlier versions of an edited post, newest first (the first `limit`)."""
    async with context.db.read() as conn:
        versions = await service.history(conn, viewer_id, post_id, paging.limit)
    return json_response({"versions": versions})


@router.patch("/media/{media_id}", status_code=204)
async def describe_media(
    media_id: MediaId, body: MediaPatch, viewer: CurrentUser, uow: Write, context: Context
) -> Response:
    """Set (or, with null, remove) the alt text of one of your media; once posted, this
    is an edit of the post."""
    await service.describe_media(context, uow, viewer.id, media_id, body.alt_text)
    return Response(status_code=204)


@router.post("/posts/{post_id}/pin", response_model=PinState)
async def pin_post(post_id: PostId, viewer: CurrentUser, uow: Write) -> Response:
    """Pin one of your posts to the top of your grid (at most 3: `409 too_many_pins`)."""
    await service.pin_post(uow, viewer.id, post_id, True)
    return json_response({"pinned": True})


@router.delete("/posts/{post_id}/pin", response_model=PinState)
async def unpin_post(post_id: PostId, viewer: CurrentUser, uow: Write) -> Response:
    await service.pin_post(uow, viewer.id, post_id, False)
    return json_response({"pinned": False})


@router.post("/posts/{post_id}/archive", response_model=ArchiveState)
async def archive_post(post_id: PostId, viewer: CurrentUser, uow: Write) -> Response:
    """Hide one of your posts from everyone else; it stays in your archive."""
    await service.archive_post(uow, viewer.id, post_id, True)
    return json_response({"archived": True})


@router.delete("/posts/{post_id}/archive", response_model=ArchiveState)
async def restore_post(post_id: PostId, viewer: CurrentUser, uow: Write) -> Response:
    """Put an archived post back where it was."""
    await service.archive_post(uow, viewer.id, post_id, False)
    return json_response({"archived": False})


@router.get("/users/me/archive", response_model=PostPage)
async def my_archive(
    viewer: CurrentUser, context: Context, url_for: UrlFor, paging: Page
) -> Response:
    """Your archived posts, newest first."""
    async with context.db.read() as conn:
        page = await service.archived_posts(
            conn, viewer.id, paging.after, paging.limit, url_for, context.hydration
        )
    return json_response(page)


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
