"""SQL building blocks shared by repositories."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import BigInteger, ColumnElement, any_, bindparam, literal
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
