"""Mastodon's streaming API over Shutter's real-time bus: `GET /api/v1/streaming`
(WebSocket) and the server-sent-events paths `GET /api/v1/streaming/user` and
`/api/v1/streaming/user/notification`, as Mastodon serves them.

A stream is a socket on the same bus as Shutter's own gateway (`realtime/`), so an event
published on any process reaches it: `home_post` (the fan-out put a post into the user's
home timeline) becomes `update` with the Status, read through the visibility rule;
`posts_removed` becomes `delete`; `notification` becomes `notification` with the
Notification entities the stream has not sent yet. The limits are the gateway's: a
bounded queue (a stream that cannot keep up is closed), heartbeats (WebSocket pings by
the server, `:thump` comments on the event stream), and a revoked token, app, password
or suspension closes the stream.

A pulled (celebrity) author's posts are not fanned out, so their `home_post` goes to the
author alone. A `user` stream therefore also watches the subject of each pulled author
its user follows (found when it opens, at most `MAX_WATCHED_AUTHORS`) with a
`PulledAuthorWatch`, which passes on only that author's own posts: one publish per post
whatever the follower count, one subscription per process and author on the broker, and
a byte-prefix check per open follower stream in that process for the author's events.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any, cast

import orjson
import structlog
from fastapi import APIRouter, Query, Request, WebSocket
from fastapi.responses import PlainTextResponse, StreamingResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.responses import Response
from starlette.websockets import WebSocketDisconnect

from shutter.context import AppContext
from shutter.errors import ShutterError, Unauthenticated
from shutter.feed import repository as feed_repo
from shutter.http.websocket import run_until_closed
from shutter.mastodon import entities
from shutter.mastodon.api import MastodonRoute, _accounts, _statuses
from shutter.mastodon.entities import Account, Notification, Status, mid
from shutter.mastodon.repository import NOTIFICATION_TYPES
from shutter.notifications import repository as notifications_repo
from shutter.notifications import service as notifications_service
from shutter.notifications.presenters import NotificationOutDict
from shutter.oauth.deps import ApiError
from shutter.oauth.service import Grant, authenticate
from shutter.posts import service as posts_service
from shutter.privacy.visibility import mute_state
from shutter.realtime.bus import CLOSE_UNAUTHENTICATED, Socket
from shutter.realtime.events import (
    HOME_POST,
    OAUTH_REVOKED,
    HomePostEvent,
    OAuthRevokedEvent,
    decode,
)
from shutter.stores.objects import ObjectUrls

router = APIRouter(tags=["mastodon"], route_class=MastodonRoute)
log = structlog.get_logger("shutter.mastodon.streaming")

# The streams a Shutter user has, and the scope each needs (Mastodon's).
STREAM_SCOPES = {"user": "read:statuses", "user:notification": "read:notifications"}
NOTIFICATIONS_READ = 20  # the newest groups looked at per `notification` bus event
CLOSE_WAIT_S = 10.0
_REVOKED_PREFIX = b'{"type":"' + OAUTH_REVOKED.encode() + b'"'
_HOME_POST_PREFIX = b'{"type":"' + HOME_POST.encode() + b'"'
MAX_WATCHED_AUTHORS = 1000  # followed pulled authors a stream hears (few are pulled)
RECENT_UPDATES = 256  # update ids remembered, so an author changing mode is heard once

Message = tuple[list[str], str, str]  # (streams, event, payload)


class StreamSocket(Socket):
    """A socket of one OAuth token: also closed when the token or its app is revoked."""

    streams_timeline = True

    def __init__(self, grant: Grant, user_id: int, queue_size: int) -> None:
        super().__init__(user_id, queue_size, grant.token_version)
        self.grant = grant

    def offer(self, data: bytes) -> None:
        if data.startswith(_REVOKED_PREFIX):
            revoked = cast("OAuthRevokedEvent", orjson.loads(data))
            if str(self.grant.token_id) in revoked["token_ids"] or (
                str(self.grant.app_id) in revoked["app_ids"]
            ):
                self.close(CLOSE_UNAUTHENTICATED, "the access token was revoked")
            return
        super().offer(data)


class PulledAuthorWatch(Socket):
    """A followed pulled author's subject, watched for one stream: the author's own new
    posts go on to the stream's socket; the author's notifications, revocations and the
    posts of others in the author's home are dropped."""

    streams_timeline = True

    def __init__(self, author_id: int, into: StreamSocket) -> None:
        super().__init__(author_id, 1)
        self.into = into
        self._author = str(author_id)

    def offer(self, data: bytes) -> None:
        if data.startswith(_HOME_POST_PREFIX):
            event = cast("HomePostEvent", orjson.loads(data))
            if event["author_id"] == self._author:
                self.into.offer(data)


class Stream:
    """One client's subscriptions, turning bus events into Mastodon's messages."""

    def __init__(self, context: AppContext, grant: Grant, user_id: int, base_url: str) -> None:
        self.context = context
        self.grant = grant
        self.user_id = user_id
        self.base_url = base_url
        self.url_for = ObjectUrls(
            context.objects, base_url, context.settings.story_media_url_ttl_seconds
        )
        self.subscribed: set[str] = set()
        self.socket = StreamSocket(grant, user_id, context.settings.ws_queue_size)
        self._notified: int | None = None  # the newest notification position sent
        self._watches: list[PulledAuthorWatch] = []
        self._updated: dict[int, None] = {}  # the latest update ids sent, oldest first

    def subscribe(self, stream: str) -> str | None:
        """Add a stream; the error message when it cannot be."""
        scope = STREAM_SCOPES.get(stream)
        if scope is None:
            return "Unknown stream type"
        if not self.grant.allows(scope):
            return "Access token does not have the required scopes"
        self.subscribed.add(stream)
        return None

    async def start(self) -> None:
        """Route the user's events here (ready when this returns)."""
        async with self.context.db.read() as conn:
            top = await notifications_repo.page(conn, self.user_id, None, 1)
            pulled = (await self.context.timelines.page(self.user_id, None, 1)).pulled_authors
            followed, _ = await feed_repo.followed_and_tagged(conn, self.user_id, pulled, None, 0)
        self._notified = int(top[0]["sort_id"]) if top else 0
        await self.context.realtime.attach(self.socket)
        for author_id in sorted(followed)[:MAX_WATCHED_AUTHORS]:
            watch = PulledAuthorWatch(author_id, self.socket)
            await self.context.realtime.attach(watch)
            self._watches.append(watch)

    async def stop(self) -> None:
        for watch in self._watches:
            await self.context.realtime.detach(watch)
        await self.context.realtime.detach(self.socket)

    async def messages(self, data: bytes) -> list[Message]:
        """The messages one bus event makes for this client's subscriptions."""
        event = decode(data)
        if event["type"] == "home_post" and "user" in self.subscribed:
            post_id = int(event["post_id"])
            if post_id in self._updated:
                return []  # pushed and pulled at once while its author changed mode
            status = await self._status(post_id)
            if status is None:
                return []
            self._updated[post_id] = None
            if len(self._updated) > RECENT_UPDATES:
                del self._updated[next(iter(self._updated))]
            return [(["user"], "update", _json(status))]
        if event["type"] == "posts_removed" and "user" in self.subscribed:
            return [(["user"], "delete", mid(post_id)) for post_id in event["post_ids"]]
        if event["type"] == "notification":
            streams = sorted(self.subscribed & set(STREAM_SCOPES))
            if "user" in streams and not self.grant.allows("read:notifications"):
                streams.remove("user")
            if streams:
                return [(streams, "notification", _json(n)) for n in await self._notifications()]
        return []

    async def _status(self, post_id: int) -> Status | None:
        async with self.context.db.read() as conn:
            try:  # the visibility rule: gone, hidden or blocked since means no update
                post = await posts_service.get_post(conn, self.user_id, post_id, self.url_for)
            except ShutterError:
                return None
            author_id = int(post["author"]["id"])
            if author_id != self.user_id and (await mute_state(conn, self.user_id, author_id))[0]:
                return None  # muted posts leave the home timeline, so its stream too
            found = await _statuses(conn, [post], self.url_for, self.base_url)
        return found[0] if found else None

    async def _notifications(self) -> list[Notification]:
        async with self.context.db.read() as conn:
            fresh, self._notified = await notifications_service.newer_than(
                conn, self.user_id, self._notified, NOTIFICATIONS_READ, self.url_for
            )
            wanted = [n for n in fresh if n["type"] in NOTIFICATION_TYPES and n["actors"]]
            accounts = await _accounts(
                conn, [int(n["actors"][0]["id"]) for n in wanted], self.url_for, self.base_url
            )
            out = []
            for notification in wanted:
                account = accounts.get(int(notification["actors"][0]["id"]))
                if account is not None:
                    out.append(await self._notification(conn, notification, account))
        return out

    async def _notification(
        self, conn: AsyncConnection, notification: NotificationOutDict, account: Account
    ) -> Notification:
        status = None
        if notification["post"] is not None:
            with contextlib.suppress(ShutterError):
                post = await posts_service.get_post(
                    conn, self.user_id, int(notification["post"]["id"]), self.url_for
                )
                found = await _statuses(conn, [post], self.url_for, self.base_url)
                status = found[0] if found else None
        return entities.notification(
            int(notification["id"]),
            NOTIFICATION_TYPES[notification["type"]],
            notification["created_at"],
            account,
            status,
        )


def _json(value: object) -> str:
    return orjson.dumps(value).decode()


def _bearer(header: str | None) -> str | None:
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


async def _grant(context: AppContext, token: str | None) -> Grant:
    if not token:
        raise ApiError(401, "Missing access token")
    try:
        grant = await authenticate(context, token)
    except Unauthenticated as exc:
        raise ApiError(401, "Invalid access token") from exc
    if grant.user_id is None:
        raise ApiError(401, "This stream requires an authenticated user")
    return grant


def _http_base(base_url: str, context: AppContext) -> str:
    if context.settings.public_url:
        return context.settings.public_url
    return base_url.rstrip("/").replace("ws", "http", 1)


# -- health --------------------------------------------------------------------------------


@router.get("/api/v1/streaming/health", response_class=PlainTextResponse)
async def health() -> Response:
    """Mastodon's streaming health check."""
    return PlainTextResponse("OK")


# -- WebSocket -----------------------------------------------------------------------------


@router.websocket("/api/v1/streaming")
@router.websocket("/api/v1/streaming/")
async def websocket_stream(
    websocket: WebSocket,
    stream: Annotated[str, Query(max_length=64)] = "",
    access_token: Annotated[str, Query(max_length=4096)] = "",
) -> None:
    """`?stream=user&access_token=…` (or the token in Sec-WebSocket-Protocol or an
    Authorization header); then `{"type": "subscribe"|"unsubscribe", "stream": …}`."""
    context: AppContext = websocket.app.state.context
    protocol = websocket.headers.get("sec-websocket-protocol", "").split(",")[0].strip()
    token = access_token or _bearer(websocket.headers.get("authorization")) or protocol
    try:
        grant = await _grant(context, token)
    except ApiError:
        await websocket.close(CLOSE_UNAUTHENTICATED, "Invalid access token")
        return
    except PoolTimeout:
        await websocket.close(1013, "busy; reconnect later")
        return
    assert grant.user_id is not None
    client = Stream(context, grant, grant.user_id, _http_base(str(websocket.base_url), context))
    error = client.subscribe(stream) if stream else None
    if error is None:
        try:  # attached before the handshake ends: once a client is open, events flow
            await client.start()
        except Exception:
            log.exception("streaming_attach_failed", user_id=grant.user_id)
            await websocket.close(1011, "real-time delivery unavailable; reconnect later")
            return
    try:
        await websocket.accept(subprotocol=protocol or None)
        if error is not None:
            await websocket.send_text(_json({"error": error, "status": 400}))
            await websocket.close(1008, error)
            return
        await _serve_websocket(websocket, client)
    except WebSocketDisconnect:
        pass
    finally:
        await client.stop()  # nothing to undo when it never started
    if client.socket.closing.done():
        code, reason = client.socket.closing.result()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(websocket.close(code, reason), CLOSE_WAIT_S)


async def _serve_websocket(websocket: WebSocket, client: Stream) -> None:
    async def send() -> None:
        while True:
            data = await client.socket.queue.get()
            for streams, event, payload in await client.messages(data):
                message = {"stream": streams, "event": event, "payload": payload}
                await websocket.send_text(_json(message))

    async def listen() -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            await _command(websocket, client, message.get("text") or "")

    await run_until_closed(client.socket, send, listen)


async def _command(websocket: WebSocket, client: Stream, text: str) -> None:
    """A client's `subscribe` or `unsubscribe`; anything else answers an error message."""
    try:
        command = orjson.loads(text) if len(text) <= 1024 else None
    except orjson.JSONDecodeError:
        command = None
    if not isinstance(command, dict) or not isinstance(command.get("stream"), str):
        error: str | None = "Invalid JSON or missing stream"
    elif command.get("type") == "subscribe":
        error = client.subscribe(command["stream"])
    elif command.get("type") == "unsubscribe":
        client.subscribed.discard(command["stream"])
        error = None
    else:
        error = "Unknown command type"
    if error is not None:
        await websocket.send_text(_json({"error": error, "status": 400}))


# -- server-sent events --------------------------------------------------------------------


@router.get("/api/v1/streaming/user", response_class=StreamingResponse)
async def user_events(
    request: Request, access_token: Annotated[str, Query(max_length=4096)] = ""
) -> Response:
    """The user stream as server-sent events (what Mastodon.py's `stream_user` reads)."""
    return await _event_stream(request, "user", access_token)


@router.get("/api/v1/streaming/user/notification", response_class=StreamingResponse)
async def notification_events(
    request: Request, access_token: Annotated[str, Query(max_length=4096)] = ""
) -> Response:
    return await _event_stream(request, "user:notification", access_token)


async def _event_stream(request: Request, stream: str, access_token: str) -> Response:
    context: AppContext = request.app.state.context
    token = _bearer(request.headers.get("authorization")) or access_token
    grant = await _grant(context, token)
    assert grant.user_id is not None
    base_url = context.settings.public_url or str(request.base_url).rstrip("/")
    client = Stream(context, grant, grant.user_id, base_url)
    error = client.subscribe(stream)
    if error is not None:
        raise ApiError(403, error)
    heartbeat_s = context.settings.ws_heartbeat_seconds
    return StreamingResponse(
        _events(client, heartbeat_s),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _events(client: Stream, heartbeat_s: float) -> AsyncIterator[bytes]:
    """Subscribe, then events as `event:`/`data:` pairs, a `:thump` comment when idle
    for a heartbeat; ends when the socket must close (slow consumer, revoked token)."""
    closing = client.socket.closing
    try:
        await client.start()
    except Exception:
        log.exception("streaming_attach_failed", user_id=client.user_id)
        return
    try:
        yield b":)\n"  # subscribed: events from here on reach this stream
        while not closing.done():
            getting = asyncio.ensure_future(client.socket.queue.get())
            waited: list[asyncio.Future[Any]] = [getting, closing]
            done, _ = await asyncio.wait(waited, timeout=heartbeat_s)
            if getting not in done:
                getting.cancel()
                if not closing.done():
                    yield b":thump\n"
                continue
            for _streams, event, payload in await client.messages(getting.result()):
                # Clients parse every `data:` as JSON: a padded id (a leading zero) is
                # not a JSON number, so `delete` sends it as a JSON string.
                data = _json(payload) if event == "delete" else payload
                yield f"event: {event}\ndata: {data}\n\n".encode()
    finally:
        await client.stop()
