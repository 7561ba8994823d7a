"""POST /auth/register, POST /auth/login."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from shutter.auth.passwords import hash_password
from shutter.http.deps import Context, UrlFor
from shutter.http.responses import json_response
from shutter.users import service
from shutter.users.schemas import LoginIn, RegisterIn, RegisterOut, TokenOut

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/register", status_code=201, response_model=RegisterOut)
async def register(body: RegisterIn, context: Context, url_for: UrlFor) -> Response:
    """Create an account and log it in."""
    password_hash = await hash_password(body.password)
    async with context.db.write() as conn:
        user_id = await service.register(context, conn, body, password_hash)
    async with context.db.read() as conn:
        user = await service.get_own_profile(conn, user_id, url_for)
    token = context.tokens.issue(user_id, 0)
    return json_response({"user": user, "access_token": token, "token_type": "bearer"}, 201)


@router.post("/login", response_model=TokenOut)
async def login(body: LoginIn, context: Context) -> Response:
    """Exchange a username or email and password for an access token."""
    async with context.db.read() as conn:
        user_id, version = await service.authenticate(conn, body.login, body.password)
    return json_response(
        {
            "access_token": context.tokens.issue(user_id, version),
            "token_type": "bearer",
            "expires_in": context.tokens.ttl_seconds,
        }
    )
