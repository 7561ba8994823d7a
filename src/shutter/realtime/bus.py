"""The real-time bus: events for a user, delivered to that user's open sockets wherever
they are.

Every API process keeps a `SocketRegistry` of its own sockets. A `RealtimeBus` carries an
event from the process that publishes it (an API process after a commit, a worker after a
notification) to the registry of every process holding a socket of the user:

- `InProcessBus` (embedded profile: one process) hands the event straight to the local
  registry;
- `NatsBus` (distributed profile) publishes on the NATS core subject
  `<namespace>.rt.user.<user id>`; a process subscribes to a user's subject while it holds
  at least one socket of that user, so NATS routes each event only where it is wanted;
- `RedisBus` does the same over Redis pub/sub channels, for a deployment with Redis but
  without NATS.

Delivery is best effort: publishing never raises (a lost event is caught up by the client
through the HTTP API, see docs/messages.md), and a socket that cannot keep up is closed
rather than allowed to buffer without bound. While the broker is down, publishing drops
events at once (Redis: the shared circuit breaker; NATS: the client buffers them until it
has reconnected), and subscriptions come back by themselves when the broker does.

Revocations (a password change, a signed-out session, a suspension) also go to every API
process, whoever holds sockets (`watch_revocations`): each forgets the token versions and
sessions it had confirmed, so it can trust a confirmation for long while it hears them all
(`heard_since`, auth/sessions.py) and the token check costs no query on most requests.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Protocol, TypedDict, cast

import orjson
import structlog

from shutter.realtime.events import (
    HOME_POST,
    OAUTH_REVOKED,
    POSTS_REMOVED,
    SESSIONS_REVOKED,
    RealtimeEvent,
    SessionsRevokedEvent,
)
from shutter.stores.breaker import CircuitBreaker, StoreUnavailable

if TYPE_CHECKING:  # nats-py is imported when the distributed profile runs, not before
    from nats.aio.client import Client as NatsClient
    from nats.aio.msg import Msg
    from nats.aio.subscription import Subscription
    from redis.asyncio import Redis

log = structlog.get_logger("shutter.realtime")

# Close codes of the gateway (docs/messages.md).
CLOSE_SLOW_CONSUMER = 4008
CLOSE_HEARTBEAT_TIMEOUT = 4009
CLOSE_UNAUTHENTICATED = 4401


# Sockets opened with an older token close (4401) instead of receiving this event.
_REVOKED_PREFIX = b'{"type":"' + SESSIONS_REVOKED.encode() + b'"'

# Events only the Mastodon streaming API reads (a post reaching the user's home timeline,
# posts leaving it, OAuth tokens revoked): Shutter's own sockets are not sent them.
_STREAM_ONLY_PREFIXES = tuple(
    b'{"type":"' + kind.encode() + b'"' for kind in (HOME_POST, POSTS_REMOVED, OAUTH_REVOKED)
)


class Socket:
    """One open socket's outgoing queue. Bounded: when it is full the socket is marked
    for closing (a slow consumer), and the client catches up by `after_seq`."""

    # Shutter's own gateway skips the events only the Mastodon streaming API reads.
    streams_timeline = False

    def __init__(
        self, user_id: int, queue_size: int, token_version: int = 0, session_id: int | None = None
    ) -> None:
        self.user_id = user_id
        self.token_version = token_version
        self.session_id = session_id
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(queue_size)
        # Set with (code, reason) when the socket must be closed.
        self.closing: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()

    def offer(self, data: bytes) -> None:
        if self.closing.done():
            return
        if data.startswith(_REVOKED_PREFIX):
            revoked = orjson.loads(data)
            if revoked["token_version"] > self.token_version:
                self.close(CLOSE_UNAUTHENTICATED, "the password changed: log in again")
            elif str(self.session_id) in revoked.get("session_ids", ()):
                self.close(CLOSE_UNAUTHENTICATED, "this session was signed out")
            return
        if not self.streams_timeline and data.startswith(_STREAM_ONLY_PREFIXES):
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


OnRevoked = Callable[[int, list[int]], None]  # (user id, signed-out session ids)


class RealtimeBus(abc.ABC):
    """Publish events to users; attach this process's sockets to receive them."""

    def __init__(self) -> None:
        self.sockets = SocketRegistry()
        self._on_revoked: OnRevoked | None = None

    async def publish(self, user_ids: Iterable[int], event: RealtimeEvent) -> None:
        """Send one event to each user's sockets, everywhere, and a revocation to every
        process. Never raises."""
        data = orjson.dumps(event)
        revoked = None  # `get`: an event without a `type` is delivered all the same
        if event.get("type") == SESSIONS_REVOKED:
            revoked = cast("SessionsRevokedEvent", event).get("session_ids", [])
        for user_id in set(user_ids):
            try:
                await self._send(user_id, data)
                if revoked is not None:
                    sessions = [int(session_id) for session_id in revoked]
                    await self._announce(orjson.dumps({"user_id": user_id, "sessions": sessions}))
            except StoreUnavailable:
                pass  # an outage, logged once by the breaker; clients catch up over HTTP
            except Exception as exc:  # best effort: clients catch up over HTTP
                log.warning("realtime_publish_failed", user_id=user_id, error=str(exc))

    @abc.abstractmethod
    async def _send(self, user_id: int, data: bytes) -> None: ...

    async def watch_revocations(self, on_revoked: OnRevoked) -> None:
        """From now on, call `on_revoked(user_id, session_ids)` for every revocation any
        process publishes. Never raises: without it, `heard_since` stays None."""
        self._on_revoked = on_revoked
        try:
            await self._watch()
        except Exception as exc:
            log.warning("revocation_watch_failed", error=str(exc))

    @abc.abstractmethod
    def heard_since(self) -> float | None:
        """Since when (`time.monotonic()`) this process has heard every revocation
        published anywhere; None when it may be missing some now."""

    @abc.abstractmethod
    async def _watch(self) -> None:
        """Subscribe this process to every process's revocations."""

    @abc.abstractmethod
    async def _announce(self, data: bytes) -> None:
        """Send one revocation to every process."""

    def _heard(self, data: bytes) -> None:
        try:
            revoked = orjson.loads(data)
            user_id = int(revoked["user_id"])
            sessions = [int(session_id) for session_id in revoked["sessions"]]
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("revocation_unreadable", data=data[:200])
            return
        if self._on_revoked is not None:
            self._on_revoked(user_id, sessions)

    async def attach(self, socket: Socket) -> None:
        """Start delivering the user's events to this socket (ready when this returns)."""
        self.sockets.add(socket)

    async def detach(self, socket: Socket) -> None:
        self.sockets.remove(socket)

    async def close(self) -> None:
        self.sockets.close_all(1001, "server shutting down")


class InProcessBus(RealtimeBus):
    """One process: publishing is delivering. As the only API process (`sole_process`,
    the embedded profile) it hears every revocation, made here; one of several API
    processes without a broker (Redis Cluster and no NATS) hears none of the others'."""

    def __init__(self, *, sole_process: bool = False) -> None:
        super().__init__()
        self._since = time.monotonic() if sole_process else None

    async def _send(self, user_id: int, data: bytes) -> None:
        self.sockets.deliver(user_id, data)

    def heard_since(self) -> float | None:
        return self._since

    async def _watch(self) -> None:
        pass  # what is published here is heard here

    async def _announce(self, data: bytes) -> None:
        self._heard(data)


class _RoutedBus(RealtimeBus):
    """A bus over a broker: this process subscribes to a user's events while it holds at
    least one socket of theirs, so the broker routes each event only where it is wanted."""

    def __init__(self) -> None:
        super().__init__()
        # Per user: done once the broker has confirmed this process's interest.
        self._ready: dict[int, asyncio.Future[None]] = {}

    @abc.abstractmethod
    async def _subscribe(self, user_id: int) -> None:
        """Subscribe to the user's events; return once the broker has the interest."""

    @abc.abstractmethod
    async def _unsubscribe(self, user_id: int) -> None: ...

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
                with contextlib.suppress(Exception):  # leave nothing half-subscribed
                    await self._unsubscribe(user_id)
                if isinstance(exc, Exception):
                    ready.set_exception(exc)
                    ready.exception()  # retrieved: the waiters get it, nobody else must
                else:
                    ready.cancel()
                raise
            ready.set_result(None)
        await asyncio.shield(ready)

    async def detach(self, socket: Socket) -> None:
        if not self.sockets.remove(socket):
            return
        self._ready.pop(socket.user_id, None)
        try:
            await self._unsubscribe(socket.user_id)
        except Exception as exc:  # the connection may be closing
            log.warning("realtime_unsubscribe_failed", error=str(exc))


class NatsBus(_RoutedBus):
    """NATS core subjects `<namespace>.rt.user.<id>` (nothing is kept: a socket missing an
    event catches up by seq)."""

    def __init__(self, client: NatsClient, namespace: str) -> None:
        super().__init__()
        self._client = client
        self._prefix = f"{namespace}.rt.user."
        self._revocations = f"{namespace}.rt.revoked"
        self._subscriptions: dict[int, Subscription] = {}
        self._since: float | None = None
        self._reconnects = 0

    async def _send(self, user_id: int, data: bytes) -> None:
        await self._client.publish(f"{self._prefix}{user_id}", data)

    async def _watch(self) -> None:
        async def on_revoked(message: Msg) -> None:
            self._heard(message.data)

        await self._client.subscribe(self._revocations, cb=on_revoked)
        await self._client.flush(timeout=5)  # the server has the interest
        self._reconnects = self._client.stats["reconnects"]
        self._since = time.monotonic()

    def heard_since(self) -> float | None:
        if self._since is None or not self._client.is_connected:
            return None
        reconnects = self._client.stats["reconnects"]
        if reconnects != self._reconnects:
            # Revocations published while this process was disconnected never reached
            # it: only what is confirmed from now on is trusted for long.
            self._reconnects = reconnects
            self._since = time.monotonic()
        return self._since

    async def _announce(self, data: bytes) -> None:
        await self._client.publish(self._revocations, data)

    async def _subscribe(self, user_id: int) -> None:
        async def on_event(message: Msg) -> None:
            self.sockets.deliver(user_id, message.data)

        self._subscriptions[user_id] = await self._client.subscribe(
            f"{self._prefix}{user_id}", cb=on_event
        )
        # The server has the interest once it answers a PING sent after the SUB.
        await self._client.flush(timeout=5)

    async def _unsubscribe(self, user_id: int) -> None:
        subscription = self._subscriptions.pop(user_id, None)
        if subscription is not None:
            await subscription.unsubscribe()


class _PubSubMessage(TypedDict):
    type: str  # "subscribe", "message", ...
    channel: bytes | str
    data: bytes  # (the channel count in a "subscribe" confirmation, never read)


class _PubSub(Protocol):
    """What RedisBus uses of redis-py's `PubSub` (whose `aclose` is untyped)."""

    def subscribe(self, *channels: str) -> Awaitable[object]: ...

    def unsubscribe(self, *channels: str) -> Awaitable[object]: ...

    def get_message(
        self, ignore_subscribe_messages: bool = ..., timeout: float | None = ...
    ) -> Awaitable[_PubSubMessage | None]: ...

    async def aclose(self) -> None: ...


class RedisBus(_RoutedBus):
    """Redis pub/sub channels `<namespace>:rt:user:<id>`, for a deployment with Redis and
    no NATS (single-node Redis). One pub/sub connection per process, read by one task."""

    CONFIRM_S = 5.0

    def __init__(self, redis: Redis, namespace: str, breaker: CircuitBreaker | None = None) -> None:
        super().__init__()
        self._redis = redis
        # Shared with the timeline store: a Redis outage costs one timeout, not one per event.
        self._breaker = breaker or CircuitBreaker("redis", 2.0)
        self._prefix = f"{namespace}:rt:user:"
        self._revocations = f"{namespace}:rt:revoked"
        self._since: float | None = None  # set when the revocation channel is confirmed
        self._pubsub: _PubSub = redis.pubsub()
        self._confirmations: dict[str, asyncio.Future[None]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def _send(self, user_id: int, data: bytes) -> None:
        await self._breaker.call(self._redis.publish, f"{self._prefix}{user_id}", data)

    async def _subscribe(self, user_id: int) -> None:
        await self._subscribe_to(f"{self._prefix}{user_id}")

    async def _subscribe_to(self, channel: str) -> None:
        confirmed = self._confirmations[channel] = asyncio.get_running_loop().create_future()
        try:
            await self._pubsub.subscribe(channel)
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._read(), name="realtime-redis-reader")
            # Redis answers SUBSCRIBE on the pub/sub connection; the reader sees it.
            await asyncio.wait_for(asyncio.shield(confirmed), self.CONFIRM_S)
        finally:
            self._confirmations.pop(channel, None)

    async def _watch(self) -> None:
        await self._subscribe_to(self._revocations)

    def heard_since(self) -> float | None:
        return self._since

    async def _announce(self, data: bytes) -> None:
        await self._breaker.call(self._redis.publish, self._revocations, data)

    async def _unsubscribe(self, user_id: int) -> None:
        await self._pubsub.unsubscribe(f"{self._prefix}{user_id}")

    async def _read(self) -> None:
        failing = False
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # A dropped connection: the next read reconnects and subscribes again to
                # every channel. Logged once per outage, not once a second.
                self._since = None  # revocations published meanwhile are lost to us
                if not failing:
                    log.warning("realtime_redis_read_failed", error=str(exc))
                    failing = True
                await asyncio.sleep(1.0)
                continue
            if failing:
                log.info("realtime_redis_read_resumed")
                failing = False
            if message is None:
                continue
            channel = message["channel"]
            channel = channel.decode() if isinstance(channel, bytes) else str(channel)
            if message["type"] == "subscribe":
                if channel == self._revocations:  # (again, after a reconnection)
                    self._since = time.monotonic()
                confirmed = self._confirmations.get(channel)
                if confirmed is not None and not confirmed.done():
                    confirmed.set_result(None)
            elif message["type"] == "message" and channel == self._revocations:
                self._heard(message["data"])
            elif message["type"] == "message" and channel.startswith(self._prefix):
                self.sockets.deliver(int(channel.removeprefix(self._prefix)), message["data"])

    async def close(self) -> None:
        await super().close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        await self._pubsub.aclose()
