"""What may be a username or an email, and the one rule for typed text: pure functions,
no server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Mount, Route

from shutter.app import create_app
from shutter.settings import Settings
from shutter.textfields import clean_text
from shutter.users.identity import RESERVED_USERNAMES, normalise_email, normalise_username
from shutter.web.api import CLIENT_SECTIONS
from tests.conftest import SECRET


def _first_segments(routes: list[Any]) -> set[str]:
    """The first segment of every path, at every level of included routers (the
    segments of /api/v1/... too: a superset of what the app serves at its root)."""
    segments = set()
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            segments |= _first_segments(included.routes)
        elif isinstance(route, Route | Mount):
            first = route.path.strip("/").split("/", 1)[0]
            if first and not first.startswith("{"):
                segments.add(first.lower())
    return segments


def test_every_path_the_app_routes_is_a_reserved_username() -> None:
    """A username equal to a first path segment would shadow it (/login, /api, /static)."""
    settings = Settings(_env_file=None, data_dir=Path("unused"), secret_key=SECRET)  # type: ignore[call-arg]
    segments = _first_segments(create_app(settings).routes)
    assert {"api", "media", "static", "healthz", "login", "u", "p"} <= segments
    assert CLIENT_SECTIONS <= RESERVED_USERNAMES
    assert segments - RESERVED_USERNAMES == set()


@pytest.mark.parametrize("name", [".", "..", "_", "__", "._", "a..b", ".a", "a.", "admin", "Me"])
def test_names_that_break_routes_or_speak_for_the_service_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="username"):
        normalise_username(name)


@pytest.mark.parametrize("name", ["a", "a.b", "a_b", "_a", "a_", "x1.y2_z3", "Admin2"])
def test_ordinary_names_are_fine(name: str) -> None:
    assert normalise_username(name) == name.lower()


@pytest.mark.parametrize(
    "email",
    [
        "p\u0430ypal@example.com",  # Cyrillic а among Latin letters
        "paypal@ex\u0430mple.com",  # ... in the domain
        "\u03bfpen@example.com",  # Greek ο
        "admin@g\u043e\u043egle.com",  # Cyrillic оо
    ],
)
def test_emails_mixing_scripts_are_refused(email: str) -> None:
    with pytest.raises(ValueError, match="scripts"):
        normalise_email(email)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Alice@Example.COM", "alice@example.com"),
        ("\uff41lice@example.com", "alice@example.com"),  # full-width ａ
        ("\U0001d5ee\U0001d5f9ice@example.com", "alice@example.com"),  # mathematical sans 𝗮𝗹
        ("\u0438\u0432\u0430\u043d@example.com", "\u0438\u0432\u0430\u043d@example.com"),
        ("\u5c71\u7530\u305f\u308d\u3046@example.jp", "\u5c71\u7530\u305f\u308d\u3046@example.jp"),
    ],
)
def test_emails_are_stored_in_one_form(typed: str, stored: str) -> None:
    assert normalise_email(typed) == stored


@pytest.mark.parametrize(
    "text",
    [
        "nul\x00",
        "bell\x07",
        "\x1b[2J",
        "c1\x85",
        "del\x7f",
        "rlo\u202e",
        "lri\u2066",
        "pdi\u2069",
        "ls\u2028",
        "\ufffe",
        "\u200b",
        "\u3164\u3164",  # Hangul fillers: letters that show as nothing
        "\u2800",
    ],
)
def test_controls_overrides_and_invisible_text_are_refused(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message is the field's, tested over HTTP
        clean_text(text, multiline=True)


def test_paragraphs_keep_newlines_tabs_and_joiners_lines_do_not() -> None:
    assert clean_text("a\r\nb\rc\td", multiline=True) == "a\nb\nc\td"
    assert clean_text("👩\u200d💻 \u200ftext", multiline=False) == "👩\u200d💻 \u200ftext"
    assert clean_text("Cafe\u0301", multiline=False) == "Caf\u00e9"
    assert clean_text("", multiline=False) == ""
    for text in ("a\nb", "a\tb"):
        with pytest.raises(ValueError):  # noqa: PT011
            clean_text(text, multiline=False)
