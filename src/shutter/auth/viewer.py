"""Token authentication: who an access token (or a WebSocket ticket's claims) stands for.

Used by the HTTP dependencies (`http/deps.py`) and the WebSocket gateway alike. It takes
the few parts of the application context it needs (`AuthDeps`), not the context itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam, select

from shutter.auth.sessions import TokenVersions
from shutter.auth.tokens import TokenIssuer
from shutter.db.database import Database
from shutter.db.tables import users
from shutter.errors import Unauthenticated

# Every authenticated request whose token version is not cached runs this one: built once.
_TOKEN_VERSION = select(users.c.token_version).where(users.c.id == bindparam("user_id"))


class AuthDeps(Protocol):
    """What token authentication uses of the application context."""

    @property
    def db(self) -> Database: ...
    @property
    def tokens(self) -> TokenIssuer: ...
    @property
    def token_versions(self) -> TokenVersions: ...


@dataclass(frozen=True, slots=True)
class Viewer:
    """The authenticated caller."""

    id: int
    token_version: int = 0  # of the credential it came with (WebSocket tickets carry it on)


async def authenticate(context: AuthDeps, token: str) -> Viewer:
    """The user an access token stands for (HTTP and the WebSocket alike); raises
    Unauthenticated for a forged or expired token, or one revoked by a password change."""
    claims = context.tokens.verify(token)
    return await current_viewer(context, claims.user_id, claims.token_version)


async def current_viewer(context: AuthDeps, user_id: int, token_version: int) -> Viewer:
    """The user, if `token_version` (of a token or ticket) is still theirs; raises
    Unauthenticated for a version revoked by a password change, or a deleted user."""
    if context.token_versions.confirmed(user_id, token_version):
        return Viewer(id=user_id, token_version=token_version)
    async with context.db.read() as conn:
        current = (await conn.execute(_TOKEN_VERSION, {"user_id": user_id})).scalar()
    if current is None or current != token_version:
        raise Unauthenticated("The access token is no longer valid; log in again.")
    context.token_versions.remember(user_id, token_version)
    return Viewer(id=user_id, token_version=token_version)
