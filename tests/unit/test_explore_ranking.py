"""Explore's score and page layout, on plain rows."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from shutter.explore.service import PER_AUTHOR, in_pages, score
from shutter.ids import smallest_id_at

HOUR_MS = 3_600_000
# One "now" for the whole module: posts made a few milliseconds apart on a loaded machine
# would otherwise differ in age, and equal scores would not be equal.
NOW_MS = int(time.time() * 1000)


def post(hours_old: float, likes: int = 0, comments: int = 0, author: int = 1) -> Any:
    now_ms = NOW_MS
    post_id = smallest_id_at(now_ms - int(hours_old * HOUR_MS))
    return {"id": post_id, "author_id": author, "like_count": likes, "comment_count": comments}


def test_a_post_liked_fast_outranks_an_older_post_with_more_likes() -> None:
    now_ms = NOW_MS
    fresh, old = post(1, likes=10), post(24, likes=60)
    assert score(fresh, 0, now_ms) > score(old, 0, now_ms)
    # Same age: more engagement wins, and a comment weighs two likes.
    assert score(post(3, likes=5), 0, now_ms) > score(post(3, likes=4), 0, now_ms)
    assert score(post(3, comments=1), 0, now_ms) == score(post(3, likes=2), 0, now_ms)


def test_likes_from_similar_people_count_extra() -> None:
    now_ms = NOW_MS
    assert score(post(2, likes=3), 1, now_ms) > score(post(2, likes=5), 0, now_ms)


@given(st.lists(st.integers(1, 4), max_size=40), st.integers(1, 10))
def test_pages_hold_at_most_two_posts_per_author_and_lose_nothing(
    authors: list[int], page_size: int
) -> None:
    rows = [{"id": index, "author_id": author} for index, author in enumerate(authors)]
    pages = in_pages(rows, page_size)  # type: ignore[arg-type]
    assert sorted(row["id"] for page in pages for row in page) == list(range(len(rows)))
    for index, page in enumerate(pages):
        counts = Counter(row["author_id"] for row in page)
        assert 0 < len(page) <= page_size
        assert max(counts.values()) <= PER_AUTHOR
        if len(page) < page_size:  # short: everything after is by authors full here
            later = {row["author_id"] for rest in pages[index + 1 :] for row in rest}
            assert all(counts[author] == PER_AUTHOR for author in later)


def test_the_best_posts_of_other_authors_fill_a_page_first() -> None:
    rows = [{"id": index, "author_id": author} for index, author in enumerate([1, 1, 1, 2, 3])]
    pages = in_pages(rows, 4)  # type: ignore[arg-type]
    assert [[row["id"] for row in page] for page in pages] == [[0, 1, 3, 4], [2]]


def test_a_shorter_first_page_keeps_two_per_author_on_the_pages_after_it() -> None:
    # Reels: two followed reels took the start of a page of 4; Explore's pages follow.
    rows = [{"id": index, "author_id": 7 if index < 4 else index} for index in range(8)]

    pages = in_pages(rows, 4, first_page=2)  # type: ignore[arg-type]

    assert [[row["id"] for row in page] for page in pages] == [[0, 1], [2, 3, 4, 5], [6, 7]]
