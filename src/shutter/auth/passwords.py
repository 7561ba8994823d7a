"""Password hashing with argon2id, off the event loop (a hash costs tens of milliseconds
and 64 MiB), and the bound on how many run at once.

`PasswordChecks` is what request handlers use: at most `max_concurrent` hashes are
verified or computed at a time in the process; a request waits up to `wait_s` for a slot
and is then refused with `Busy` (503 with Retry-After), so that a burst of logins costs a
bounded amount of memory and CPU and never queues without end. Nobody holds a database
connection while hashing: the callers fetch the hash, release the connection, then verify.
"""

from __future__ import annotations

import asyncio

import anyio.to_thread
import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shutter.errors import Busy

log = structlog.get_logger("shutter.passwords")

_hasher = PasswordHasher()
# Verified against when the account does not exist, so that "no such user" costs the same
# time as "wrong password" and login time does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("shutter-timing-equaliser")

# What a refused client is told to wait: a slot frees within a hash's time.
BUSY_RETRY_AFTER_S = 1


async def hash_password(password: str) -> str:
    """An argon2id hash of `password` (unbounded: scripts and seeding; requests go through
    PasswordChecks)."""
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True if `password` matches; with no hash, spends the same time and returns False."""

    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(verify)


class PasswordChecks:
    """Hashes and verifies passwords, at most `max_concurrent` at once in this process."""

    def __init__(self, max_concurrent: int, wait_s: float) -> None:
        self.max_concurrent = max_concurrent
        self.wait_s = wait_s
        # Made on first use, inside the event loop that serves the requests.
        self._slots: asyncio.Semaphore | None = None

    async def hash(self, password: str) -> str:
        """The hash of a new password; raises Busy when no slot frees in time."""
        await self._acquire()
        try:
            return await hash_password(password)
        finally:
            self._release()

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """As verify_password (a missing hash still costs a verification); raises Busy
        when no slot frees in time."""
        await self._acquire()
        try:
            return await verify_password(password_hash, password)
        finally:
            self._release()

    async def _acquire(self) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_concurrent)
        if not self._slots.locked():  # a free slot: taken without waiting
            await self._slots.acquire()
            return
        try:
            await asyncio.wait_for(self._slots.acquire(), self.wait_s)
        except TimeoutError:
            log.warning("password_checks_busy", max_concurrent=self.max_concurrent)
            raise Busy(
                "Too many sign-ins at once; try again in a moment.",
                retry_after=BUSY_RETRY_AFTER_S,
            ) from None

    def _release(self) -> None:
        assert self._slots is not None
        self._slots.release()
