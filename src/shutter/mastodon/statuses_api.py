"""The Mastodon routes of statuses' threads and likers, the public and hashtag timelines,
notifications and media status. Each calls Shutter's own service or query under the one
visibility rule, then shapes Mastodon's entities and pagination (`max_id`, `since_id`,
`min_id`, `limit`, and a `Link` header).

`/api/v1/notifications…` and `GET /api/v1/media/{id}` are paths of Shutter's own API
too: they are on `shared`, whose routes answer only OAuth tokens (mastodon/dispatch.py)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from shutter.comments import service as comments_service
from shutter.comments.presenters import CommentOutDict, present_comments
from shutter.errors import InvalidInput, NotFound
from shutter.http.deps import BaseUrl, Context, Read, UrlFor, Write
from shutter.http.responses import json_response
from shutter.ids import id_timestamp_ms
from shutter.likes import service as likes_service
from shutter.mastodon import entities, markers, repository
from shutter.mastodon.api import (
    MAX_LIMIT,
    IdParam,
    LimitParam,
    MastodonRoute,
    _accounts,
    _link,
    _statuses,
    comment_status_by_id,
    comment_statuses,
    next_link,
)
from shutter.mastodon.dispatch import shared_path_router
from shutter.mastodon.entities import Notification, Status, parse_id
from shutter.mastodon.repository import NOTIFICATION_TYPES, NotificationActorRow, Window
from shutter.media import repository as media_repo
from shutter.media import service as media_service
from shutter.media.images import MediaRejected
from shutter.media.sniff import IMAGE_TYPES, VIDEO_TYPES, normalise
from shutter.notifications import repository as notifications_repo
from shutter.oauth.deps import ApiError, optionally_scoped, rate_limited, scoped, user_id_of
from shutter.oauth.service import Grant
from shutter.posts import service as posts_service
from shutter.posts.presenters import hydrate
from shutter.posts.repository import PostRow
from shutter.search import repository as search_repo
from shutter.stores.objects import UrlFor as UrlForType
from shutter.tags.entities import parse_tag
from shutter.timeutil import isoformat

router = APIRouter(tags=["mastodon"], route_class=MastodonRoute)
shared = shared_path_router()

MaybeReadStatuses = Annotated[Grant | None, optionally_scoped("read:statuses")]
MaybeReadAccounts = Annotated[Grant | None, optionally_scoped("read:accounts")]
ReadNotifications = Annotated[Grant, scoped("read:notifications")]
WriteNotifications = Annotated[Grant, scoped("write:notifications")]
WriteMedia = Annotated[Grant, scoped("write:media")]
BoolParam = Annotated[bool, Query()]
NotificationLimit = Annotated[int, Query(ge=1, le=80)]
UnreadLimit = Annotated[int, Query(ge=1, le=1000)]
TypeList = Annotated[list[str], Query(max_length=20)]
# A thread is answered whole up to this many comments and replies (Mastodon caps too).
MAX_DESCENDANTS = 400
_THREAD_PAGE = 50
# Mastodon's notification types; those Shutter has no counterpart for select nothing.
MASTODON_TYPES = frozenset(
    {
        "mention",
        "status",
        "reblog",
        "follow",
        "follow_request",
        "favourite",
        "poll",
        "update",
        "admin.sign_up",
        "admin.report",
        "severed_relationships",
        "moderation_warning",
    }
)


def _viewer(grant: Grant | None) -> int | None:
    return grant.user_id if grant is not None else None


def _window(max_id: str | None, since_id: str | None, min_id: str | None) -> Window:
    return Window(
        parse_id(max_id, "max_id") if max_id else None,
        parse_id(since_id, "since_id") if since_id else None,
        parse_id(min_id, "min_id") if min_id else None,
    )


def _paged(request: Request, base_url: str, items: list[Status] | list[Notification]) -> Response:
    """A page newest first, with the `next` (older) and `prev` (newer) links."""
    headers = None
    if items:
        older = _link(request, base_url, max_id=items[-1]["id"]) + '; rel="next"'
        newer = _link(request, base_url, min_id=items[0]["id"]) + '; rel="prev"'
        headers = {"Link": f"{older}, {newer}"}
    return json_response(items, headers=headers)


# -- statuses ------------------------------------------------------------------------------


@router.get("/api/v1/statuses/{status_id}/context", response_model=dict[str, Any])
async def status_context(
    status_id: str, grant: MaybeReadStatuses, conn: Read, url_for: UrlFor, base_url: BaseUrl
) -> Response:
    """A post's thread: no ancestors; as descendants its comments the reader may see, each
    followed by its replies, oldest first (a comment answers the post, a reply its
    comment: `in_reply_to_id`). A comment's: its post (and, for a reply, its comment) as
    ancestors, its replies as descendants. Anyone may read a public account's thread."""
    viewer_id, post_id = _viewer(grant), parse_id(status_id)
    try:
        await posts_service.readable_post(conn, viewer_id, post_id)
    except NotFound:
        return await _comment_context(conn, viewer_id, post_id, url_for, base_url)
    thread: list[CommentOutDict] = []
    after: int | None = None
    while len(thread) < MAX_DESCENDANTS:
        page = await comments_service.list_comments(
            conn, viewer_id, post_id, after, _THREAD_PAGE, url_for
        )
        for comment in page["comments"]:
            thread.append(comment)
            if comment["reply_count"]:
                thread += await _replies(conn, viewer_id, int(comment["id"]), url_for)
        if page["next_cursor"] is None:
            break
        after = int(page["next_cursor"])
    descendants = await comment_statuses(conn, thread[:MAX_DESCENDANTS], url_for, base_url)
    thread_context: entities.Context = {"ancestors": [], "descendants": descendants}
    return json_response(thread_context)


async def _comment_context(
    conn: AsyncConnection,
    viewer_id: int | None,
    comment_id: int,
    url_for: UrlForType,
    base_url: str,
) -> Response:
    """A comment's thread (404 unless the reader may see the comment and its post)."""
    row, _ = await comments_service.shown_comment(conn, viewer_id, comment_id)
    post = await posts_service.get_post(conn, viewer_id, row["post_id"], url_for)
    ancestors = await _statuses(conn, [post], url_for, base_url)
    descendants: list[Status] = []
    if row["parent_id"] is not None:
        with suppress(NotFound, ApiError):  # one the reader may not see is left out
            ancestors.append(
                await comment_status_by_id(conn, viewer_id, row["parent_id"], url_for, base_url)
            )
    else:
        replies = await _replies(conn, viewer_id, comment_id, url_for)
        descendants = await comment_statuses(conn, replies, url_for, base_url)
    thread_context: entities.Context = {"ancestors": ancestors, "descendants": descendants}
    return json_response(thread_context)


async def _replies(
    conn: AsyncConnection, viewer_id: int | None, comment_id: int, url_for: UrlForType
) -> list[CommentOutDict]:
    replies: list[CommentOutDict] = []
    after: int | None = None
    while len(replies) < MAX_DESCENDANTS:
        page = await comments_service.list_replies(
            conn, viewer_id, comment_id, after, _THREAD_PAGE, url_for
        )
        replies += page["comments"]
        if page["next_cursor"] is None:
            break
        after = int(page["next_cursor"])
    return replies


@router.get("/api/v1/statuses/{status_id}/favourited_by", response_model=list[dict[str, Any]])
async def favourited_by(
    request: Request,
    status_id: str,
    grant: MaybeReadAccounts,
    conn: Read,
    url_for: UrlFor,
    base_url: BaseUrl,
    max_id: IdParam = None,
    limit: LimitParam = MAX_LIMIT,
) -> Response:
    """Who liked a post, most recent like first (`likes.service.list_likers`: nobody in
    a block with the reader); `next` pages below the last like."""
    before = parse_id(max_id, "max_id") if max_id else None
    page = await likes_service.list_likers(
        conn, _viewer(grant), parse_id(status_id), before, limit, url_for
    )
    user_ids = [int(user["id"]) for user in page["users"]]
    found = await _accounts(conn, user_ids, url_for, base_url)
    accounts = [found[user] for user in user_ids if user in found]
    return json_response(accounts, headers=next_link(request, base_url, page["next_cursor"]))


# -- timelines -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimelineQuery:
    """The parameters of the public and hashtag timelines. Everything is local (no
    federation), so `local` changes nothing and `remote` alone finds nothing; every post
    has media, so `only_media` changes nothing either."""

    window: Window
    limit: int
    remote_only: bool


async def timeline_query(
    local: BoolParam = False,
    remote: BoolParam = False,
    only_media: BoolParam = False,
    max_id: IdParam = None,
    since_id: IdParam = None,
    min_id: IdParam = None,
    limit: LimitParam = 20,
) -> TimelineQuery:
    return TimelineQuery(_window(max_id, since_id, min_id), limit, remote and not local)


Timeline = Annotated[TimelineQuery, Depends(timeline_query)]


async def _timeline(
    request: Request,
    conn: AsyncConnection,
    viewer_id: int | None,
    rows: list[PostRow],
    url_for: UrlForType,
    base_url: str,
) -> Response:
    posts = await hydrate(conn, rows, viewer_id, url_for)
    return _paged(request, base_url, await _statuses(conn, posts, url_for, base_url))


@router.get("/api/v1/timelines/public", response_model=list[dict[str, Any]])
async def public_timeline(
    request: Request,
    grant: MaybeReadStatuses,
    query: Timeline,
    conn: Read,
    url_for: UrlFor,
    base_url: BaseUrl,
) -> Response:
    """Public accounts' posts, newest first, but those of accounts in a block with the
    reader or whose posts the reader muted."""
    viewer_id = _viewer(grant)
    rows = []
    if not query.remote_only:
        rows = await repository.public_timeline(conn, viewer_id, query.window, query.limit)
    return await _timeline(request, conn, viewer_id, rows, url_for, base_url)


@router.get("/api/v1/timelines/tag/{hashtag}", response_model=list[dict[str, Any]])
async def tag_timeline(
    request: Request,
    hashtag: Annotated[str, Path(min_length=1, max_length=101)],
    grant: MaybeReadStatuses,
    query: Timeline,
    conn: Read,
    url_for: UrlFor,
    base_url: BaseUrl,
) -> Response:
    """The posts of Shutter's own hashtag page (GET /hashtags/{tag}/posts: the hashtag in
    the caption or in a comment the reader may see, posts the reader may read), newest
    first; a hashtag nobody used is an empty timeline, as on Mastodon."""
    viewer_id, tag = _viewer(grant), parse_tag(hashtag)
    rows = []
    if not query.remote_only:
        tagged = search_repo.tagged_post_ids(viewer_id, tag)
        rows = await repository.posts_among(conn, viewer_id, tagged, query.window, query.limit)
    return await _timeline(request, conn, viewer_id, rows, url_for, base_url)


# -- notifications -------------------------------------------------------------------------


def _kinds(types: list[str], exclude_types: list[str]) -> set[str]:
    """Shutter's notification kinds for Mastodon's `types[]` / `exclude_types[]`."""
    for name in (*types, *exclude_types):
        if name not in MASTODON_TYPES:
            raise InvalidInput(f"types: {name[:40]!r} is not a notification type")
    wanted = set(types) or MASTODON_TYPES
    return {
        kind
        for kind, shown_as in NOTIFICATION_TYPES.items()
        if shown_as in wanted and shown_as not in exclude_types
    }


async def _notifications(
    conn: AsyncConnection,
    viewer_id: int,
    rows: Sequence[NotificationActorRow],
    url_for: UrlForType,
    base_url: str,
) -> list[Notification]:
    """One Mastodon Notification per row (an actor of a Shutter notification): its actor,
    and its status: the post liked or announced, or the comment (a comment, reply or
    mention in one) or the comment liked."""
    actors = await _accounts(conn, [row["actor_id"] for row in rows], url_for, base_url)
    comment_ids = {row["comment_id"] for row in rows if row["comment_id"] is not None}
    post_ids = {
        row["post_id"] for row in rows if row["comment_id"] is None and row["post_id"] is not None
    }
    post_rows = await repository.readable_posts(conn, viewer_id, post_ids)
    posts = await hydrate(conn, post_rows, viewer_id, url_for)
    about: dict[int, Status] = {
        int(status["id"]): status for status in await _statuses(conn, posts, url_for, base_url)
    }
    comment_rows = await repository.shown_comments(conn, viewer_id, comment_ids)
    comments = await present_comments(conn, comment_rows, url_for, viewer_id)
    for status in await comment_statuses(conn, comments, url_for, base_url):
        about[int(status["id"])] = status
    out = []
    for row in rows:
        actor = actors.get(row["actor_id"])
        target = row["comment_id"] or row["post_id"]
        shown = about.get(target) if target is not None else None
        if actor is None or (target is not None and shown is None):
            continue
        when = datetime.fromtimestamp(id_timestamp_ms(row["id"]) / 1000, UTC)
        kind = NOTIFICATION_TYPES[row["kind"]]
        out.append(entities.notification(row["id"], kind, isoformat(when), actor, shown))
    return out


@shared.get("/api/v1/notifications", response_model=list[dict[str, Any]])
async def notifications(
    request: Request,
    grant: ReadNotifications,
    conn: Read,
    url_for: UrlFor,
    base_url: BaseUrl,
    types: Annotated[TypeList, Query(alias="types[]")] = [],  # noqa: B006
    exclude_types: Annotated[TypeList, Query(alias="exclude_types[]")] = [],  # noqa: B006
    account_id: IdParam = None,
    max_id: IdParam = None,
    since_id: IdParam = None,
    min_id: IdParam = None,
    limit: NotificationLimit = 40,
) -> Response:
    """Your notifications, newest first, one per actor (Shutter groups "alice and 3
    others liked your post"; this API lists the four), of the types asked for."""
    viewer_id = user_id_of(grant)
    kinds = _kinds(types, exclude_types)
    actor = parse_id(account_id, "account_id") if account_id else None
    window = _window(max_id, since_id, min_id)
    rows = await repository.notification_page(conn, viewer_id, kinds, actor, window, limit)
    return _paged(request, base_url, await _notifications(conn, viewer_id, rows, url_for, base_url))


@shared.get("/api/v1/notifications/unread_count", response_model=dict[str, int])
async def unread_notification_count(
    grant: ReadNotifications,
    conn: Read,
    types: Annotated[TypeList, Query(alias="types[]")] = [],  # noqa: B006
    exclude_types: Annotated[TypeList, Query(alias="exclude_types[]")] = [],  # noqa: B006
    limit: UnreadLimit = 100,
) -> Response:
    """Mastodon 4.3's count of notifications after the `notifications` marker (all of
    them without one), of the types asked for, one per actor as listed, up to `limit`."""
    viewer_id = user_id_of(grant)
    kinds = _kinds(types, exclude_types)
    saved = await markers.read(conn, viewer_id, ["notifications"])
    after = int(saved[0]["last_read_id"]) if saved else 0
    count = await repository.unread_notification_count(conn, viewer_id, kinds, after, limit)
    return json_response({"count": count})


@shared.get("/api/v1/notifications/{notification_id}", response_model=dict[str, Any])
async def notification(
    notification_id: str, grant: ReadNotifications, conn: Read, url_for: UrlFor, base_url: BaseUrl
) -> Response:
    viewer_id = user_id_of(grant)
    row = await repository.notification_item(conn, viewer_id, parse_id(notification_id))
    found = await _notifications(conn, viewer_id, [row] if row else [], url_for, base_url)
    if not found:
        raise ApiError(404, "Record not found")
    return json_response(found[0])


@shared.post("/api/v1/notifications/clear", response_model=dict[str, Any])
async def clear_notifications(grant: WriteNotifications, uow: Write) -> Response:
    """Delete all your notifications (Shutter's own list is emptied too)."""
    await notifications_repo.clear(uow.conn, user_id_of(grant))
    return json_response({})


@shared.post("/api/v1/notifications/{notification_id}/dismiss", response_model=dict[str, Any])
async def dismiss_notification(
    notification_id: str, grant: WriteNotifications, uow: Write
) -> Response:
    """Dismiss one: that actor leaves Shutter's grouped notification ("alice and 3
    others" becomes "bob and 2 others"); the group goes with its last actor."""
    item_id = parse_id(notification_id)
    if not await notifications_repo.dismiss_actor(uow.conn, user_id_of(grant), item_id):
        raise ApiError(404, "Record not found")
    return json_response({})


# -- media ---------------------------------------------------------------------------------


@router.post(
    "/api/v2/media",
    response_model=dict[str, Any],
    responses={202: {"description": "a video, still processing"}},
    dependencies=[rate_limited("uploads")],
)
async def upload_media(
    grant: WriteMedia,
    context: Context,
    url_for: UrlFor,
    base_url: BaseUrl,
    file: Annotated[UploadFile, File()],
    description: Annotated[str | None, Form(max_length=1500)] = None,
) -> Response:
    """Media through Shutter's pipeline and limits. A photo is processed at once (200
    with the ready attachment); a video goes through the same queue as Shutter's own
    uploads (upload ticket, stored bytes, completion): 202 with `url` null while it is
    processing, then poll `GET /api/v1/media/{id}`."""
    owner_id, data = user_id_of(grant), await file.read()
    kind = normalise(file.content_type or "application/octet-stream")
    video = kind in VIDEO_TYPES
    if not video and kind not in IMAGE_TYPES:
        raise ApiError(415, f"{kind[:64]!r} is not a supported image or video type")
    limit = context.settings.video_max_bytes if video else context.settings.image_max_bytes
    if len(data) > limit:
        raise ApiError(413, "File is too large")
    if video:
        ticket = await media_service.create_upload(context, owner_id, kind, len(data), base_url)
        media_id = int(ticket["media_id"])
        await context.objects.put(media_service.upload_key(media_id), data, kind)
    else:
        try:
            media_id = await media_service.ingest(context, owner_id, data, kind)
        except MediaRejected as exc:
            raise ApiError(exc.status, exc.message) from exc
    if description:
        async with context.db.write() as uow:
            await media_repo.set_alt(uow.conn, media_id, owner_id, description)
    if video:
        await media_service.complete_upload(context, owner_id, media_id)
    item = await media_service.get_own_media(context, owner_id, media_id, url_for)
    status = 200 if item.get("status", "ready") == "ready" else 202
    return json_response(entities.media_attachment(item), status=status)


@shared.get("/api/v1/media/{media_id}", response_model=dict[str, Any])
async def get_media(
    media_id: str, grant: WriteMedia, context: Context, url_for: UrlFor
) -> Response:
    """One's own media: 200 when processed, 206 (Partial Content, `url` null) while it is
    still processing, 422 with the reason when processing refused it."""
    try:
        item = await media_service.get_own_media(
            context, user_id_of(grant), parse_id(media_id), url_for
        )
    except NotFound as exc:
        raise ApiError(404, "Record not found") from exc
    status = item.get("status", "ready")
    if status == "failed":
        error = item.get("error")
        raise ApiError(422, (error["message"] if error else None) or "The file was refused")
    return json_response(entities.media_attachment(item), status=200 if status == "ready" else 206)
