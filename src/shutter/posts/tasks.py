"""Periodic reconciliation of the denormalised like and comment counts (of posts, and the
like counts of their comments).

The counts move in the same transaction as the likes and comments, so they should never
drift; this job is the safety net (a hand-edited row, a restored backup). Each run checks
one batch of posts against their rows and walks on, wrapping around at the end, so the
whole table is covered every (posts / batch) runs whatever its size.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

import structlog

from shutter.db.database import Database
from shutter.events.periodic import Scheduler
from shutter.posts import counters
from shutter.settings import Settings

log = structlog.get_logger("shutter.counts")

BATCH = 1000


class CountDeps(Protocol):
    """What count reconciliation uses of the application context."""

    @property
    def settings(self) -> Settings: ...
    @property
    def db(self) -> Database: ...


D = TypeVar("D", bound=CountDeps)


class CountReconciler:
    def __init__(self) -> None:
        self.after_id = 0

    async def __call__(self, context: CountDeps) -> int:
        """Reconcile the next batch; returns how many posts and comments were off."""
        async with context.db.write() as uow:
            post_ids = await counters.post_ids_page(uow.conn, self.after_id, BATCH)
            fixed = await counters.reconcile_post_counts(uow.conn, post_ids)
            fixed += await counters.reconcile_comment_like_counts(uow.conn, post_ids)
        self.after_id = post_ids[-1] if len(post_ids) == BATCH else 0
        if fixed:
            log.warning("counts_reconciled", posts_fixed=fixed)
        return fixed


def schedule(scheduler: Scheduler[D], context: D) -> None:
    scheduler.every(
        context.settings.count_reconcile_interval_seconds, "count_reconcile", CountReconciler()
    )
