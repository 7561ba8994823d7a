"""The response contract: every 2xx JSON body a route answers with must validate against
the route's documented `response_model` (the OpenAPI schema the clients are generated
from). Routes encode their bodies once with orjson (http/responses.py) and bypass
FastAPI's response validation, so nothing else checks that the two agree.

`ContractCheck` is an ASGI middleware the integration tests put around the app under
test; every violation is kept, and the test fails with them at teardown.
"""

from __future__ import annotations

import functools
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send


@functools.cache
def _adapter(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)


def documented_route(scope: Scope) -> APIRoute | None:
    """The API route that answered this request, which routing left in the scope (None
    for static files and the web client's pages)."""
    route = scope.get("route")
    return route if isinstance(route, APIRoute) else None


def violations_of(route: APIRoute, body: bytes) -> str | None:
    """Why this 2xx JSON body breaks the route's contract, or None if it keeps it."""
    if not route.include_in_schema:
        return None
    if route.response_model is None:
        return "answers JSON but documents no response_model"
    try:
        _adapter(route.response_model).validate_python(orjson.loads(body), strict=False)
    except ValidationError as exc:
        return str(exc)
    return None


@dataclass
class ContractCheck:
    inner: ASGIApp
    violations: list[str] = field(default_factory=list)
    checked: int = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        status = 0
        is_json = False
        chunks: list[bytes] = []

        async def capture(message: MutableMapping[str, Any]) -> None:
            nonlocal status, is_json
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = dict(message.get("headers", []))
                is_json = headers.get(b"content-type", b"").startswith(b"application/json")
            elif message["type"] == "http.response.body" and 200 <= status < 300 and is_json:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._check(scope, status, b"".join(chunks))
            await send(message)

        await self.inner(scope, receive, capture)

    def _check(self, scope: Scope, status: int, body: bytes) -> None:
        route = documented_route(scope)
        if route is None or not body:
            return
        self.checked += 1
        problem = violations_of(route, body)
        if problem is not None:
            self.violations.append(
                f"{scope['method']} {scope['path']} ({route.name}) -> {status}: {problem}"
                f"\nbody: {body[:600]!r}"
            )


def install(app: FastAPI) -> ContractCheck:
    """Wrap the app (before it starts) so that every response is checked."""
    check = ContractCheck(app.build_middleware_stack())
    app.middleware_stack = check
    return check
