"""The unit of work and the event catalogue, against a throwaway SQLite file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select

from shutter.db.database import Database
from shutter.db.tables import metadata, outbox
from shutter.events.types import (
    CATALOGUE,
    CommentCreated,
    CommentDeleted,
    Event,
    MediaUploaded,
    PostCreated,
    UserFollowed,
)


@pytest.fixture
async def db(tmp_path: Path) -> Database:
    woken: list[int] = []
    database = Database(
        f"sqlite+aiosqlite:///{tmp_path / 'uow.db'}",
        on_events_committed=lambda: woken.append(1),
    )
    database.woken = woken  # type: ignore[attr-defined]
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return database


async def _payloads(db: Database) -> list[tuple[str, dict[str, object]]]:
    async with db.read() as conn:
        rows = (await conn.execute(select(outbox.c.topic, outbox.c.payload))).all()
    return [(row.topic, orjson.loads(row.payload)) for row in rows]


async def test_a_committed_unit_records_its_events_then_runs_its_effects(db: Database) -> None:
    ran: list[str] = []

    async def effect() -> None:
        assert await _payloads(db), "an effect runs after the commit, when the row is visible"
        ran.append("effect")

    async with db.write() as uow:
        event_id = await uow.record(PostCreated(post_id=7, author_id=3))
        uow.after_commit(effect)
        assert ran == []
    assert ran == ["effect"]
    assert db.woken == [1]  # type: ignore[attr-defined]
    assert await _payloads(db) == [("post.created", {"post_id": 7, "author_id": 3})]
    assert event_id > 0


async def test_a_rolled_back_unit_drops_its_events_and_effects(db: Database) -> None:
    ran: list[str] = []

    async def effect() -> None:
        ran.append("effect")

    async def failing_use_case() -> None:
        async with db.write() as uow:
            await uow.record(PostCreated(post_id=7, author_id=3))
            uow.after_commit(effect)
            raise RuntimeError("the use case failed")

    with pytest.raises(RuntimeError):
        await failing_use_case()
    assert ran == []
    assert db.woken == []  # type: ignore[attr-defined]
    assert await _payloads(db) == []


async def test_a_unit_without_events_does_not_wake_the_runtime(db: Database) -> None:
    async with db.write():
        pass
    assert db.woken == []  # type: ignore[attr-defined]


def test_payloads_keep_their_old_field_names_and_decode_back() -> None:
    assert MediaUploaded(media_id=42).to_payload() == {"media_id": "42"}  # a string, as ever
    assert UserFollowed(follower_id=1, followee_id=2).to_payload() == {
        "follower_id": 1,
        "followee_id": 2,
    }
    assert UserFollowed(follower_id=1, followee_id=2, approved=True).to_payload()["approved"]
    comment = CommentCreated(comment_id=1, post_id=2, author_id=3, post_author_id=4)
    assert comment.to_payload()["parent_author_id"] is None
    deleted = CommentDeleted(comment_ids=(5, 6), post_id=2)
    assert orjson.loads(orjson.dumps(deleted.to_payload())) == {"comment_ids": [5, 6], "post_id": 2}


def test_rows_in_flight_decode_whatever_their_numbers_look_like() -> None:
    assert Event(9, "media.uploaded", {"media_id": "42"}).decode() == MediaUploaded(media_id=42)
    assert Event(9, "media.uploaded", {"media_id": 42}).decode() == MediaUploaded(media_id=42)
    decoded = Event(9, "user.followed", {"follower_id": 1, "followee_id": 2}).decode()
    assert decoded == UserFollowed(follower_id=1, followee_id=2, approved=False)
    assert decoded is not None
    assert decoded.outbox_id == 9
    assert Event(9, "some.future_topic", {}).decode() is None


@pytest.mark.parametrize("kind", CATALOGUE, ids=lambda kind: kind.topic)
def test_every_event_round_trips_through_json(kind: type) -> None:
    values = {"comment_ids": (1, 2), "approved": True, "parent_author_id": 5}
    fields = [item.name for item in dataclasses.fields(kind) if item.name != "outbox_id"]
    event = kind(**{name: values.get(name, index + 1) for index, name in enumerate(fields)})
    payload = orjson.loads(orjson.dumps(event.to_payload()))
    assert kind.from_payload(payload) == event
