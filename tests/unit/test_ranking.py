"""Ranked mode's reordering rule, on plain rows."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shutter.errors import InvalidInput
from shutter.feed.ranking import without_long_runs
from shutter.pagination import parse_snapshot_cursor, snapshot_cursor


def rows(authors: list[int]) -> list[dict[str, Any]]:
    return [{"id": index, "author_id": author} for index, author in enumerate(authors)]


def test_a_prolific_author_is_interleaved_with_others() -> None:
    ordered = without_long_runs(rows([1, 1, 1, 1, 2, 3]))  # type: ignore[arg-type]
    assert [row["author_id"] for row in ordered] == [1, 1, 2, 1, 1, 3]


def test_order_is_kept_when_nothing_needs_moving() -> None:
    original = rows([1, 2, 1, 2, 3])
    assert without_long_runs(original) == original  # type: ignore[arg-type]


@given(st.lists(st.integers(1, 4), max_size=40))
def test_no_author_runs_longer_than_two_while_others_remain(authors: list[int]) -> None:
    ordered = without_long_runs(rows(authors))  # type: ignore[arg-type]
    assert sorted(row["id"] for row in ordered) == list(range(len(authors)))  # nothing lost
    # A run of three can only happen once a single author is all that is left.
    for index in range(len(ordered) - 2):
        window = {row["author_id"] for row in ordered[index : index + 3]}
        if len(window) == 1:
            rest = {row["author_id"] for row in ordered[index:]}
            assert len(rest) == 1


def test_snapshot_cursors_round_trip() -> None:
    assert parse_snapshot_cursor("r", snapshot_cursor("r", 123, 40)) == (123, 40)
    assert parse_snapshot_cursor("e", "e123_40") == (123, 40)


@pytest.mark.parametrize("bad", ["r", "r12", "r12_", "x12_3", "e12_3", "r12_3_4", "r-1_2"])
def test_garbage_ranked_cursors_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_snapshot_cursor("r", bad)
    assert refused.value.code == "invalid_cursor"
