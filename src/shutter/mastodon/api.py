"""The Mastodon-compatible routes. Each calls the same service as Shutter's own route
(visibility, rate limits, fan-out, media pipeline), then shapes Mastodon's entities.
Shutter's errors answer Mastodon-style (`{"error": message}`) on these routes."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response

from shutter.comments import service as comments_service
from shutter.comments.presenters import CommentOutDict, present_comments
from shutter.errors import InvalidInput, NotFound, ShutterError
from shutter.feed import service as feed_service
from shutter.follows import service as follows_service
from shutter.http.deps import BaseUrl, Context, Read, UrlFor, Write
from shutter.http.responses import json_response
from shutter.likes import service as likes_service
from shutter.mastodon import entities, repository
from shutter.mastodon.entities import Account, Status, mid, parse_id
from shutter.media import repository as media_repo
from shutter.media import service as media_service
from shutter.mutes import service as mutes_service
from shutter.oauth.deps import ApiError, rate_limited, scoped, user_id_of
from shutter.oauth.service import Grant
from shutter.posts import service as posts_service
from shutter.posts.presenters import PostOutDict
from shutter.posts.schemas import PostCreate
from shutter.stores.objects import UrlFor as UrlForType
from shutter.users import service as users_service

MAX_LIMIT = 40


class MastodonRoute(APIRoute):
    """Answers Shutter's domain errors and invalid input the way Mastodon does."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except ShutterError as exc:
                return json_response({"error": exc.message}, status=exc.status)
            except RequestValidationError as exc:
                return json_response({"error": _validation_message(exc)}, status=422)

        return handle


def _validation_message(exc: RequestValidationError) -> str:
    """Mastodon's wording of invalid parameters: "Validation failed: limit: ..."."""
    first = next(iter(exc.errors()), None)
    if first is None:
        return "Validation failed"
    field = ".".join(str(part) for part in first.get("loc", ())[1:])
    return f"Validation failed: {field}: {first.get('msg', 'invalid')}"


router = APIRouter(tags=["mastodon"], route_class=MastodonRoute)

ReadAccounts = Annotated[Grant, scoped("read:accounts")]
ReadStatuses = Annotated[Grant, scoped("read:statuses")]
WriteStatuses = Annotated[Grant, scoped("write:statuses")]
WriteMedia = Annotated[Grant, scoped("write:media")]
WriteFavourites = Annotated[Grant, scoped("write:favourites")]
WriteFollows = Annotated[Grant, scoped("write:follows")]
ReadFollows = Annotated[Grant, scoped("read:follows")]
ReadMutes = Annotated[Grant, scoped("read:mutes")]
WriteMutes = Annotated[Grant, scoped("write:mutes")]
LimitParam = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
IdParam = Annotated[str | None, Query(max_length=19, pattern=r"^[0-9]+$")]


# -- instance ------------------------------------------------------------------------------


@router.get("/api/v1/instance", response_model=dict[str, Any])
@router.get("/api/v1/instance/", response_model=dict[str, Any], include_in_schema=False)
async def instance_v1(context: Context, base_url: BaseUrl) -> Response:
    host = base_url.split("://", 1)[-1]
    return json_response(
        {
            "uri": host,
            "title": "Shutter",
            "short_description": "A self-hosted photo and video network.",
            "description": "A self-hosted photo and video network.",
            "email": "",
            "version": "4.2.0 (compatible; Shutter 0.1.0)",
            "urls": {"streaming_api": base_url.replace("http", "ws", 1)},
            "stats": {"user_count": 0, "status_count": 0, "domain_count": 1},
            "thumbnail": f"{base_url}/static/favicon.svg",
            "languages": ["en"],
            "registrations": True,
            "approval_required": False,
            "invites_enabled": False,
            "configuration": _configuration(context),
            "contact_account": None,
            "rules": [],
        }
    )


def _configuration(context: Context) -> dict[str, object]:
    """Instance `configuration` (the limits clients respect); only ever encoded."""
    settings = context.settings
    return {
        "accounts": {"max_featured_tags": 0},
        "statuses": {
            "max_characters": 2200,
            "max_media_attachments": 10,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "supported_mime_types": [
                "image/jpeg",
                "image/png",
                "image/webp",
                "image/heic",
                "image/avif",
                "video/mp4",
                "video/quicktime",
            ],
            "image_size_limit": settings.image_max_bytes,
            "image_matrix_limit": 100_000_000,
            "video_size_limit": settings.video_max_bytes,
            "video_frame_rate_limit": 120,
            "video_matrix_limit": 8_294_400,
        },
        "polls": {
            "max_options": 0,
            "max_characters_per_option": 0,
            "min_expiration": 0,
            "max_expiration": 0,
        },
        "urls": {},
    }


@router.get("/api/v2/instance", response_model=dict[str, Any])
@router.get("/api/v2/instance/", response_model=dict[str, Any], include_in_schema=False)
async def instance_v2(context: Context, base_url: BaseUrl) -> Response:
    host = base_url.split("://", 1)[-1]
    config = _configuration(context)
    config["urls"] = {"streaming": base_url.replace("http", "ws", 1)}
    return json_response(
        {
            "domain": host,
            "title": "Shutter",
            "version": "4.2.0 (compatible; Shutter 0.1.0)",
            "source_url": "",
            "description": "A self-hosted photo and video network.",
            "usage": {"users": {"active_month": 0}},
            "thumbnail": {"url": f"{base_url}/static/favicon.svg"},
            "languages": ["en"],
            "configuration": config,
            "registrations": {"enabled": True, "approval_required": False, "message": None},
            "contact": {"email": "", "account": None},
            "rules": [],
        }
    )


@router.get("/api/v1/custom_emojis", response_model=list[Any])
async def custom_emojis() -> Response:
    return json_response([])


# -- accounts ------------------------------------------------------------------------------


async def _accounts(
    conn: AsyncConnection, user_ids: list[int], url_for: UrlForType, base_url: str
) -> dict[int, Account]:
    rows = await repository.account_rows(conn, user_ids)
    for row in rows.values():
        row["avatar_url"] = url_for(row["avatar_key"]) if row["avatar_key"] else None
    return {user_id: entities.account(row, base_url) for user_id, row in rows.items()}


async def _account(
    conn: AsyncConnection, user_id: int, url_for: UrlForType, base_url: str
) -> Account:
    found = await _accounts(conn, [user_id], url_for, base_url)
    if user_id not in found:
        raise ApiError(404, "Record not found")
    return found[user_id]


@router.get("/api/v1/accounts/verify_credentials", response_model=dict[str, Any])
async def verify_credentials(
    grant: ReadAccounts, conn: Read, url_for: UrlFor, base_url: BaseUrl
) -> Response:
    me = await _account(conn, user_id_of(grant), url_for, base_url)
    me["source"] = {
        "privacy": "private" if me["locked"] else "public",
        "sensitive": False,
        "language": None,
        "note": "",
        "fields": [],
    }
    return json_response(me)


@router.get("/api/v1/accounts/lookup", response_model=dict[str, Any])
async def lookup(
    grant: ReadAccounts,
    conn: Read,
    url_for: UrlFor,
    base_url: BaseUrl,
    acct: Annotated[str, Query(min_length=1, max_length=300)],
) -> Response:
    user_id = await repository.account_id_by_username(conn, acct.split("@")[0])
    if user_id is None:
        raise ApiError(404, "Record not found")
    return json_response(await _account(conn, user_id, url_for, base_url))


@router.get("/api/v1/accounts/relationships", response_model=list[dict[str, Any]])
async def relationships(
    grant: ReadFollows,
    conn: Read,
    ids: Annotated[list[str], Query(alias="id[]", max_length=40)] = [],  # noqa: B006
    plain_ids: Annotated[list[str], Query(alias="id", max_length=40)] = [],  # noqa: B006
) -> Response:
    """`id[]=…` or, as some clients send one account, `id=…`."""
    out = []
    for raw in [*ids, *plain_ids][:40]:
        user_id = parse_id(raw)
        rel = await users_service.relationship(conn, user_id_of(grant), user_id)
        out.append(entities.relationship(user_id, rel))
    return json_response(out)


@router.get("/api/v1/accounts/{account_id}", response_model=dict[str, Any])
async def get_account(
    account_id: str, grant: ReadAccounts, conn: Read, url_for: UrlFor, base_url: BaseUrl
) -> Response:
    return json_response(await _account(conn, parse_id(account_id), url_for, base_url))


async def _relationship(uow: Write, viewer_id: int, user_id: int) -> Response:
    rel = await users_service.relationship(uow.conn, viewer_id, user_id)
    return json_response(entities.relationship(user_id, rel))


@router.post(
    "/api/v1/accounts/{account_id}/follow",
    response_model=dict[str, Any],
    dependencies=[rate_limited("follows")],
)
async def follow(account_id: str, grant: WriteFollows, context: Context, uow: Write) -> Response:
    user_id = parse_id(account_id)
    await follows_service.follow(context, uow, user_id_of(grant), user_id)
    return await _relationship(uow, user_id_of(grant), user_id)


@router.post("/api/v1/accounts/{account_id}/unfollow", response_model=dict[str, Any])
async def unfollow(account_id: str, grant: WriteFollows, context: Context, uow: Write) -> Response:
    user_id = parse_id(account_id)
    await follows_service.unfollow(context, uow, user_id_of(grant), user_id)
    return await _relationship(uow, user_id_of(grant), user_id)


# -- mutes --------------------------------------------------------------------------------


def _mute_options(values: dict[str, Any]) -> None:
    """Check Mastodon's `notifications` (a boolean) and `duration` (seconds, 0 for ever).
    Both are accepted; a Shutter mute quiets posts and stories, never notifications, and
    lasts until unmuted (docs/mastodon.md)."""
    notifications = values.get("notifications")
    if notifications is not None and str(notifications).lower() not in _BOOLEANS:
        raise InvalidInput("notifications: not a boolean")
    duration = values.get("duration")
    if duration is not None and (not str(duration).isdigit() or len(str(duration)) > 10):
        raise InvalidInput("duration: not a number of seconds")


_BOOLEANS = {"true", "false", "1", "0", "on", "off", ""}


@router.post("/api/v1/accounts/{account_id}/mute", response_model=dict[str, Any])
async def mute(
    account_id: str, request: Request, grant: WriteMutes, context: Context, uow: Write
) -> Response:
    """Mute the account's posts (home timeline) and stories; `muting` in the answer."""
    user_id = parse_id(account_id)
    _mute_options({**request.query_params, **await _form(request)})
    await mutes_service.mute(context, uow.conn, user_id_of(grant), user_id, True, True)
    return await _relationship(uow, user_id_of(grant), user_id)


@router.post("/api/v1/accounts/{account_id}/unmute", response_model=dict[str, Any])
async def unmute(account_id: str, grant: WriteMutes, uow: Write) -> Response:
    user_id = parse_id(account_id)
    await mutes_service.unmute(uow.conn, user_id_of(grant), user_id)
    return await _relationship(uow, user_id_of(grant), user_id)


@router.get("/api/v1/mutes", response_model=list[dict[str, Any]])
async def mutes(
    request: Request,
    grant: ReadMutes,
    conn: Read,
    url_for: UrlFor,
    base_url: BaseUrl,
    max_id: IdParam = None,
    limit: LimitParam = MAX_LIMIT,
) -> Response:
    """The accounts you muted, most recent first; the next page's link in `Link`."""
    before = parse_id(max_id, "max_id") if max_id else None
    page = await mutes_service.list_muted(conn, user_id_of(grant), before, limit, url_for)
    user_ids = [int(item["user"]["id"]) for item in page["muted"]]
    found = await _accounts(conn, user_ids, url_for, base_url)
    accounts = [found[user_id] for user_id in user_ids if user_id in found]
    return json_response(accounts, headers=next_link(request, base_url, page["next_cursor"]))


# -- statuses ------------------------------------------------------------------------------


async def _statuses(
    conn: AsyncConnection, posts: list[PostOutDict], url_for: UrlForType, base_url: str
) -> list[Status]:
    authors = await _accounts(
        conn, [int(post["author"]["id"]) for post in posts], url_for, base_url
    )
    return [
        entities.status(post, authors[int(post["author"]["id"])], base_url)
        for post in posts
        if int(post["author"]["id"]) in authors
    ]


async def comment_statuses(
    conn: AsyncConnection, comments: Sequence[CommentOutDict], url_for: UrlForType, base_url: str
) -> list[Status]:
    """Comments as presented by `comments.service` to Statuses replying to their post (a
    top-level comment) or to their thread's comment (a reply)."""
    post_ids = {int(comment["post_id"]) for comment in comments if not comment["parent_id"]}
    parent_ids = {int(comment["parent_id"]) for comment in comments if comment["parent_id"]}
    answered = await repository.authors_of(conn, post_ids, parent_ids)
    authors = await _accounts(
        conn, [int(comment["author"]["id"]) for comment in comments], url_for, base_url
    )
    out = []
    for comment in comments:
        author = authors.get(int(comment["author"]["id"]))
        if author is None:
            continue
        target = int(comment["parent_id"] or comment["post_id"])
        out.append(
            entities.comment_status(comment, author, (target, answered.get(target)), base_url)
        )
    return out


async def comment_status_by_id(
    conn: AsyncConnection,
    viewer_id: int | None,
    comment_id: int,
    url_for: UrlForType,
    base_url: str,
) -> Status:
    """The comment as a Status, if the reader may see it and its post (else 404)."""
    row, _ = await comments_service.shown_comment(conn, viewer_id, comment_id)
    presented = await present_comments(conn, [row], url_for, viewer_id)
    found = await comment_statuses(conn, presented, url_for, base_url)
    if not found:
        raise ApiError(404, "Record not found")
    return found[0]


async def _form(request: Request) -> dict[str, Any]:
    """A form or JSON body (Mastodon clients send either); `key[]` lists kept as lists."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await request.json()
        except ValueError as exc:
            raise InvalidInput("The request body is not valid JSON.") from exc
        if not isinstance(body, dict):
            raise InvalidInput("The request body must be a JSON object.")
        return body
    form = await request.form()
    values: dict[str, Any] = {}
    for key in form:
        items = form.getlist(key)
        values[key.removesuffix("[]")] = items if key.endswith("[]") else items[0]
    return values


@router.post(
    "/api/v1/statuses", response_model=dict[str, Any], dependencies=[rate_limited("posts")]
)
async def create_status(
    request: Request,
    grant: WriteStatuses,
    context: Context,
    uow: Write,
    url_for: UrlFor,
    base_url: BaseUrl,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)] = None,
) -> Response:
    """A post (Shutter posts need media: a status without `media_ids` answers 422), or,
    with `in_reply_to_id`, a comment on that post."""
    values = await _form(request)
    text = values.get("status") or ""
    if not isinstance(text, str):
        raise InvalidInput("status must be text.")
    viewer_id = user_id_of(grant)
    reply_to = values.get("in_reply_to_id")
    if reply_to:
        post_id = parse_id(str(reply_to), "in_reply_to_id")
        comment = await comments_service.create_comment(
            context, uow, viewer_id, post_id, text, None, url_for
        )
        (status,) = await comment_statuses(uow.conn, [comment], url_for, base_url)
        return json_response(status)
    media_ids = values.get("media_ids") or []
    if isinstance(media_ids, str):
        media_ids = [media_ids]
    try:
        body = PostCreate(
            media_ids=[str(parse_id(str(item), "media_ids")) for item in media_ids], caption=text
        )
    except ValidationError as exc:
        raise ApiError(422, "Validation failed: " + exc.errors()[0]["msg"]) from exc
    post_id, _ = await posts_service.create_post(context, uow, viewer_id, body, idempotency_key)
    post = await posts_service.get_post(uow.conn, viewer_id, post_id, url_for)
    (status,) = await _statuses(uow.conn, [post], url_for, base_url)
    return json_response(status)


@router.get("/api/v1/statuses/{status_id}", response_model=dict[str, Any])
async def get_status(
    status_id: str, grant: ReadStatuses, conn: Read, url_for: UrlFor, base_url: BaseUrl
) -> Response:
    """A post, or a comment (the Status a reply became, as notifications show them)."""
    viewer_id, target = user_id_of(grant), parse_id(status_id)
    try:
        post = await posts_service.get_post(conn, viewer_id, target, url_for)
    except NotFound:
        return json_response(await comment_status_by_id(conn, viewer_id, target, url_for, base_url))
    (status,) = await _statuses(conn, [post], url_for, base_url)
    return json_response(status)


@router.delete("/api/v1/statuses/{status_id}", response_model=dict[str, Any])
async def delete_status(
    status_id: str,
    grant: WriteStatuses,
    context: Context,
    uow: Write,
    url_for: UrlFor,
    base_url: BaseUrl,
) -> Response:
    post_id = parse_id(status_id)
    post = await posts_service.get_post(uow.conn, user_id_of(grant), post_id, url_for)
    (status,) = await _statuses(uow.conn, [post], url_for, base_url)
    await posts_service.delete_post(context, uow, user_id_of(grant), post_id)
    return json_response(status | {"text": post["caption"]})


async def _favourite(
    like: bool,
    status_id: str,
    grant: Grant,
    context: Context,
    uow: Write,
    url_for: UrlForType,
    base_url: str,
) -> Response:
    post_id, viewer_id = parse_id(status_id), user_id_of(grant)
    if like:
        await likes_service.like(context, uow, viewer_id, post_id)
    else:
        await likes_service.unlike(context, uow, viewer_id, post_id)
    post = await posts_service.get_post(uow.conn, viewer_id, post_id, url_for)
    (status,) = await _statuses(uow.conn, [post], url_for, base_url)
    return json_response(status)


@router.post(
    "/api/v1/statuses/{status_id}/favourite",
    response_model=dict[str, Any],
    dependencies=[rate_limited("likes")],
)
async def favourite(
    status_id: str,
    grant: WriteFavourites,
    context: Context,
    uow: Write,
    url_for: UrlFor,
    base_url: BaseUrl,
) -> Response:
    return await _favourite(True, status_id, grant, context, uow, url_for, base_url)


@router.post("/api/v1/statuses/{status_id}/unfavourite", response_model=dict[str, Any])
async def unfavourite(
    status_id: str,
    grant: WriteFavourites,
    context: Context,
    uow: Write,
    url_for: UrlFor,
    base_url: BaseUrl,
) -> Response:
    return await _favourite(False, status_id, grant, context, uow, url_for, base_url)


# -- media ---------------------------------------------------------------------------------


@router.put("/api/v1/media/{media_id}", response_model=dict[str, Any])
async def describe_media(
    media_id: str,
    grant: WriteMedia,
    context: Context,
    url_for: UrlFor,
    description: Annotated[str | None, Form(max_length=1500)] = None,
) -> Response:
    """Set the alt text of one's own media before it is posted (as on Mastodon)."""
    owner_id, target = user_id_of(grant), parse_id(media_id)
    async with context.db.write() as uow:
        if not await media_repo.set_alt(uow.conn, target, owner_id, description or None):
            raise ApiError(404, "Record not found")
    item = await media_service.get_own_media(context, owner_id, target, url_for)
    return json_response(entities.media_attachment(item))


# -- timelines -----------------------------------------------------------------------------


def _link(request: Request, base_url: str, **params: str) -> str:
    query = {
        key: value
        for key, value in request.query_params.items()
        if key not in {"max_id", "min_id", "since_id"}
    }
    query.update(params)
    return f"<{base_url}{request.url.path}?{urlencode(query)}>"


def next_link(request: Request, base_url: str, cursor: str | None) -> dict[str, str] | None:
    """The `Link` header of a page that continues below `cursor` (None at the end)."""
    if cursor is None:
        return None
    return {"Link": _link(request, base_url, max_id=mid(cursor)) + '; rel="next"'}


@router.get("/api/v1/timelines/home", response_model=list[dict[str, Any]])
async def home_timeline(
    request: Request,
    grant: ReadStatuses,
    context: Context,
    conn: Read,
    url_for: UrlFor,
    base_url: BaseUrl,
    max_id: IdParam = None,
    since_id: IdParam = None,
    min_id: IdParam = None,
    limit: LimitParam = 20,
) -> Response:
    """The hybrid home feed, same engine and order as GET /feed: `max_id` is the feed's
    cursor (the page below that id), and the `next` link carries the cursor the feed
    itself handed out. `since_id`/`min_id` read down from the top to that id (the feed
    pages downward only); `min_id` gives the oldest `limit` above it."""
    viewer_id = user_id_of(grant)
    lowest = min_id or since_id
    floor = parse_id(lowest) if lowest else None
    before = parse_id(max_id) if max_id else None
    posts: list[PostOutDict] = []
    next_cursor: str | None = None
    while True:
        page = await feed_service.home_feed(context, conn, viewer_id, before, limit, url_for)
        batch = page.body["posts"]
        if floor is not None:
            batch = [post for post in batch if int(post["id"]) > floor]
        posts.extend(batch)
        next_cursor = page.body["next_cursor"]
        done = floor is None or next_cursor is None or len(batch) < len(page.body["posts"])
        if done or len(posts) > 10 * MAX_LIMIT:
            break
        assert next_cursor is not None
        before = int(next_cursor)
    if floor is not None:
        posts = posts[-limit:] if min_id else posts[:limit]
    statuses = await _statuses(conn, posts, url_for, base_url)
    links = []
    if floor is None and next_cursor is not None:
        links.append(_link(request, base_url, max_id=mid(next_cursor)) + '; rel="next"')
    elif statuses:
        links.append(_link(request, base_url, max_id=statuses[-1]["id"]) + '; rel="next"')
    if statuses:
        links.append(_link(request, base_url, min_id=statuses[0]["id"]) + '; rel="prev"')
    headers = {"Link": ", ".join(links)} if links else None
    return json_response(statuses, headers=headers)


# -- the rest ------------------------------------------------------------------------------

_MASTODON_SECTIONS = (
    "accounts",
    "statuses",
    "timelines",
    "favourites",
    "bookmarks",
    "lists",
    "filters",
    "markers",
    "preferences",
    "trends",
    "suggestions",
    "announcements",
    "follow_requests",
    "mutes",
    "domain_blocks",
    "endorsements",
    "featured_tags",
    "followed_tags",
    "polls",
    "reports",
    "scheduled_statuses",
    "push",
    "streaming",
    "instance",
    "apps",
    "emails",
)


async def unknown_endpoint(request: Request) -> Response:
    """Mastodon endpoints not built here: Mastodon's 404, so apps degrade gracefully."""
    return json_response({"error": "This Mastodon API endpoint is not supported"}, status=404)


# Only under Mastodon's own sections: Shutter's routes keep their 404 and 405 answers.
for _section in _MASTODON_SECTIONS:
    for _path in (f"/api/v1/{_section}", f"/api/v1/{_section}/{{rest:path}}"):
        router.add_api_route(
            _path,
            unknown_endpoint,
            methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            include_in_schema=False,
        )
router.add_api_route(
    "/api/v2/{rest:path}",
    unknown_endpoint,
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
)
