"""POST /auth/register, POST /auth/login, POST /auth/password (sessions, refresh and
logout: accounts/api.py). Here rather than in users/: they open sessions (accounts builds
on users, never the other way round)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Request
from starlette.responses import Response

from shutter.accounts import mfa, sessions
from shutter.accounts import service as accounts
from shutter.context import AppContext
from shutter.errors import Forbidden, MfaRequired, Unauthenticated
from shutter.http import pagecookie
from shutter.http.deps import (
    BaseUrl,
    Context,
    CurrentUser,
    UrlFor,
    client_address,
    rate_limited,
)
from shutter.http.responses import json_response
from shutter.users import service
from shutter.users.schemas import LoginIn, PasswordChangeIn, RegisterIn, RegisterOut, TokenOut

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=201,
    response_model=RegisterOut,
    dependencies=[rate_limited("register", per="address")],
)
async def register(
    body: RegisterIn, request: Request, context: Context, url_for: UrlFor, base_url: BaseUrl
) -> Response:
    """Create an account and sign it in (a new session); a link to confirm the email
    address is mailed."""
    password_hash = await context.passwords.hash(body.password)
    async with context.db.write() as uow:
        user_id = await service.register(context, uow.conn, body, password_hash)
        await accounts.verification_due(uow, user_id, body.email, base_url)
        session_id, refresh_token = await sessions.open_session(
            context, uow.conn, user_id, _user_agent(request), client_address(request)
        )
    async with context.db.read() as conn:
        user = await service.get_own_profile(conn, user_id, url_for)
    tokens = sessions.token_body(context, user_id, 0, session_id, refresh_token)
    response = json_response({"user": user, **tokens}, 201)
    pagecookie.attach(response, request, context, tokens["access_token"])
    return response


@router.post("/login", response_model=TokenOut)
async def login(body: LoginIn, request: Request, context: Context) -> Response:
    """Exchange a username or email and password for an access token.

    Failed attempts are counted per client address; once they pass the login limit,
    every attempt from there is refused with 429 until the window moves on. Each attempt
    takes its place in the budget before its password is verified, so that a concurrent
    burst of guesses gets no more verifications than the budget; a successful one gives
    its place back."""
    address = client_address(request)
    async with _attempt(context, address):
        user_id, version = await service.authenticate(
            context.db, context.passwords, body.login, body.password
        )
    if await mfa.required(context, user_id):
        # The password was right (its attempt was given back): a second factor is due.
        challenge = mfa.issue_challenge(context, user_id, version)
        raise MfaRequired("Enter the code from your authenticator app.", challenge=challenge)
    tokens = await sessions.start_session(
        context, user_id, version, _user_agent(request), client_address(request)
    )
    response = json_response(tokens)
    pagecookie.attach(response, request, context, tokens["access_token"])
    return response


@router.post("/password", response_model=TokenOut)
async def change_password(
    body: PasswordChangeIn, request: Request, viewer: CurrentUser, context: Context
) -> Response:
    """Change your password. Every access token issued before stops working (all your
    devices are logged out); the answer carries a new token for this one.

    Wrong current passwords count against the login limit of the account (reserved before
    verifying, as for login), so a stolen token cannot be used to guess the password."""
    async with _attempt(context, f"user:{viewer.id}"):
        old_hash = await service.verify_current_password(
            context.db, context.passwords, viewer.id, body.current_password
        )
        if old_hash is None:
            raise Forbidden("The current password is wrong.", code="wrong_password")
    new_hash = await context.passwords.hash(body.new_password)
    async with context.db.write() as uow:
        version = await service.change_password(context, uow, viewer.id, old_hash, new_hash)
        # Refresh tokens of the other devices stop working too; this one stays signed in.
        ended = await sessions.revoke_in(uow.conn, viewer.id, keep=viewer.session_id)
        uow.after_commit(lambda: sessions.revoked(context, viewer.id, ended))
    return _token_response(request, context, viewer.id, version, viewer.session_id)


@asynccontextmanager
async def _attempt(context: AppContext, key: str) -> AsyncIterator[None]:
    """One password attempt against the `login` budget of `key`: counted before the block
    (429 once the budget is spent), kept if the block rejects the password (Unauthenticated,
    Forbidden), given back otherwise (right password, or never verified: 503 busy)."""
    await context.rate_limiter.hit("login", key)
    try:
        yield
    except (Unauthenticated, Forbidden):
        raise
    except Exception:
        await context.rate_limiter.refund("login", key)
        raise
    await context.rate_limiter.refund("login", key)


def _user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")


def _token_response(
    request: Request, context: AppContext, user_id: int, version: int, session_id: int | None
) -> Response:
    access_token = context.tokens.issue(user_id, version, session_id)
    response = json_response(
        {
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": context.tokens.ttl_seconds,
        }
    )
    # The page cookie names the token version too: the old one ended with the old tokens.
    pagecookie.attach(response, request, context, access_token)
    return response
