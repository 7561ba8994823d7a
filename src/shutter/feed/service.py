"""The home feed. Today a correct pull over the follow graph; the hybrid fan-out engine
replaces it and keeps it as the fallback and the benchmark baseline."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.feed import repository
from shutter.posts.service import page_of
from shutter.users.service import UrlFor


async def pull_feed(
    conn: AsyncConnection, reader_id: int, before_id: int | None, limit: int, url_for: UrlFor
) -> dict[str, Any]:
    """A page of the chronological feed; the cursor is the last post id of the page."""
    rows = await repository.pull_page(conn, reader_id, before_id, limit + 1)
    return await page_of(conn, rows, limit, reader_id, url_for)
