"""The real-time events and Mastodon media entities as the wire carries them: typing them
changed no byte. The bus filters events by their first bytes (`{"type":"sessions_revoked"`,
the stream-only kinds), so `type` must stay the first key of every event."""

from __future__ import annotations

import orjson
import pytest

from shutter.mastodon.entities import media_attachment
from shutter.media.presenters import MediaOutDict
from shutter.realtime.events import (
    decode,
    home_post,
    notification,
    oauth_revoked,
    posts_removed,
    sessions_revoked,
)


@pytest.mark.parametrize(
    ("event", "wire"),
    [
        (home_post(7, 3), b'{"type":"home_post","post_id":"7","author_id":"3"}'),
        (posts_removed([7, 8]), b'{"type":"posts_removed","post_ids":["7","8"]}'),
        (
            oauth_revoked(token_ids=[1]),
            b'{"type":"oauth_revoked","token_ids":["1"],"app_ids":[]}',
        ),
        (sessions_revoked(4), b'{"type":"sessions_revoked","token_version":4}'),
        (
            sessions_revoked(-1, [9]),
            b'{"type":"sessions_revoked","token_version":-1,"session_ids":["9"]}',
        ),
        (
            notification("like", 2),
            b'{"type":"notification","kind":"like","unread_count":2}',
        ),
    ],
)
def test_an_event_is_encoded_as_before_and_decodes_back(event: object, wire: bytes) -> None:
    assert orjson.dumps(event) == wire
    assert decode(wire) == event


def _media(width: int | None, height: int | None) -> MediaOutDict:
    return {
        "id": "5",
        "type": "image",
        "width": width,
        "height": height,
        "blurhash": None,
        "urls": {"small": "https://m/s.jpg", "large": "https://m/l.jpg"},
        "alt": "a cat",
    }


def test_a_media_attachment_has_both_sizes_when_its_dimensions_are_known() -> None:
    entity = media_attachment(_media(1280, 960))
    assert entity["meta"] == {
        "original": {"width": 1280, "height": 960, "size": "1280x960", "aspect": 1280 / 960},
        "small": {"width": 640, "height": 480, "size": "640x480", "aspect": 640 / 480},
    }
    assert list(entity) == [
        "id",
        "type",
        "url",
        "preview_url",
        "remote_url",
        "meta",
        "description",
        "blurhash",
    ]
    assert (entity["url"], entity["preview_url"]) == ("https://m/l.jpg", "https://m/s.jpg")


def test_a_media_attachment_without_dimensions_has_empty_meta() -> None:
    assert media_attachment(_media(None, 960))["meta"] == {}
