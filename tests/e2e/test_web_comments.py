"""Comments in the web client, in a real headless Chromium against a real `shutter serve`:
the heart with its count on each comment (a toggle with aria-pressed, the comment's author
told in their notifications), and the post's
author pinning a comment (first, marked "Pinned"), unpinning it and deleting someone
else's comment from the comment's menu; the post page passes axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import answered
from tests.e2e.conftest import DESKTOP, PHONE, Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web import _api, _name, _photo_post
from tests.e2e.test_web_a11y import _settled, _violations, axe_path  # noqa: F401 - a fixture

pytestmark = pytest.mark.xdist_group("browser")


def _comment(web: ServeProcess, token: str, post_id: str, text: str) -> str:
    with _api(web, token) as api:
        response = api.post(f"/posts/{post_id}/comments", json={"text": text})
    assert response.status_code == 201, response.text
    comment_id: str = response.json()["comment"]["id"]
    return comment_id


def _order(page: Any) -> list[str]:
    """The ids of the top-level comments, in the order shown."""
    found: list[str] = page.locator("ul.comments > li.comment").evaluate_all(
        "items => items.map(item => item.dataset.commentId)"
    )
    return found


def test_a_comment_is_liked_and_the_post_author_pins_unpins_and_deletes(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    author, olaf, pia = _name("nora"), _name("olaf"), _name("pia")
    author_token, olaf_token, pia_token = register(author), register(olaf), register(pia)
    post_id = _photo_post(web, author_token, "Harbour at dusk")
    first = _comment(web, olaf_token, post_id, "First!")
    second = _comment(web, pia_token, post_id, "Lovely colours")
    third = _comment(web, olaf_token, post_id, "The boats!")

    # A reader likes Pia's comment: the heart is pressed, the count shows, a reload keeps it.
    page = browsing.page(token=olaf_token)
    page.goto(f"/p/{post_id}")
    item = page.locator(f'li.comment[data-comment-id="{second}"]')
    heart = item.get_by_role("button", name=f"Like comment by {pia}", exact=True)
    expect(heart).to_have_attribute("aria-pressed", "false")
    with answered(page, "POST", f"/comments/{second}/like"):
        heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(item.locator(".comment-like-count")).to_have_text("1")
    page.reload()
    item = page.locator(f'li.comment[data-comment-id="{second}"]')
    heart = item.get_by_role("button", name=f"Like comment by {pia}", exact=True)
    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(item.locator(".comment-like-count")).to_have_text("1")
    # Only the post's author has a comment's menu.
    expect(page.get_by_role("button", name=f"Options for comment by {olaf}")).to_have_count(0)
    # Pressing it again withdraws the like.
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "false")
    expect(item.locator(".comment-like-count")).to_have_text("")
    with answered(page, "POST", f"/comments/{second}/like"):
        heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")

    # Pia is told, with her comment's words.
    hers = browsing.page(token=pia_token)
    hers.goto("/notifications")
    told = hers.locator('.notification[data-type="comment_like"] p')
    expect(told).to_have_text(
        re.compile(rf"^{olaf} liked your comment: Lovely colours"), timeout=30_000
    )

    # The post's author sees the count, and pins Olaf's last comment from its menu.
    own = browsing.page(token=author_token)
    own.goto(f"/p/{post_id}")
    liked = own.locator(f'li.comment[data-comment-id="{second}"]')
    expect(liked.locator(".comment-like-count")).to_have_text("1")
    expect(own.locator("ul.comments > li.comment")).to_have_count(3)
    assert _order(own) == [first, second, third]
    last = own.locator(f'li.comment[data-comment-id="{third}"]')
    last.get_by_role("button", name=f"Options for comment by {olaf}").click()
    with answered(own, "POST", f"/comments/{third}/pin"):
        own.get_by_role("menuitem", name="Pin", exact=True).click()
    pinned = own.locator("ul.comments > li.comment").first
    expect(pinned).to_have_attribute("data-comment-id", third)
    expect(pinned.locator(".pinned-mark")).to_have_text("Pinned")
    assert _order(own) == [third, first, second]
    # Readers see it first and marked too.
    page.reload()
    expect(page.locator("ul.comments > li.comment").first).to_have_attribute(
        "data-comment-id", third
    )
    expect(page.locator(".pinned-mark")).to_have_count(1)

    # Unpinning puts it back in its place.
    pinned.get_by_role("button", name=f"Options for comment by {olaf}").click()
    own.get_by_role("menuitem", name="Unpin", exact=True).click()
    expect(own.locator("ul.comments > li.comment").first).to_have_attribute(
        "data-comment-id", first
    )
    expect(own.locator(".pinned-mark")).to_have_count(0)
    assert _order(own) == [first, second, third]

    # The post's author deletes Pia's comment: gone, and still gone after a reload.
    liked = own.locator(f'li.comment[data-comment-id="{second}"]')
    liked.get_by_role("button", name=f"Options for comment by {pia}").click()
    own.get_by_role("menuitem", name="Delete", exact=True).click()
    expect(own.locator(f'li.comment[data-comment-id="{second}"]')).to_have_count(0)
    own.reload()
    expect(own.locator("ul.comments > li.comment")).to_have_count(2)
    assert _order(own) == [first, third]
    assert page.console_errors == []
    assert own.console_errors == []
    assert hers.console_errors == []


def test_the_post_page_with_liked_and_pinned_comments_passes_axe(
    browsing: Browsing,
    register: Callable[[str], str],
    web: ServeProcess,
    axe_path: Path,  # noqa: F811 - the fixture of test_web_a11y.py
) -> None:
    author, reader = _name("rita"), _name("sven")
    author_token, reader_token = register(author), register(reader)
    post_id = _photo_post(web, author_token, "Quay")
    kept = _comment(web, reader_token, post_id, "What a quay")
    _comment(web, author_token, post_id, "Thank you")
    with _api(web, author_token) as api:
        assert api.post(f"/comments/{kept}/like").status_code == 200
        assert api.post(f"/comments/{kept}/pin").status_code == 200
    problems: dict[str, list[str]] = {}
    for viewport, scheme in ((PHONE, "light"), (DESKTOP, "dark")):
        for who, token in (("author", author_token), ("reader", reader_token)):
            page = browsing.page(
                token=token, viewport=viewport, color_scheme=scheme, bypass_csp=True
            )
            page.goto(f"/p/{post_id}")
            _settled(page)
            page.locator(".pinned-mark").wait_for()
            where = f"{who} {viewport['width']} {scheme}"
            problems[where] = _violations(page, axe_path)
            if who == "author":
                menu = f"Options for comment by {reader}"
                page.get_by_role("button", name=menu).click()
                page.get_by_role("menuitem", name="Unpin", exact=True).wait_for()
                problems[f"{where} menu open"] = _violations(page, axe_path)
            assert page.console_errors == []
    failing = {screen: found for screen, found in problems.items() if found}
    assert failing == {}, failing
