"""Signed, expiring access tokens (JWT, HS256)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

from shutter.errors import Unauthenticated

ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    token_version: int


class TokenIssuer:
    def __init__(self, secret_key: str, ttl_seconds: int) -> None:
        self._key = secret_key
        self.ttl_seconds = ttl_seconds

    def issue(self, user_id: int, token_version: int) -> str:
        now = int(time.time())
        claims = {
            "sub": str(user_id),
            "ver": token_version,
            "iat": now,
            "exp": now + self.ttl_seconds,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def verify(self, token: str) -> TokenClaims:
        """Decode a token; raises Unauthenticated when it is forged, expired or malformed."""
        try:
            claims = jwt.decode(
                token, self._key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
            )
            return TokenClaims(user_id=int(claims["sub"]), token_version=int(claims.get("ver", 0)))
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("The access token has expired; log in again.") from exc
        except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
            raise Unauthenticated("The access token is not valid.") from exc
