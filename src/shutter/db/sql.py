"""SQL building blocks shared by repositories."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import BigInteger, ColumnElement, Table, any_, bindparam, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnClause


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
