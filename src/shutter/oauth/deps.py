"""Route dependencies of the OAuth-authenticated APIs: the grant behind the bearer token,
with a required scope, and the Mastodon-style error (`{"error": "..."}`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, params
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shutter.errors import RateLimited, Unauthenticated
from shutter.http.deps import Context, count_refusal
from shutter.oauth.service import Grant, authenticate

_bearer = HTTPBearer(auto_error=False, description="An OAuth access token from /oauth/token")


class ApiError(Exception):
    """An error of the Mastodon-compatible API: answered as `{"error": message}`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def get_optional_grant(
    context: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Grant | None:
    if credentials is None:
        return None
    try:
        return await authenticate(context, credentials.credentials)
    except Unauthenticated as exc:
        raise ApiError(401, "The access token is invalid") from exc


OptionalGrant = Annotated[Grant | None, Depends(get_optional_grant)]


async def get_grant(grant: OptionalGrant) -> Grant:
    if grant is None:
        raise ApiError(401, "The access token is invalid")
    return grant


AppGrant = Annotated[Grant, Depends(get_grant)]


def scoped(scope: str, *, user: bool = True) -> params.Depends:
    """A dependency giving the grant, which must cover `scope` (else 403) and, with
    `user`, stand for a user (a client_credentials token answers 422 as Mastodon does)."""

    async def check(request: Request, grant: AppGrant) -> Grant:
        if not grant.allows(scope):
            raise ApiError(403, "This action is outside the authorized scopes")
        if user and grant.user_id is None:
            raise ApiError(422, "This method requires an authenticated user")
        request.state.oauth_grant = grant
        return grant

    return params.Depends(check)


def user_id_of(grant: Grant) -> int:
    assert grant.user_id is not None  # scoped(..., user=True) refused the others
    return grant.user_id


def rate_limited(action: str) -> params.Depends:
    """As http.deps.rate_limited, counted against the OAuth token's user (or app)."""

    async def hit(grant: AppGrant, context: Context) -> None:
        try:
            await context.rate_limiter.hit(action, grant.user_id or grant.app_id)
        except RateLimited:
            if grant.user_id is not None:  # an account that keeps hitting limits (anti-spam)
                await count_refusal(context, grant.user_id, action)
            raise

    return params.Depends(hit)


def optionally_scoped(scope: str) -> params.Depends:
    """A dependency for routes anyone may call (public timelines): None without a token;
    with one, the grant, which must cover `scope` (else 403). An app's own token
    (client_credentials) reads as anonymous."""

    async def check(request: Request, grant: OptionalGrant) -> Grant | None:
        if grant is None:
            return None
        if not grant.allows(scope):
            raise ApiError(403, "This action is outside the authorized scopes")
        request.state.oauth_grant = grant
        return grant

    return params.Depends(check)
