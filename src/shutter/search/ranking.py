"""Ranking of people search results: exact username, then prefix, then fuzzy by trigram
similarity (the measure pg_trgm uses), so both databases order results the same way."""

from __future__ import annotations

import re

FUZZY_MIN_SIMILARITY = 0.2
_WORD = re.compile(r"[^\W_]+|_+")


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams: each word lower-cased, padded with two spaces before, one after."""
    grams: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def similarity(a: str, b: str) -> float:
    first, second = trigrams(a), trigrams(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def match_rank(query: str, username: str, display_name: str) -> tuple[int, float] | None:
    """(tier, -similarity) to sort by, or None when the user does not match at all."""
    name = display_name.lower()
    if username == query:
        return (0, -1.0)
    if username.startswith(query) or name.startswith(query) or f" {query}" in f" {name}":
        return (1, -similarity(query, username))
    score = max(similarity(query, username), similarity(query, name))
    if score >= FUZZY_MIN_SIMILARITY:
        return (2, -score)
    return None
