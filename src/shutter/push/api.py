"""GET /push/key, POST /push/subscription, DELETE /push/subscription."""

from __future__ import annotations

import ipaddress
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from shutter.errors import InvalidInput, NotFound
from shutter.http.deps import Context, CurrentUser, Write
from shutter.http.responses import json_response
from shutter.push import repository
from shutter.push.webpush import AUTH_SECRET, b64url_decode, load_public_point
from shutter.textfields import Line
from shutter.timeutil import utcnow

router = APIRouter(prefix="/push", tags=["push"])

_LOOPBACK_NAMES = frozenset({"localhost"})


class PushKey(BaseModel):
    public_key: str = Field(description="base64url VAPID public key: the applicationServerKey")


class SubscriptionKeys(BaseModel):
    p256dh: Annotated[str, Line(100, min_length=80)]
    auth: Annotated[str, Line(32, min_length=16)]


class SubscriptionIn(BaseModel):
    """A browser's PushSubscription as `subscription.toJSON()` gives it."""

    model_config = ConfigDict(extra="ignore")  # expirationTime and whatever comes next

    # The text rule too: a NUL (PostgreSQL cannot store it) is a 422, not a 500.
    endpoint: Annotated[str, Line(2048, min_length=10)]
    keys: SubscriptionKeys


class SubscriptionRef(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # The text rule too: a NUL (PostgreSQL cannot store it) is a 422, not a 500.
    endpoint: Annotated[str, Line(2048, min_length=10)]


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(endpoint: str, *, allow_loopback: bool) -> None:
    """An https URL of a push service; plain http only to a loopback address, and only
    when SHUTTER_PUSH_ALLOW_LOOPBACK is set (the tests' local push service)."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if not host or parts.username or parts.password:
        raise InvalidInput("The endpoint must be a push service's URL.", code="invalid_endpoint")
    loopback = _is_loopback(host)
    if loopback and not allow_loopback:
        raise InvalidInput("The endpoint must be a push service's URL.", code="invalid_endpoint")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise InvalidInput("The endpoint must be an https URL.", code="invalid_endpoint")


def check_keys(keys: SubscriptionKeys) -> None:
    try:
        load_public_point(b64url_decode(keys.p256dh))
        auth = b64url_decode(keys.auth)
    except ValueError:
        raise InvalidInput("keys.p256dh must be a P-256 public key.", code="invalid_keys") from None
    if len(auth) != AUTH_SECRET:
        raise InvalidInput("keys.auth must be 16 bytes.", code="invalid_keys")


@router.get("/key", response_model=PushKey)
async def push_key(context: Context) -> Response:
    """The server's VAPID public key; 404 `push_disabled` when push is not set up."""
    if context.web_push is None:
        raise NotFound("Push notifications are not enabled here.", code="push_disabled")
    return json_response({"public_key": context.web_push.keys.public_b64})


@router.post("/subscription", status_code=204)
async def subscribe(
    viewer: CurrentUser, context: Context, uow: Write, body: Annotated[SubscriptionIn, Body()]
) -> Response:
    """Send this browser your notifications (replaces what it subscribed before)."""
    if context.web_push is None:
        raise NotFound("Push notifications are not enabled here.", code="push_disabled")
    check_endpoint(body.endpoint, allow_loopback=context.settings.push_allow_loopback)
    check_keys(body.keys)
    await repository.save(
        uow.conn,
        context.ids,
        viewer.id,
        body.endpoint,
        body.keys.p256dh,
        body.keys.auth,
        utcnow(),
    )
    return Response(status_code=204)


@router.delete("/subscription", status_code=204)
async def unsubscribe(
    viewer: CurrentUser, uow: Write, body: Annotated[SubscriptionRef, Body()]
) -> Response:
    """Stop sending to this browser. Idempotent."""
    await repository.remove(uow.conn, viewer.id, body.endpoint)
    return Response(status_code=204)
