"""Account use cases: password reset by mail, email verification, email change.

Each use case opens its own transaction and records its event there; the mail itself is
sent by the event's handler (tasks.py), after commit, retried when the mail server fails.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.accounts import mails
from shutter.accounts import repository as repo
from shutter.context import AppContext
from shutter.db.database import Database
from shutter.db.unit_of_work import UnitOfWork
from shutter.errors import Conflict, Forbidden, NotFound, ShutterError
from shutter.events.types import (
    EmailChanged,
    PasswordReset,
    PasswordResetRequested,
    VerificationRequested,
)
from shutter.ids import IdGenerator
from shutter.mail.message import Mail
from shutter.realtime.events import sessions_revoked
from shutter.settings import Settings
from shutter.timeutil import utcnow
from shutter.users import service as users_service

log = structlog.get_logger("shutter.accounts")

RESET = "password_reset"
VERIFY = "verify_email"
RESET_PATH = "/reset-password"
VERIFY_PATH = "/verify-email"


class InvalidToken(ShutterError):
    """A mailed link's token that is unknown, tampered with, used or expired."""

    status = 400
    code = "invalid_token"


class TokenDeps(Protocol):
    """What making a mailed link's token (and its mail) uses of the application context."""

    @property
    def db(self) -> Database: ...
    @property
    def ids(self) -> IdGenerator: ...
    @property
    def settings(self) -> Settings: ...


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link(base_url: str, path: str, token: str) -> str:
    """A link to a page of the web client carrying the token in the fragment, which
    browsers never send to a server (so no proxy or access log sees it)."""
    return f"{base_url.rstrip('/')}{path}#token={token}"


async def _issue_token(
    context: TokenDeps, conn: AsyncConnection, user_id: int, purpose: str, email: str
) -> str:
    """A new one-time token (256 random bits); only its hash is stored."""
    ttl = (
        context.settings.password_reset_ttl_seconds
        if purpose == RESET
        else context.settings.email_verification_ttl_seconds
    )
    token = secrets.token_urlsafe(32)
    now = utcnow()
    await repo.insert_token(
        conn,
        {
            "id": context.ids.next_id(),
            "token_hash": hash_token(token),
            "user_id": user_id,
            "purpose": purpose,
            "email": email,
            "created_at": now,
            "expires_at": now + timedelta(seconds=ttl),
        },
    )
    return token


async def _redeem(context: AppContext, conn: AsyncConnection, token: str, purpose: str) -> int:
    """Spend a token in the caller's transaction; returns its user id. InvalidToken when it
    is unknown, used or expired (nothing is changed then)."""
    row = await repo.find_token(conn, hash_token(token), purpose)
    if row is None or row.used_at is not None:
        raise InvalidToken("This link is not valid or was used already; ask for a new one.")
    expires_at = row.expires_at
    if expires_at.tzinfo is None:  # SQLite hands back naive UTC
        expires_at = expires_at.replace(tzinfo=utcnow().tzinfo)
    if expires_at <= utcnow():
        raise InvalidToken("This link has expired; ask for a new one.", code="token_expired")
    if not await repo.use_token(conn, row.id, utcnow()):
        raise InvalidToken("This link is not valid or was used already; ask for a new one.")
    user_id: int = row.user_id
    return user_id


# -- password reset ---------------------------------------------------------------------


async def request_password_reset(context: AppContext, email: str, base_url: str) -> None:
    """Record the request, whether or not an account has this address: the caller's answer
    and its time are the same either way (the handler finds out and mails, or not)."""
    async with context.db.write() as uow:
        await uow.record(PasswordResetRequested(email=email, base_url=base_url))


async def check_reset_token(context: AppContext, token: str) -> None:
    """InvalidToken unless `token` could reset a password now (checked before the new
    password is hashed, so bad tokens cost no hashing)."""
    async with context.db.read() as conn:
        row = await repo.find_token(conn, hash_token(token), RESET)
    if row is None or row.used_at is not None:
        raise InvalidToken("This link is not valid or was used already; ask for a new one.")


async def reset_password(context: AppContext, token: str, new_password_hash: str) -> int:
    """Set the password of the token's account, spend every reset link of it, and revoke
    every session (all earlier access tokens; open WebSockets close). A reset proves the
    address too. Returns the user id."""
    async with context.db.write() as uow:
        conn = uow.conn
        user_id = await _redeem(context, conn, token, RESET)
        account = await repo.get_account(conn, user_id)
        if account is None:
            raise InvalidToken("This link is not valid or was used already; ask for a new one.")
        now = utcnow()
        version = await repo.set_password(conn, user_id, new_password_hash, now)
        await repo.use_all_tokens(conn, user_id, RESET, now)
        if account.email_verified_at is None:
            await repo.mark_verified(conn, user_id, account.email, now)
        await uow.record(PasswordReset(user_id=user_id))
        ended = await repo.revoke_sessions(conn, user_id, now)

        async def revoke_sessions() -> None:
            context.token_versions.forget(user_id)
            context.live_sessions.forget(ended)
            await context.realtime.publish([user_id], sessions_revoked(version))

        uow.after_commit(revoke_sessions)
    log.info("password_reset", user_id=user_id)
    return user_id


async def reset_link_for(context: AppContext, username: str, base_url: str) -> str:
    """A one-time reset link for an account, for an operator to hand over (no mail)."""
    async with context.db.write() as uow:
        conn = uow.conn
        account = await repo.get_account_by_username(conn, username.strip().lower())
        if account is None:
            raise NotFound("No such user.", code="user_not_found")
        token = await _issue_token(context, conn, account.id, RESET, account.email)
    return link(base_url, RESET_PATH, token)


# -- email verification and change ------------------------------------------------------


async def verification_due(uow: UnitOfWork, user_id: int, email: str, base_url: str) -> None:
    """Record, in the caller's unit of work (registration), that `email` needs a link."""
    await uow.record(VerificationRequested(user_id=user_id, email=email, base_url=base_url))


async def resend_verification(context: AppContext, user_id: int, base_url: str) -> None:
    """Mail a new verification link; Conflict when the address is verified already."""
    async with context.db.write() as uow:
        conn = uow.conn
        account = await repo.get_account(conn, user_id)
        if account is None:
            raise NotFound("No such user.", code="user_not_found")
        if account.email_verified_at is not None:
            raise Conflict("Your email address is verified already.", code="already_verified")
        await verification_due(uow, user_id, account.email, base_url)


async def verify_email(context: AppContext, token: str) -> str:
    """Mark the token's address verified; returns it. InvalidToken when the token is bad or
    the account's address changed since the link was sent."""
    async with context.db.write() as uow:
        conn = uow.conn
        row = await repo.find_token(conn, hash_token(token), VERIFY)
        user_id = await _redeem(context, conn, token, VERIFY)
        assert row is not None  # _redeem raised otherwise
        email: str = row.email
        if not await repo.mark_verified(conn, user_id, email, utcnow()):
            raise InvalidToken("This link is for an address the account no longer has.")
    return email


async def email_verified(context: AppContext, user_id: int) -> bool:
    async with context.db.read() as conn:
        return await repo.email_verified(conn, user_id)


async def change_email(
    context: AppContext, user_id: int, password: str, new_email: str, base_url: str
) -> None:
    """Move the account to a new (unverified) address after checking the password; the
    old address is told, the new one gets a verification link."""
    stored = await users_service.verify_current_password(
        context.db, context.passwords, user_id, password
    )
    if stored is None:
        raise Forbidden("The password is wrong.", code="wrong_password")
    async with context.db.write() as uow:
        conn = uow.conn
        account = await repo.get_account(conn, user_id)
        if account is None:
            raise NotFound("No such user.", code="user_not_found")
        old_email: str = account.email
        if new_email == old_email:
            raise Conflict("That is your email address already.", code="email_unchanged")
        if await repo.email_taken(conn, new_email):
            raise Conflict("That email is already taken.", code="email_taken")
        if not await repo.change_email(conn, user_id, old_email, new_email, utcnow()):
            raise Conflict("The email was changed meanwhile; try again.", code="email_changed")
        await repo.use_all_tokens(conn, user_id, VERIFY, utcnow())
        await uow.record(EmailChanged(user_id=user_id, old_email=old_email, new_email=new_email))
        await verification_due(uow, user_id, new_email, base_url)


# -- mail (run by the event handlers) ---------------------------------------------------


async def mail_reset_link(context: TokenDeps, email: str, base_url: str) -> Mail | None:
    """The reset mail for the account with this address (a new token), or None when no
    account has it."""
    async with context.db.write() as uow:
        conn = uow.conn
        account = await repo.get_account_by_email(conn, email)
        if account is None:
            return None
        token = await _issue_token(context, conn, account.id, RESET, email)
    minutes = context.settings.password_reset_ttl_seconds // 60
    instance = context.settings.instance_name
    url = link(context.settings.public_url or base_url, RESET_PATH, token)
    return mails.password_reset(instance, email, account.username, url, minutes)


async def mail_verification_link(
    context: TokenDeps, user_id: int, email: str, base_url: str
) -> Mail | None:
    """The verification mail for this address (a new token), or None when the account no
    longer has it or has verified it already."""
    async with context.db.write() as uow:
        conn = uow.conn
        account = await repo.get_account(conn, user_id)
        if account is None or account.email != email or account.email_verified_at:
            return None
        token = await _issue_token(context, conn, user_id, VERIFY, email)
    url = link(context.settings.public_url or base_url, VERIFY_PATH, token)
    return mails.verify_email(context.settings.instance_name, email, account.username, url)


async def mail_password_was_reset(context: TokenDeps, user_id: int) -> Mail | None:
    async with context.db.read() as conn:
        account = await repo.get_account(conn, user_id)
    if account is None:
        return None
    instance = context.settings.instance_name
    return mails.password_was_reset(instance, account.email, account.username)


async def mail_email_changed(
    context: TokenDeps, user_id: int, old_email: str, new_email: str
) -> Mail | None:
    async with context.db.read() as conn:
        account = await repo.get_account(conn, user_id)
    if account is None:
        return None
    instance = context.settings.instance_name
    return mails.email_changed(instance, old_email, account.username, new_email)
