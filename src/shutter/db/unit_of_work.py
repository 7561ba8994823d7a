"""The unit of work: one transaction, the events it records, the effects that wait for it.

    async with context.db.write() as uow:          # or `uow: Write` in a route
        await repository.insert(uow.conn, ...)
        await uow.record(PostCreated(post_id=post_id, author_id=author_id))
        uow.after_commit(lambda: show_to_author(context, author_id, post_id))

`record` writes the event to the outbox in the same transaction, so it exists exactly when
the change does. `after_commit` effects run once the transaction has committed, in the
order registered, and are dropped when it rolls back. Services take the unit of work and
register their own effects; they never commit.

`db/` knows nothing of the event catalogue: an event is anything with a `topic` and a
`to_payload()` (see `Recordable`), so that `events/` may depend on `db/` and not the reverse.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.tables import outbox
from shutter.ids import IdGenerator
from shutter.timeutil import utcnow

Effect = Callable[[], Awaitable[object]]


class Recordable(Protocol):
    """What the outbox needs of an event (every class of `events.types` is one)."""

    @property
    def topic(self) -> str: ...

    def to_payload(self) -> dict[str, object]: ...


class UnitOfWork:
    """One open transaction (`conn`), with its outbox events and after-commit effects."""

    def __init__(self, conn: AsyncConnection, ids: IdGenerator) -> None:
        self.conn = conn
        self._ids = ids
        self._effects: list[Effect] = []
        self.recorded = 0  # events written to the outbox in this transaction

    async def record(self, event: Recordable) -> int:
        """Add an event to this transaction's outbox; returns its id (time-sortable)."""
        event_id = self._ids.next_id()
        await self.conn.execute(
            outbox.insert().values(
                id=event_id,
                topic=event.topic,
                payload=orjson.dumps(event.to_payload()).decode(),
                created_at=utcnow(),
            )
        )
        self.recorded += 1
        return event_id

    def after_commit(self, effect: Effect) -> None:
        """Run `effect` once this transaction has committed (never if it rolls back)."""
        self._effects.append(effect)

    async def run_effects(self) -> None:
        """Called by `Database.write()` after the commit; not by services."""
        effects, self._effects = self._effects, []
        for effect in effects:
            await effect()
