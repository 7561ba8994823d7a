"""The web client's page cookie: it lets the document request for `/` carry the signed-in
user's profile and first feed page (web/api.py), so a first visit shows a post one round
trip after the page instead of two (docs/web.md, "Speed on Slow 3G").

It authenticates nothing else: the API reads only `Authorization: Bearer` (http/deps.py),
never a cookie, so a cross-site form or script gains nothing from it. Its value is a page
token (auth/tokens.py, `typ: page`) naming the session; it is issued with every access
token the web client gets (sign-in, refresh, password change) and checked as an access
token is (`current_viewer`): a signed-out or revoked session, a password change or a
suspension ends it. Signing out also clears it.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from shutter.auth.viewer import Viewer, current_viewer
from shutter.context import AppContext
from shutter.errors import Unauthenticated

COOKIE = "shutter_page"


def attach(response: Response, request: Request, context: AppContext, access_token: str) -> None:
    """Sets the page cookie for the session of an access token just issued (a token from
    before sessions has none: no cookie)."""
    claims = context.tokens.verify(access_token)
    if claims.session_id is None:
        return
    ttl = context.settings.refresh_token_ttl_seconds
    value = context.tokens.issue_page_token(
        claims.user_id, claims.token_version, claims.session_id, ttl
    )
    response.set_cookie(
        COOKIE,
        value,
        max_age=ttl,
        path="/",
        secure=_https(request),
        httponly=True,
        samesite="lax",
    )


def clear(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/", secure=_https(request), httponly=True, samesite="lax")


async def viewer(request: Request, context: AppContext) -> Viewer | None:
    """Whom the page cookie stands for, or None (none, forged, expired, or its session or
    token version is over)."""
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    try:
        claims = context.tokens.verify_page_token(value)
        return await current_viewer(
            context, claims.user_id, claims.token_version, claims.session_id
        )
    except Unauthenticated:
        return None


def _https(request: Request) -> bool:
    # Behind a TLS proxy, uvicorn's proxy headers (`X-Forwarded-Proto`) set the scheme.
    return request.url.scheme == "https"
