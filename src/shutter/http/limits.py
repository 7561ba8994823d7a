"""Limits on what one request or connection may hold: body size, body and header read
time, and the uvicorn options `shutter serve` runs with (docs/operations.md, "Limits:
requests, connections and passwords").

- RequestLimitsMiddleware refuses a body larger than its route class allows with
  `413 body_too_large`: from Content-Length before reading anything, and while streaming
  when the body comes chunked. It answers `408 body_timeout` to a client that stops
  sending in the middle of a body. Either way the connection is closed after the answer.
- HeaderTimeoutProtocol closes a connection whose request head (request line and headers)
  has not arrived in full within the header timeout, which uvicorn has no option for.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import structlog
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from shutter.settings import Settings

log = structlog.get_logger("shutter.http")

# The embedded object store's pre-signed PUT: the route bounds its body by the exact size
# its signed URL names (413/422 size_mismatch, after checking the signature); here it is
# only held to the largest media size, not to the JSON limit.
UPLOAD_PATH_PREFIX = "/media/upload/"


class RequestLimitsMiddleware:
    """Bounds the size of every HTTP request body and the time between its parts."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        body_max_bytes: int,
        upload_max_bytes: int,
        body_read_timeout_s: float,
    ) -> None:
        self.app = app
        self.body_max_bytes = body_max_bytes
        self.upload_max_bytes = upload_max_bytes
        self.body_read_timeout_s = body_read_timeout_s

    def limit_for(self, scope: Scope) -> int:
        """The largest body the request's route class takes."""
        if scope["path"].startswith(UPLOAD_PATH_PREFIX):
            return self.upload_max_bytes
        return self.body_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            # Refused before a byte of the body is read.
            await _refuse(send, 413, "body_too_large", _too_large(limit))
            return

        received = 0
        body_done = False
        refused = False
        answered = False

        async def limited_receive() -> Message:
            nonlocal received, body_done, refused
            if refused:
                return {"type": "http.disconnect"}
            if body_done:  # e.g. a streaming response listening for the disconnect
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.body_read_timeout_s)
            except TimeoutError:
                log.info("body_read_timeout", path=scope["path"], received=received)
                await refuse(408, "body_timeout", "The request body did not arrive in time.")
                return {"type": "http.disconnect"}
            if message["type"] != "http.request":
                return message
            received += len(message.get("body", b""))
            if received > limit:
                await refuse(413, "body_too_large", _too_large(limit))
                return {"type": "http.disconnect"}
            body_done = not message.get("more_body", False)
            return message

        async def refuse(status: int, code: str, text: str) -> None:
            nonlocal refused
            refused = True
            if not answered:
                await _refuse(send, status, code, text)

        async def guarded_send(message: Message) -> None:
            nonlocal answered
            if refused:
                return  # the app's own answer to a refused body goes nowhere
            if message["type"] == "http.response.start":
                answered = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


def _too_large(limit: int) -> str:
    return f"The request body is larger than this address takes ({limit} bytes)."


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = orjson.dumps({"error": {"code": code, "message": message}})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                # The rest of the body is never read: the connection cannot be reused.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


DEFAULT_HEADER_TIMEOUT_S = 10.0


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing connections whose request head is not complete
    within the header timeout of the connection opening or of the head starting. (Idle
    keep-alive connections are closed by uvicorn's own keep-alive timeout.)

    The timeout is read from the uvicorn config (`apply_connection_limits` sets it there),
    which uvicorn hands to the processes of `--workers N` as it is."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout_s: float = getattr(
            self.config, "header_read_timeout", DEFAULT_HEADER_TIMEOUT_S
        )
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_timer is None:
            self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._disarm_head_timer()
        super().on_headers_complete()

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.header_timeout_s, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            log.info("header_read_timeout", client=self.client)
            self.transport.close()


def apply_connection_limits(config: uvicorn.Config, settings: Settings) -> None:
    """Give a uvicorn config the connection limits of the settings (`shutter serve` and the
    test servers): header timeout, keep-alive timeout, concurrency limit."""
    config.http = HeaderTimeoutProtocol
    config.limit_concurrency = settings.concurrency_limit
    config.timeout_keep_alive = settings.keep_alive_timeout_seconds
    setattr(config, "header_read_timeout", settings.header_read_timeout_seconds)  # noqa: B010
