"""POST /auth/register, POST /auth/login, POST /auth/password."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Request
from starlette.responses import Response

from shutter.context import AppContext
from shutter.errors import Forbidden, Unauthenticated
from shutter.http.deps import Context, CurrentUser, UrlFor, client_address, rate_limited
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
async def register(body: RegisterIn, context: Context, url_for: UrlFor) -> Response:
    """Create an account and log it in."""
    password_hash = await context.passwords.hash(body.password)
    async with context.db.write() as uow:
        user_id = await service.register(context, uow.conn, body, password_hash)
    async with context.db.read() as conn:
        user = await service.get_own_profile(conn, user_id, url_for)
    token = context.tokens.issue(user_id, 0)
    return json_response({"user": user, "access_token": token, "token_type": "bearer"}, 201)


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
    return _token_response(context, user_id, version)


@router.post("/password", response_model=TokenOut)
async def change_password(
    body: PasswordChangeIn, viewer: CurrentUser, context: Context
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
    return _token_response(context, viewer.id, version)


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


def _token_response(context: AppContext, user_id: int, version: int) -> Response:
    return json_response(
        {
            "access_token": context.tokens.issue(user_id, version),
            "token_type": "bearer",
            "expires_in": context.tokens.ttl_seconds,
        }
    )
