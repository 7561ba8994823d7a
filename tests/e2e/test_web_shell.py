"""The page paints its shell by itself and starts the first screen's requests before any
module has run (issue 20, item 3; the figures are bench/web_slow3g.py's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web import _name, _photo_post

pytestmark = pytest.mark.xdist_group("browser")


def test_the_shell_paints_and_the_feed_is_asked_for_without_any_file(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    token = register(_name("lark"))
    page = browsing.page(token=token, viewport=PHONE)
    page.route("**/static/**", lambda route: route.abort())  # no stylesheet, no module
    page.goto("/")
    # Styled by the page's own rules: the brand mark at its size, the muted text.
    loading = page.get_by_text("Loading Shutter…")
    expect(loading).to_be_visible()
    mark = page.locator("#main .brand-mark")
    box = mark.bounding_box()
    assert box is not None
    assert (box["width"], box["height"]) == (56, 56), box
    assert mark.evaluate("m => getComputedStyle(m).backgroundImage").startswith('url("data:')
    assert loading.evaluate("p => getComputedStyle(p).color") == "rgb(107, 107, 107)"
    # The boot script asked for the session and the feed, with no module to run.
    for path in ("/api/v1/users/me", "/api/v1/feed?mode=chronological&limit=10"):
        page.wait_for_function(
            "p => performance.getEntriesByType('resource')"
            ".some(e => new URL(e.name).pathname + new URL(e.name).search === p)",
            arg=path,
        )
    assert page.console_errors == []


def test_the_app_takes_the_boot_requests_instead_of_asking_again(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    token = register(_name("wren"))
    _photo_post(web, token, "Asked for once")
    page = browsing.page(token=token, viewport=PHONE)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(urlsplit(request.url).path))
    held: list[Any] = []  # the stories tray's module, held back until the post is shown
    page.route("**/js/views/stories.js", lambda route: held.append(route))
    page.goto("/")
    page.get_by_text("Asked for once").wait_for()
    expect(page.locator(".post img.media").first).to_have_attribute("fetchpriority", "high")
    # The tray comes after the posts, in a place kept for it: the post does not move.
    card = page.locator(".post").first
    top = card.evaluate("c => c.getBoundingClientRect().top")
    assert held, "the tray's module was not asked for"
    held[0].continue_()
    page.locator(".story-tray").wait_for()
    assert card.evaluate("c => c.getBoundingClientRect().top") == pytest.approx(top, abs=1)
    assert asked.count("/api/v1/feed") == 1, asked
    assert asked.count("/api/v1/users/me") == 1, asked
    # A signed-out visitor's page asks for neither.
    visitor = browsing.page(viewport=PHONE)
    visitor.goto("/")
    visitor.wait_for_url("**/login?next=%2F")
    assert visitor.evaluate("window.shutterBoot.me === undefined")
    assert page.console_errors == []
    assert visitor.console_errors == []
