"""The page paints its shell by itself and starts the first screen's requests before any
module has run; signed in with its page cookie, it carries the first feed page and the
boot script draws the first post before any module arrives (issue 20, item 3; the figures
are bench/web_slow3g.py's)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.browser import answered
from tests.e2e.conftest import PHONE, Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web import _name, _photo_post
from tests.e2e.test_web_a11y import _violations, axe_path

__all__ = ["axe_path"]  # a fixture of this module too
PASSWORD = "correct horse battery"
PAGE_COOKIE = "shutter_page"
BOOT_DATA = re.compile(r'<script type="application/json" id="boot-data">(.*?)</script>', re.DOTALL)

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


def _signed_in(browsing: Browsing, username: str, **options: Any) -> Any:
    """A phone's page signed in as the web client signs in: the login's answer sets the
    page cookie, and the tokens go where api.js keeps them (once: a sign-out stays)."""
    page = browsing.page(viewport=PHONE, **options)
    login = page.request.post("/api/v1/auth/login", data={"login": username, "password": PASSWORD})
    assert login.ok, login.text()
    tokens = login.json()
    page.context.add_init_script(
        "if (!sessionStorage.getItem('seeded')) {"
        f" localStorage.setItem('shutter.token', {tokens['access_token']!r});"
        f" localStorage.setItem('shutter.refresh', {tokens['refresh_token']!r});"
        " sessionStorage.setItem('seeded', '1'); }"
    )
    return page


def _boot_data(page: Any) -> Any:
    """What the home page, as the server answers it now, carries for the boot script."""
    found = BOOT_DATA.findall(page.request.get("/").text())
    return json.loads(found[0]) if found else None


def test_the_first_post_comes_with_the_page_and_shows_before_the_modules(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess, axe_path: Path
) -> None:
    name = _name("heron")
    caption = "At the pier </script><!-- & friends"
    _photo_post(web, register(name), caption, sizes=((900, 600),))
    page = _signed_in(browsing, name, bypass_csp=True)  # (axe is injected)
    # In the page's HTML, before any script runs, and never kept by a cache.
    raw = page.request.get("/")
    assert raw.headers["cache-control"] == "private, no-store"
    assert "Cookie" in raw.headers["vary"]
    data = json.loads(BOOT_DATA.findall(raw.text())[0])
    assert data["feed"]["page"]["posts"][0]["caption"] == caption

    # Every module held back: the boot script alone draws the post.
    held: list[Any] = []
    released = False

    def hold(route: Any) -> None:
        if released:
            route.continue_()
        else:
            held.append(route)

    page.route("**/js/**", hold)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(urlsplit(request.url).path))
    page.goto("/", wait_until="commit")
    card = page.locator("#main .boot-feed .post").first
    expect(card).to_be_visible()
    expect(card.locator(".caption")).to_have_text(f"{name} {caption}")
    photo = card.get_by_role("img", name=f"Photo by {name}", exact=True)
    loaded = "img => img.complete && img.naturalWidth > 0"
    page.wait_for_function(loaded, arg=photo.element_handle())
    assert held, "no module was asked for"
    assert page.evaluate("window.shutter === undefined")  # app.js has not run
    assert card.get_by_role("button").count() == 0  # read-only until the modules come
    assert _violations(page, axe_path) == []
    boot = card.evaluate(
        "c => ({top: c.getBoundingClientRect().top,"
        " photoTop: c.querySelector('img.media').getBoundingClientRect().top,"
        " srcset: c.querySelector('img.media').srcset, sizes: c.querySelector('img.media').sizes})"
    )
    assert "640w" in boot["srcset"], boot

    released = True
    for route in held:
        route.continue_()
    # The feed's own card takes its place: the same photo, where it was.
    real = page.locator("#main .feed-list .post").first
    expect(real.get_by_role("button", name="Like")).to_be_visible()
    expect(page.locator("#main .boot-feed")).to_have_count(0)
    now = real.evaluate(
        "c => ({top: c.getBoundingClientRect().top,"
        " photoTop: c.querySelector('img.media').getBoundingClientRect().top,"
        " srcset: c.querySelector('img.media').srcset, sizes: c.querySelector('img.media').sizes})"
    )
    assert now["srcset"] == boot["srcset"]
    assert now["sizes"] == boot["sizes"]
    assert now["top"] == pytest.approx(boot["top"], abs=1)
    assert now["photoTop"] == pytest.approx(boot["photoTop"], abs=1)
    # api.js took the page's copy: neither the feed nor the profile was asked for.
    assert asked.count("/api/v1/feed") == 0, asked
    assert asked.count("/api/v1/users/me") == 0, asked
    assert page.console_errors == []


def test_the_page_cookie_ends_with_sign_out_and_with_its_session(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    name = _name("egret")
    token = register(name)
    _photo_post(web, token, "Low tide")
    page = _signed_in(browsing, name)
    page.goto("/")
    expect(page.locator("#main .post").get_by_role("button", name="Like")).to_be_visible()
    # The cookie alone calls nothing: no cross-site request can act for the reader.
    refused = page.request.post("/api/v1/posts", data={"caption": "forged"})
    assert refused.status == 401, refused.text()
    # The service worker keeps the page as everyone gets it, never with the feed in it.
    page.wait_for_function("() => !!navigator.serviceWorker.controller")
    cached = page.evaluate("caches.match('/').then(r => r && r.text())")
    assert cached is not None
    assert "Loading Shutter" in cached
    assert 'id="boot-data"' not in cached
    assert "Low tide" not in cached
    # A reload goes through the worker, which passes the navigation on: that page carries
    # the feed all the same (the worker keeps no copy of it).
    page.reload()
    expect(page.locator("#main .post").get_by_role("button", name="Like")).to_be_visible()
    assert page.evaluate("!!document.getElementById('boot-data')")

    # Signing out clears the cookie: the next page carries nothing.
    with answered(page, "POST", "/auth/logout"):
        page.locator('[data-nav="logout"]').click()
    page.wait_for_url("**/login")
    assert PAGE_COOKIE not in [cookie["name"] for cookie in page.context.cookies()]
    assert _boot_data(page) is None

    # Signed in again, then signed out from another device ("sign out everywhere"): the
    # cookie this browser still holds carries nothing any more.
    login = page.request.post("/api/v1/auth/login", data={"login": name, "password": PASSWORD})
    assert login.ok
    assert _boot_data(page)["me"]["username"] == name
    everywhere = httpx.delete(
        f"{web.base_url}/api/v1/sessions", headers={"Authorization": f"Bearer {token}"}
    )
    assert everywhere.status_code == 200, everywhere.text
    assert PAGE_COOKIE in [cookie["name"] for cookie in page.context.cookies()]
    assert _boot_data(page) is None
    assert page.console_errors == []
