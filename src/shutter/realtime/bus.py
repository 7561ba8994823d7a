"""The real-time bus: events for a user, delivered to that user's open sockets wherever
they are.

Every API process keeps a `SocketRegistry` of its own sockets. A `RealtimeBus` carries an
event from the process that publishes it (an API process after a commit, a worker after a
notification) to the registry of every process holding a socket of the user:

- `InProcessBus` (embedded profile: one process) hands the event straight to the local
  registry;
- `NatsBus` (distributed profile) publishes on the NATS core subject
  `<namespace>.rt.user.<user id>`; a process subscribes to a user's subject while it holds
  at least one socket of that user, so NATS routes each event only where it is wanted.

Delivery is best effort: publishing never raises (a lost event is caught up by the client
through the HTTP API, see docs/messages.md), and a socket that cannot keep up is closed
rather than allowed to buffer without bound.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Iterable
from typing import Any

import orjson
import structlog

log = structlog.get_logger("shutter.realtime")

# Close codes of the gateway (docs/messages.md).
CLOSE_SLOW_CONSUMER = 4008
CLOSE_HEARTBEAT_TIMEOUT = 4009
CLOSE_UNAUTHENTICATED = 4401


# Published to a user when their password changes: sockets opened with an older token
# close (4401) instead of receiving it.
SESSIONS_REVOKED = "sessions_revoked"
_REVOKED_PREFIX = b'{"type":"' + SESSIONS_REVOKED.encode() + b'"'


def sessions_revoked(token_version: int) -> dict[str, Any]:
    """The event that closes the user's sockets opened with tokens older than this."""
    return {"type": SESSIONS_REVOKED, "token_version": token_version}


class Socket:
    """One open socket's outgoing queue. Bounded: when it is full the socket is marked
    for closing (a slow consumer), and the client catches up by `after_seq`."""

    def __init__(self, user_id: int, queue_size: int, token_version: int = 0) -> None:
        self.user_id = user_id
        self.token_version = token_version
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(queue_size)
        # Set with (code, reason) when the socket must be closed.
        self.closing: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()

    def offer(self, data: bytes) -> None:
        if self.closing.done():
            return
        if data.startswith(_REVOKED_PREFIX):
            if orjson.loads(data)["token_version"] > self.token_version:
                self.close(CLOSE_UNAUTHENTICATED, "the password changed: log in again")
            return
        try:
            self.queue.put_nowait(data)
        except asyncio.QueueFull:
            self.close(CLOSE_SLOW_CONSUMER, "slow consumer: reconnect and catch up by after_seq")

    def close(self, code: int, reason: str) -> None:
        if not self.closing.done():
            self.closing.set_result((code, reason))


class SocketRegistry:
    """The sockets open in this process, by user."""

    def __init__(self) -> None:
        self._sockets: dict[int, set[Socket]] = {}

    def add(self, socket: Socket) -> bool:
        """Register a socket; True if it is its user's first one here."""
        sockets = self._sockets.setdefault(socket.user_id, set())
        sockets.add(socket)
        return len(sockets) == 1

    def remove(self, socket: Socket) -> bool:
        """Forget a socket; True if it was its user's last one here."""
        sockets = self._sockets.get(socket.user_id)
        if sockets is None:
            return False
        sockets.discard(socket)
        if sockets:
            return False
        del self._sockets[socket.user_id]
        return True

    def deliver(self, user_id: int, data: bytes) -> None:
        for socket in tuple(self._sockets.get(user_id, ())):
            socket.offer(data)

    def close_all(self, code: int, reason: str) -> None:
        for sockets in self._sockets.values():
            for socket in sockets:
                socket.close(code, reason)

    def __len__(self) -> int:
        return sum(len(sockets) for sockets in self._sockets.values())


class RealtimeBus(abc.ABC):
    """Publish events to users; attach this process's sockets to receive them."""

    def __init__(self) -> None:
        self.sockets = SocketRegistry()

    async def publish(self, user_ids: Iterable[int], event: dict[str, Any]) -> None:
        """Send one event to each user's sockets, everywhere. Never raises."""
        data = orjson.dumps(event)
        for user_id in set(user_ids):
            try:
                await self._send(user_id, data)
            except Exception as exc:  # best effort: clients catch up over HTTP
                log.warning("realtime_publish_failed", user_id=user_id, error=str(exc))

    @abc.abstractmethod
    async def _send(self, user_id: int, data: bytes) -> None: ...

    async def attach(self, socket: Socket) -> None:
        """Start delivering the user's events to this socket (ready when this returns)."""
        self.sockets.add(socket)

    async def detach(self, socket: Socket) -> None:
        self.sockets.remove(socket)

    async def close(self) -> None:
        self.sockets.close_all(1001, "server shutting down")


class InProcessBus(RealtimeBus):
    """One process: publishing is delivering."""

    async def _send(self, user_id: int, data: bytes) -> None:
        self.sockets.deliver(user_id, data)


class NatsBus(RealtimeBus):
    """NATS core subjects (no persistence: a socket missing an event catches up by seq)."""

    def __init__(self, client: Any, namespace: str) -> None:
        super().__init__()
        self._client = client
        self._prefix = f"{namespace}.rt.user."
        self._subscriptions: dict[int, Any] = {}
        # Per user: done once the server has confirmed this process's interest.
        self._ready: dict[int, asyncio.Future[None]] = {}

    async def _send(self, user_id: int, data: bytes) -> None:
        await self._client.publish(f"{self._prefix}{user_id}", data)

    async def attach(self, socket: Socket) -> None:
        user_id = socket.user_id
        self.sockets.add(socket)
        ready = self._ready.get(user_id)
        if ready is None:
            # The user's first socket here subscribes; later ones wait for the same
            # confirmation, so a reconnect storm costs one round trip per user, in parallel.
            ready = self._ready[user_id] = asyncio.get_running_loop().create_future()
            try:
                await self._subscribe(user_id)
            except BaseException as exc:
                del self._ready[user_id]
                await self._unsubscribe(user_id)
                if isinstance(exc, Exception):
                    ready.set_exception(exc)
                    ready.exception()  # retrieved: the waiters get it, nobody else must
                else:
                    ready.cancel()
                raise
            ready.set_result(None)
        await asyncio.shield(ready)

    async def _subscribe(self, user_id: int) -> None:
        async def on_event(message: Any) -> None:
            self.sockets.deliver(user_id, message.data)

        self._subscriptions[user_id] = await self._client.subscribe(
            f"{self._prefix}{user_id}", cb=on_event
        )
        # The server has the interest once it answers a PING sent after the SUB.
        await self._client.flush(timeout=5)

    async def detach(self, socket: Socket) -> None:
        if not self.sockets.remove(socket):
            return
        self._ready.pop(socket.user_id, None)
        await self._unsubscribe(socket.user_id)

    async def _unsubscribe(self, user_id: int) -> None:
        subscription = self._subscriptions.pop(user_id, None)
        if subscription is not None:
            try:
                await subscription.unsubscribe()
            except Exception as exc:  # the connection may be closing
                log.warning("realtime_unsubscribe_failed", error=str(exc))
