"""GET /notifications, POST /notifications/read, GET /notifications/unread-count."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.responses import Response

from shutter.http.deps import Context, CurrentUser, Page, UrlFor, Write
from shutter.http.responses import json_response
from shutter.notifications import repository, service
from shutter.notifications.schemas import NotificationPage

router = APIRouter(tags=["notifications"])


class MarkRead(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[str, StringConstraints(pattern=r"^[0-9]{1,18}$")]] | None = Field(
        None, max_length=100, description="which to mark read; all when left out"
    )


class UnreadCount(BaseModel):
    unread_count: int


@router.get("/notifications", response_model=NotificationPage)
async def notifications(
    viewer: CurrentUser,
    context: Context,
    url_for: UrlFor,
    paging: Page,
) -> Response:
    """Your notifications, most recent activity first, with the unread count."""
    async with context.db.read() as conn:
        page = await service.list_notifications(
            conn, viewer.id, paging.after, paging.limit, url_for
        )
    return json_response(page)


@router.get("/notifications/unread-count", response_model=UnreadCount)
async def unread_count(viewer: CurrentUser, context: Context) -> Response:
    """The badge number, cheaply."""
    async with context.db.read() as conn:
        count = await repository.unread_count(conn, viewer.id)
    return json_response({"unread_count": count})


@router.post("/notifications/read", response_model=UnreadCount)
async def mark_read(
    viewer: CurrentUser,
    uow: Write,
    context: Context,
    body: Annotated[MarkRead | None, Body()] = None,
) -> Response:
    """Mark notifications read: the listed ones, or all of them."""
    ids = [int(value) for value in body.ids] if body and body.ids is not None else None
    count = await service.mark_read(uow.conn, viewer.id, ids)
    return json_response({"unread_count": count})
