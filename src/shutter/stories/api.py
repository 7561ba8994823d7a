"""Stories: POST /stories, GET /stories/feed (the tray), GET /users/{id}/stories,
GET /stories/{id}, POST /stories/{id}/seen, GET /stories/{id}/viewers, DELETE
/stories/{id}; your archive (GET /users/me/stories/archive) and close friends (GET/PUT
/users/me/close-friends)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from shutter.http.deps import Context, CurrentUser, Page, UrlFor, Write
from shutter.http.responses import json_response
from shutter.stories import service
from shutter.stories.schemas import (
    CloseFriends,
    CloseFriendsUpdate,
    StoryArchivePage,
    StoryCreate,
    StoryCreated,
    StoryOut,
    StoryReel,
    StoryTray,
    StoryViewerPage,
)
from shutter.users.api import UserId

router = APIRouter(tags=["stories"])

StoryId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a story id")]


@router.post("/stories", status_code=201, response_model=StoryCreated)
async def create_story(
    body: StoryCreate, viewer: CurrentUser, uow: Write, context: Context, url_for: UrlFor
) -> Response:
    """Share a ready photo or video as a story, visible for SHUTTER_STORY_TTL_SECONDS, to
    everyone who may see your stories or (`audience: close_friends`) your close friends."""
    story_id = await service.create_story(
        context, uow, viewer.id, int(body.media_id), body.audience
    )
    return json_response(await service.created_story(uow.conn, viewer.id, story_id, url_for), 201)


@router.get("/stories/feed", response_model=StoryTray)
async def story_tray(viewer: CurrentUser, context: Context, url_for: UrlFor) -> Response:
    """Your reel and those of the accounts you follow that have live stories."""
    async with context.db.read() as conn:
        return json_response(await service.tray(conn, viewer.id, url_for))


@router.get("/users/{user_id}/stories", response_model=StoryReel)
async def user_stories(
    user_id: UserId, viewer: CurrentUser, context: Context, url_for: UrlFor
) -> Response:
    """An account's live stories, oldest first."""
    async with context.db.read() as conn:
        return json_response(await service.account_stories(conn, viewer.id, user_id, url_for))


@router.get("/users/me/stories/archive", response_model=StoryArchivePage)
async def story_archive(
    viewer: CurrentUser, context: Context, url_for: UrlFor, paging: Page
) -> Response:
    """All your stories, expired ones included (not those you deleted), newest first."""
    async with context.db.read() as conn:
        page = await service.archive(conn, viewer.id, paging.after, paging.limit, url_for)
    return json_response(page)


@router.get("/users/me/close-friends", response_model=CloseFriends)
async def get_close_friends(viewer: CurrentUser, context: Context, url_for: UrlFor) -> Response:
    """Your close friends: who sees your close-friends stories."""
    async with context.db.read() as conn:
        return json_response(await service.close_friends(conn, viewer.id, url_for))


@router.put("/users/me/close-friends", response_model=CloseFriends)
async def put_close_friends(
    body: CloseFriendsUpdate, viewer: CurrentUser, context: Context, url_for: UrlFor
) -> Response:
    """Replace your close-friends list; its changes apply to your stories at once."""
    async with context.db.write() as uow:
        await service.replace_close_friends(uow.conn, viewer.id, [int(i) for i in body.user_ids])
    async with context.db.read() as conn:
        return json_response(await service.close_friends(conn, viewer.id, url_for))


@router.get("/stories/{story_id}", response_model=StoryOut)
async def get_story(
    story_id: StoryId, viewer: CurrentUser, context: Context, url_for: UrlFor
) -> Response:
    """One live story you may see (`404 story_not_found` otherwise)."""
    async with context.db.read() as conn:
        return json_response(await service.get_story(conn, viewer.id, story_id, url_for))


@router.post("/stories/{story_id}/seen", status_code=204)
async def mark_seen(
    story_id: StoryId, viewer: CurrentUser, uow: Write, context: Context
) -> Response:
    """Mark a story seen; repeating it changes nothing."""
    await service.mark_seen(context, uow.conn, viewer.id, story_id)
    return Response(status_code=204)


@router.get("/stories/{story_id}/viewers", response_model=StoryViewerPage)
async def story_viewers(
    story_id: StoryId,
    viewer: CurrentUser,
    context: Context,
    url_for: UrlFor,
    paging: Page,
) -> Response:
    """Who saw your story, most recent first."""
    async with context.db.read() as conn:
        page = await service.viewers(conn, viewer.id, story_id, paging.after, paging.limit, url_for)
    return json_response(page)


@router.delete("/stories/{story_id}", status_code=204)
async def delete_story(
    story_id: StoryId, viewer: CurrentUser, uow: Write, context: Context
) -> Response:
    """Take down one of your stories before it expires."""
    await service.delete_story(uow.conn, viewer.id, story_id)
    return Response(status_code=204)
