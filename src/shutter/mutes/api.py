"""POST/DELETE /users/{id}/mute; GET /users/me/muted."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from shutter.http.deps import Context, CurrentUser, Page, UrlFor, Write
from shutter.http.responses import json_response
from shutter.mutes import service
from shutter.mutes.schemas import MutedPage, MuteOut, MuteRequest
from shutter.users.api import UserId

router = APIRouter(prefix="/users", tags=["mutes"])


@router.get("/me/muted", response_model=MutedPage)
async def muted_accounts(
    viewer: CurrentUser, context: Context, url_for: UrlFor, paging: Page
) -> Response:
    """The accounts you muted, most recent first, with what of theirs is muted."""
    async with context.db.read() as conn:
        page = await service.list_muted(conn, viewer.id, paging.after, paging.limit, url_for)
    return json_response(page)


@router.post("/{user_id}/mute", response_model=MuteOut)
async def mute(
    user_id: UserId,
    viewer: CurrentUser,
    uow: Write,
    context: Context,
    body: MuteRequest | None = None,
) -> Response:
    """Mute an account's posts (home feed) and/or stories (tray); both unless told. They
    are not told, and their profile, posts and stories stay open to you."""
    wanted = body or MuteRequest()
    muting = await service.mute(context, uow.conn, viewer.id, user_id, wanted.posts, wanted.stories)
    return json_response({"muting": muting})


@router.delete("/{user_id}/mute", response_model=MuteOut)
async def unmute(user_id: UserId, viewer: CurrentUser, uow: Write) -> Response:
    """Unmute posts and stories: they come back to your feed and tray at once."""
    return json_response({"muting": await service.unmute(uow.conn, viewer.id, user_id)})
