"""WS /api/v1/ws?ticket=…: the real-time gateway (protocol in docs/messages.md).

A client first asks `POST /api/v1/ws/ticket` (authenticated) for a ticket: it lasts
SHUTTER_WS_TICKET_TTL_SECONDS (30 s) and opens one socket, so the URL, which proxies and
browsers log, never holds the long-lived access token. (`?token=` is still accepted, for
clients written before tickets; it is deprecated.)

After the ticket is checked (as for HTTP: revoked tokens are refused) the socket receives
`{"type": "hello"}` once its events are routed to it, then `message`, `read` and
`notification` events, and a `ping` every heartbeat period, which the client answers
with any frame (`{"type": "pong"}`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import orjson
import structlog
from fastapi import APIRouter, Query, WebSocket
from pydantic import BaseModel
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.responses import Response
from starlette.websockets import WebSocketDisconnect

from shutter.auth.sessions import redeem_once
from shutter.auth.viewer import Viewer, authenticate, current_viewer
from shutter.context import AppContext
from shutter.errors import Unauthenticated
from shutter.http.deps import Context, CurrentUser
from shutter.http.responses import json_response
from shutter.realtime.bus import CLOSE_HEARTBEAT_TIMEOUT, CLOSE_UNAUTHENTICATED, Socket

router = APIRouter(tags=["real-time"])
log = structlog.get_logger("shutter.realtime")

PING = orjson.dumps({"type": "ping"})
CLOSE_WAIT_S = 10.0
CLOSE_TRY_AGAIN_LATER = 1013  # RFC 6455


class WsTicketOut(BaseModel):
    ticket: str
    expires_in: int


@router.post("/ws/ticket", response_model=WsTicketOut)
async def ws_ticket(viewer: CurrentUser, context: Context) -> Response:
    """A short-lived, single-use ticket for opening the WebSocket: `WS /ws?ticket=…`."""
    ttl = context.settings.ws_ticket_ttl_seconds
    ticket = context.tokens.issue_ws_ticket(viewer.id, viewer.token_version, ttl, viewer.session_id)
    return json_response({"ticket": ticket, "expires_in": ttl})


@router.websocket("/ws")
async def gateway(
    websocket: WebSocket,
    ticket: Annotated[str, Query(max_length=4096, description="a ticket from /ws/ticket")] = "",
    token: Annotated[
        str, Query(max_length=4096, description="an access token (deprecated: use a ticket)")
    ] = "",
) -> None:
    context: AppContext = websocket.app.state.context
    await websocket.accept()
    try:
        viewer = await _redeem(context, ticket) if ticket else await authenticate(context, token)
    except Unauthenticated as exc:
        await websocket.close(CLOSE_UNAUTHENTICATED, exc.message[:120])
        return
    except PoolTimeout:  # no database connection came free in time: come back later
        await websocket.close(CLOSE_TRY_AGAIN_LATER, "busy; reconnect later")
        return
    settings = context.settings
    socket = Socket(viewer.id, settings.ws_queue_size, viewer.token_version, viewer.session_id)
    try:
        if await _attached(context, socket):
            hello = {"type": "hello", "user_id": str(viewer.id)}
            await websocket.send_text(
                orjson.dumps(hello | {"heartbeat_s": settings.ws_heartbeat_seconds}).decode()
            )
            await _serve(websocket, socket, settings.ws_heartbeat_seconds)
    except WebSocketDisconnect:
        pass
    finally:
        await context.realtime.detach(socket)
    if socket.closing.done():
        code, reason = socket.closing.result()
        log.info("socket_closed", user_id=socket.user_id, code=code)
        # The close frame queues behind what the client has not read yet; give it time.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(websocket.close(code, reason), CLOSE_WAIT_S)


async def _redeem(context: AppContext, ticket: str) -> Viewer:
    """The user a ticket stands for, the first time it is shown while it lasts; raises
    Unauthenticated otherwise, or when its token version was revoked since."""
    claims = context.tokens.verify_ws_ticket(ticket)
    first = await redeem_once(context, "ws-ticket", claims.ticket_id, int(claims.expires_at))
    if not first:
        raise Unauthenticated("This ticket was already used; ask for a new one.")
    return await current_viewer(context, claims.user_id, claims.token_version, claims.session_id)


async def _attached(context: AppContext, socket: Socket) -> bool:
    """Route the user's events to the socket; False (the socket marked to close with
    1011, the client retries later) when the bus cannot, e.g. NATS is unreachable."""
    try:
        await context.realtime.attach(socket)
    except Exception:
        log.exception("realtime_attach_failed", user_id=socket.user_id)
        socket.close(1011, "real-time delivery unavailable; reconnect later")
        return False
    return True


async def _serve(websocket: WebSocket, socket: Socket, heartbeat_s: float) -> None:
    """Send queued events and pings, hear the client, until one side ends it."""
    loop = asyncio.get_running_loop()
    last_heard = loop.time()

    async def send() -> None:
        while True:
            data = await socket.queue.get()
            await websocket.send_text(data.decode())

    async def listen() -> None:
        nonlocal last_heard
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            last_heard = loop.time()

    async def beat() -> None:
        while True:
            await asyncio.sleep(heartbeat_s)
            if loop.time() - last_heard > 2 * heartbeat_s:
                socket.close(CLOSE_HEARTBEAT_TIMEOUT, "no answer to heartbeats")
                return
            socket.offer(PING)

    await run_until_closed(socket, send, listen, beat)


async def run_until_closed(socket: Socket, *works: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a socket's loops until one ends or the socket must close; then stop them all."""
    tasks = [asyncio.create_task(work()) for work in works]
    try:
        watched: list[asyncio.Future[Any]] = [*tasks, socket.closing]
        await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
