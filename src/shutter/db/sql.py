"""SQL building blocks shared by repositories."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import BigInteger, ColumnElement, Table, any_, bindparam, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement, ColumnClause


def ids_param(
    dialect_name: str, column: ColumnElement[int], name: str = "ids"
) -> ColumnElement[bool]:
    """`column IN :name` for a statement built once and executed with a list of ids: one
    array parameter on PostgreSQL, an expanding parameter elsewhere."""
    if dialect_name == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(BigInteger)))
    return column.in_(bindparam(name, expanding=True))


def id_in(
    conn: AsyncConnection, column: ColumnElement[int] | ColumnClause[int], ids: Sequence[int]
) -> ColumnElement[bool]:
    """`column IN ids`. On PostgreSQL one array parameter (`= ANY($1)`): the statement is
    the same whatever the number of ids, so it is compiled and prepared once, where an
    IN list is re-rendered with one bind parameter per id on every call."""
    if not ids:
        return literal(False)
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam("ids", list(ids), type_=ARRAY(BigInteger)))
    return column.in_(list(ids))


DialectInsert = sqlite.Insert | postgresql.Insert


def dialect_insert(conn: AsyncConnection, table: Table) -> DialectInsert:
    """An INSERT with the ON CONFLICT clauses of the connection's dialect (SQLite's and
    PostgreSQL's spell them alike): `.on_conflict_do_update(...)` for an upsert."""
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    return postgresql.insert(table)


def insert_or_ignore(conn: AsyncConnection, table: Table, conflict: Sequence[str]) -> DialectInsert:
    """`INSERT ... ON CONFLICT (conflict) DO NOTHING`, on SQLite and PostgreSQL alike;
    chain `.values(...)` and, to learn whether a row went in, `.returning(...)`."""
    return dialect_insert(conn, table).on_conflict_do_nothing(index_elements=list(conflict))


@dataclass(frozen=True, slots=True)
class _DriverStatement:
    """A statement compiled once for asyncpg: its SQL, the order of its parameters, the
    values bound when it was built (literals such as `status = 'accepted'`), the
    conversions its parameter types make (an ARRAY's), and its column names."""

    sql: str
    names: tuple[str, ...]
    fixed: dict[str, Any]
    convert: dict[str, Callable[[Any], Any]]
    keys: tuple[str, ...]

    def values(self, params: Mapping[str, Any]) -> list[Any]:
        values = []
        for name in self.names:
            value = params[name] if name in params else self.fixed[name]
            convert = self.convert.get(name)
            values.append(value if convert is None else convert(value))
        return values


@functools.cache
def _driver_statement(statement: ClauseElement, dialect: Dialect) -> _DriverStatement:
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
    return _DriverStatement(
        str(compiled),
        tuple(compiled.positiontup or ()),
        {name: value for name, value in compiled.params.items() if value is not None},
        cast(dict[str, Callable[[Any], Any]], dict(compiled._bind_processors)),
        tuple(column[0] for column in compiled._result_columns or ()),
    )


async def fetch_rows(
    conn: AsyncConnection, statement: Any, params: Mapping[str, Any]
) -> tuple[tuple[str, ...], Sequence[Sequence[Any]]]:
    """The column names and row tuples of a statement built once (a hot path's): on
    PostgreSQL sent to the driver directly, prepared once per connection by asyncpg,
    which saves SQLAlchemy's own work per execution (about 90 µs of CPU of the 180 a
    small query costs); elsewhere executed as usual. For statements whose result
    columns need no conversion (integers, text, booleans, timestamps: asyncpg's own
    types), as SQLAlchemy's result processing is skipped; parameters are converted as
    SQLAlchemy would."""
    # The checked-out connection itself (`get_raw_connection` costs a greenlet switch).
    raw = conn.sync_connection._dbapi_connection if conn.sync_connection else None
    if raw is not None and conn.dialect.name == "postgresql":
        adapter: Any = raw.dbapi_connection
        # Autocommit (a read), or inside a transaction already begun: the driver's
        # connection is where SQLAlchemy's would run the statement. (A transaction not
        # yet begun is SQLAlchemy's to begin.)
        driver: Any = raw.driver_connection
        # A connection the server closed goes through SQLAlchemy, which sees the
        # disconnect and invalidates it, so the pool replaces it.
        alive = not driver.is_closed()
        if alive and (adapter.autocommit or adapter._transaction is not None):
            prepared = _driver_statement(statement, conn.dialect)
            async with adapter._execute_mutex:  # one statement at a time
                return prepared.keys, await driver.fetch(prepared.sql, *prepared.values(params))
    result = await conn.execute(statement, params)
    return tuple(result.keys()), result.all()
