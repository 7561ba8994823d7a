"""Ranking of search results. People: exact username, then prefix, then fuzzy by trigram
similarity (the measure pg_trgm uses), so both databases order results the same way.
Posts: by relevance (the database's own measure), then engagement, then newest."""

from __future__ import annotations

import re
from collections.abc import Iterable

FUZZY_MIN_SIMILARITY = 0.2
# Relevances equal to this many significant digits are a tie (float noise), which
# engagement then breaks. Significant, not decimal, digits: SQLite's bm25 gives scores
# near 1e-6 to a word that half the posts use.
RELEVANCE_DIGITS = 6
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


def post_order(
    relevance: float, like_count: int, comment_count: int, post_id: int
) -> tuple[float, int, int]:
    """The sort key of a matched post, smallest first: most relevant, then most engaging
    (a comment counts twice, as in Explore), then newest."""
    rounded = float(f"{relevance:.{RELEVANCE_DIGITS}g}")
    return (-rounded, -(like_count + 2 * comment_count), -post_id)


def ranked_ids(matches: Iterable[tuple[float, int, int, int]]) -> list[int]:
    """Post ids of (relevance, like_count, comment_count, post id) tuples, best first."""
    return [item[3] for item in sorted(matches, key=lambda item: post_order(*item))]
