"""WS /api/v1/ws?token=…: the real-time gateway (protocol in docs/messages.md).

After the token is checked (as for HTTP: revoked tokens are refused) the socket receives
`{"type": "hello"}` once its events are routed to it, then `message`, `read` and
`notification` events, and a `ping` every heartbeat period, which the client answers
with any frame (`{"type": "pong"}`).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated, Any

import orjson
import structlog
from fastapi import APIRouter, Query, WebSocket
from starlette.websockets import WebSocketDisconnect

from shutter.context import AppContext
from shutter.errors import Unauthenticated
from shutter.http.deps import authenticate
from shutter.realtime.bus import CLOSE_HEARTBEAT_TIMEOUT, CLOSE_UNAUTHENTICATED, Socket

router = APIRouter(tags=["real-time"])
log = structlog.get_logger("shutter.realtime")

PING = orjson.dumps({"type": "ping"})
CLOSE_WAIT_S = 10.0


@router.websocket("/ws")
async def gateway(
    websocket: WebSocket,
    token: Annotated[str, Query(max_length=4096, description="an access token")] = "",
) -> None:
    context: AppContext = websocket.app.state.context
    await websocket.accept()
    try:
        viewer = await authenticate(context, token)
    except Unauthenticated as exc:
        await websocket.close(CLOSE_UNAUTHENTICATED, exc.message[:120])
        return
    settings = context.settings
    version = context.tokens.verify(token).token_version  # checked current just above
    socket = Socket(viewer.id, settings.ws_queue_size, version)
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

    tasks = [asyncio.create_task(work()) for work in (send, listen, beat)]
    try:
        watched: list[asyncio.Future[Any]] = [*tasks, socket.closing]
        await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
