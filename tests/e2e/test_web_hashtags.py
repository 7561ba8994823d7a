"""Following hashtags in the web client, in a real headless Chromium against a real
`shutter serve`: the Follow/Following button on a hashtag page, a stranger's public post
with that tag in the home feed, and the "Followed hashtags" list in settings with
Unfollow (the post leaves the feed)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import answered
from tests.e2e.conftest import DESKTOP, PHONE, Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web import _api, _name, _photo_post
from tests.e2e.test_web_a11y import _settled, _violations, axe_path  # noqa: F401 - a fixture

pytestmark = pytest.mark.xdist_group("browser")


def _tag() -> str:
    """A hashtag no other test uses (the server is shared by the module's tests)."""
    return f"dunes{uuid.uuid4().hex[:8]}"


def test_a_followed_hashtag_brings_a_strangers_post_into_the_feed_until_unfollowed(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    stranger, reader = _name("tara"), _name("ugo")
    stranger_token, reader_token = register(stranger), register(reader)
    tag = _tag()
    first = _photo_post(web, stranger_token, f"Sand in the wind #{tag}")
    page = browsing.page(token=reader_token)

    # Not followed yet: the stranger's post is not in the home feed.
    page.goto("/")
    page.get_by_text("Welcome to Shutter").wait_for()  # the feed is empty
    expect(page.locator(f'article[data-post-id="{first}"]')).to_have_count(0)

    # The hashtag page: Follow, then Following (pressed), kept after a reload.
    page.goto(f"/tags/{tag.upper()}")
    page.get_by_role("heading", name=f"#{tag}").wait_for()
    follow = page.get_by_role("button", name="Follow", exact=True)
    expect(follow).to_have_attribute("aria-pressed", "false")
    with answered(page, "POST", "/follow"):
        follow.click()
    following = page.get_by_role("button", name="Following", exact=True)
    expect(following).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.get_by_role("button", name="Following", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )

    # The stranger's tagged posts, the earlier one and a new one, are in the home feed.
    later = _photo_post(web, stranger_token, f"Evening #{tag.capitalize()}")
    page.goto("/")
    expect(page.locator(f'article[data-post-id="{later}"]')).to_be_visible()
    expect(page.locator(f'article[data-post-id="{first}"]')).to_be_visible()

    # Settings → Followed hashtags lists it; Unfollow takes its posts out of the feed.
    page.goto("/settings")
    page.get_by_role("link", name="Followed hashtags").click()
    page.wait_for_url(re.compile(r"/settings/hashtags$"))
    listed = page.get_by_role("list", name="Followed hashtags")
    expect(listed.get_by_role("link", name=f"#{tag}")).to_be_visible()
    listed.get_by_role("button", name=f"Unfollow #{tag}").click()
    expect(listed).to_contain_text(f"You unfollowed #{tag}.")
    page.goto("/")
    page.get_by_text("Welcome to Shutter").wait_for()  # empty again
    expect(page.locator(f'article[data-post-id="{later}"]')).to_have_count(0)
    page.goto(f"/tags/{tag}")
    expect(page.get_by_role("button", name="Follow", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    assert page.console_errors == []


def test_the_hashtag_screens_pass_axe(
    browsing: Browsing,
    register: Callable[[str], str],
    web: ServeProcess,
    axe_path: Path,  # noqa: F811 - the fixture of test_web_a11y.py
) -> None:
    author, reader = _name("vera"), _name("wim")
    author_token, reader_token = register(author), register(reader)
    tag = _tag()
    _photo_post(web, author_token, f"Ripples #{tag}")
    with _api(web, reader_token) as api:
        assert api.post(f"/hashtags/{tag}/follow").status_code == 200
    problems: dict[str, list[str]] = {}
    for viewport, scheme in ((PHONE, "light"), (DESKTOP, "dark")):
        page = browsing.page(
            token=reader_token, viewport=viewport, color_scheme=scheme, bypass_csp=True
        )
        where = f"{viewport['width']} {scheme}"
        page.goto(f"/tags/{tag}")
        page.get_by_role("button", name="Following", exact=True).wait_for()
        page.locator(".grid .tile").first.wait_for()
        _settled(page)
        problems[f"hashtag page {where}"] = _violations(page, axe_path)
        page.goto("/settings/hashtags")
        page.get_by_role("button", name=f"Unfollow #{tag}").wait_for()
        _settled(page)
        problems[f"followed hashtags {where}"] = _violations(page, axe_path)
        assert page.console_errors == []
    failing = {screen: found for screen, found in problems.items() if found}
    assert failing == {}, failing
