"""The error envelope, everywhere: {"error": {"code": "...", "message": "..."}}."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from shutter.errors import Busy, RateLimited, ShutterError

log = structlog.get_logger("shutter.http")

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "busy",
}

# Seconds a client is told to wait when every database connection stayed busy.
POOL_RETRY_AFTER_S = 2


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    details: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return Response(
        orjson.dumps({"error": body}),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _describe(error: dict[str, Any]) -> dict[str, Any]:
    location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    return {"field": location, "message": str(error.get("msg", "invalid"))}


async def _on_shutter_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ShutterError)
    retry_after = exc.retry_after if isinstance(exc, RateLimited | Busy) else None
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return error_response(exc.status, exc.code, exc.message, headers=headers)


async def _on_pool_timeout(request: Request, _exc: Exception) -> Response:
    """No database connection came free within SHUTTER_DATABASE_POOL_TIMEOUT_SECONDS: the
    server is overloaded, not broken. Answer at once with when to come back, rather than
    a 500 (or, with the old 30 s wait, a request that hangs)."""
    log.warning("database_pool_exhausted", path=request.url.path)
    return error_response(
        503,
        "busy",
        "The server is busy; try again in a moment.",
        headers={"Retry-After": str(POOL_RETRY_AFTER_S)},
    )


async def _on_validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(error.get("type") == "json_invalid" for error in errors):
        return error_response(400, "malformed_json", "The request body is not valid JSON.")
    details = [_describe(error) for error in errors]
    first = details[0] if details else {"field": "", "message": "invalid request"}
    where = f"{first['field']}: " if first["field"] else ""
    return error_response(422, "validation_error", f"{where}{first['message']}", details=details)


async def _on_http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    if exc.status_code == 404 and message == "Not Found":
        message = "There is nothing at this address."
    return error_response(exc.status_code, code, message, headers=exc.headers)


async def _on_unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled_error", path=request.url.path, error_type=type(exc).__name__)
    # Starlette answers a 500 outside the request-id middleware, so the id that the log
    # line carries is added here: it is what the client quotes when reporting the error.
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    headers = {"X-Request-ID": request_id} if request_id else None
    return error_response(
        500, "internal_error", "Something went wrong on our side.", headers=headers
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ShutterError, _on_shutter_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(PoolTimeout, _on_pool_timeout)
    app.add_exception_handler(Exception, _on_unexpected_error)
