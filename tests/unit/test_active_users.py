"""The active-user marks of /metrics: each user once, and bounded in a process that is
never scraped."""

from __future__ import annotations

import pytest

from shutter.observability import ActiveUsers


def test_a_user_is_marked_once_and_a_scrape_takes_the_marks() -> None:
    activity = ActiveUsers()
    for user_id in (1, 2, 1, 3, 2):
        activity.seen(user_id)

    assert activity.take() == {1, 2, 3}
    assert activity.take() == set()


def test_marks_are_bounded_when_nobody_scrapes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ActiveUsers, "MAX_PENDING", 100)
    activity = ActiveUsers()
    for user_id in range(1_000):
        activity.seen(user_id)

    assert len(activity.take()) == 100
    activity.seen(5_000)  # counted again once a scrape has taken the marks
    assert activity.take() == {5_000}
