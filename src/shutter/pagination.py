"""Keyset pagination: cursors are opaque strings; today they carry the last id seen."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Annotated, Generic, NamedTuple, TypeVar

from fastapi import Query

from shutter.errors import InvalidInput

_CURSOR = re.compile(r"[0-9]{1,19}")
# A scroll over a stored snapshot (ranked feed "r", explore "e"): `<kind><snapshot>_<offset>`.
_SNAPSHOT_CURSOR = re.compile(r"([a-z])([0-9]{1,19})_([0-9]{1,4})")
MAX_ID = 2**63 - 1
T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=50, description="page size, 1 to 50")]
CursorParam = Annotated[
    str | None, Query(max_length=64, description="next_cursor of the previous page")
]


def parse_cursor(cursor: str | None) -> int | None:
    """The id a page continues after, or None for the first page."""
    if cursor is None or cursor == "":
        return None
    if not _CURSOR.fullmatch(cursor) or int(cursor) > MAX_ID:
        raise InvalidInput("cursor: not a cursor this server handed out", code="invalid_cursor")
    return int(cursor)


def make_cursor(last_id: int | None) -> str | None:
    return None if last_id is None else str(last_id)


class Page(NamedTuple, Generic[T]):
    """A page of keyset pagination: its items and the cursor of the next page (None at
    the end)."""

    items: Sequence[T]
    next_cursor: str | None


def page_tail(rows: Sequence[T], limit: int, last_id: Callable[[T], int]) -> Page[T]:
    """The page in up to limit+1 rows (queried one more than shown: the extra one says
    there is more), continuing after the `last_id` of its last item."""
    page = rows[:limit]
    return Page(page, make_cursor(last_id(page[-1])) if len(rows) > limit and page else None)


def snapshot_cursor(kind: str, snapshot_id: int, offset: int) -> str:
    """The cursor of the page at `offset` in a stored snapshot of kind `kind` (a letter)."""
    return f"{kind}{snapshot_id}_{offset}"


def next_snapshot_cursor(kind: str, snapshot_id: int, end: int, total: int) -> str | None:
    """The cursor of the page starting at `end` of a snapshot of `total` ids; None when
    the snapshot ends there."""
    return snapshot_cursor(kind, snapshot_id, end) if end < total else None


def parse_snapshot_cursor(kind: str, cursor: str) -> tuple[int, int]:
    """(snapshot id, offset) of a `snapshot_cursor` of this kind; 422 for anything else."""
    match = _SNAPSHOT_CURSOR.fullmatch(cursor)
    if match is None or match.group(1) != kind:
        raise InvalidInput("cursor: not a cursor this server handed out", code="invalid_cursor")
    return int(match.group(2)), int(match.group(3))
