"""Saving in the web client, in a real headless Chromium against a real `shutter serve`:
the bookmark on a post card, the Saved page from the profile with "All saved" and
collections (create, rename, add a post from the post's menu, remove it, delete), and the
bell on the profile of someone you follow."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import answered
from tests.e2e.conftest import DESKTOP, PHONE, Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web import _api, _name, _photo_post, _user_id
from tests.e2e.test_web_a11y import _settled, _violations, axe_path  # noqa: F401 - a fixture

pytestmark = pytest.mark.xdist_group("browser")


def test_a_post_is_saved_put_in_a_collection_and_the_saved_page_manages_them(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    author, reader = _name("nora"), _name("olaf")
    author_token, reader_token = register(author), register(reader)
    first = _photo_post(web, author_token, "First light")
    second = _photo_post(web, author_token, "Second light")
    with _api(web, reader_token) as api:
        assert api.post(f"/users/{_user_id(web, author)}/follow").status_code == 200
    page = browsing.page(token=reader_token)
    page.goto("/")
    card = page.locator(f'article[data-post-id="{first}"]')
    card.wait_for()

    # The bookmark saves, with its state shown and kept after a reload.
    save = card.get_by_role("button", name="Save", exact=True)
    expect(save).to_have_attribute("aria-pressed", "false")
    with answered(page, "POST", f"/posts/{first}/save"):
        save.click()
    unsave = card.get_by_role("button", name="Remove from saved")
    expect(unsave).to_have_attribute("aria-pressed", "true")
    page.reload()
    card = page.locator(f'article[data-post-id="{first}"]')
    expect(card.get_by_role("button", name="Remove from saved")).to_have_attribute(
        "aria-pressed", "true"
    )

    # The post's menu: "Save to collection…", a new collection made there holds the post.
    other = page.locator(f'article[data-post-id="{second}"]')
    other.get_by_role("button", name="More options").click()
    other.get_by_role("menuitem", name="Save to collection…").click()
    dialog = page.get_by_role("dialog", name="Save to collection")
    dialog.get_by_label("New collection name").fill("Mountains")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog.get_by_role("button", name="Remove from Mountains")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(other.get_by_role("button", name="Remove from saved")).to_be_visible()

    # The Saved page, from the profile: the collection, and both posts in "All saved".
    page.goto(f"/u/{reader}")
    page.get_by_role("link", name="Saved").click()
    page.wait_for_url(re.compile(r"/saved$"))
    page.get_by_role("heading", name="Saved", exact=True).wait_for()
    collections = page.get_by_role("list", name="Collections")
    expect(collections.get_by_role("link")).to_have_count(1)
    expect(collections).to_contain_text("Mountains")
    expect(collections).to_contain_text("1 post")
    all_saved = page.get_by_label("All saved")
    expect(all_saved.locator(".tile")).to_have_count(2)
    hrefs = all_saved.locator(".tile").evaluate_all("ts => ts.map(t => t.getAttribute('href'))")
    assert hrefs == [f"/p/{second}", f"/p/{first}"]  # newest save first

    # A new collection from the Saved page.
    page.get_by_role("button", name="New collection").click()
    page.get_by_role("dialog", name="New collection").get_by_label("Name").fill("Later")
    page.get_by_role("dialog", name="New collection").get_by_role("button", name="Create").click()
    expect(collections.get_by_role("link")).to_have_count(2)

    # A collection's page: rename, take a post out (it stays saved), delete.
    collections.get_by_role("link", name=re.compile("Mountains")).click()
    page.wait_for_url(re.compile(r"/saved/\d+$"))
    page.get_by_role("heading", name="Mountains").wait_for()
    expect(page.locator(".tile")).to_have_count(1)
    page.get_by_role("button", name="Rename").click()
    rename = page.get_by_role("dialog", name="Rename collection")
    rename.get_by_label("Name").fill("High mountains")
    rename.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="High mountains").wait_for()
    page.get_by_role("button", name="Remove from High mountains").click()
    expect(page.locator(".tile")).to_have_count(0)
    page.get_by_text("No posts in this collection yet").wait_for()
    page.get_by_role("button", name="Delete collection").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    page.wait_for_url(re.compile(r"/saved$"))
    collections = page.get_by_role("list", name="Collections")
    expect(collections.get_by_role("link")).to_have_count(1)
    expect(collections).not_to_contain_text("mountains")
    expect(page.get_by_label("All saved").locator(".tile")).to_have_count(2)

    # Unsaving from the card takes the post out of "All saved".
    page.goto(f"/p/{first}")
    # The bookmark turns at once (optimistic): the Saved page must load after the answer.
    with answered(page, "DELETE", f"/posts/{first}/save"):
        page.get_by_role("button", name="Remove from saved").click()
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_visible()
    page.goto("/saved")
    expect(page.get_by_label("All saved").locator(".tile")).to_have_count(1)
    assert page.console_errors == []


def test_the_bell_on_the_profile_of_someone_you_follow(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    star, fan = _name("pia"), _name("quin")
    star_token, fan_token = register(star), register(fan)
    page = browsing.page(token=fan_token)
    page.goto(f"/u/{star}")
    page.get_by_role("heading", name=star).wait_for()
    bell = page.locator("button.bell")
    expect(bell).to_be_hidden()  # only for accounts you follow
    page.get_by_role("button", name="Follow").click()
    on = page.get_by_role("button", name="Turn on post notifications")
    expect(on).to_have_attribute("aria-pressed", "false")
    on.click()
    off = page.get_by_role("button", name="Turn off post notifications")
    expect(off).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.get_by_role("button", name="Turn off post notifications")).to_be_visible()

    # A new post of theirs is a notification.
    post_id = _photo_post(web, star_token, "Bell rings")
    page.goto("/notifications")
    item = page.locator('li.notification[data-type="post"]')
    expect(item).to_contain_text(f"{star} shared a new post.", timeout=30_000)
    expect(item.get_by_role("link", name="View")).to_have_attribute("href", f"/p/{post_id}")

    # Unfollowing turns it off.
    page.goto(f"/u/{star}")
    page.get_by_role("button", name="Following").click()
    expect(page.locator("button.bell")).to_be_hidden()
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("button", name="Turn on post notifications")).to_be_visible()
    assert page.console_errors == []


def test_the_saving_screens_pass_axe(
    browsing: Browsing,
    register: Callable[[str], str],
    web: ServeProcess,
    axe_path: Path,  # noqa: F811 - the fixture of test_web_a11y.py
) -> None:
    author, reader = _name("rita"), _name("sven")
    author_token, reader_token = register(author), register(reader)
    post_id = _photo_post(web, author_token, "Harbour")
    with _api(web, reader_token) as api:
        assert api.post(f"/users/{_user_id(web, author)}/follow").status_code == 200
        made = api.post("/collections", json={"name": "Harbours"})
        assert made.status_code == 201, made.text
        collection_id = made.json()["collection"]["id"]
        assert api.post(f"/collections/{collection_id}/posts/{post_id}").status_code == 200
    problems: dict[str, list[str]] = {}
    for viewport, scheme in ((PHONE, "light"), (DESKTOP, "dark")):
        page = browsing.page(
            token=reader_token, viewport=viewport, color_scheme=scheme, bypass_csp=True
        )
        where = f"{viewport['width']} {scheme}"
        for path in ("/saved", f"/saved/{collection_id}"):
            page.goto(path)
            _settled(page)
            page.locator(".grid .tile").first.wait_for()
            problems[f"{path} {where}"] = _violations(page, axe_path)
        page.goto(f"/u/{author}")
        page.locator("button.bell").wait_for()
        problems[f"profile with the bell {where}"] = _violations(page, axe_path)
        page.goto(f"/p/{post_id}")
        page.get_by_role("button", name="More options").click()
        page.get_by_role("menuitem", name="Save to collection…").click()
        page.get_by_role("dialog", name="Save to collection").locator(".collection-row").wait_for()
        problems[f"save to collection {where}"] = _violations(page, axe_path)
        assert page.console_errors == []
    failing = {screen: found for screen, found in problems.items() if found}
    assert failing == {}, failing
