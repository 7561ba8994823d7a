"""Reels' scroll over a snapshot, with the page query faked: whatever reels drop out
between pages and whatever page sizes the client asks for, every reel still visible is
served once, in snapshot order, and every page moves the cursor forward."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shutter.reels import repository, service


def _scroll(ids: list[int], hidden: set[int], limits: list[int]) -> list[list[int]]:
    """Every page of a scroll over `ids` where `hidden` reels are no longer visible, the
    client asking for `limits` in turn (the last one repeated)."""

    async def playable_rows(conn: Any, reader_id: int, post_ids: Sequence[int]) -> dict[int, Any]:
        return {post_id: {"id": post_id} for post_id in post_ids if post_id not in hidden}

    async def run() -> list[list[int]]:
        pages: list[list[int]] = []
        offset = 0
        while offset < len(ids):
            limit = limits[min(len(pages), len(limits) - 1)]
            rows, end = await service._page(None, 1, ids, offset, limit)  # type: ignore[arg-type]
            assert end > offset, "a page must move the scroll forward"
            assert len(rows) <= limit
            pages.append([row["id"] for row in rows])
            offset = end
        return pages

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(repository, "playable_rows", playable_rows)
        return asyncio.run(run())


@given(
    st.lists(st.integers(1, 10_000), unique=True, max_size=60),
    st.sets(st.integers(1, 10_000)),
    st.lists(st.integers(1, 12), min_size=1, max_size=8),
)
def test_every_visible_reel_is_served_once_in_order(
    ids: list[int], hidden: set[int], limits: list[int]
) -> None:
    pages = _scroll(ids, hidden, limits)

    served = [post_id for page in pages for post_id in page]
    assert served == [post_id for post_id in ids if post_id not in hidden]


def test_a_page_is_refilled_from_the_reels_after_those_that_dropped_out() -> None:
    pages = _scroll([1, 2, 3, 4, 5, 6], {2, 3}, [3])

    assert pages == [[1, 4, 5], [6]]
