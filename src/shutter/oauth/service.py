"""OAuth use cases: registering an app, granting a code, the token grants, revocation,
and who a bearer token stands for. Errors are `OAuthError`s carrying the RFC 6749 code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.auth.sessions import RevokedSessions, TokenVersions
from shutter.auth.tokens import TokenIssuer
from shutter.auth.viewer import current_viewer
from shutter.db.database import Database
from shutter.db.tables import users
from shutter.db.unit_of_work import UnitOfWork
from shutter.errors import Unauthenticated
from shutter.ids import IdGenerator
from shutter.oauth import repository, scopes
from shutter.oauth.repository import AppRow, CodeRow, TokenRow
from shutter.timeutil import utcnow

CODE_TTL = timedelta(minutes=10)
OOB = "urn:ietf:wg:oauth:2.0:oob"
TOKEN_PREFIX = "sho_"  # noqa: S105 (not a secret) tells an OAuth token from a native JWT at a glance


class OAuthError(Exception):
    """An RFC 6749 error response: `error` code, description, HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


class OAuthDeps(Protocol):
    @property
    def db(self) -> Database: ...
    @property
    def ids(self) -> IdGenerator: ...
    @property
    def tokens(self) -> TokenIssuer: ...
    @property
    def token_versions(self) -> TokenVersions: ...
    @property
    def live_sessions(self) -> RevokedSessions: ...


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _valid_redirect_uri(uri: str) -> bool:
    if uri == OOB:
        return True
    parts = urlsplit(uri)
    return (
        bool(parts.scheme)
        and not parts.fragment
        and (parts.scheme not in {"http", "https"} or bool(parts.netloc))
    )


@dataclass(frozen=True, slots=True)
class RegisteredApp:
    row: AppRow
    client_secret: str


async def register_app(
    uow: UnitOfWork,
    ids: IdGenerator,
    name: str,
    redirect_uris: str,
    scope: str | None,
    website: str | None,
) -> RegisteredApp:
    uris = [uri.strip() for uri in redirect_uris.split() if uri.strip()]
    if (
        not uris
        or len(uris) > 10
        or not all(_valid_redirect_uri(u) and len(u) <= 2000 for u in uris)
    ):
        raise OAuthError(
            "invalid_request", "redirect_uris must be absolute URIs without fragments.", 422
        )
    try:
        granted = scopes.parse(scope)
    except scopes.InvalidScope as exc:
        raise OAuthError("invalid_scope", str(exc), 422) from exc
    secret = secrets.token_urlsafe(32)
    row = AppRow(
        id=ids.next_id(),
        client_id=secrets.token_urlsafe(24),
        client_secret_hash=digest(secret),
        name=name,
        website=website,
        redirect_uris="\n".join(uris),
        scopes=scopes.join(granted),
        created_at=utcnow(),
    )
    await repository.insert_app(uow.conn, row)
    return RegisteredApp(row, secret)


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    app: AppRow
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None


async def check_authorization_request(
    conn: AsyncConnection,
    client_id: str,
    redirect_uri: str,
    scope: str | None,
    response_type: str,
    code_challenge: str | None,
    code_challenge_method: str | None,
) -> AuthorizationRequest:
    """Validate what an app asks for at /oauth/authorize. Wrong client or redirect URI
    raise errors that must not be redirected (RFC 6749 §4.1.2.1)."""
    app = await repository.app_by_client_id(conn, client_id)
    if app is None:
        raise OAuthError("invalid_client", "Unknown client_id.", 401)
    if redirect_uri not in app["redirect_uris"].split("\n"):
        raise OAuthError("invalid_request", "redirect_uri is not one the app registered.")
    if response_type != "code":
        raise OAuthError("unsupported_response_type", "Only response_type=code is supported.")
    try:
        requested = scopes.parse(scope, default=app["scopes"].split())
    except scopes.InvalidScope as exc:
        raise OAuthError("invalid_scope", str(exc)) from exc
    if not scopes.subset(requested, app["scopes"].split()):
        raise OAuthError("invalid_scope", "The app did not register these scopes.")
    if code_challenge is not None:
        if (code_challenge_method or "plain") != "S256":
            raise OAuthError("invalid_request", "Only code_challenge_method=S256 is supported.")
        if not 43 <= len(code_challenge) <= 128:
            raise OAuthError("invalid_request", "code_challenge must be 43 to 128 characters.")
    return AuthorizationRequest(app, redirect_uri, requested, code_challenge)


async def grant_code(uow: UnitOfWork, request: AuthorizationRequest, user_id: int) -> str:
    code = secrets.token_urlsafe(32)
    await repository.insert_code(
        uow.conn,
        CodeRow(
            code_hash=digest(code),
            app_id=request.app["id"],
            user_id=user_id,
            redirect_uri=request.redirect_uri,
            scopes=scopes.join(request.scopes),
            code_challenge=request.code_challenge,
            expires_at=utcnow() + CODE_TTL,
            used_at=None,
        ),
    )
    return code


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    refresh_token: str | None
    scopes: str
    created_at: int


async def authenticate_client(
    conn: AsyncConnection, client_id: str | None, client_secret: str | None
) -> AppRow:
    app = await repository.app_by_client_id(conn, client_id) if client_id else None
    if (
        app is None
        or not client_secret
        or not hmac.compare_digest(app["client_secret_hash"], digest(client_secret))
    ):
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    return app


async def _token_version(conn: AsyncConnection, user_id: int) -> int | None:
    found = await conn.execute(select(users.c.token_version).where(users.c.id == user_id))
    version: int | None = found.scalar()
    return version


async def _issue(
    uow: UnitOfWork,
    ids: IdGenerator,
    app_id: int,
    user_id: int | None,
    granted: str,
    token_version: int,
) -> IssuedToken:
    access = TOKEN_PREFIX + secrets.token_urlsafe(32)
    refresh = secrets.token_urlsafe(32) if user_id is not None else None
    now = utcnow()
    await repository.insert_token(
        uow.conn,
        TokenRow(
            id=ids.next_id(),
            token_hash=digest(access),
            refresh_hash=digest(refresh) if refresh else None,
            app_id=app_id,
            user_id=user_id,
            scopes=granted,
            token_version=token_version,
            created_at=now,
            revoked_at=None,
        ),
    )
    return IssuedToken(access, refresh, granted, int(now.timestamp()))


def _pkce_matches(challenge: str, verifier: str) -> bool:
    computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return hmac.compare_digest(computed, challenge.encode())


async def exchange_code(
    uow: UnitOfWork,
    ids: IdGenerator,
    app: AppRow,
    code: str | None,
    redirect_uri: str | None,
    code_verifier: str | None,
) -> IssuedToken:
    if not code:
        raise OAuthError("invalid_request", "code is required.")
    row = await repository.use_code(uow.conn, digest(code), utcnow())
    # One message for every way a code is no good: nothing tells a guesser which.
    bad = OAuthError("invalid_grant", "The authorization code is invalid, expired or used.")
    if row is None or row["app_id"] != app["id"]:
        raise bad
    if redirect_uri != row["redirect_uri"]:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request.")
    if row["code_challenge"] is not None and (
        not code_verifier or not _pkce_matches(row["code_challenge"], code_verifier)
    ):
        raise OAuthError("invalid_grant", "The PKCE code_verifier does not match.")
    version = await _token_version(uow.conn, row["user_id"])
    if version is None:
        raise bad
    return await _issue(uow, ids, app["id"], row["user_id"], row["scopes"], version)


async def client_credentials(
    uow: UnitOfWork, ids: IdGenerator, app: AppRow, scope: str | None
) -> IssuedToken:
    try:
        requested = scopes.parse(scope, default=app["scopes"].split())
    except scopes.InvalidScope as exc:
        raise OAuthError("invalid_scope", str(exc)) from exc
    if not scopes.subset(requested, app["scopes"].split()):
        raise OAuthError("invalid_scope", "The app did not register these scopes.")
    return await _issue(uow, ids, app["id"], None, scopes.join(requested), 0)


async def refresh(
    uow: UnitOfWork, ids: IdGenerator, app: AppRow, refresh_token: str | None, scope: str | None
) -> IssuedToken:
    """A new token pair for a refresh token, which is used up (rotation); the scopes may
    only narrow."""
    if not refresh_token:
        raise OAuthError("invalid_request", "refresh_token is required.")
    row = await repository.live_token_by_refresh(uow.conn, digest(refresh_token))
    bad = OAuthError("invalid_grant", "The refresh token is invalid or revoked.")
    if row is None or row["app_id"] != app["id"] or row["user_id"] is None:
        raise bad
    try:
        requested = scopes.parse(scope, default=row["scopes"].split())
    except scopes.InvalidScope as exc:
        raise OAuthError("invalid_scope", str(exc)) from exc
    if not scopes.subset(requested, row["scopes"].split()):
        raise OAuthError("invalid_scope", "A refresh cannot widen the granted scopes.")
    version = await _token_version(uow.conn, row["user_id"])
    if version != row["token_version"] or not await repository.revoke_token(
        uow.conn, row["id"], utcnow()
    ):
        raise bad
    return await _issue(uow, ids, app["id"], row["user_id"], scopes.join(requested), version)


async def revoke(uow: UnitOfWork, app: AppRow, token: str) -> tuple[int, int] | None:
    """RFC 7009: revoke an access or refresh token of this app; unknown tokens are no
    error. Returns (user id, token id) of a revoked user token, for its open streams."""
    row = await repository.live_token(uow.conn, digest(token))
    if row is None:
        row = await repository.live_token_by_refresh(uow.conn, digest(token))
    if row is not None and row["app_id"] == app["id"]:
        await repository.revoke_token(uow.conn, row["id"], utcnow())
        if row["user_id"] is not None:
            return row["user_id"], row["id"]
    return None


@dataclass(frozen=True, slots=True)
class Grant:
    """Who an OAuth bearer token stands for: the app, the user (None for a
    client_credentials token) and the scopes."""

    token_id: int
    app_id: int
    user_id: int | None
    scopes: tuple[str, ...]
    token_version: int = 0  # the user's at issue (a password change ends the token)

    def allows(self, scope: str) -> bool:
        return scopes.covers(self.scopes, scope)


async def authenticate(context: OAuthDeps, token: str) -> Grant:
    """The grant behind an OAuth access token; raises Unauthenticated when the token is
    unknown, revoked, or older than the user's last password change."""
    if not token.startswith(TOKEN_PREFIX):
        raise Unauthenticated("The access token is invalid.")
    async with context.db.read() as conn:
        row = await repository.live_token(conn, digest(token))
    if row is None:
        raise Unauthenticated("The access token is invalid.")
    if row["user_id"] is not None:
        await current_viewer(context, row["user_id"], row["token_version"])
    return Grant(
        row["id"],
        row["app_id"],
        row["user_id"],
        tuple(row["scopes"].split()),
        row["token_version"] or 0,
    )
