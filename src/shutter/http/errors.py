"""The error envelope, everywhere: {"error": {"code": "...", "message": "..."}}."""

from __future__ import annotations

import errno
from collections.abc import Mapping, Sequence
from typing import TypedDict

import orjson
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic_core import ErrorDetails
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from shutter.errors import (
    AccountSuspended,
    Busy,
    MfaRequired,
    RateLimited,
    ShutterError,
    Unavailable,
)
from shutter.stores.breaker import StoreUnavailable
from shutter.timeutil import isoformat

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
    507: "insufficient_storage",
}
# What says "the disk is full" besides OSError(ENOSPC): SQLite's SQLITE_FULL, PostgreSQL's
# disk_full (SQLSTATE 53100).
_SQLITE_FULL = "database or disk is full"
_PG_DISK_FULL = "53100"

# Seconds a client is told to wait when every database connection stayed busy.
POOL_RETRY_AFTER_S = 2


class FieldErrorDict(TypedDict):
    """One invalid input of a 422 `validation_error` (DESIGN.md's envelope)."""

    field: str
    code: str  # pydantic's error type ("missing", "string_too_long"...)
    message: str


class SuspensionDict(TypedDict):
    """The detail of a 403 `account_suspended`: when it ends (null: not set)."""

    suspended_until: str | None


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    details: Sequence[FieldErrorDict] | Sequence[SuspensionDict] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, object] = {"code": code, "message": message}
    if details:
        body["details"] = details
    if extra:
        body.update(extra)
    response = Response(
        orjson.dumps({"error": body}),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )
    # Also here: the 500 and 507 answers leave from outside every middleware.
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def is_disk_full(exc: BaseException) -> bool:
    """Whether `exc`, or an error it wraps, says the disk (or quota) is full."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen or len(seen) > 20:
            continue
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if _SQLITE_FULL in str(error) or getattr(error, "sqlstate", None) == _PG_DISK_FULL:
            return True
        if isinstance(error, BaseExceptionGroup):
            pending.extend(error.exceptions)
        pending += [error.__cause__, error.__context__, getattr(error, "orig", None)]
    return False


def _describe(error: ErrorDetails) -> FieldErrorDict:
    location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    # pydantic prefixes the message of a validator's ValueError; the reader needs only ours.
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    # The error's own code (pydantic's type: "missing", "string_too_long"...): the web
    # client words a field's error in the reader's language by field and code.
    return {"field": location, "code": str(error.get("type", "invalid")), "message": message}


async def _on_shutter_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ShutterError)
    retry_after = exc.retry_after if isinstance(exc, RateLimited | Unavailable | Busy) else None
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    extra = {"challenge": exc.challenge} if isinstance(exc, MfaRequired) else None
    details: list[SuspensionDict] | None = None
    if isinstance(exc, AccountSuspended):  # the client shows when it ends (null: not set)
        details = [{"suspended_until": isoformat(exc.until)}]
    return error_response(
        exc.status, exc.code, exc.message, details=details, headers=headers, extra=extra
    )


async def _on_store_unavailable(_request: Request, exc: Exception) -> Response:
    # A Redis outage on a path with no fallback: the breaker has logged it once already.
    assert isinstance(exc, StoreUnavailable)
    return error_response(
        503,
        "temporarily_unavailable",
        "Part of the service is unavailable; try again shortly.",
        headers={"Retry-After": exc.retry_after_header},
    )


async def _on_pool_timeout(request: Request, _exc: Exception) -> Response:
    """No database connection came free within SHUTTER_DATABASE_POOL_TIMEOUT_SECONDS: the
    server is overloaded, not broken. Answer at once with when to come back, rather than
    a 500 (or, with the old 30 s wait, a request that hangs)."""
    log.warning("database_pool_exhausted", path=request.url.path)
    context = getattr(request.app.state, "context", None)
    metrics = context.metrics if context is not None else None
    if metrics is not None:
        metrics.pool_timeouts.inc()
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
    nothing: FieldErrorDict = {"field": "", "code": "invalid", "message": "invalid request"}
    first = details[0] if details else nothing
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
    # Starlette answers a 500 outside the request-id middleware, so the id that the log
    # line carries is added here: it is what the client quotes when reporting the error.
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    headers = {"X-Request-ID": request_id} if request_id else None
    if is_disk_full(exc):
        log.error("disk_full", path=request.url.path, error_type=type(exc).__name__)
        return error_response(
            507,
            "insufficient_storage",
            "The server has run out of storage space; nothing was saved. Try again later.",
            headers=headers,
        )
    log.exception("unhandled_error", path=request.url.path, error_type=type(exc).__name__)
    return error_response(
        500, "internal_error", "Something went wrong on our side.", headers=headers
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ShutterError, _on_shutter_error)
    app.add_exception_handler(StoreUnavailable, _on_store_unavailable)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(PoolTimeout, _on_pool_timeout)
    app.add_exception_handler(Exception, _on_unexpected_error)
