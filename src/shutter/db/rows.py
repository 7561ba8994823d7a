"""Typed rows out of SQLAlchemy results: where a `RowMapping` (a row read by string key,
typed `Any`) becomes a `TypedDict` or a `NamedTuple` that mypy checks.

A repository reads `typed_one(result, FooRow)` or `typed_all(result, FooRow)`; the type
decides the columns taken (in its own field order), so a query that misses one fails at
once with a KeyError, and a column the type does not name stays out. Every field is
taken: on Python 3.11 a `NotRequired` field cannot be told apart at run time under
`from __future__ import annotations`, so a row with optional fields, or a value to
coerce, keeps a converter of its own next to its type (`posts.repository.post_row`,
`media.repository.media_row`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import Result, RowMapping

Row = TypeVar("Row")


def typed(row: RowMapping, kind: type[Row]) -> Row:
    """The row as `kind`: a `NamedTuple` (by its `_fields`) or a `TypedDict` (a plain
    dict of exactly its fields)."""
    fields: tuple[str, ...] | None = getattr(kind, "_fields", None)
    if fields is not None:
        make = cast(Callable[..., Row], kind)
        return make(*(row[name] for name in fields))
    return cast(Row, {name: row[name] for name in kind.__annotations__})


def typed_one(result: Result[Any], kind: type[Row]) -> Row | None:
    """The first row of `result` as `kind`, or None."""
    row = result.mappings().first()
    return typed(row, kind) if row is not None else None


def typed_all(result: Result[Any], kind: type[Row]) -> list[Row]:
    """Every row of `result` as `kind`."""
    return [typed(row, kind) for row in result.mappings()]
