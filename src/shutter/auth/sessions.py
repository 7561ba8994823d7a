"""Which token version each user's valid tokens carry, and which sessions are alive,
remembered in-process.

Every authenticated request checks that its token's version is still the user's (a
password change bumps it, revoking every earlier token) and that its session was not
signed out. Remembering a confirmed answer saves those primary-key queries on almost
every request. How long an answer is trusted depends on whether this process hears every
revocation (the real-time bus carries each one to every process, `RealtimeBus.heard_since`):

- while it does, an answer confirmed since it started hearing is trusted for
  `TRUSTED_TTL_S`, and a revocation anywhere makes every process forget at once;
- otherwise (no broker, or its connection lost since), for `ttl_s`
  (`SHUTTER_REVOCATION_CHECK_SECONDS`, 2 s): another API process may then accept a revoked
  token for that long.

The process that revokes forgets at once in any case. `TRUSTED_TTL_S` also bounds a
revocation whose broadcast was lost in flight.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

import structlog

from shutter.stores.hydration import Lru

if TYPE_CHECKING:
    from shutter.context import AppContext

log = structlog.get_logger("shutter.auth")

TTL_S = 2.0
TRUSTED_TTL_S = 60.0
V = TypeVar("V")


def never_heard() -> float | None:
    return None


class _Confirmations(Generic[V]):
    """Answers confirmed by the database, and when: trusted for `ttl_s`, or up to
    `TRUSTED_TTL_S` when confirmed since `heard_since()` (None: not hearing revocations)."""

    def __init__(
        self,
        capacity: int = 100_000,
        ttl_s: float = TTL_S,
        heard_since: Callable[[], float | None] = never_heard,
    ) -> None:
        self._check_ttl_s = ttl_s
        self._heard_since = heard_since
        self._answers: Lru[V] = Lru(capacity, max(ttl_s, TRUSTED_TTL_S))

    def _trusted(self, key: int) -> V | None:
        found = self._answers.get(key)
        if found is None:
            return None
        confirmed_at, value = found
        if time.monotonic() - confirmed_at <= self._check_ttl_s:
            return value
        since = self._heard_since()
        return value if since is not None and confirmed_at >= since else None

    def _keep(self, key: int, value: V) -> None:
        self._answers.put_many({key: value})


class TokenVersions(_Confirmations[int]):
    def confirmed(self, user_id: int, version: int) -> bool:
        """True if `version` is this user's current one, as far as this process knows."""
        return self._trusted(user_id) == version

    def remember(self, user_id: int, version: int) -> None:
        self._keep(user_id, version)

    def forget(self, user_id: int) -> None:
        self._answers.forget(user_id)


class RevokedSessions(_Confirmations[bool]):
    """Which sessions were confirmed alive lately, trusted like token versions."""

    def confirmed_alive(self, session_id: int) -> bool:
        return self._trusted(session_id) is True

    def remember_alive(self, session_id: int) -> None:
        self._keep(session_id, True)

    def forget(self, session_ids: list[int]) -> None:
        for session_id in session_ids:
            self._answers.forget(session_id)


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
