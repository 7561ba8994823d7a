"""Token checks without a query: a confirmed token version or live session is trusted for
long only while the process hears every revocation, and a revocation anywhere makes every
process forget it at once (auth/sessions.py, realtime/bus.py)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from shutter.auth.sessions import TRUSTED_TTL_S, RevokedSessions, TokenVersions
from shutter.realtime.bus import InProcessBus, NatsBus
from shutter.realtime.events import sessions_revoked
from shutter.stores import hydration
from tests.unit.test_realtime_bus import FakeNats

LONG_AGO = -1e9  # a time before anything was confirmed


def test_without_hearing_revocations_a_confirmation_is_trusted_briefly() -> None:
    versions = TokenVersions(ttl_s=60)
    versions.remember(7, 3)
    assert versions.confirmed(7, 3)
    assert not versions.confirmed(7, 2)  # another version is never confirmed

    deaf = TokenVersions(ttl_s=0)  # the check TTL over at once
    deaf.remember(7, 3)
    assert not deaf.confirmed(7, 3)


def test_while_hearing_every_revocation_a_confirmation_is_trusted_for_long() -> None:
    versions = TokenVersions(ttl_s=0, heard_since=lambda: LONG_AGO)
    sessions = RevokedSessions(ttl_s=0, heard_since=lambda: LONG_AGO)
    versions.remember(7, 3)
    sessions.remember_alive(70)

    assert versions.confirmed(7, 3)
    assert sessions.confirmed_alive(70)

    versions.forget(7)
    sessions.forget([70])
    assert not versions.confirmed(7, 3)
    assert not sessions.confirmed_alive(70)


def test_a_confirmation_made_before_a_gap_in_hearing_is_not_trusted_for_long() -> None:
    heard_since: list[float | None] = [LONG_AGO]
    versions = TokenVersions(ttl_s=0, heard_since=lambda: heard_since[0])
    versions.remember(7, 3)

    heard_since[0] = None  # the broker connection is lost
    assert not versions.confirmed(7, 3)

    heard_since[0] = time.monotonic() + 1  # back, but revocations meanwhile were lost
    assert not versions.confirmed(7, 3)
    versions.remember(7, 3)  # confirmed by the database again: trusted again
    heard_since[0] = time.monotonic() - 1
    assert versions.confirmed(7, 3)


def test_trust_ends_after_the_trusted_ttl_whatever_was_heard(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    versions = TokenVersions(ttl_s=0, heard_since=lambda: LONG_AGO)
    versions.remember(7, 3)
    later = time.monotonic() + TRUSTED_TTL_S + 1
    monkeypatch.setattr(hydration.time, "monotonic", lambda: later)

    assert not versions.confirmed(7, 3)


class Server:
    """One NATS server that two API processes' clients share."""

    def __init__(self) -> None:
        self.subscribers: dict[str, list[FakeNats]] = {}

    def client(self) -> FakeNats:
        server = self

        class Client(FakeNats):
            async def subscribe(self, subject: str, cb: Any) -> Any:
                server.subscribers.setdefault(subject, []).append(self)
                return await super().subscribe(subject, cb)

            async def publish(self, subject: str, data: bytes) -> None:
                for subscriber in server.subscribers.get(subject, []):
                    await FakeNats.publish(subscriber, subject, data)

        return Client()


async def test_every_process_hears_a_revocation_published_by_any() -> None:
    server = Server()  # one server, two API processes
    here, there = NatsBus(server.client(), "ns"), NatsBus(server.client(), "ns")
    heard: list[tuple[str, int, list[int]]] = []
    await here.watch_revocations(lambda user, sessions: heard.append(("here", user, sessions)))
    await there.watch_revocations(lambda user, sessions: heard.append(("there", user, sessions)))
    assert here.heard_since() is not None

    await here.publish([7], sessions_revoked(-1, [70, 71]))
    await here.publish([7], {"type": "message"})  # not a revocation

    assert sorted(heard) == [("here", 7, [70, 71]), ("there", 7, [70, 71])]


async def test_a_reconnection_restarts_the_hearing() -> None:
    nats = FakeNats()
    bus = NatsBus(nats, "ns")
    assert bus.heard_since() is None  # not watching yet
    await bus.watch_revocations(lambda user, sessions: None)
    before = bus.heard_since()
    assert before is not None

    nats.is_connected = False
    assert bus.heard_since() is None
    nats.is_connected = True
    nats.stats["reconnects"] += 1
    after = bus.heard_since()
    assert after is not None
    assert after > before


async def test_a_failed_watch_leaves_the_process_trusting_briefly() -> None:
    nats = FakeNats()
    nats.fail_flush = True
    bus = NatsBus(nats, "ns")
    await bus.watch_revocations(lambda user, sessions: None)  # logged, not raised
    assert bus.heard_since() is None


def test_only_the_sole_process_hears_everything_without_a_broker() -> None:
    assert InProcessBus(sole_process=True).heard_since() is not None
    assert InProcessBus().heard_since() is None  # one of several: deaf to the others
