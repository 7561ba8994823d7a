"""The account side of the Mastodon-compatible API: profile edits, an account's statuses,
followers and following, blocks, follow requests, account and v2 search, hashtag follows,
preferences and markers. As in `mastodon.api`, every route calls the service Shutter's
own route calls (the one visibility rule, the rate limits, the media pipeline) and only
shapes Mastodon's entities. This router is included before `mastodon.api`'s, whose
catch-all answers the Mastodon sections not built at all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.datastructures import UploadFile
from starlette.responses import Response

from shutter.blocks import service as blocks_service
from shutter.errors import Forbidden, InvalidInput
from shutter.follows import repository as follows_repo
from shutter.follows import service as follows_service
from shutter.http.deps import BaseUrl, Context, Read, UrlFor, Write
from shutter.http.responses import json_response
from shutter.mastodon import markers
from shutter.mastodon.api import (
    _BOOLEANS,
    MAX_LIMIT,
    IdParam,
    LimitParam,
    MastodonRoute,
    _account,
    _accounts,
    _form,
    _link,
    _relationship,
    _statuses,
)
from shutter.mastodon.entities import Account, Marker, SearchResults, Status, Tag, mid, parse_id
from shutter.media import service as media_service
from shutter.media.images import MediaRejected
from shutter.media.pool import JobTimedOut, WorkerCrashed
from shutter.oauth.deps import ApiError, rate_limited, scoped, user_id_of
from shutter.oauth.service import Grant
from shutter.pagination import MAX_ID
from shutter.posts import repository as posts_repo
from shutter.posts import service as posts_service
from shutter.posts.presenters import PostOutDict, hydrate
from shutter.privacy.visibility import require_account_content
from shutter.search import service as search_service
from shutter.stores.objects import UrlFor as UrlForType
from shutter.tags import repository as tags_repo
from shutter.tags import service as tags_service
from shutter.tags.entities import hashtags, parse_tag
from shutter.textfields import Line
from shutter.timeutil import isoformat, utcnow
from shutter.users import repository as users_repo
from shutter.users import service as users_service
from shutter.users.presenters import UserPageDict
from shutter.users.schemas import ProfileUpdate

router = APIRouter(tags=["mastodon"], route_class=MastodonRoute)

ReadAccounts = Annotated[Grant, scoped("read:accounts")]
WriteAccounts = Annotated[Grant, scoped("write:accounts")]
ReadStatuses = Annotated[Grant, scoped("read:statuses")]
WriteStatuses = Annotated[Grant, scoped("write:statuses")]
ReadFollows = Annotated[Grant, scoped("read:follows")]
WriteFollows = Annotated[Grant, scoped("write:follows")]
ReadBlocks = Annotated[Grant, scoped("read:blocks")]
WriteBlocks = Annotated[Grant, scoped("write:blocks")]
ReadSearch = Annotated[Grant, scoped("read:search")]
AccountLimit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Flag = Annotated[bool, Query()]
SearchQuery = Annotated[str, Line(min_length=1, max_length=100), Query()]
Offset = Annotated[int, Query(ge=0, le=400)]
TagName = Annotated[str, Path(min_length=1, max_length=101, description="a hashtag, # optional")]
# Reading down to a `since_id`/`min_id` stops after this many items (as the home timeline).
READ_DOWN_MAX = 10 * MAX_LIMIT


def _page_links(
    request: Request, base_url: str, next_max: str | None, prev_min: str | None
) -> dict[str, str] | None:
    """Mastodon's `Link` header: `next` (older, `max_id`) and `prev` (newer, `min_id`)."""
    links = []
    if next_max is not None:
        links.append(_link(request, base_url, max_id=next_max) + '; rel="next"')
    if prev_min is not None:
        links.append(_link(request, base_url, min_id=prev_min) + '; rel="prev"')
    return {"Link": ", ".join(links)} if links else None


# -- profile -------------------------------------------------------------------------------


def _boolean(values: dict[str, Any], key: str) -> bool | None:
    value = values.get(key)
    if value is None:
        return None
    text = str(value).strip().lower()
    if text not in _BOOLEANS - {""}:
        raise InvalidInput(f"{key}: not a boolean")
    return text in {"true", "1", "on"}


def _text(values: dict[str, Any], key: str) -> str | None:
    value = values.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{key}: must be text")
    return value


async def _avatar_media(context: Context, user_id: int, upload: Any) -> int:
    """The avatar's bytes through the media pipeline (same decoder and limits as any
    upload, under the `uploads` rate limit); the ready image's id."""
    if not isinstance(upload, UploadFile):
        raise InvalidInput("avatar: must be an uploaded image file")
    await context.rate_limiter.hit("uploads", user_id)
    data = await upload.read(context.settings.image_max_bytes + 1)
    if len(data) > context.settings.image_max_bytes:
        raise ApiError(413, "File is too large")
    kind = upload.content_type or "application/octet-stream"
    if not kind.startswith("image/"):
        raise InvalidInput("avatar: must be an image")
    try:
        return await media_service.ingest(context, user_id, data, kind)
    except MediaRejected as exc:
        raise ApiError(exc.status, exc.message) from exc
    except (WorkerCrashed, JobTimedOut) as exc:
        raise ApiError(422, "The file could not be processed.") from exc


async def _credential_account(
    conn: AsyncConnection, user_id: int, url_for: UrlForType, base_url: str
) -> Account:
    """The signed-in user's Account with `source` (the plain bio, the default privacy,
    how many wait for approval)."""
    me = await _account(conn, user_id, url_for, base_url)
    profile = await users_service.get_own_profile(conn, user_id, url_for)
    me["source"] = {
        "privacy": "private" if me["locked"] else "public",
        "sensitive": False,
        "language": None,
        "note": profile["bio"],
        "fields": [],
        "follow_requests_count": len(await follows_repo.pending_requester_ids(conn, user_id)),
    }
    return me


@router.patch("/api/v1/accounts/update_credentials", response_model=dict[str, Any])
async def update_credentials(
    request: Request, grant: WriteAccounts, context: Context, url_for: UrlFor, base_url: BaseUrl
) -> Response:
    """`display_name`, `note` (the bio), `avatar` (a multipart image, through the media
    pipeline) and `locked` (a private account: going public approves everyone waiting,
    as PATCH /users/me does). `header`, `bot`, `discoverable`, `fields_attributes` and
    `source[…]` are accepted and not stored (Shutter has no such fields)."""
    user_id = user_id_of(grant)
    values = await _form(request)
    changes: dict[str, Any] = {}
    display_name, note = _text(values, "display_name"), _text(values, "note")
    if display_name is not None:
        changes["display_name"] = display_name
    if note is not None:
        changes["bio"] = note
    locked = _boolean(values, "locked")
    if locked is not None:
        changes["is_private"] = locked
    for key in ("bot", "discoverable"):
        _boolean(values, key)
    try:
        body = ProfileUpdate.model_validate(changes)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = {"bio": "note"}.get(str(error["loc"][0]), str(error["loc"][0]))
        raise InvalidInput(f"Validation failed: {where}: {error['msg']}") from exc
    if values.get("avatar") is not None:
        media_id = await _avatar_media(context, user_id, values["avatar"])
        body = body.model_copy(update={"avatar_media_id": str(media_id)})
    async with context.db.write() as uow:
        if body.is_private is False:
            await follows_service.approve_all_requests(context, uow, user_id)
        await users_service.update_profile(context, uow, user_id, body)
    async with context.db.read() as conn:
        return json_response(await _credential_account(conn, user_id, url_for, base_url))


@router.get("/api/v1/preferences", response_model=dict[str, Any])
async def preferences(grant: ReadAccounts, conn: Read, url_for: UrlFor) -> Response:
    """Posting defaults follow the account's privacy; media and warnings as Shutter
    shows them (sensitive media behind a tap)."""
    profile = await users_service.get_own_profile(conn, user_id_of(grant), url_for)
    return json_response(
        {
            "posting:default:visibility": "private" if profile["is_private"] else "public",
            "posting:default:sensitive": False,
            "posting:default:language": None,
            "reading:expand:media": "default",
            "reading:expand:spoilers": False,
        }
    )


# -- an account's statuses, followers and following ------------------------------------------

PostPage = tuple[list[PostOutDict], int | None]


async def _read_down(
    fetch: Callable[[int | None, int], Awaitable[PostPage]],
    max_id: int | None,
    since_id: int | None,
    min_id: int | None,
    limit: int,
) -> PostPage:
    """A page of a newest-first source in Mastodon's terms: below `max_id`; with
    `since_id` the newest `limit` above it, with `min_id` the `limit` just above it (the
    source pages downward only, so these read down to that id, at most READ_DOWN_MAX).
    Answers the items and the `max_id` of the next (older) page."""
    floor = min_id if min_id is not None else since_id
    if floor is None:
        return await fetch(max_id, limit)
    items: list[PostOutDict] = []
    before = max_id
    while len(items) < READ_DOWN_MAX:
        batch, next_before = await fetch(before, MAX_LIMIT)
        above = [item for item in batch if int(item["id"]) > floor]
        items.extend(above)
        if next_before is None or len(above) < len(batch):
            break
        before = next_before
    items = items[-limit:] if min_id is not None else items[:limit]
    return items, int(items[-1]["id"]) if items else None


def _optional_id(value: str | None, what: str) -> int | None:
    return parse_id(value, what) if value else None


def _mark_pins(statuses: list[Status], pins: list[PostOutDict], mine: bool) -> list[Status]:
    """`pinned` tells the author whether they pinned the post (as on Mastodon)."""
    pinned_ids = {mid(post["id"]) for post in pins}
    for status in statuses:
        status["pinned"] = mine and status["id"] in pinned_ids
    return statuses


@router.get("/api/v1/accounts/{account_id}/statuses", response_model=list[dict[str, Any]])
async def account_statuses(
    account_id: str,
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
    only_media: Flag = False,
    exclude_replies: Flag = False,
    exclude_reblogs: Flag = False,
    pinned: Flag = False,
    tagged: Annotated[str | None, Query(min_length=1, max_length=101)] = None,
) -> Response:
    """The account's posts the reader may see, newest first, pinned ones in their place;
    `pinned=true` gives the pinned posts alone (newest pin first). Every Shutter post has
    media and comments are not statuses here, so `only_media` and `exclude_replies`
    change nothing; `tagged` keeps the posts whose caption uses that hashtag. A private
    account the reader does not follow answers an empty list, as Mastodon does."""
    viewer_id, author_id = user_id_of(grant), parse_id(account_id)
    mine = viewer_id == author_id
    tag = parse_tag(tagged) if tagged is not None else None
    before = _optional_id(max_id, "max_id")
    owner = await users_repo.get_auth_row(conn, author_id)
    if owner is None:
        raise ApiError(404, "Record not found")
    try:  # the one visibility rule: 404 for an account that blocked the reader
        await require_account_content(conn, viewer_id, author_id, owner["is_private"])
    except Forbidden:
        return json_response([])
    pins = await hydrate(
        conn,
        await posts_repo.pinned_by_author(conn, author_id, viewer_id),
        viewer_id,
        url_for,
        context.hydration,
    )

    def wanted(posts: list[PostOutDict]) -> list[PostOutDict]:
        if tag is None:
            return posts
        return [post for post in posts if tag in hashtags(post["caption"])]

    if pinned:
        chosen = wanted([post for post in pins if before is None or int(post["id"]) < before])
        statuses = await _statuses(conn, chosen, url_for, base_url)
        return json_response(_mark_pins(statuses, pins, mine))

    async def fetch(below: int | None, size: int) -> PostPage:
        top = MAX_ID if below is None else below
        page = await posts_service.list_by_author(
            conn, viewer_id, author_id, top, size, url_for, context.hydration
        )
        end = int(page["next_cursor"]) if page["next_cursor"] else None
        merged = page["posts"] + [
            post
            for post in pins
            if (end is None or int(post["id"]) > end) and int(post["id"]) < top
        ]
        merged.sort(key=lambda post: int(post["id"]), reverse=True)
        if len(merged) > size:
            return merged[:size], int(merged[size - 1]["id"])
        return merged, end

    since, floor_min = _optional_id(since_id, "since_id"), _optional_id(min_id, "min_id")
    posts, next_max = await _read_down(fetch, before, since, floor_min, limit)
    posts = wanted(posts)
    statuses = _mark_pins(await _statuses(conn, posts, url_for, base_url), pins, mine)
    if since is not None or floor_min is not None:
        next_max = int(posts[-1]["id"]) if posts else None
    headers = _page_links(
        request,
        base_url,
        mid(next_max) if next_max is not None else None,
        statuses[0]["id"] if statuses else None,
    )
    return json_response(statuses, headers=headers)


async def _account_page(
    request: Request,
    conn: AsyncConnection,
    page: UserPageDict,
    url_for: UrlForType,
    base_url: str,
) -> Response:
    """`{users, next_cursor}` of a Shutter list as Accounts, `next` in the Link header."""
    user_ids = [int(user["id"]) for user in page["users"]]
    found = await _accounts(conn, user_ids, url_for, base_url)
    accounts = [found[user_id] for user_id in user_ids if user_id in found]
    cursor = page["next_cursor"]
    headers = _page_links(request, base_url, mid(cursor) if cursor else None, None)
    return json_response(accounts, headers=headers)


async def _connections(
    direction: str,
    account_id: str,
    request: Request,
    grant: Grant,
    conn: AsyncConnection,
    url_for: UrlForType,
    base_url: str,
    max_id: str | None,
    limit: int,
) -> Response:
    viewer_id, user_id = user_id_of(grant), parse_id(account_id)
    before = _optional_id(max_id, "max_id")
    try:
        page = await follows_service.list_connections(
            conn,
            viewer_id,
            user_id,
            "followers" if direction == "followers" else "following",
            before,
            limit,
            url_for,
        )
    except Forbidden:  # a private account not followed: nothing to list, as on Mastodon
        return json_response([])
    return await _account_page(request, conn, page, url_for, base_url)


@router.get("/api/v1/accounts/{account_id}/followers", response_model=list[dict[str, Any]])
async def followers(
    account_id: str,
    request: Request,
    grant: ReadAccounts,
    conn: Read,
    url_for: UrlFor,
    base_url: BaseUrl,
    max_id: IdParam = None,
    limit: AccountLimit = MAX_LIMIT,
) -> Response:
    """Who follows the account (if the reader may see it), newest follow first; pages by
    the follow's id (`max_id` from the `next` link)."""
    return await _connections(
        "followers", account_id, request, grant, conn, url_for, base_url, max_id, limit
    )


@router.get("/api/v1/accounts/{account_id}/following", response_model=list[dict[str, Any]])
async def following(
    account_id: str,
    request: Request,
    grant: ReadAccounts,
    conn: Read,
    url_for: UrlFor,
    base_url: BaseUrl,
    max_id: IdParam = None,
    limit: AccountLimit = MAX_LIMIT,
) -> Response:
    return await _connections(
        "following", account_id, request, grant, conn, url_for, base_url, max_id, limit
    )


# -- blocks ----------------------------------------------------------------------------------


@router.post("/api/v1/accounts/{account_id}/block", response_model=dict[str, Any])
async def block(account_id: str, grant: WriteBlocks, context: Context, uow: Write) -> Response:
    """Block the account: follows and requests both ways end, each hides from the other."""
    user_id = parse_id(account_id)
    await blocks_service.block(context, uow, user_id_of(grant), user_id)
    return await _relationship(uow, user_id_of(grant), user_id)


@router.post("/api/v1/accounts/{account_id}/unblock", response_model=dict[str, Any])
async def unblock(account_id: str, grant: WriteBlocks, uow: Write) -> Response:
    user_id = parse_id(account_id)
    await blocks_service.unblock(uow.conn, user_id_of(grant), user_id)
    return await _relationship(uow, user_id_of(grant), user_id)


@router.get("/api/v1/blocks", response_model=list[dict[str, Any]])
async def blocks(
    request: Request,
    grant: ReadBlocks,
    conn: Read,
    url_for: UrlFor,
    base_url: BaseUrl,
    max_id: IdParam = None,
    limit: AccountLimit = MAX_LIMIT,
) -> Response:
    """The accounts you blocked, most recent first."""
    before = _optional_id(max_id, "max_id")
    page = await blocks_service.list_blocked(conn, user_id_of(grant), before, limit, url_for)
    return await _account_page(request, conn, page, url_for, base_url)


# -- follow requests -------------------------------------------------------------------------


@router.get("/api/v1/follow_requests", response_model=list[dict[str, Any]])
async def follow_requests(
    request: Request,
    grant: ReadFollows,
    conn: Read,
    url_for: UrlFor,
    base_url: BaseUrl,
    max_id: IdParam = None,
    limit: AccountLimit = MAX_LIMIT,
) -> Response:
    """The people waiting for your approval, newest request first."""
    before = _optional_id(max_id, "max_id")
    page = await follows_service.list_requests(conn, user_id_of(grant), before, limit, url_for)
    return await _account_page(request, conn, page, url_for, base_url)


@router.post("/api/v1/follow_requests/{account_id}/authorize", response_model=dict[str, Any])
async def authorize_follow_request(
    account_id: str, grant: WriteFollows, context: Context, uow: Write
) -> Response:
    """Let them follow you (404 when they are not waiting); their Relationship."""
    user_id = parse_id(account_id)
    await follows_service.approve_request(context, uow, user_id_of(grant), user_id)
    return await _relationship(uow, user_id_of(grant), user_id)


@router.post("/api/v1/follow_requests/{account_id}/reject", response_model=dict[str, Any])
async def reject_follow_request(account_id: str, grant: WriteFollows, uow: Write) -> Response:
    user_id = parse_id(account_id)
    await follows_service.reject_request(uow.conn, user_id_of(grant), user_id)
    return await _relationship(uow, user_id_of(grant), user_id)


# -- search ----------------------------------------------------------------------------------


async def _account_results(
    conn: AsyncConnection,
    viewer_id: int,
    q: str,
    offset: int,
    limit: int,
    url_for: UrlForType,
    base_url: str,
) -> list[Account]:
    """Accounts matching `q` (username or display name, best match first) as Shutter's
    search finds them (never those hidden from the reader)."""
    found = await search_service.search(conn, viewer_id, q, "users", offset + limit, url_for)
    user_ids = [int(user["id"]) for user in found["users"]][offset:]  # type: ignore[typeddict-item]
    accounts = await _accounts(conn, user_ids, url_for, base_url)
    return [accounts[user_id] for user_id in user_ids if user_id in accounts]


@router.get("/api/v1/accounts/search", response_model=list[dict[str, Any]])
async def search_accounts(
    grant: ReadAccounts,
    conn: Read,
    url_for: UrlFor,
    base_url: BaseUrl,
    q: SearchQuery,
    limit: AccountLimit = MAX_LIMIT,
    offset: Offset = 0,
    resolve: Flag = False,
    following: Flag = False,
) -> Response:
    """`resolve` is accepted and ignored (there are no remote accounts); `following`
    keeps the accounts you follow."""
    viewer_id = user_id_of(grant)
    accounts = await _account_results(conn, viewer_id, q, offset, limit, url_for, base_url)
    if following:
        accounts = [
            account for account in accounts if await _follows(conn, viewer_id, int(account["id"]))
        ]
    return json_response(accounts)


async def _follows(conn: AsyncConnection, viewer_id: int, user_id: int) -> bool:
    relation = await users_service.relationship(conn, viewer_id, user_id)
    return relation is not None and relation["following"]


def _tag(name: str, following: bool, base_url: str) -> Tag:
    """A Mastodon Tag (no usage history is kept per day: `history` is empty)."""
    return {"name": name, "url": f"{base_url}/tags/{name}", "history": [], "following": following}


@router.get("/api/v2/search", response_model=dict[str, Any])
async def search_v2(
    grant: ReadSearch,
    context: Context,
    conn: Read,
    url_for: UrlFor,
    base_url: BaseUrl,
    q: SearchQuery,
    type: Annotated[str | None, Query(pattern="^(accounts|hashtags|statuses)$")] = None,
    limit: LimitParam = 20,
    offset: Offset = 0,
    resolve: Flag = False,
    following: Flag = False,
    exclude_unreviewed: Flag = False,
    account_id: IdParam = None,
) -> Response:
    """Accounts, hashtags and statuses (captions, by Shutter's full-text post search)
    the reader may see, each best match first; `type` narrows to one, `offset` pages."""
    viewer_id = user_id_of(grant)
    results: SearchResults = {"accounts": [], "statuses": [], "hashtags": []}
    if type in (None, "accounts"):
        results["accounts"] = await _account_results(
            conn, viewer_id, q, offset, limit, url_for, base_url
        )
    if type in (None, "hashtags"):
        found = await search_service.search(conn, viewer_id, q, "hashtags", offset + limit, url_for)
        names = [tag["name"] for tag in found["hashtags"]][offset:]  # type: ignore[typeddict-item]
        results["hashtags"] = [
            _tag(name, await tags_repo.follows_hashtag(conn, viewer_id, name), base_url)
            for name in names
        ]
    if type in (None, "statuses"):
        page = await search_service.search_posts(
            context, conn, viewer_id, q, None, offset + limit, url_for
        )
        posts = page["posts"][offset:]
        if account_id:
            posts = [post for post in posts if post["author"]["id"] == str(parse_id(account_id))]
        results["statuses"] = await _statuses(conn, posts, url_for, base_url)
    return json_response(results)


# -- hashtag follows -------------------------------------------------------------------------


@router.get("/api/v1/tags/{name}", response_model=dict[str, Any])
async def get_tag(name: TagName, grant: ReadFollows, conn: Read, base_url: BaseUrl) -> Response:
    """The hashtag and whether you follow it (any well-formed name is a tag)."""
    tag = parse_tag(name)
    following = await tags_repo.follows_hashtag(conn, user_id_of(grant), tag)
    return json_response(_tag(tag, following, base_url))


@router.post(
    "/api/v1/tags/{name}/follow",
    response_model=dict[str, Any],
    dependencies=[rate_limited("follows")],
)
async def follow_tag(
    name: TagName, grant: WriteFollows, context: Context, uow: Write, base_url: BaseUrl
) -> Response:
    """Its public posts come into your home timeline (as Shutter's hashtag follow)."""
    state = await tags_service.follow_hashtag(context, uow, user_id_of(grant), name)
    return json_response(_tag(state["hashtag"], True, base_url))


@router.post("/api/v1/tags/{name}/unfollow", response_model=dict[str, Any])
async def unfollow_tag(
    name: TagName, grant: WriteFollows, uow: Write, base_url: BaseUrl
) -> Response:
    state = await tags_service.unfollow_hashtag(uow, user_id_of(grant), name)
    return json_response(_tag(state["hashtag"], False, base_url))


@router.get("/api/v1/followed_tags", response_model=list[dict[str, Any]])
async def followed_tags(
    request: Request,
    grant: ReadFollows,
    conn: Read,
    base_url: BaseUrl,
    max_id: IdParam = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> Response:
    """The hashtags you follow, most recently followed first."""
    before = _optional_id(max_id, "max_id")
    page = await tags_service.list_followed_hashtags(conn, user_id_of(grant), before, limit)
    tags = [_tag(tag["name"], True, base_url) for tag in page["hashtags"]]
    cursor = page["next_cursor"]
    headers = _page_links(request, base_url, mid(cursor) if cursor else None, None)
    return json_response(tags, headers=headers)


# -- markers ---------------------------------------------------------------------------------


def _marker(row: markers.MarkerRow) -> Marker:
    return {
        "last_read_id": mid(row["last_read_id"]),
        "version": row["version"],
        "updated_at": isoformat(row["updated_at"]),
    }


@router.get("/api/v1/markers", response_model=dict[str, Any])
async def get_markers(
    grant: ReadStatuses,
    conn: Read,
    timelines: Annotated[list[str], Query(alias="timeline[]", max_length=2)] = [],  # noqa: B006
    plain: Annotated[list[str], Query(alias="timeline", max_length=2)] = [],  # noqa: B006
) -> Response:
    """Your saved reading positions in `home` and `notifications` (those asked for)."""
    asked = [*timelines, *plain]
    unknown = [name for name in asked if name not in markers.TIMELINES]
    if unknown:
        raise InvalidInput(f"timeline: {unknown[0][:20]} is not home or notifications")
    rows = await markers.read(conn, user_id_of(grant), asked)
    return json_response({row["timeline"]: _marker(row) for row in rows})


def _positions(values: dict[str, Any]) -> dict[str, int]:
    """`home[last_read_id]=…` (a form) or `{"home": {"last_read_id": …}}` (JSON)."""
    positions = {}
    for timeline in markers.TIMELINES:
        nested = values.get(timeline)
        raw = nested.get("last_read_id") if isinstance(nested, dict) else None
        raw = values.get(f"{timeline}[last_read_id]", raw)
        if raw is None:
            continue
        if not isinstance(raw, str | int) or isinstance(raw, bool):
            raise InvalidInput(f"{timeline}[last_read_id]: not an id")
        positions[timeline] = parse_id(str(raw), f"{timeline}[last_read_id]")
    if not positions:
        raise InvalidInput("home[last_read_id] or notifications[last_read_id] is required")
    return positions


@router.post("/api/v1/markers", response_model=dict[str, Any])
async def save_markers(request: Request, grant: WriteStatuses, uow: Write) -> Response:
    """Save the last status read in `home` and/or the last notification read."""
    positions = _positions(await _form(request))
    await markers.save(uow.conn, user_id_of(grant), positions, utcnow())
    rows = await markers.read(uow.conn, user_id_of(grant), positions)
    return json_response({row["timeline"]: _marker(row) for row in rows})
