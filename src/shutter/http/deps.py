"""Request dependencies: the app context, the caller, the unit of work, base URLs.
Aliases keep routes short. Token authentication itself is `auth/viewer.py`."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.auth.viewer import Viewer, authenticate
from shutter.context import AppContext
from shutter.db.replicas import replica_reads
from shutter.db.tables import users
from shutter.db.unit_of_work import UnitOfWork
from shutter.errors import Forbidden, RateLimited, Unauthenticated
from shutter.events.types import LimitsKeptHit
from shutter.ids import id_timestamp_ms
from shutter.pagination import CursorParam, Limit, parse_cursor
from shutter.stores.objects import ObjectUrls

_bearer = HTTPBearer(auto_error=False, description="An access token from /auth/login")


async def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


# Dependencies are `async def` even when they do not await: FastAPI runs a plain `def`
# dependency in a thread pool, a thread hop per request for nothing.
Context = Annotated[AppContext, Depends(get_context)]


def base_url_of(request: Request, context: AppContext) -> str:
    """The public base URL: configured, or the one this request came in on."""
    if context.settings.public_url:
        return context.settings.public_url
    return str(request.base_url).rstrip("/")


async def get_base_url(request: Request, context: Context) -> str:
    return base_url_of(request, context)


BaseUrl = Annotated[str, Depends(get_base_url)]


async def get_optional_viewer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Viewer | None:
    return await _viewer_of(request, credentials)


async def _viewer_of(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> Viewer | None:
    """The caller, or None without a token. The context is read off the request rather than
    as a dependency of its own: every authenticated route resolves one node fewer."""
    context: AppContext = request.app.state.context
    viewer = None if credentials is None else await authenticate(context, credentials.credentials)
    if viewer is not None:
        context.metrics.activity.seen(viewer.id)  # the daily and monthly active users
    if context.db.replicas:
        _route_reads(request.method, context, viewer)
    return viewer


def _route_reads(method: str, context: AppContext, viewer: Viewer | None) -> None:
    """Let the reads of a GET go to a read replica, unless the reader wrote within the
    replicas' write window (read your writes); remember a writer."""
    replicas = context.db.replicas
    if method not in ("GET", "HEAD"):
        if viewer is not None:
            replicas.wrote(viewer.id)
    elif viewer is None or not replicas.wrote_recently(viewer.id):
        replica_reads.set(True)


async def get_viewer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Viewer:
    viewer = await _viewer_of(request, credentials)
    if viewer is None:
        raise Unauthenticated("Log in to do this (send 'Authorization: Bearer <token>').")
    return viewer


CurrentUser = Annotated[Viewer, Depends(get_viewer)]
OptionalUser = Annotated[Viewer | None, Depends(get_optional_viewer)]


def url_for_of(request: Request, context: AppContext) -> ObjectUrls:
    """Media URLs for this request's answers (the base URL computed here rather than as a
    dependency of its own: every route that answers media URLs resolves one node fewer)."""
    base_url = base_url_of(request, context)
    return ObjectUrls(context.objects, base_url, context.settings.story_media_url_ttl_seconds)


async def get_url_for(request: Request, context: Context) -> ObjectUrls:
    return url_for_of(request, context)


UrlFor = Annotated[ObjectUrls, Depends(get_url_for)]


@dataclass(frozen=True, slots=True)
class Caller:
    """A signed-in request's caller, the application context and its media URLs: what a
    hot read route (the home feed) needs, resolved as one dependency instead of four."""

    viewer: Viewer
    context: AppContext
    url_for: ObjectUrls


def bearer_credentials(request: Request) -> HTTPAuthorizationCredentials | None:
    """`Authorization: Bearer <token>` read as `HTTPBearer(auto_error=False)` reads it."""
    authorization = request.headers.get("Authorization")
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if not token or scheme.lower() != "bearer":
        return None
    return HTTPAuthorizationCredentials(scheme=scheme, credentials=token)


async def get_caller(request: Request) -> Caller:
    viewer = await get_viewer(request, bearer_credentials(request))
    context: AppContext = request.app.state.context
    return Caller(viewer, context, url_for_of(request, context))


# One dependency node: the token is read here, not by an HTTPBearer node, so a route that
# takes it declares its security itself (`openapi_extra=BEARER_SECURITY`).
SignedIn = Annotated[Caller, Depends(get_caller)]
BEARER_SECURITY: dict[str, Any] = {"security": [{"HTTPBearer": []}]}


def client_address(request: Request) -> str:
    """The caller's address (behind a proxy, run uvicorn with --forwarded-allow-ips so
    that this is the client's, not the proxy's)."""
    return request.client.host if request.client else "unknown"


def is_new_account(user_id: int, young_s: int) -> bool:
    """Was the account created less than `young_s` ago? (Its id says when.)"""
    return time.time() * 1000 - id_timestamp_ms(user_id) < young_s * 1000


async def count_refusal(context: AppContext, user_id: int, action: str) -> None:
    """Count a refusal of the account's (the `refused` action). The refusal that uses up
    that allowance records `LimitsKeptHit`, which flags the account for the moderators:
    once per crossing of the limit, so a client hammering away costs no write per request."""
    limiter = context.rate_limiter
    try:
        await limiter.hit("refused", user_id)
    except RateLimited:
        return  # past the allowance already: the refusal that used it up was recorded
    try:
        await limiter.check("refused", user_id)
    except RateLimited:  # this refusal used the allowance up
        async with context.db.write() as uow:
            await uow.record(LimitsKeptHit(user_id=user_id, action=action))


def rate_limited(action: str, *, per: Literal["user", "address"] = "user") -> Any:
    """A route dependency that counts one `action` per call and answers
    `429 rate_limited` with `Retry-After` once the configured limit is used up:

        @router.post("/posts/{post_id}/like", dependencies=[rate_limited("likes")])

    `per="user"` counts per authenticated user (and requires one); `per="address"`
    counts per client address (registration, anonymous calls)."""

    async def by_user(viewer: CurrentUser, context: Context) -> None:
        try:
            if is_new_account(viewer.id, context.settings.new_account_seconds):
                # Tighter limits in an account's first day (`rate_limit_new_account_*`).
                await context.rate_limiter.hit(f"new_account_{action}", viewer.id)
            await context.rate_limiter.hit(action, viewer.id)
        except RateLimited:
            await count_refusal(context, viewer.id, action)
            raise

    async def by_address(request: Request, context: Context) -> None:
        await context.rate_limiter.hit(action, client_address(request))

    return Depends(by_user if per == "user" else by_address)


async def get_unit_of_work(context: Context) -> AsyncIterator[UnitOfWork]:
    """The request's unit of work: commits when the route returns (before the response is
    sent, so the caller's next request reads its writes), rolls back and drops the
    after-commit effects when it raises; then runs the effects."""
    async with context.db.write() as uow:
        yield uow


# Declare it after the viewer, so that authentication runs before the transaction opens
# (on SQLite the transaction holds the process's write lock).
Write = Annotated[UnitOfWork, Depends(get_unit_of_work, scope="function")]


async def get_viewer_id(viewer: OptionalUser) -> int | None:
    return viewer.id if viewer else None


# The caller's id on routes anyone may call: None when anonymous.
ViewerId = Annotated[int | None, Depends(get_viewer_id)]


async def get_read_connection(context: Context) -> AsyncIterator[AsyncConnection]:
    """A reading connection for the route (autocommit; see `Database.read`), given back
    when the route returns."""
    async with context.db.read() as conn:
        yield conn


Read = Annotated[AsyncConnection, Depends(get_read_connection, scope="function")]


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A keyset page asked for: `after` is the id the page continues after (None for the
    first page), from the opaque `cursor` query parameter; `limit` its size."""

    after: int | None
    limit: int


async def get_page_request(cursor: CursorParam = None, limit: Limit = 20) -> PageRequest:
    return PageRequest(parse_cursor(cursor), limit)


# `?cursor=…&limit=…` (1 to 50, default 20), parsed: 422 invalid_cursor for a bad cursor.
Page = Annotated[PageRequest, Depends(get_page_request)]


# Whose email address was confirmed by a mailed link (accounts/).
_EMAIL_VERIFIED_AT = select(users.c.email_verified_at).where(users.c.id == bindparam("user_id"))


async def _verified_email(viewer: CurrentUser, context: Context) -> None:
    if not context.settings.require_verified_email:
        return
    async with context.db.read() as conn:
        verified_at = (await conn.execute(_EMAIL_VERIFIED_AT, {"user_id": viewer.id})).scalar()
    if verified_at is None:
        raise Forbidden(
            "Confirm your email address first (see the link we mailed you).",
            code="email_not_verified",
        )


# Route dependency of posting, commenting and messaging: 403 `email_not_verified` while
# SHUTTER_REQUIRE_VERIFIED_EMAIL is on and the caller's address is unproven.
verified_email_required = Depends(_verified_email)
