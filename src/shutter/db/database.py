"""The metadata database: engine, and read/write units of work.

`write()` yields a `UnitOfWork` (db/unit_of_work.py): one transaction that commits when
the `async with` block ends without an error and rolls back otherwise; services and
repositories never commit. After the commit it runs the unit's after-commit effects, and
wakes the event runtime (the `on_events_committed` hook given at construction) when the
transaction recorded events.

SQLite allows one writer at a time. Writers in this process queue on an asyncio lock and
open their transaction with BEGIN IMMEDIATE, so that a write never fails half-way with
"database is locked"; readers never wait (WAL).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from shutter.db.replicas import ReplicaSet, replica_engine_options, replica_reads
from shutter.db.unit_of_work import UnitOfWork
from shutter.ids import IdGenerator
from shutter.settings import Settings


class Database:
    """Owns the engine; hands out transactions."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        pool_timeout: float = 5.0,
        replica_urls: Sequence[str] = (),
        replica_max_lag_s: float = 2.0,
        replica_check_interval_s: float = 1.0,
        ids: IdGenerator | None = None,
        on_events_committed: Callable[[], None] | None = None,
    ) -> None:
        """`ids` numbers outbox events; `on_events_committed` is called after a
        transaction that recorded events commits (the event runtime's `notify`)."""
        self.url = url
        self.ids = ids or IdGenerator()
        self._on_events_committed = on_events_committed
        self.is_sqlite = url.startswith("sqlite")
        # A request that cannot get a connection within pool_timeout fails fast (the HTTP
        # layer answers 503 busy) instead of piling up behind SQLAlchemy's default 30 s.
        kwargs: dict[str, Any] = {"echo": echo, "pool_timeout": pool_timeout}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
        else:
            # No pre-ping (a round trip per checkout): connections are recycled hourly, and
            # one dropped by a database restart fails a single request and is replaced.
            kwargs.update(pool_size=10, max_overflow=10, pool_recycle=3600)
            # Fuzzy user search: "jonh" finds "john" (pg_trgm's default of 0.3 would not).
            kwargs["connect_args"] = {"server_settings": {"pg_trgm.similarity_threshold": "0.2"}}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        if replica_urls and self.is_sqlite:
            raise ValueError("read replicas need PostgreSQL")
        self.replicas = ReplicaSet(
            [
                create_async_engine(replica, echo=echo, **replica_engine_options(pool_timeout))
                for replica in replica_urls
            ],
            max_lag_s=replica_max_lag_s,
            check_interval_s=replica_check_interval_s,
        )

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        ids: IdGenerator | None = None,
        on_events_committed: Callable[[], None] | None = None,
    ) -> Database:
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(
            settings.resolved_database_url,
            pool_timeout=settings.database_pool_timeout_seconds,
            replica_urls=settings.replica_urls,
            replica_max_lag_s=settings.replica_max_lag_seconds,
            replica_check_interval_s=settings.replica_check_interval_seconds,
            ids=ids,
            on_events_committed=on_events_committed,
        )

    @asynccontextmanager
    async def read(self, *, primary: bool = False) -> AsyncIterator[AsyncConnection]:
        """A connection for reading: to a read replica where the request allows it
        (`replicas.replica_reads`) and one is fit to serve, else to the primary (always
        with `primary=True`).

        Autocommit: each statement its own snapshot, which is what READ COMMITTED gives
        inside a transaction on PostgreSQL too. It saves the BEGIN and ROLLBACK round
        trips (on SQLite, two hops to the driver's thread). Readers never rely on two
        statements seeing the same snapshot.
        """
        async with AsyncExitStack() as stack:
            conn = None
            if self.replicas and not primary and replica_reads.get():
                conn = await self._replica_connection(stack)
            if conn is None:
                conn = await stack.enter_async_context(self.engine.connect())
            if not self.is_sqlite:
                yield await conn.execution_options(isolation_level="AUTOCOMMIT")
                return
            # The driver runs in autocommit mode (see _configure_sqlite); no BEGIN is sent.
            yield await conn.execution_options(sqlite_begin=None)

    async def _replica_connection(self, stack: AsyncExitStack) -> AsyncConnection | None:
        """A connection to a replica fit to serve, or None (the primary serves)."""
        replica = self.replicas.choose()
        if replica is None:
            return None
        try:
            return await stack.enter_async_context(replica.engine.connect())
        except Exception as exc:  # gone since its last measure: the primary serves
            self.replicas.failed(replica, exc)
            return None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work that commits at the end of the block, or rolls back on error
        (dropping its after-commit effects); after the commit its effects run."""
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                uow = UnitOfWork(conn, self.ids)
                yield uow
        else:
            async with self._write_lock, self.engine.connect() as conn:
                conn = await conn.execution_options(sqlite_begin="IMMEDIATE")
                async with conn.begin():
                    uow = UnitOfWork(conn, self.ids)
                    yield uow
        if uow.recorded and self._on_events_committed is not None:
            self._on_events_committed()
        await uow.run_effects()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.replicas.close()
        await self.engine.dispose()


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode is not None:  # None: a reader's autocommit statements
            conn.exec_driver_sql(f"BEGIN {mode}")
