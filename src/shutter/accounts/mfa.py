"""TOTP two-factor sign-in (RFC 6238: 30-second steps, 6 digits) with single-use recovery
codes. A code is accepted within one step of the server's clock (±30 s, no more) and only
once: the last accepted step is stored, and an older or equal one is refused."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

import jwt
import pyotp
import segno
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.accounts.service import hash_token
from shutter.auth.sessions import redeem_once
from shutter.context import AppContext
from shutter.db.tables import mfa_recovery_codes, mfa_totp, users
from shutter.errors import Conflict, ShutterError, Unauthenticated
from shutter.timeutil import utcnow

RECOVERY_CODES = 10
CHALLENGE_TTL_S = 300
_CHALLENGE = "mfa"
_ALGORITHM = "HS256"


class InvalidCode(ShutterError):
    status = 400
    code = "invalid_code"


# -- queries ----------------------------------------------------------------------------


class TotpRow(NamedTuple):
    """An account's TOTP secret: pending until a first code confirms it (`enabled_at`)."""

    secret: str
    enabled_at: datetime | None


async def _row(conn: AsyncConnection, user_id: int) -> TotpRow | None:
    query = select(mfa_totp.c.secret, mfa_totp.c.enabled_at).where(mfa_totp.c.user_id == user_id)
    row = (await conn.execute(query)).first()
    return TotpRow(*row) if row is not None else None


async def enabled(conn: AsyncConnection, user_id: int) -> bool:
    row = await _row(conn, user_id)
    return row is not None and row.enabled_at is not None


async def required(context: AppContext, user_id: int) -> bool:
    async with context.db.read() as conn:
        return await enabled(conn, user_id)


async def _accept_step(conn: AsyncConnection, user_id: int, step: int) -> bool:
    """Record `step` as used if it is newer than the last one; False otherwise."""
    statement = (
        update(mfa_totp)
        .where((mfa_totp.c.user_id == user_id) & (mfa_totp.c.last_step < step))
        .values(last_step=step)
    )
    return (await conn.execute(statement)).rowcount == 1


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step (now, one before or one after) whose code is `code`."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(datetime.fromtimestamp(now, UTC))
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(totp.generate_otp(step).encode(), code.encode()):
            return step
    return None


def _normalise(code: str) -> str:
    return code.strip().replace(" ", "").replace("-", "").lower()


async def _check_code(conn: AsyncConnection, user_id: int, secret: str, code: str) -> bool:
    """A TOTP code (accepted once) or an unused recovery code (spent now)."""
    code = _normalise(code)
    if code.isdigit() and len(code) == 6:
        step = _matching_step(secret, code, time.time())
        return step is not None and await _accept_step(conn, user_id, step)
    statement = (
        update(mfa_recovery_codes)
        .where(
            (mfa_recovery_codes.c.code_hash == hash_token(code))
            & (mfa_recovery_codes.c.user_id == user_id)
            & mfa_recovery_codes.c.used_at.is_(None)
        )
        .values(used_at=utcnow())
    )
    return (await conn.execute(statement)).rowcount == 1


# -- set-up -----------------------------------------------------------------------------


async def begin_setup(context: AppContext, user_id: int) -> dict[str, str]:
    """A new secret, pending until a code confirms it: {secret, otpauth_uri, qr_svg}."""
    secret = pyotp.random_base32()
    async with context.db.write() as uow:
        conn = uow.conn
        row = await _row(conn, user_id)
        if row is not None and row.enabled_at is not None:
            raise Conflict("Two-factor sign-in is on already.", code="mfa_already_enabled")
        await conn.execute(delete(mfa_totp).where(mfa_totp.c.user_id == user_id))
        await conn.execute(
            insert(mfa_totp).values(user_id=user_id, secret=secret, created_at=utcnow())
        )
        username = (
            await conn.execute(select(users.c.username).where(users.c.id == user_id))
        ).scalar_one()
    uri = pyotp.TOTP(secret).provisioning_uri(
        name=username, issuer_name=context.settings.instance_name
    )
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return {"secret": secret, "otpauth_uri": uri, "qr_svg": qr_svg}


async def confirm_setup(context: AppContext, user_id: int, code: str) -> list[str]:
    """Turn two-factor sign-in on with a first code; returns the recovery codes (shown
    this once; only their hashes are kept)."""
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    async with context.db.write() as uow:
        conn = uow.conn
        row = await _row(conn, user_id)
        if row is None:
            raise Conflict("Start the set-up first.", code="mfa_not_started")
        if row.enabled_at is not None:
            raise Conflict("Two-factor sign-in is on already.", code="mfa_already_enabled")
        step = _matching_step(row.secret, _normalise(code), time.time())
        if step is None or not await _accept_step(conn, user_id, step):
            raise InvalidCode("That code is not right; check your app's clock.")
        await conn.execute(
            update(mfa_totp).where(mfa_totp.c.user_id == user_id).values(enabled_at=utcnow())
        )
        await conn.execute(
            delete(mfa_recovery_codes).where(mfa_recovery_codes.c.user_id == user_id)
        )
        await conn.execute(
            insert(mfa_recovery_codes),
            [{"code_hash": hash_token(_normalise(c)), "user_id": user_id} for c in codes],
        )
    return codes


async def disable(context: AppContext, user_id: int, code: str) -> None:
    """Turn two-factor sign-in off (the password was checked by the caller)."""
    async with context.db.write() as uow:
        conn = uow.conn
        row = await _row(conn, user_id)
        if row is None or row.enabled_at is None:
            raise Conflict("Two-factor sign-in is off.", code="mfa_not_enabled")
        if not await _check_code(conn, user_id, row.secret, code):
            raise InvalidCode("That code is not right.")
        await conn.execute(delete(mfa_totp).where(mfa_totp.c.user_id == user_id))
        await conn.execute(
            delete(mfa_recovery_codes).where(mfa_recovery_codes.c.user_id == user_id)
        )


# -- sign-in ----------------------------------------------------------------------------


def issue_challenge(context: AppContext, user_id: int, version: int) -> str:
    """Proof that the password was right, for CHALLENGE_TTL_S; never an access token."""
    now = int(time.time())
    claims = {
        "sub": str(user_id),
        "ver": version,
        "typ": _CHALLENGE,
        "iat": now,
        "exp": now + CHALLENGE_TTL_S,
        "jti": secrets.token_urlsafe(12),  # single use: see complete_sign_in
    }
    return jwt.encode(claims, context.settings.resolved_secret_key, algorithm=_ALGORITHM)


@dataclass(frozen=True, slots=True)
class Challenge:
    user_id: int
    version: int
    challenge_id: str
    expires_at: int


def read_challenge(context: AppContext, challenge: str) -> Challenge:
    """The claims of a valid challenge; Unauthenticated otherwise."""
    try:
        claims = jwt.decode(
            challenge,
            context.settings.resolved_secret_key,
            algorithms=[_ALGORITHM],
            options={"require": ["exp", "sub", "typ", "jti"]},
        )
        if claims["typ"] != _CHALLENGE:
            raise jwt.InvalidTokenError("not a sign-in challenge")
        return Challenge(
            int(claims["sub"]), int(claims.get("ver", 0)), str(claims["jti"]), int(claims["exp"])
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated(
            "The sign-in took too long; log in again.", code="challenge_expired"
        ) from exc
    except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
        raise Unauthenticated("The challenge is not valid; log in again.") from exc


async def complete_sign_in(context: AppContext, challenge: str, code: str) -> tuple[int, int]:
    """Check the second factor of a sign-in; (user id, token version)."""
    claims = read_challenge(context, challenge)
    user_id, version = claims.user_id, claims.version
    await context.rate_limiter.hit("mfa", user_id)
    async with context.db.write() as uow:
        conn = uow.conn
        row = await _row(conn, user_id)
        current = (
            await conn.execute(select(users.c.token_version).where(users.c.id == user_id))
        ).scalar_one_or_none()
        if row is None or row.enabled_at is None or current != version:
            raise Unauthenticated("The challenge is not valid; log in again.")
        if not await _check_code(conn, user_id, row.secret, code):
            raise InvalidCode("That code is not right, or was used already.")
        # A challenge opens one session: shown again (a copy), it is refused and the code
        # it came with stays unspent (this transaction rolls back).
        if not await redeem_once(context, "mfa-challenge", claims.challenge_id, claims.expires_at):
            raise Unauthenticated(
                "This sign-in was completed already; log in again.", code="challenge_used"
            )
    await context.rate_limiter.refund("mfa", user_id)
    return user_id, version
