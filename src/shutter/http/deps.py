"""Request dependencies: the app context, the caller, base URLs. Aliases keep routes short."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shutter.accounts import repository as accounts_repo
from shutter.context import AppContext
from shutter.errors import Unauthenticated
from shutter.stores.objects import ObjectUrls
from shutter.users import repository as users_repo

_bearer = HTTPBearer(auto_error=False, description="An access token from /auth/login")


@dataclass(frozen=True, slots=True)
class Viewer:
    """The authenticated caller."""

    id: int
    token_version: int = 0  # of the credential it came with (WebSocket tickets carry it on)
    session_id: int | None = None  # the signed-in device (tokens from before sessions: None)


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
    context: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Viewer | None:
    if credentials is None:
        return None
    return await authenticate(context, credentials.credentials)


async def authenticate(context: AppContext, token: str) -> Viewer:
    """The user an access token stands for (HTTP and the WebSocket alike); raises
    Unauthenticated for a forged or expired token, or one revoked by a password change."""
    claims = context.tokens.verify(token)
    return await current_viewer(context, claims.user_id, claims.token_version, claims.session_id)


async def current_viewer(
    context: AppContext, user_id: int, token_version: int, session_id: int | None = None
) -> Viewer:
    """The user, if `token_version` (of a token or ticket) is still theirs and its session
    (if it names one) was not signed out; raises Unauthenticated for a version revoked by a
    password change, a revoked session, or a deleted user. Both answers are remembered for
    a moment (auth/sessions.py), so most requests run no query."""
    viewer = Viewer(id=user_id, token_version=token_version, session_id=session_id)
    version_ok = context.token_versions.confirmed(user_id, token_version)
    session_ok = session_id is None or context.live_sessions.confirmed_alive(session_id)
    if version_ok and session_ok:
        return viewer
    async with context.db.read() as conn:
        row = await users_repo.get_auth_row(conn, user_id)
        if row is None or row["token_version"] != token_version:
            raise Unauthenticated("The access token is no longer valid; log in again.")
        if (
            session_id is not None
            and not session_ok
            and not await accounts_repo.session_alive(conn, session_id, user_id)
        ):
            raise Unauthenticated(
                "This session was signed out; log in again.", code="session_revoked"
            )
    context.token_versions.remember(user_id, token_version)
    if session_id is not None:
        context.live_sessions.remember_alive(session_id)
    return viewer


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
