"""PostgreSQL read replicas: which reads may go to one, and which replica is fit to serve.

Reads go to a replica only where the HTTP layer allows it (`replica_reads`, set for GET
and HEAD requests); writes, the reads of a request that writes, event handlers and
periodic jobs use the primary, since they act on what was just committed.

A replica serves while its measured replay lag is at most `max_lag_s`. Each replica's lag
is measured every `check_interval_s`, by a task the reads start when the last measure is
older (no loop of its own to start or stop), and a measure older than two intervals is
not trusted (the primary serves until the next is back); a replica that cannot be
reached, or whose WAL receiver is not streaming, serves nothing until a later measure
finds it well.

Read your writes: a user who wrote is served by the primary for `max_lag_s + 2 ×
check_interval_s`. A replica that serves has replayed every commit older than `max_lag_s`
as of its last measure, taken at most two intervals ago.
The memory of who wrote is per process (see docs/operations.md, "Read replicas").
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = structlog.get_logger("shutter.db")

# True where the current request's reads may be served by a replica.
replica_reads: ContextVar[bool] = ContextVar("shutter_replica_reads", default=False)

# Replay lag in seconds: 0 when everything received is replayed (an idle primary sends
# nothing), else the age of the last replayed transaction. `streaming`: the WAL receiver
# is connected (its details are hidden from unprivileged roles, its row is not).
LAG_QUERY = text(
    """
    SELECT
      pg_is_in_recovery() AS in_recovery,
      EXISTS (
        SELECT 1 FROM pg_stat_wal_receiver WHERE status IS NULL OR status = 'streaming'
      ) AS streaming,
      CASE
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE COALESCE(
          EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0
        )
      END AS lag_s
    """
)
MAX_REMEMBERED_WRITERS = 1_000_000


class Replica:
    """One read replica and what was last measured of it."""

    def __init__(self, name: str, engine: AsyncEngine) -> None:
        self.name = name
        self.engine = engine
        self.lag_s: float | None = None  # None: unknown, or unreachable
        self.usable = False  # until a first measure says otherwise
        self.errors = 0  # failed measures and connections, since the process started
        self.checked_at = float("-inf")  # when the last measure started
        self.measured_at = float("-inf")  # when the last successful one started
        self.checking: asyncio.Task[None] | None = None


class ReplicaSet:
    """The replicas of one database, their health, and who wrote recently."""

    def __init__(
        self,
        engines: list[AsyncEngine],
        *,
        max_lag_s: float,
        check_interval_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.replicas = [
            Replica(f"replica-{index}", engine) for index, engine in enumerate(engines, 1)
        ]
        self.max_lag_s = max_lag_s
        self.check_interval_s = check_interval_s
        self.clock = clock
        self._turn = itertools.count()
        # user id -> until when their reads go to the primary (insertion order = expiry)
        self._writers: dict[int, float] = {}

    def __iter__(self) -> Iterator[Replica]:
        return iter(self.replicas)

    def __len__(self) -> int:
        return len(self.replicas)

    # -- read your writes ---------------------------------------------------------------

    @property
    def write_window_s(self) -> float:
        return self.max_lag_s + 2 * self.check_interval_s

    def wrote(self, user_id: int) -> None:
        """The user is writing: their reads go to the primary for the write window."""
        now = self.clock()
        self._writers.pop(user_id, None)
        self._writers[user_id] = now + self.write_window_s
        for oldest, until in list(itertools.islice(self._writers.items(), 8)):
            if until > now and len(self._writers) <= MAX_REMEMBERED_WRITERS:
                break
            del self._writers[oldest]

    def wrote_recently(self, user_id: int) -> bool:
        until = self._writers.get(user_id)
        return until is not None and until > self.clock()

    # -- choosing and measuring ---------------------------------------------------------

    def choose(self) -> Replica | None:
        """A replica fit to serve (in turn), or None: the primary serves. Starts a new
        measure of each replica whose last one is too old."""
        now = self.clock()
        for replica in self.replicas:
            stale = now - replica.checked_at >= self.check_interval_s
            if stale and (replica.checking is None or replica.checking.done()):
                replica.checking = asyncio.create_task(
                    self.check(replica), name=f"check-{replica.name}"
                )
        # A measure older than two intervals says nothing of now (no reads came to start
        # a newer one): the primary serves until the one just started is back.
        recent = now - 2 * self.check_interval_s
        usable = [r for r in self.replicas if r.usable and r.measured_at >= recent]
        if not usable:
            return None
        return usable[next(self._turn) % len(usable)]

    async def check(self, replica: Replica) -> None:
        """Measure one replica's lag now; never raises."""
        started = replica.checked_at = self.clock()
        try:
            async with replica.engine.connect() as conn:
                row = (await conn.execute(LAG_QUERY)).one()
        except Exception as exc:  # down, refusing, or timing out: the primary serves
            self.failed(replica, exc)
            return
        in_recovery, streaming, lag_s = bool(row[0]), bool(row[1]), float(row[2] or 0)
        if in_recovery and not streaming:
            lag: float | None = None  # cut off from the primary: its lag is unknowable
        else:
            lag = lag_s
        was_usable = replica.usable
        replica.measured_at = started
        replica.lag_s = lag
        replica.usable = lag is not None and lag <= self.max_lag_s
        if was_usable and not replica.usable:
            log.warning("replica_skipped", replica=replica.name, lag_s=lag)
        elif replica.usable and not was_usable:
            log.info("replica_serving", replica=replica.name, lag_s=lag)

    async def check_all(self) -> None:
        """Measure every replica now (start-up, tests)."""
        await asyncio.gather(*(self.check(replica) for replica in self.replicas))

    def failed(self, replica: Replica, exc: BaseException) -> None:
        """A connection to the replica failed: it serves nothing until measured well."""
        replica.errors += 1
        if replica.usable or replica.lag_s is not None:
            log.warning(
                "replica_unreachable",
                replica=replica.name,
                error=f"{type(exc).__name__}: {exc}"[:300],
            )
        replica.usable = False
        replica.lag_s = None

    async def close(self) -> None:
        for replica in self.replicas:
            if replica.checking is not None:
                replica.checking.cancel()
            await replica.engine.dispose()


def replica_engine_options(pool_timeout: float) -> dict[str, Any]:
    """Engine options of a replica: like the primary's, plus a ping at checkout (a replica
    that went away fails the checkout, and the read falls back to the primary, instead of
    failing the query) and a short connect timeout."""
    return {
        "pool_timeout": pool_timeout,
        "pool_size": 10,
        "max_overflow": 10,
        "pool_recycle": 3600,
        "pool_pre_ping": True,
        "connect_args": {
            "timeout": 2,
            "server_settings": {"pg_trgm.similarity_threshold": "0.2"},
        },
    }
