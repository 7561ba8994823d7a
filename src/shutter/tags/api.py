"""Following hashtags: POST/DELETE /hashtags/{tag}/follow, GET /users/me/followed-hashtags."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from shutter.http.deps import Context, CurrentUser, Page, Read, Write, rate_limited
from shutter.http.responses import json_response
from shutter.tags import service
from shutter.tags.schemas import FollowedHashtagPage, HashtagFollowState

router = APIRouter(tags=["hashtags"])

TagPath = Annotated[str, Path(min_length=1, max_length=101, description="a hashtag, # optional")]


# A hashtag follow counts against the same hourly budget as following people.
@router.post(
    "/hashtags/{tag}/follow",
    response_model=HashtagFollowState,
    dependencies=[rate_limited("follows")],
)
async def follow_hashtag(
    tag: TagPath, viewer: CurrentUser, uow: Write, context: Context
) -> Response:
    """Follow a hashtag (idempotent): its new public posts come into your home feed. At most
    1,000 per account (409 `too_many_hashtags`)."""
    return json_response(await service.follow_hashtag(context, uow, viewer.id, tag))


@router.delete("/hashtags/{tag}/follow", response_model=HashtagFollowState)
async def unfollow_hashtag(tag: TagPath, viewer: CurrentUser, uow: Write) -> Response:
    """Stop following a hashtag (idempotent); its posts leave your home feed at once."""
    return json_response(await service.unfollow_hashtag(uow, viewer.id, tag))


@router.get("/users/me/followed-hashtags", response_model=FollowedHashtagPage)
async def followed_hashtags(viewer: CurrentUser, conn: Read, paging: Page) -> Response:
    """The hashtags you follow, most recently followed first."""
    page = await service.list_followed_hashtags(conn, viewer.id, paging.after, paging.limit)
    return json_response(page)
