"""Highlights: GET/POST /highlights, GET/PATCH/DELETE /highlights/{id},
GET /users/{id}/highlights."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from shutter.http.deps import Context, CurrentUser, UrlFor, Write
from shutter.http.responses import json_response
from shutter.stories import highlights
from shutter.stories.schemas import HighlightCreate, HighlightList, HighlightOut, HighlightUpdate
from shutter.users.api import UserId

router = APIRouter(tags=["highlights"])

HighlightId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a highlight id")]


@router.get("/highlights", response_model=HighlightList)
async def my_highlights(viewer: CurrentUser, context: Context, url_for: UrlFor) -> Response:
    """Your highlights, newest first."""
    async with context.db.read() as conn:
        found = await highlights.account_highlights(conn, viewer.id, viewer.id, url_for)
    return json_response(found)


@router.post("/highlights", status_code=201, response_model=HighlightOut)
async def create_highlight(
    body: HighlightCreate, viewer: CurrentUser, context: Context, url_for: UrlFor
) -> Response:
    """Collect stories of your archive under a title (at most 50 characters); their media
    are kept for as long as a highlight holds them."""
    async with context.db.write() as uow:
        highlight_id = await highlights.create_highlight(
            context, uow.conn, viewer.id, body.title, [int(i) for i in body.story_ids]
        )
    async with context.db.read() as conn:
        found = await highlights.get_highlight(conn, viewer.id, highlight_id, url_for)
    return json_response({"highlight": found}, 201)


@router.get("/highlights/{highlight_id}", response_model=HighlightOut)
async def get_highlight(
    highlight_id: HighlightId, viewer: CurrentUser, context: Context, url_for: UrlFor
) -> Response:
    """A highlight of an account whose stories you may see."""
    async with context.db.read() as conn:
        found = await highlights.get_highlight(conn, viewer.id, highlight_id, url_for)
    return json_response({"highlight": found})


@router.patch("/highlights/{highlight_id}", response_model=HighlightOut)
async def update_highlight(
    highlight_id: HighlightId,
    body: HighlightUpdate,
    viewer: CurrentUser,
    context: Context,
    url_for: UrlFor,
) -> Response:
    """Rename your highlight and/or replace its stories."""
    story_ids = None if body.story_ids is None else [int(i) for i in body.story_ids]
    async with context.db.write() as uow:
        await highlights.update_highlight(uow.conn, viewer.id, highlight_id, body.title, story_ids)
    async with context.db.read() as conn:
        found = await highlights.get_highlight(conn, viewer.id, highlight_id, url_for)
    return json_response({"highlight": found})


@router.delete("/highlights/{highlight_id}", status_code=204)
async def delete_highlight(highlight_id: HighlightId, viewer: CurrentUser, uow: Write) -> Response:
    """Delete your highlight; its stories stay in your archive."""
    await highlights.delete_highlight(uow.conn, viewer.id, highlight_id)
    return Response(status_code=204)


@router.get("/users/{user_id}/highlights", response_model=HighlightList)
async def user_highlights(
    user_id: UserId, viewer: CurrentUser, context: Context, url_for: UrlFor
) -> Response:
    """An account's highlights, for whoever may see its stories."""
    async with context.db.read() as conn:
        found = await highlights.account_highlights(conn, viewer.id, user_id, url_for)
    return json_response(found)
