"""POST/DELETE /users/{id}/block; GET /users/me/blocked."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from shutter.blocks import service
from shutter.http.deps import Context, CurrentUser, Page, UrlFor, Write
from shutter.http.responses import json_response
from shutter.users.api import UserId
from shutter.users.schemas import UserPage

router = APIRouter(prefix="/users", tags=["blocks"])


class BlockOut(BaseModel):
    status: str


@router.get("/me/blocked", response_model=UserPage)
async def blocked_users(
    viewer: CurrentUser,
    context: Context,
    url_for: UrlFor,
    paging: Page,
) -> Response:
    """The people you blocked, most recent first."""
    async with context.db.read() as conn:
        page = await service.list_blocked(conn, viewer.id, paging.after, paging.limit, url_for)
    return json_response(page)


@router.post("/{user_id}/block", response_model=BlockOut)
async def block(user_id: UserId, viewer: CurrentUser, uow: Write, context: Context) -> Response:
    """Block: `status` is `blocked`. Follows and requests between you end, both ways."""
    state = await service.block(context, uow, viewer.id, user_id)
    return json_response({"status": state})


@router.delete("/{user_id}/block", response_model=BlockOut)
async def unblock(user_id: UserId, viewer: CurrentUser, uow: Write, context: Context) -> Response:
    """Unblock: `status` is `none`. Earlier follows are not restored."""
    state = await service.unblock(uow.conn, viewer.id, user_id)
    return json_response({"status": state})
