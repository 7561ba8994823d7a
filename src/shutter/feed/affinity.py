"""How close a reader is to an author, from what the reader did lately: liked and
commented on their posts, exchanged messages with them (either way), visited their
profile, and whether the author follows the reader back. A number in [0, 1) per author.

Each kind of interaction counts its events in the last WINDOW_DAYS (at most COUNT_CAP
of them, so that one chatty thread does not drown the rest), weighted by KIND_WEIGHTS and
decayed by the age of the latest (half-life HALF_LIFE_DAYS); the sum saturates as
raw / (raw + SATURATION). Counts come from one batched query for all the authors of a
page (feed/repository.py `interactions_with`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal, NamedTuple

Kind = Literal["like", "comment", "message", "visit", "follows_back"]

WINDOW_DAYS = 30
HALF_LIFE_DAYS = 7.0
COUNT_CAP = 10
SATURATION = 3.0
# A comment or a message costs more than a tap; a visit less. The author following the
# reader back (a state, not an event: never decays) counts as a few recent likes.
KIND_WEIGHTS: dict[Kind, float] = {
    "like": 1.0,
    "comment": 2.0,
    "message": 2.0,
    "visit": 0.5,
    "follows_back": 1.5,
}


class Interaction(NamedTuple):
    """`times` interactions of one kind between the reader and an author, the latest at
    `latest`."""

    author_id: int
    kind: Kind
    times: int
    latest: datetime


def decay(latest: datetime, now: datetime) -> float:
    """1 for now, halving every HALF_LIFE_DAYS."""
    age_days = max(0.0, (now - latest).total_seconds() / 86_400)
    return float(0.5 ** (age_days / HALF_LIFE_DAYS))


def affinities(interactions: Iterable[Interaction], now: datetime) -> dict[int, float]:
    """Per author with any signal, the reader's affinity in [0, 1)."""
    raw: dict[int, float] = {}
    for item in interactions:
        weight = KIND_WEIGHTS[item.kind] * min(item.times, COUNT_CAP)
        if item.kind != "follows_back":
            weight *= decay(item.latest, now)
        raw[item.author_id] = raw.get(item.author_id, 0.0) + weight
    return {author: value / (value + SATURATION) for author, value in raw.items()}
