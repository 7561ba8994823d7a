"""Account calls: password reset by mail, email verification, email change, sessions
(refresh, logout, the list of signed-in devices); and the
guard that keeps unverified accounts from posting when the instance requires it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from shutter.accounts import mfa, service, sessions
from shutter.accounts.schemas import (
    Accepted,
    EmailChangeIn,
    EmailState,
    MfaLoginIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    RecoveryCodesOut,
    RefreshIn,
    RevokedOut,
    SessionList,
    TotpCodeIn,
    TotpDisableIn,
    TotpSetupOut,
    VerifyEmailIn,
)
from shutter.errors import Forbidden, InvalidInput
from shutter.http import pagecookie
from shutter.http.deps import BaseUrl, Context, CurrentUser, client_address, rate_limited
from shutter.http.responses import json_response
from shutter.users import service as users_service
from shutter.users.schemas import TokenOut

router = APIRouter(tags=["auth"])

RESET_ACCEPTED = (
    "If an account has this address, a link to reset its password is on its way. "
    "It works once, within the hour."
)


@router.post(
    "/auth/password-reset",
    status_code=202,
    response_model=Accepted,
    dependencies=[rate_limited("password_reset", per="address")],
)
async def request_password_reset(
    body: PasswordResetIn, context: Context, base_url: BaseUrl
) -> Response:
    """Mail a one-time link to reset the password. The answer is the same, in about the
    same time, whether or not an account has the address."""
    await context.rate_limiter.hit("password_reset", f"email:{body.email}")
    await service.request_password_reset(context, body.email, base_url)
    return json_response({"status": "accepted", "message": RESET_ACCEPTED}, 202)


@router.post(
    "/auth/password-reset/confirm",
    status_code=204,
    dependencies=[rate_limited("token_checks", per="address")],
)
async def confirm_password_reset(body: PasswordResetConfirmIn, context: Context) -> Response:
    """Set a new password with the mailed token. Every session of the account ends (all
    access tokens stop working, open WebSockets close) and the owner is told by mail.
    400 `invalid_token` / `token_expired` for a bad, used or expired token."""
    await service.check_reset_token(context, body.token)
    new_hash = await context.passwords.hash(body.new_password)
    await service.reset_password(context, body.token, new_hash)
    return Response(status_code=204)


@router.post(
    "/auth/verify-email",
    response_model=EmailState,
    dependencies=[rate_limited("token_checks", per="address")],
)
async def verify_email(body: VerifyEmailIn, context: Context) -> Response:
    """Prove an address with the token of the mailed link (no sign-in needed)."""
    email = await service.verify_email(context, body.token)
    return json_response({"email": email, "email_verified": True})


@router.post(
    "/auth/resend-verification",
    status_code=202,
    response_model=Accepted,
    dependencies=[rate_limited("verification_mail")],
)
async def resend_verification(viewer: CurrentUser, context: Context, base_url: BaseUrl) -> Response:
    """Mail a new verification link to your address; 409 `already_verified`."""
    await service.resend_verification(context, viewer.id, base_url)
    message = "A new confirmation link is on its way."
    return json_response({"status": "accepted", "message": message}, 202)


@router.post("/auth/email", response_model=EmailState)
async def change_email(
    body: EmailChangeIn, viewer: CurrentUser, context: Context, base_url: BaseUrl
) -> Response:
    """Change your email address (your password confirms it): the old address is told, the
    new one gets a confirmation link and stays unverified until it is opened. Wrong
    passwords count against the login limit of the account."""
    key = f"user:{viewer.id}"
    await context.rate_limiter.hit("login", key)
    try:
        await service.change_email(context, viewer.id, body.password, body.new_email, base_url)
    except Forbidden:
        raise
    except Exception:
        await context.rate_limiter.refund("login", key)
        raise
    await context.rate_limiter.refund("login", key)
    return json_response({"email": body.new_email, "email_verified": False})


# Not rate-limited: a refresh token is 256 random bits (nothing to guess), and every
# device of a household behind one address refreshes every few minutes.
@router.post("/auth/refresh", response_model=TokenOut)
async def refresh(body: RefreshIn, request: Request, context: Context) -> Response:
    """A new access token and a new refresh token for the session; the one sent stops
    working. Sending a refresh token that was already used ends its whole session (401
    `refresh_token_reused`): someone else has a copy."""
    user_agent = request.headers.get("user-agent", "")
    tokens = await sessions.refresh(
        context, body.refresh_token, user_agent, client_address(request)
    )
    response = json_response(tokens)
    pagecookie.attach(response, request, context, tokens["access_token"])
    return response


@router.post("/auth/logout", status_code=204)
async def logout(request: Request, viewer: CurrentUser, context: Context) -> Response:
    """Sign this session out: its access and refresh tokens stop working, its WebSockets
    close, the web client's page cookie is cleared. (A token from before sessions existed
    has none: 204, nothing to end.)"""
    if viewer.session_id is not None:
        await sessions.revoke(context, viewer.id, only=viewer.session_id)
    response = Response(status_code=204)
    pagecookie.clear(response, request)
    return response


@router.get("/sessions", response_model=SessionList, tags=["sessions"])
async def list_sessions(viewer: CurrentUser, context: Context) -> Response:
    """Your signed-in devices, most recently used first; `current` marks this one."""
    found = await sessions.list_sessions(context, viewer.id, viewer.session_id)
    return json_response({"sessions": found})


@router.delete("/sessions/{session_id}", status_code=204, tags=["sessions"])
async def revoke_session(session_id: str, viewer: CurrentUser, context: Context) -> Response:
    """Sign one of your devices out (this one too, if it is this session's id)."""
    if not session_id.isdigit() or len(session_id) > 19:
        raise InvalidInput("session_id: must be a session id")
    await sessions.revoke(context, viewer.id, only=int(session_id))
    return Response(status_code=204)


@router.delete("/sessions", response_model=RevokedOut, tags=["sessions"])
async def revoke_other_sessions(viewer: CurrentUser, context: Context) -> Response:
    """Sign out everywhere else: every session but this one ends."""
    ended = await sessions.revoke(context, viewer.id, keep=viewer.session_id)
    return json_response({"revoked": len(ended)})


@router.post("/auth/login/mfa", response_model=TokenOut)
async def login_mfa(body: MfaLoginIn, request: Request, context: Context) -> Response:
    """The second step of a sign-in that answered 401 `mfa_required`: its `challenge` and
    a code from the app (or a recovery code, once). 400 `invalid_code`; codes are
    rate-limited per account (429)."""
    user_id, version = await mfa.complete_sign_in(context, body.challenge, body.code)
    user_agent = request.headers.get("user-agent", "")
    tokens = await sessions.start_session(
        context, user_id, version, user_agent, client_address(request)
    )
    response = json_response(tokens)
    pagecookie.attach(response, request, context, tokens["access_token"])
    return response


@router.post("/auth/mfa/totp", response_model=TotpSetupOut)
async def begin_totp(viewer: CurrentUser, context: Context) -> Response:
    """Start setting up an authenticator app: scan `qr_svg` (or type `secret`), then
    confirm with a first code. 409 `mfa_already_enabled`."""
    return json_response(await mfa.begin_setup(context, viewer.id))


@router.post(
    "/auth/mfa/totp/confirm", response_model=RecoveryCodesOut, dependencies=[rate_limited("mfa")]
)
async def confirm_totp(body: TotpCodeIn, viewer: CurrentUser, context: Context) -> Response:
    """Turn two-factor sign-in on with a first code; answers ten recovery codes, shown this
    once. 400 `invalid_code`."""
    codes = await mfa.confirm_setup(context, viewer.id, body.code)
    return json_response({"recovery_codes": codes})


@router.delete("/auth/mfa/totp", status_code=204, dependencies=[rate_limited("mfa")])
async def disable_totp(body: TotpDisableIn, viewer: CurrentUser, context: Context) -> Response:
    """Turn two-factor sign-in off: your password and a code (or a recovery code)."""
    stored = await users_service.verify_current_password(
        context.db, context.passwords, viewer.id, body.password
    )
    if stored is None:
        raise Forbidden("The password is wrong.", code="wrong_password")
    await mfa.disable(context, viewer.id, body.code)
    return Response(status_code=204)
