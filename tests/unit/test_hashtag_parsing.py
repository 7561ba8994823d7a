"""A hashtag named on its own (a URL path, the follow button) is read exactly as the
caption parser reads one: the same tags pass, in the same stored form."""

from __future__ import annotations

import pytest

from shutter.errors import InvalidInput
from shutter.tags.entities import MAX_TAG_LENGTH, hashtags, parse_tag


@pytest.mark.parametrize(
    ("named", "stored"),
    [
        ("Sunset", "sunset"),
        ("#Sunset", "sunset"),
        ("café", "café"),
        ("STRASSE_ß", "strasse_ss"),
        ("_1", "_1"),
        ("x" * MAX_TAG_LENGTH, "x" * MAX_TAG_LENGTH),
    ],
)
def test_a_tag_a_caption_would_read_is_accepted_in_its_stored_form(named: str, stored: str) -> None:
    assert parse_tag(named) == stored
    assert hashtags(f"look #{named.removeprefix('#')} here") == [stored]


@pytest.mark.parametrize(
    "named",
    ["", "#", "123", "#00", "a b", "no-such!tag", "a\x00b", "##twice", "x" * (MAX_TAG_LENGTH + 1)],
)
def test_anything_a_caption_would_not_read_as_one_tag_is_invalid(named: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_tag(named)
    assert raised.value.code == "invalid_hashtag"
