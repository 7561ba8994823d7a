"""POST/DELETE /users/{id}/follow; GET /users/{id}/followers and /following;
DELETE /users/me/followers/{id} (remove a follower)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from shutter.follows import service
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
from shutter.users.api import UserId
from shutter.users.schemas import UserPage

router = APIRouter(prefix="/users", tags=["follows"])


class FollowOut(BaseModel):
    status: str


@router.post("/{user_id}/follow", response_model=FollowOut, dependencies=[rate_limited("follows")])
async def follow(user_id: UserId, viewer: CurrentUser, uow: Write, context: Context) -> Response:
    """Follow; `status` is `following`, or `requested` for a private account."""
    state = await service.follow(context, uow, viewer.id, user_id)
    return json_response({"status": state})


@router.delete("/{user_id}/follow", response_model=FollowOut)
async def unfollow(user_id: UserId, viewer: CurrentUser, uow: Write, context: Context) -> Response:
    """Unfollow, or withdraw a request."""
    state = await service.unfollow(context, uow, viewer.id, user_id)
    return json_response({"status": state})


class NotifyOut(BaseModel):
    notify: bool


@router.post("/{user_id}/notify", response_model=NotifyOut)
async def notify_on(user_id: UserId, viewer: CurrentUser, uow: Write) -> Response:
    """Turn on post notifications (the bell) for an account you follow: a notification for
    each of its new posts and stories. 403 `not_following` / `follow_not_approved`."""
    state = await service.set_post_notifications(uow, viewer.id, user_id, True)
    return json_response({"notify": state})


@router.delete("/{user_id}/notify", response_model=NotifyOut)
async def notify_off(user_id: UserId, viewer: CurrentUser, uow: Write) -> Response:
    """Turn post notifications off (idempotent)."""
    state = await service.set_post_notifications(uow, viewer.id, user_id, False)
    return json_response({"notify": state})


@router.delete("/me/followers/{follower_id}", status_code=204)
async def remove_follower(
    follower_id: UserId, viewer: CurrentUser, uow: Write, context: Context
) -> Response:
    """Remove a follower (no block: they are not told, and may follow again; a private
    account's must ask again). Your posts leave their feed as on an unfollow."""
    await service.remove_follower(context, uow, viewer.id, follower_id)
    return Response(status_code=204)


@router.get("/{user_id}/followers", response_model=UserPage)
async def followers(
    user_id: UserId,
    viewer_id: ViewerId,
    context: Context,
    url_for: UrlFor,
    paging: Page,
) -> Response:
    async with context.db.read() as conn:
        page = await service.list_connections(
            conn,
            viewer_id,
            user_id,
            "followers",
            paging.after,
            paging.limit,
            url_for,
        )
    return json_response(page)


@router.get("/{user_id}/following", response_model=UserPage)
async def following(
    user_id: UserId,
    viewer_id: ViewerId,
    context: Context,
    url_for: UrlFor,
    paging: Page,
) -> Response:
    async with context.db.read() as conn:
        page = await service.list_connections(
            conn,
            viewer_id,
            user_id,
            "following",
            paging.after,
            paging.limit,
            url_for,
        )
    return json_response(page)
