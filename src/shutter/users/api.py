"""Profiles: /users/me, /users/{id}, /users/by-username/{username}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from shutter.follows import service as follows_service
from shutter.http.deps import Context, CurrentUser, UrlFor, ViewerId
from shutter.http.responses import json_response
from shutter.users import service
from shutter.users.schemas import ProfileUpdate, UserOut

router = APIRouter(prefix="/users", tags=["users"])

UserId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a user id")]


@router.get("/me", response_model=UserOut)
async def get_me(viewer: CurrentUser, context: Context, url_for: UrlFor) -> Response:
    async with context.db.read() as conn:
        return json_response(await service.get_own_profile(conn, viewer.id, url_for))


@router.patch("/me", response_model=UserOut)
async def update_me(
    body: ProfileUpdate, viewer: CurrentUser, context: Context, url_for: UrlFor
) -> Response:
    """Edit display name, bio, avatar or privacy; fields left out are kept."""
    async with context.db.write() as uow:
        if body.is_private is False:
            # Going public lets everyone who was waiting in: their requests are approved.
            # First, so that the users' rows are locked in id order before this one is
            # written (no deadlock against a concurrent follow).
            await follows_service.approve_all_requests(context, uow, viewer.id)
        await service.update_profile(context, uow, viewer.id, body)
    async with context.db.read() as conn:
        return json_response(await service.get_own_profile(conn, viewer.id, url_for))


@router.get("/by-username/{username}", response_model=UserOut)
async def get_by_username(
    username: Annotated[str, Path(max_length=64)],
    viewer_id: ViewerId,
    context: Context,
    url_for: UrlFor,
) -> Response:
    viewer_id = viewer_id
    async with context.db.read() as conn:
        user_id = await service.resolve_user_id(conn, username)
        return json_response(await service.get_profile(conn, viewer_id, user_id, url_for))


@router.get("/{user_id}", response_model=UserOut)
async def get_user(
    user_id: UserId, viewer_id: ViewerId, context: Context, url_for: UrlFor
) -> Response:
    viewer_id = viewer_id
    async with context.db.read() as conn:
        return json_response(await service.get_profile(conn, viewer_id, user_id, url_for))
