"""GET /push/key, POST /push/subscription, DELETE /push/subscription, GET/PUT
/push/preferences."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from shutter.errors import InvalidInput, NotFound
from shutter.http.deps import Context, CurrentUser, Read, Write
from shutter.http.responses import json_response
from shutter.push import repository
from shutter.push.endpoints import check_endpoint
from shutter.push.repository import PushKind
from shutter.push.webpush import AUTH_SECRET, b64url_decode, load_public_point
from shutter.textfields import Line
from shutter.timeutil import utcnow

router = APIRouter(prefix="/push", tags=["push"])


class PushPreferences(BaseModel):
    """What reaches your browsers by push: every kind but `muted_kinds`; a direct
    message's words only with `message_text` (else "New message from alice")."""

    model_config = ConfigDict(extra="forbid")

    muted_kinds: list[PushKind] = Field(default_factory=list, max_length=len(repository.PUSH_KINDS))
    message_text: bool = False


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
    await check_endpoint(body.endpoint, context.web_push.policy)
    check_keys(body.keys)
    await repository.save(
        uow.conn,
        context.ids,
        viewer.id,
        body.endpoint,
        body.keys.p256dh,
        body.keys.auth,
        utcnow(),
        session_id=viewer.session_id,
    )
    return Response(status_code=204)


@router.delete("/subscription", status_code=204)
async def unsubscribe(
    viewer: CurrentUser, uow: Write, body: Annotated[SubscriptionRef, Body()]
) -> Response:
    """Stop sending to this browser. Idempotent."""
    await repository.remove(uow.conn, viewer.id, body.endpoint)
    return Response(status_code=204)


@router.get("/preferences", response_model=PushPreferences)
async def get_preferences(viewer: CurrentUser, conn: Read) -> Response:
    """Which kinds of notification are pushed to you, and whether message text is."""
    return json_response(await repository.preferences(conn, viewer.id))


@router.put("/preferences", response_model=PushPreferences)
async def put_preferences(
    viewer: CurrentUser, uow: Write, body: Annotated[PushPreferences, Body()]
) -> Response:
    """Replace your push preferences (every browser of yours follows them)."""
    wanted: repository.Preferences = {
        "muted_kinds": list(dict.fromkeys(body.muted_kinds)),
        "message_text": body.message_text,
    }
    await repository.save_preferences(uow.conn, viewer.id, wanted, utcnow())
    return json_response(await repository.preferences(uow.conn, viewer.id))
