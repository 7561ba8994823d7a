"""Signed, expiring access tokens (JWT, HS256), and WebSocket tickets: short-lived tokens
of their own kind (`typ: ws`) that stand in for the access token in the socket's URL,
where proxies log it, and page tokens (`typ: page`): the web client's cookie that lets the
page itself carry the first feed page (web/api.py). No kind is accepted as another."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import jwt

from shutter.errors import Unauthenticated

ALGORITHM = "HS256"
WS_TICKET = "ws"
PAGE_TOKEN = "page"  # noqa: S105 - a kind of token, not a secret


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    token_version: int
    session_id: int | None = None  # tokens issued before sessions had none


@dataclass(frozen=True, slots=True)
class TicketClaims:
    user_id: int
    token_version: int
    ticket_id: str
    expires_at: int
    session_id: int | None = None


# Access tokens verified lately, by their exact text: a client sends the same token with
# every request until it is refreshed, and decoding it again (base64, JSON, HMAC, claim
# checks) is a good part of a small request's CPU. Only tokens whose signature checked
# out are kept, with their expiry, which a hit still enforces; the oldest go first.
VERIFIED_TOKENS_MAX = 20_000


class TokenIssuer:
    def __init__(self, secret_key: str, ttl_seconds: int) -> None:
        self._key = secret_key
        self.ttl_seconds = ttl_seconds
        self._verified: dict[str, tuple[TokenClaims, float]] = {}

    def issue(self, user_id: int, token_version: int, session_id: int | None = None) -> str:
        now = int(time.time())
        claims: dict[str, object] = {
            "sub": str(user_id),
            "ver": token_version,
            "iat": now,
            "exp": now + self.ttl_seconds,
        }
        if session_id is not None:
            claims["sid"] = str(session_id)
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def verify(self, token: str) -> TokenClaims:
        """Decode a token; raises Unauthenticated when it is forged, expired or malformed.
        A token verified lately is not decoded again until it expires."""
        seen = self._verified.get(token)
        if seen is not None:
            if seen[1] > time.time():
                return seen[0]
            self._verified.pop(token, None)  # expired: decoding it says so
        claims, expires_at = self._decode(token)
        if len(self._verified) >= VERIFIED_TOKENS_MAX:
            self._verified.pop(next(iter(self._verified)), None)  # the oldest
        self._verified[token] = (claims, expires_at)
        return claims

    def _decode(self, token: str) -> tuple[TokenClaims, float]:
        try:
            claims = jwt.decode(
                token, self._key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
            )
            if "typ" in claims:  # a ticket, not an access token
                raise jwt.InvalidTokenError("not an access token")
            decoded = TokenClaims(
                user_id=int(claims["sub"]),
                token_version=int(claims.get("ver", 0)),
                session_id=int(claims["sid"]) if "sid" in claims else None,
            )
            return decoded, float(claims["exp"])
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("The access token has expired; log in again.") from exc
        except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
            raise Unauthenticated("The access token is not valid.") from exc

    def issue_ws_ticket(
        self, user_id: int, token_version: int, ttl_seconds: int, session_id: int | None = None
    ) -> str:
        """A ticket for opening one WebSocket as this user, valid for `ttl_seconds`."""
        now = int(time.time())
        claims: dict[str, object] = {
            "sub": str(user_id),
            "ver": token_version,
            "typ": WS_TICKET,
            "jti": secrets.token_urlsafe(12),
            "iat": now,
            "exp": now + ttl_seconds,
        }
        if session_id is not None:
            claims["sid"] = str(session_id)
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def issue_page_token(
        self, user_id: int, token_version: int, session_id: int, ttl_seconds: int
    ) -> str:
        """The page cookie's value: the session's user, version and id, for `ttl_seconds`
        (the refresh token's lifetime: it is issued again with every refresh)."""
        now = int(time.time())
        claims: dict[str, object] = {
            "sub": str(user_id),
            "ver": token_version,
            "sid": str(session_id),
            "typ": PAGE_TOKEN,
            "iat": now,
            "exp": now + ttl_seconds,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def verify_page_token(self, token: str) -> TokenClaims:
        """Decode a page token; raises Unauthenticated when it is forged, expired, malformed
        or another kind of token."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                options={"require": ["exp", "sub", "sid", "typ"]},
            )
            if claims["typ"] != PAGE_TOKEN:
                raise jwt.InvalidTokenError("not a page token")
            return TokenClaims(
                user_id=int(claims["sub"]),
                token_version=int(claims.get("ver", 0)),
                session_id=int(claims["sid"]),
            )
        except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
            raise Unauthenticated("The page token is not valid.") from exc

    def verify_ws_ticket(self, ticket: str) -> TicketClaims:
        """Decode a WebSocket ticket; raises Unauthenticated when it is forged, expired,
        malformed or another kind of token."""
        try:
            claims = jwt.decode(
                ticket,
                self._key,
                algorithms=[ALGORITHM],
                options={"require": ["exp", "sub", "jti", "typ"]},
            )
            if claims["typ"] != WS_TICKET:
                raise jwt.InvalidTokenError("not a WebSocket ticket")
            return TicketClaims(
                user_id=int(claims["sub"]),
                token_version=int(claims.get("ver", 0)),
                ticket_id=str(claims["jti"]),
                expires_at=int(claims["exp"]),
                session_id=int(claims["sid"]) if "sid" in claims else None,
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("The ticket has expired; ask for a new one.") from exc
        except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
            raise Unauthenticated("The ticket is not valid.") from exc
