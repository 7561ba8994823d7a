"""Affinity from interactions (feed/affinity.py) and the ranked feed's weighted score
(feed/ranking.py `score`), on plain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shutter.feed.affinity import COUNT_CAP, HALF_LIFE_DAYS, Interaction, affinities, decay
from shutter.feed.ranking import RankWeights, score
from shutter.ids import smallest_id_at

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def test_an_interaction_counts_half_as_much_every_half_life() -> None:
    assert decay(NOW, NOW) == 1.0
    assert decay(ago(HALF_LIFE_DAYS), NOW) == pytest.approx(0.5)
    assert decay(ago(3 * HALF_LIFE_DAYS), NOW) == pytest.approx(0.125)
    assert decay(NOW + timedelta(hours=1), NOW) == 1.0  # a clock a little ahead


def test_more_recent_and_weightier_interactions_mean_more_affinity() -> None:
    closeness = affinities(
        [
            Interaction(1, "like", 3, ago(0)),
            Interaction(2, "like", 3, ago(20)),
            Interaction(3, "comment", 3, ago(0)),
            Interaction(4, "visit", 3, ago(0)),
            Interaction(5, "message", 3, ago(0)),
        ],
        NOW,
    )
    assert closeness[3] > closeness[1] > closeness[4]  # comment > like > visit
    assert closeness[5] == closeness[3]  # a message weighs as much as a comment
    assert closeness[1] > closeness[2]  # the same likes, older
    assert all(0 < value < 1 for value in closeness.values())
    assert 6 not in closeness  # nothing done with that author: no entry, affinity 0


def test_kinds_add_up_and_counts_are_capped() -> None:
    one = affinities([Interaction(1, "like", 2, NOW)], NOW)[1]
    both = affinities([Interaction(1, "like", 2, NOW), Interaction(1, "visit", 1, NOW)], NOW)[1]
    assert both > one
    capped = affinities([Interaction(1, "message", COUNT_CAP, NOW)], NOW)[1]
    flood = affinities([Interaction(1, "message", 50 * COUNT_CAP, NOW)], NOW)[1]
    assert flood == capped


def test_following_back_is_a_state_and_never_decays() -> None:
    fresh = affinities([Interaction(1, "follows_back", 1, NOW)], NOW)[1]
    old = affinities([Interaction(1, "follows_back", 1, ago(300))], NOW)[1]
    assert fresh == old > 0


def post(age_h: float, likes: int = 0, comments: int = 0, author: int = 1) -> Any:
    post_id = smallest_id_at(NOW_MS - int(age_h * 3_600_000))
    return {"id": post_id, "author_id": author, "like_count": likes, "comment_count": comments}


def test_the_default_weights_are_the_documented_ones() -> None:
    assert RankWeights() == (0.5, 0.3, 0.2)
    # A fresh post with no engagement from a stranger: recency only.
    assert score(post(0), NOW_MS, 0.0) == pytest.approx(0.5)
    assert score(post(0), NOW_MS, 1.0) == pytest.approx(0.7)


def test_affinity_lifts_a_slightly_older_post_above_a_newer_one() -> None:
    older, newer = post(1.0), post(0.5)
    assert score(newer, NOW_MS, 0.0) > score(older, NOW_MS, 0.0)
    assert score(older, NOW_MS, 0.6) > score(newer, NOW_MS, 0.0)
    # ... but not a day-old post above a fresh one.
    assert score(post(24), NOW_MS, 0.9) < score(post(0), NOW_MS, 0.0)


def test_engagement_saturates_and_a_comment_counts_three_likes() -> None:
    assert score(post(0, likes=3), NOW_MS, 0) == pytest.approx(
        score(post(0, comments=1), NOW_MS, 0)
    )
    huge = score(post(0, likes=10**6), NOW_MS, 0)
    assert score(post(0, likes=100), NOW_MS, 0) < huge < 0.5 + 0.3
    # Weights are the settings': engagement alone.
    only = RankWeights(0.0, 1.0, 0.0)
    assert score(post(0), NOW_MS, 1.0, only) == 0.0
