"""Profiles: /users/me, /users/{id}, /users/by-username/{username}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from shutter.http.deps import Context, CurrentUser, UrlFor, ViewerId
from shutter.http.responses import json_response
from shutter.users import service
from shutter.users.schemas import UserOut

router = APIRouter(prefix="/users", tags=["users"])

UserId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a user id")]


@router.get("/me", response_model=UserOut)
async def get_me(viewer: CurrentUser, context: Context, url_for: UrlFor) -> Response:
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
        profile = await service.get_profile(conn, viewer_id, user_id, url_for)
    await service.record_visit(context.db, viewer_id, user_id)
    return json_response(profile)


@router.get("/{user_id}", response_model=UserOut)
async def get_user(
    user_id: UserId, viewer_id: ViewerId, context: Context, url_for: UrlFor
) -> Response:
    viewer_id = viewer_id
    async with context.db.read() as conn:
        profile = await service.get_profile(conn, viewer_id, user_id, url_for)
    await service.record_visit(context.db, viewer_id, user_id)
    return json_response(profile)
