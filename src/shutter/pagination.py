"""Keyset pagination: cursors are opaque strings; today they carry the last id seen."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Query

from shutter.errors import InvalidInput

_CURSOR = re.compile(r"[0-9]{1,19}")
MAX_ID = 2**63 - 1

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
