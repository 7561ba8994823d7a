"""The real-time bus without a network: who gets an event, the bounded queue that closes
a slow consumer, and NATS interest that follows the sockets a process holds."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from shutter.realtime.bus import (
    CLOSE_SLOW_CONSUMER,
    CLOSE_UNAUTHENTICATED,
    InProcessBus,
    NatsBus,
    Socket,
)
from shutter.realtime.events import sessions_revoked


def drained(socket: Socket) -> list[dict[str, Any]]:
    events = []
    while not socket.queue.empty():
        events.append(orjson.loads(socket.queue.get_nowait()))
    return events


async def test_an_event_reaches_every_socket_of_its_user_and_no_other() -> None:
    bus = InProcessBus()
    phone, laptop, stranger = Socket(1, 8), Socket(1, 8), Socket(2, 8)
    for socket in (phone, laptop, stranger):
        await bus.attach(socket)
    await bus.publish([1], {"type": "message", "n": 1})
    assert drained(phone) == drained(laptop) == [{"type": "message", "n": 1}]
    assert drained(stranger) == []

    await bus.detach(phone)
    await bus.publish([1, 2], {"type": "read"})
    assert drained(phone) == []
    assert drained(laptop) == drained(stranger) == [{"type": "read"}]


async def test_a_full_queue_closes_the_socket_as_a_slow_consumer() -> None:
    bus = InProcessBus()
    slow = Socket(1, 2)
    await bus.attach(slow)
    for n in range(3):
        await bus.publish([1], {"n": n})
    assert slow.closing.done()
    assert slow.closing.result()[0] == CLOSE_SLOW_CONSUMER
    await bus.publish([1], {"n": 3})  # nothing more is queued for a closing socket
    assert [event["n"] for event in drained(slow)] == [0, 1]


class FakeNats:
    """Records subscriptions; publishing loops back like a NATS server would."""

    def __init__(self, *, fail_publish: bool = False) -> None:
        self.callbacks: dict[str, Any] = {}
        self.fail_publish = fail_publish
        self.subscribes = 0
        self.fail_flush = False
        self.stats = {"reconnects": 0}
        self.is_connected = True

    async def subscribe(self, subject: str, cb: Any) -> Any:
        self.subscribes += 1
        self.callbacks[subject] = cb
        nats = self

        class Subscription:
            async def unsubscribe(self) -> None:
                del nats.callbacks[subject]

        return Subscription()

    async def flush(self, timeout: float) -> None:
        await asyncio.sleep(0.01)  # a round trip, during which other sockets attach
        if self.fail_flush:
            raise TimeoutError("no answer from the server")

    async def publish(self, subject: str, data: bytes) -> None:
        if self.fail_publish:
            raise ConnectionError("nats is down")
        if subject in self.callbacks:

            class Message:
                pass

            message = Message()
            message.data = data  # type: ignore[attr-defined]
            await self.callbacks[subject](message)


async def test_nats_interest_follows_the_sockets_held() -> None:
    nats = FakeNats()
    bus = NatsBus(nats, "ns")
    first, second = Socket(7, 8), Socket(7, 8)
    await bus.attach(first)
    await bus.attach(second)
    assert list(nats.callbacks) == ["ns.rt.user.7"]  # one subscription per user
    await bus.publish([7], {"type": "message"})
    assert drained(first) == drained(second) == [{"type": "message"}]
    await bus.detach(first)
    assert list(nats.callbacks) == ["ns.rt.user.7"]
    await bus.detach(second)
    assert nats.callbacks == {}


async def test_publishing_never_raises() -> None:
    bus = NatsBus(FakeNats(fail_publish=True), "ns")
    await bus.publish([1, 2], {"type": "notification"})  # logged, not raised


async def test_a_password_change_closes_only_sockets_of_older_tokens() -> None:
    bus = InProcessBus()
    old, current = Socket(1, 8, token_version=0), Socket(1, 8, token_version=1)
    await bus.attach(old)
    await bus.attach(current)
    await bus.publish([1], sessions_revoked(1))
    assert old.closing.done()
    assert old.closing.result()[0] == CLOSE_UNAUTHENTICATED
    assert not current.closing.done()
    assert drained(current) == []  # a control event, never forwarded to clients


async def test_sockets_attaching_at_once_share_one_confirmed_subscription() -> None:
    nats = FakeNats()
    bus = NatsBus(nats, "ns")
    sockets = [Socket(7, 8) for _ in range(20)]
    await asyncio.gather(*(bus.attach(socket) for socket in sockets))
    assert nats.subscribes == 1
    await bus.publish([7], {"type": "message"})
    assert all(drained(socket) == [{"type": "message"}] for socket in sockets)


async def test_a_failed_subscription_leaves_nothing_behind() -> None:
    nats = FakeNats()
    nats.fail_flush = True
    bus = NatsBus(nats, "ns")
    failed = Socket(7, 8)
    with pytest.raises(TimeoutError):
        await bus.attach(failed)
    await bus.detach(failed)  # as the gateway does when attaching fails
    assert nats.callbacks == {}
    assert len(bus.sockets) == 0
    nats.fail_flush = False
    socket = Socket(7, 8)
    await bus.attach(socket)  # the next socket subscribes afresh
    await bus.publish([7], {"type": "message"})
    assert drained(socket) == [{"type": "message"}]
