"""Headers every HTTP response carries, whatever produced it (API, media files, the web
client's pages and assets)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Browsers must believe the Content-Type: an uploaded file is never run as a script or page.
NOSNIFF = (b"x-content-type-options", b"nosniff")


class SecurityHeadersMiddleware:
    """Adds `X-Content-Type-Options: nosniff` to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == NOSNIFF[0] for name, _ in headers):
                    headers.append(NOSNIFF)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
