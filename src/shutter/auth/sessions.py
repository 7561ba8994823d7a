"""Which token version each user's valid tokens carry, remembered briefly in-process.

Every authenticated request checks that its token's version is still the user's (a
password change bumps it, revoking every earlier token). Remembering a confirmed version
for `TTL_S` seconds saves that primary-key query on almost every request. The process
that changes a password forgets the user at once; another API process may accept a
revoked token for at most `TTL_S` seconds more.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import structlog

from shutter.stores.hydration import Lru

if TYPE_CHECKING:
    from shutter.context import AppContext

log = structlog.get_logger("shutter.auth")

TTL_S = 2.0


class TokenVersions:
    def __init__(self, capacity: int = 100_000, ttl_s: float = TTL_S) -> None:
        self._versions: Lru[int] = Lru(capacity, ttl_s)

    def confirmed(self, user_id: int, version: int) -> bool:
        """True if `version` was this user's current one less than TTL_S ago."""
        found, _ = self._versions.get_many((user_id,))
        return found.get(user_id) == version

    def remember(self, user_id: int, version: int) -> None:
        self._versions.put_many({user_id: version})

    def forget(self, user_id: int) -> None:
        self._versions.forget(user_id)


class RevokedSessions:
    """Which sessions were confirmed alive lately, remembered for `TTL_S` seconds like token
    versions: a session revoked on another API process stops working there within TTL_S."""

    def __init__(self, capacity: int = 100_000, ttl_s: float = TTL_S) -> None:
        self._alive: Lru[bool] = Lru(capacity, ttl_s)

    def confirmed_alive(self, session_id: int) -> bool:
        found, _ = self._alive.get_many((session_id,))
        return found.get(session_id) is True

    def remember_alive(self, session_id: int) -> None:
        self._alive.put_many({session_id: True})

    def forget(self, session_ids: list[int]) -> None:
        for session_id in session_ids:
            self._alive.forget(session_id)


class UsedTickets:
    """WebSocket tickets already redeemed in this process, remembered until they expire,
    so that each opens one socket (across processes, Redis keeps the same record)."""

    def __init__(self) -> None:
        self._expiry: dict[str, float] = {}

    def redeem(self, ticket_id: str, expires_at: float) -> bool:
        """True the first time a ticket is shown; False after."""
        now = time.time()
        if len(self._expiry) > 1000:  # forget the expired ones now and then
            self._expiry = {key: at for key, at in self._expiry.items() if at >= now}
        if ticket_id in self._expiry:
            return False
        self._expiry[ticket_id] = expires_at
        return True


async def redeem_once(context: AppContext, kind: str, token_id: str, expires_at: int) -> bool:
    """True the first time a single-use token (a WebSocket ticket, a sign-in challenge) is
    redeemed while it lasts, False after. Redis keeps the record for every API process;
    when it is unreachable, this process's own record stands in (the token is still
    short-lived and signed)."""
    if context.redis is not None:
        key = f"{context.settings.namespace}:{kind}:{token_id}"
        try:
            return bool(await context.redis.set(key, 1, nx=True, exat=expires_at + 1))
        except Exception as exc:
            log.warning("single_use_record_unavailable", kind=kind, error=type(exc).__name__)
    return context.used_tickets.redeem(f"{kind}:{token_id}", expires_at)
