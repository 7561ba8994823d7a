"""Request dependencies: the app context, the caller, the unit of work, base URLs.
Aliases keep routes short. Token authentication itself is `auth/viewer.py`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.auth.viewer import Viewer, authenticate
from shutter.context import AppContext
from shutter.db.replicas import replica_reads
from shutter.db.unit_of_work import UnitOfWork
from shutter.errors import Unauthenticated
from shutter.pagination import CursorParam, Limit, parse_cursor
from shutter.stores.objects import ObjectUrls

_bearer = HTTPBearer(auto_error=False, description="An access token from /auth/login")


async def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


# Dependencies are `async def` even when they do not await: FastAPI runs a plain `def`
# dependency in a thread pool, a thread hop per request for nothing.
Context = Annotated[AppContext, Depends(get_context)]


async def get_base_url(request: Request, context: Context) -> str:
    """The public base URL: configured, or the one this request came in on."""
    if context.settings.public_url:
        return context.settings.public_url
    return str(request.base_url).rstrip("/")


BaseUrl = Annotated[str, Depends(get_base_url)]


async def get_optional_viewer(
    request: Request,
    context: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Viewer | None:
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


async def get_viewer(viewer: Annotated[Viewer | None, Depends(get_optional_viewer)]) -> Viewer:
    if viewer is None:
        raise Unauthenticated("Log in to do this (send 'Authorization: Bearer <token>').")
    return viewer


CurrentUser = Annotated[Viewer, Depends(get_viewer)]
OptionalUser = Annotated[Viewer | None, Depends(get_optional_viewer)]


async def get_url_for(context: Context, base_url: BaseUrl) -> ObjectUrls:
    return ObjectUrls(context.objects, base_url, context.settings.story_media_url_ttl_seconds)


UrlFor = Annotated[ObjectUrls, Depends(get_url_for)]


def client_address(request: Request) -> str:
    """The caller's address (behind a proxy, run uvicorn with --forwarded-allow-ips so
    that this is the client's, not the proxy's)."""
    return request.client.host if request.client else "unknown"


def rate_limited(action: str, *, per: Literal["user", "address"] = "user") -> Any:
    """A route dependency that counts one `action` per call and answers
    `429 rate_limited` with `Retry-After` once the configured limit is used up:

        @router.post("/posts/{post_id}/like", dependencies=[rate_limited("likes")])

    `per="user"` counts per authenticated user (and requires one); `per="address"`
    counts per client address (registration, anonymous calls)."""

    async def by_user(viewer: CurrentUser, context: Context) -> None:
        await context.rate_limiter.hit(action, viewer.id)

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
