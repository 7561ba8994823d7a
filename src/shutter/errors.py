"""Domain errors. Services raise these; the HTTP layer turns them into the error envelope."""

from __future__ import annotations

from datetime import datetime


class ShutterError(Exception):
    """An error the client caused and can act on: carries a status, a code and a message."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class InvalidInput(ShutterError):
    status = 422
    code = "validation_error"


class Unauthenticated(ShutterError):
    status = 401
    code = "unauthenticated"


class MfaRequired(Unauthenticated):
    """The password was right and the account has two-factor sign-in: the error body
    carries a short-lived `challenge` for POST /auth/login/mfa."""

    code = "mfa_required"

    def __init__(self, message: str, *, challenge: str) -> None:
        super().__init__(message)
        self.challenge = challenge


class Forbidden(ShutterError):
    status = 403
    code = "forbidden"


class AccountSuspended(ShutterError):
    """403 `account_suspended`: a moderator suspended the account (until `until`, if set)."""

    status = 403
    code = "account_suspended"

    def __init__(self, until: datetime | None) -> None:
        ending = f" until {until.isoformat()}" if until is not None else ""
        super().__init__(f"This account is suspended{ending}.")
        self.until = until


class NotFound(ShutterError):
    status = 404
    code = "not_found"


class Conflict(ShutterError):
    status = 409
    code = "conflict"


class PayloadTooLarge(ShutterError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(ShutterError):
    status = 415
    code = "unsupported_media_type"


class RateLimited(ShutterError):
    """Too many requests: `retry_after` seconds until one more is allowed."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(ShutterError):
    """Not now: the service sheds load while part of it is down; try again in
    `retry_after` seconds."""

    status = 503
    code = "unavailable"

    def __init__(self, message: str, *, code: str, retry_after: int) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class Busy(ShutterError):
    """The server is at a capacity bound (password checks, database connections, a store it
    needs is down): the client should retry after `retry_after` seconds."""

    status = 503
    code = "busy"

    def __init__(self, message: str, *, retry_after: int = 1, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after
