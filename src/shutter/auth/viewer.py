"""Token authentication: who an access token (or a WebSocket ticket's claims) stands for.

Used by the HTTP dependencies (`http/deps.py`) and the WebSocket gateway alike. It takes
the few parts of the application context it needs (`AuthDeps`), not the context itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam, select

from shutter.auth.sessions import RevokedSessions, TokenVersions
from shutter.auth.tokens import TokenIssuer
from shutter.db.database import Database
from shutter.db.tables import auth_sessions, users
from shutter.errors import Unauthenticated

# Every authenticated request whose token version is not cached runs this one: built once.
_TOKEN_VERSION = select(users.c.token_version).where(users.c.id == bindparam("user_id"))
# A session not signed out (checked when its "alive" mark has lapsed).
_SESSION_ALIVE = select(auth_sessions.c.id).where(
    (auth_sessions.c.id == bindparam("session_id"))
    & (auth_sessions.c.user_id == bindparam("user_id"))
    & auth_sessions.c.revoked_at.is_(None)
)


class AuthDeps(Protocol):
    """What token authentication uses of the application context."""

    @property
    def db(self) -> Database: ...
    @property
    def tokens(self) -> TokenIssuer: ...
    @property
    def token_versions(self) -> TokenVersions: ...
    @property
    def live_sessions(self) -> RevokedSessions: ...


@dataclass(frozen=True, slots=True)
class Viewer:
    """The authenticated caller."""

    id: int
    token_version: int = 0  # of the credential it came with (WebSocket tickets carry it on)
    session_id: int | None = None  # the signed-in device (tokens from before sessions: None)


async def authenticate(context: AuthDeps, token: str) -> Viewer:
    """The user an access token stands for (HTTP and the WebSocket alike); raises
    Unauthenticated for a forged or expired token, or one revoked by a password change."""
    claims = context.tokens.verify(token)
    return await current_viewer(context, claims.user_id, claims.token_version, claims.session_id)


async def current_viewer(
    context: AuthDeps, user_id: int, token_version: int, session_id: int | None = None
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
        current = (await conn.execute(_TOKEN_VERSION, {"user_id": user_id})).scalar()
        if current is None or current != token_version:
            raise Unauthenticated("The access token is no longer valid; log in again.")
        if not session_ok:
            alive = await conn.execute(
                _SESSION_ALIVE, {"session_id": session_id, "user_id": user_id}
            )
            if alive.first() is None:
                raise Unauthenticated(
                    "This session was signed out; log in again.", code="session_revoked"
                )
    context.token_versions.remember(user_id, token_version)
    if session_id is not None:
        context.live_sessions.remember_alive(session_id)
    return viewer
