"""The installed app's update flow (issue 20, item 4): a tab on release 1 is offered the
new release when the server has one, accepting it reloads every tab onto it, and the old
release's cache is gone. The offline and update notices pass axe in light and dark.

A release is the hash of the client's files (`web/api.py` `release()`), so release 2 is
the same package copied with one stylesheet rule added, served by a second `shutter
serve` at the same address and on the same data (the same origin, so the same service
worker registration, and the same accounts). The module's server (conftest's `web`) is
its own, so restarting it disturbs no other module."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

import shutter
from tests.e2e.conftest import PHONE, Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web import _name, _photo_post
from tests.e2e.test_web_a11y import _violations, axe_path  # noqa: F401 - the fixture

pytestmark = pytest.mark.xdist_group("browser")

UPDATE = "A new version of Shutter is ready."
OFFLINE = "You're offline"


def _release_2(root: Path) -> Path:
    """A copy of the installed package whose client files differ: a new release."""
    package = root / "release-2" / "shutter"
    shutil.copytree(
        Path(shutter.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__")
    )
    with (package / "web" / "static" / "css" / "app.css").open("a", encoding="utf-8") as css:
        css.write("\n/* release 2 */\n.release-2 { display: block; }\n")
    return package.parent


def _version(page: Any) -> str:
    src = page.locator('script[type="module"]').get_attribute("src")
    found = re.search(r"/static/(v-[0-9a-f]{12})/", src or "")
    assert found, src
    return found[1]


def _on_release(page: Any, version: str) -> None:
    """The page, its modules and the worker controlling it are all of `version`."""
    page.wait_for_function(
        "v => document.querySelector('script[type=module]').src.includes(v)"
        " && !!navigator.serviceWorker.controller",
        arg=version,
    )


def test_a_new_release_is_offered_and_taken_by_every_tab(
    browsing: Browsing,
    register: Callable[[str], str],
    web: ServeProcess,
    axe_path: Path,  # noqa: F811
) -> None:
    token = register(_name("quill"))
    _photo_post(web, token, "Before the update")
    page = browsing.page(token=token, viewport=PHONE, bypass_csp=True)  # axe is injected
    page.goto("/")
    page.get_by_text("Before the update").wait_for()
    page.wait_for_function("!!navigator.serviceWorker.controller")
    old = _version(page)
    other = page.context.new_page()  # a second tab of the same browser, on release 1
    errors: list[str] = []
    other.on("pageerror", lambda exc: errors.append(str(exc)))
    other.goto("/")
    other.get_by_text("Before the update").wait_for()
    _on_release(other, old)

    # The offline notice (the app, served by its worker, without a network) passes axe.
    page.context.set_offline(True)
    page.evaluate("window.dispatchEvent(new Event('offline'))")
    notice = page.get_by_role("status").filter(has_text=OFFLINE)
    expect(notice).to_be_visible()
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert _violations(page, axe_path) == [], f"offline notice, {scheme}"
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(notice).to_be_hidden()

    # The server is upgraded in place: same address, same data, new client files.
    web.stop()
    web.env["PYTHONPATH"] = str(_release_2(web.workdir))
    web.start(port=int(web.base_url.rsplit(":", 1)[1]))
    # The browser checks for a new worker on page loads; an open tab checks when it comes
    # back to the front (pwa.js): here the check is asked for directly.
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")

    offer = page.get_by_role("status").filter(has_text=UPDATE)
    expect(offer).to_be_visible()
    # Nothing is swapped under the reader: the page is still release 1 until they accept.
    assert _version(page) == old
    page.get_by_text("Before the update").wait_for()
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert _violations(page, axe_path) == [], f"update notice, {scheme}"

    offer.get_by_role("button", name="Reload").click()
    page.wait_for_function(
        "v => !document.querySelector('script[type=module]').src.includes(v)", arg=old
    )
    new = _version(page)
    assert new != old
    _on_release(page, new)
    page.get_by_text("Before the update").wait_for()  # the app works on the new release
    expect(page.get_by_role("status").filter(has_text=UPDATE)).to_have_count(0)
    # The other tab was not left behind on release 1: it reloaded onto the new one too.
    _on_release(other, new)
    other.get_by_text("Before the update").wait_for()
    # Release 1's files are gone from the cache; release 2's are there.
    page.wait_for_function(
        "v => caches.keys().then(keys => keys.filter(k => k.startsWith('shutter-shell-'))"
        ".join() === 'shutter-shell-' + v)",
        arg=new,
    )
    assert page.console_errors == []
    assert errors == []
