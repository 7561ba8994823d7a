"""PATCH /users/me: edit your profile.

It lives with follows because of one rule: going public lets everyone who was waiting in,
in the same transaction as the change (users never depend on follows; follows build on
users).
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from shutter.follows import service as follows_service
from shutter.http.deps import Context, CurrentUser, UrlFor
from shutter.http.responses import json_response
from shutter.users import service
from shutter.users.schemas import ProfileUpdate, UserOut

router = APIRouter(prefix="/users", tags=["users"])


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
