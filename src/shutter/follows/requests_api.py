"""GET /follow-requests; POST /follow-requests/{user_id}/approve and /reject."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from shutter.follows import service
from shutter.http.deps import Context, CurrentUser, Page, UrlFor, Write
from shutter.http.responses import json_response
from shutter.users.api import UserId
from shutter.users.schemas import UserPage

router = APIRouter(prefix="/follow-requests", tags=["follows"])


@router.get("", response_model=UserPage)
async def list_requests(
    viewer: CurrentUser,
    context: Context,
    url_for: UrlFor,
    paging: Page,
) -> Response:
    """People who asked to follow your account, newest first."""
    async with context.db.read() as conn:
        page = await service.list_requests(conn, viewer.id, paging.after, paging.limit, url_for)
    return json_response(page)


@router.post("/{user_id}/approve", status_code=204)
async def approve(user_id: UserId, viewer: CurrentUser, uow: Write, context: Context) -> Response:
    """Let them follow you: they see your posts from now on."""
    await service.approve_request(context, uow, viewer.id, user_id)
    return Response(status_code=204)


@router.post("/{user_id}/reject", status_code=204)
async def reject(user_id: UserId, viewer: CurrentUser, uow: Write, context: Context) -> Response:
    await service.reject_request(uow.conn, viewer.id, user_id)
    return Response(status_code=204)
