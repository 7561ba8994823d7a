"""Sessions: one per signed-in device. Access tokens are short-lived and carry the session
id; a refresh token (rotated on every use, only its hash stored) gets new ones. Showing a
rotated refresh token again means someone kept a copy: the whole session ends (theft
detection). Revoking a session ends its access tokens within `auth/sessions.py`'s TTL_S on
every API process, and closes its WebSockets at once."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import TypedDict

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.accounts import repository as repo
from shutter.accounts.service import hash_token
from shutter.context import AppContext
from shutter.errors import NotFound, Unauthenticated
from shutter.realtime.events import sessions_revoked
from shutter.timeutil import isoformat, utcnow

log = structlog.get_logger("shutter.sessions")


class TokenOutDict(TypedDict):
    """The wire shape of TokenOut (users/schemas.py) for a session: login, register, refresh."""

    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str


def token_body(
    context: AppContext, user_id: int, version: int, session_id: int, refresh_token: str
) -> TokenOutDict:
    """What login, register and refresh answer: the access token (and when it expires) and
    the session's new refresh token."""
    return {
        "access_token": context.tokens.issue(user_id, version, session_id),
        "token_type": "bearer",
        "expires_in": context.tokens.ttl_seconds,
        "refresh_token": refresh_token,
    }


async def _new_refresh_token(
    context: AppContext, conn: AsyncConnection, session_id: int, user_id: int
) -> str:
    token = secrets.token_urlsafe(32)
    await repo.insert_refresh_token(
        conn,
        {
            "token_hash": hash_token(token),
            "session_id": session_id,
            "user_id": user_id,
            "created_at": utcnow(),
        },
    )
    return token


def _client(user_agent: str, ip: str) -> dict[str, str]:
    return {"user_agent": user_agent[:255], "ip": ip[:64]}


async def start_session(
    context: AppContext, user_id: int, version: int, user_agent: str, ip: str
) -> TokenOutDict:
    """A new session for a sign-in; returns the token body."""
    async with context.db.write() as uow:
        conn = uow.conn
        session_id, refresh_token = await open_session(context, conn, user_id, user_agent, ip)
    return token_body(context, user_id, version, session_id, refresh_token)


async def open_session(
    context: AppContext, conn: AsyncConnection, user_id: int, user_agent: str, ip: str
) -> tuple[int, str]:
    """A new session in the caller's transaction (registration); (its id, refresh token)."""
    now = utcnow()
    session_id = context.ids.next_id()
    await repo.insert_session(
        conn,
        {
            "id": session_id,
            "user_id": user_id,
            "created_at": now,
            "last_used_at": now,
            "expires_at": now + timedelta(seconds=context.settings.refresh_token_ttl_seconds),
            **_client(user_agent, ip),
        },
    )
    return session_id, await _new_refresh_token(context, conn, session_id, user_id)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=utcnow().tzinfo) if value.tzinfo is None else value


async def refresh(
    context: AppContext, refresh_token: str, user_agent: str, ip: str
) -> TokenOutDict:
    """Rotate a refresh token: a new access token and a new refresh token for its session.

    401 `invalid_refresh_token` for an unknown token, `session_revoked` for a session that
    ended (signed out, expired), and `refresh_token_reused` for a rotated token shown again,
    which ends its session too."""
    reused: tuple[int, int] | None = None
    async with context.db.write() as uow:
        conn = uow.conn
        row = await repo.find_refresh_token(conn, hash_token(refresh_token))
        if row is None:
            raise Unauthenticated(
                "The refresh token is not valid; log in again.", code="invalid_refresh_token"
            )
        session = await repo.get_session(conn, row.session_id)
        now = utcnow()
        if session is None or session.revoked_at is not None:
            raise Unauthenticated("This session has ended; log in again.", code="session_revoked")
        if _aware(session.expires_at) <= now:
            await repo.revoke_sessions(conn, session.user_id, now, only=session.id)
            expired = True
        else:
            expired = False
        if not expired:
            if row.rotated_at is not None or not await repo.rotate_refresh_token(
                conn, row.token_hash, now
            ):
                await repo.revoke_sessions(conn, session.user_id, now, only=session.id)
                reused = (session.user_id, session.id)
            else:
                version = await repo.get_token_version(conn, session.user_id)
                new_token = await _new_refresh_token(context, conn, session.id, session.user_id)
                ttl = timedelta(seconds=context.settings.refresh_token_ttl_seconds)
                touched = {"last_used_at": now, "expires_at": now + ttl, **_client(user_agent, ip)}
                await repo.touch_session(conn, session.id, touched)
    if expired:
        await revoked(context, session.user_id, [session.id])
        raise Unauthenticated("This session has expired; log in again.", code="session_revoked")
    if reused is not None:
        user_id, session_id = reused
        log.warning("refresh_token_reused", user_id=user_id, session_id=session_id)
        await revoked(context, user_id, [session_id])
        raise Unauthenticated(
            "This refresh token was used already, so the session was ended to protect the "
            "account; log in again.",
            code="refresh_token_reused",
        )
    assert version is not None  # the account exists while it has a live session
    return token_body(context, session.user_id, version, session.id, new_token)


async def revoked(context: AppContext, user_id: int, session_ids: list[int]) -> None:
    """After revocation has committed: forget the sessions here, close their sockets
    everywhere."""
    if not session_ids:
        return
    context.live_sessions.forget(session_ids)
    await context.realtime.publish([user_id], sessions_revoked(-1, session_ids))


async def revoke(
    context: AppContext, user_id: int, *, only: int | None = None, keep: int | None = None
) -> list[int]:
    """Sign out one session of the account (`only`; 404 when it is not a live one of
    theirs), or all but `keep`."""
    async with context.db.write() as uow:
        conn = uow.conn
        ids = await repo.revoke_sessions(conn, user_id, utcnow(), only=only, keep=keep)
    if only is not None and not ids:
        raise NotFound("No such session.", code="session_not_found")
    await revoked(context, user_id, ids)
    return ids


async def revoke_in(conn: AsyncConnection, user_id: int, keep: int | None = None) -> list[int]:
    """Revoke the account's sessions in the caller's transaction (password change and
    reset); the caller then calls `revoked` after commit."""
    return await repo.revoke_sessions(conn, user_id, utcnow(), keep=keep)


class SessionOutDict(TypedDict):
    """The wire shape of SessionOut (accounts/schemas.py): one signed-in device."""

    id: str
    device: str
    user_agent: str
    ip: str
    created_at: str
    last_used_at: str
    current: bool


async def list_sessions(
    context: AppContext, user_id: int, current: int | None
) -> list[SessionOutDict]:
    async with context.db.read() as conn:
        rows = await repo.live_sessions(conn, user_id)
    now = utcnow()
    return [
        {
            "id": str(row.id),
            "device": describe_device(row.user_agent),
            "user_agent": row.user_agent,
            "ip": row.ip,
            "created_at": isoformat(row.created_at),
            "last_used_at": isoformat(row.last_used_at),
            "current": row.id == current,
        }
        for row in rows
        if _aware(row.expires_at) > now
    ]


_BROWSERS = (
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/|Chromium/"),
    ("Safari", r"Safari/"),
)
_SYSTEMS = (
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux"),
)


def describe_device(user_agent: str) -> str:
    """ "Firefox on Linux", "Safari on iPhone"; the first word of other clients (an app,
    curl); "Unknown device" without a User-Agent."""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, user_agent)), None)
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, user_agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return str(browser or system)
    first = user_agent.split(" ", 1)[0].split("/", 1)[0].strip()
    return first[:40] or "Unknown device"
