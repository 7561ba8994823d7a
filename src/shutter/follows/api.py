"""POST/DELETE /users/{id}/follow; GET /users/{id}/followers and /following."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from shutter.follows import service
from shutter.http.deps import Context, CurrentUser, OptionalUser, UrlFor, rate_limited
from shutter.http.responses import json_response
from shutter.pagination import CursorParam, Limit, parse_cursor
from shutter.users.api import UserId
from shutter.users.schemas import UserPage

router = APIRouter(prefix="/users", tags=["follows"])


class FollowOut(BaseModel):
    status: str


@router.post("/{user_id}/follow", response_model=FollowOut, dependencies=[rate_limited("follows")])
async def follow(user_id: UserId, viewer: CurrentUser, context: Context) -> Response:
    """Follow; `status` is `following`, or `requested` for a private account."""
    async with context.db.write() as conn:
        state = await service.follow(context, conn, viewer.id, user_id)
    return json_response({"status": state})


@router.delete("/{user_id}/follow", response_model=FollowOut)
async def unfollow(user_id: UserId, viewer: CurrentUser, context: Context) -> Response:
    """Unfollow, or withdraw a request."""
    async with context.db.write() as conn:
        state = await service.unfollow(context, conn, viewer.id, user_id)
    return json_response({"status": state})


@router.get("/{user_id}/followers", response_model=UserPage)
async def followers(
    user_id: UserId,
    viewer: OptionalUser,
    context: Context,
    url_for: UrlFor,
    cursor: CursorParam = None,
    limit: Limit = 20,
) -> Response:
    async with context.db.read() as conn:
        page = await service.list_connections(
            conn,
            viewer.id if viewer else None,
            user_id,
            "followers",
            parse_cursor(cursor),
            limit,
            url_for,
        )
    return json_response(page)


@router.get("/{user_id}/following", response_model=UserPage)
async def following(
    user_id: UserId,
    viewer: OptionalUser,
    context: Context,
    url_for: UrlFor,
    cursor: CursorParam = None,
    limit: Limit = 20,
) -> Response:
    async with context.db.read() as conn:
        page = await service.list_connections(
            conn,
            viewer.id if viewer else None,
            user_id,
            "following",
            parse_cursor(cursor),
            limit,
            url_for,
        )
    return json_response(page)
