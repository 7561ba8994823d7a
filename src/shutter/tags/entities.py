"""Hashtags and mentions in free text, as Instagram reads them.

A hashtag is `#` then Unicode letters, digits and underscores, not all digits, not glued
to the word before it; it is matched case-insensitively (stored case-folded). A mention is
`@` then a username (letters, digits, `.` and `_`, up to 30).
"""

from __future__ import annotations

import re

from shutter.errors import InvalidInput

MAX_HASHTAGS = 30  # Instagram refuses captions with more
MAX_TAG_LENGTH = 100

_HASHTAG = re.compile(rf"(?<![\w#&])#(\w{{1,{MAX_TAG_LENGTH}}})(?!\w)")
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9._]{1,30})(?![A-Za-z0-9_])")


def normalise_tag(tag: str) -> str:
    """The stored form of a hashtag: case-folded, without the `#`."""
    return tag.removeprefix("#").casefold()


def parse_tag(tag: str) -> str:
    """A hashtag named on its own (a URL, a form), `#` optional, in its stored form; 422
    `invalid_hashtag` unless the caption parser would read exactly this hashtag."""
    normalised = normalise_tag(tag)
    if len(normalised) > MAX_TAG_LENGTH or hashtags("#" + tag.removeprefix("#")) != [normalised]:
        raise InvalidInput(
            "tag: letters, digits and underscores, not only digits", code="invalid_hashtag"
        )
    return normalised


def hashtags(text: str) -> list[str]:
    """Distinct hashtags in order of first appearance, case-folded."""
    found: dict[str, None] = {}
    for match in _HASHTAG.finditer(text):
        tag = match.group(1)
        if not tag.isdigit():
            found.setdefault(normalise_tag(tag), None)
    return list(found)


def mentions(text: str) -> list[str]:
    """Distinct mentioned usernames in order of first appearance, lower-cased."""
    found: dict[str, None] = {}
    for match in _MENTION.finditer(text):
        found.setdefault(match.group(1).rstrip(".").lower(), None)
    return [name for name in found if name]
