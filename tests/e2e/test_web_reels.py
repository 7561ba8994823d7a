"""Reels in the web client, in a real headless Chromium against a real `shutter serve`:
the tab in the navigation, the reel in view playing muted, the "Unmute" / "Mute" toggle,
the next page loading as the reader scrolls towards the end, the "Play" button instead
of autoplay when the reader asked for reduced motion, and axe's check of the screen."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, Browsing
from tests.e2e.test_serve import ServeProcess, _upload
from tests.e2e.test_web import _api, _name, _user_id
from tests.e2e.test_web_a11y import _settled, _violations, axe_path  # noqa: F401 - a fixture
from tests.factories import video_bytes

pytestmark = pytest.mark.xdist_group("browser")

PAGE_SIZE = 5  # the client's (js/views/reels.js)
PLAYING = "v => !v.paused && v.currentTime > 0"


def _video_post(web: ServeProcess, token: str, caption: str) -> str:
    """A post of one short clip, made over the API; returns its id."""
    clip = video_bytes(size=(64, 96), seconds=1.0, rate=8, audio=True)
    with _api(web, token) as api:
        media = _upload(api, token, clip, "video/mp4")
        response = api.post("/posts", json={"media_ids": [media["id"]], "caption": caption})
    assert response.status_code == 201, response.text
    post_id: str = response.json()["post"]["id"]
    return post_id


def _reader_of_reels(
    web: ServeProcess, register: Callable[[str], str], count: int
) -> tuple[str, str, list[str]]:
    """A reader following an author of `count` reels: (reader token, author, reel ids)."""
    reader, author = _name("rhea"), _name("saul")
    reader_token, author_token = register(reader), register(author)
    reels = [_video_post(web, author_token, f"Clip number {i} #reels") for i in range(count)]
    with _api(web, reader_token) as api:
        assert api.post(f"/users/{_user_id(web, author)}/follow").status_code == 200
    return reader_token, author, reels


def _scroll_one_screen(page: Any) -> None:
    page.locator(".reels-list").evaluate("list => list.scrollBy(0, list.clientHeight)")


def test_reels_play_muted_unmute_and_load_the_next_page(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    reader_token, author, reels = _reader_of_reels(web, register, PAGE_SIZE + 2)
    page = browsing.page(token=reader_token, viewport=PHONE)
    page.goto("/")
    page.get_by_role("link", name="Reels", exact=True).click()
    page.wait_for_url(re.compile(r"/reels$"))
    items = page.locator("li.reel")
    expect(items).to_have_count(PAGE_SIZE)
    first = items.nth(0)
    expect(first).to_have_attribute("data-post-id", reels[-1])  # newest first
    expect(first).to_contain_text(author)
    expect(first).to_contain_text(f"Clip number {PAGE_SIZE + 1}")
    expect(first.get_by_role("button", name="Like", exact=True)).to_be_visible()

    # The reel in view plays, muted.
    video = first.locator("video")
    page.wait_for_function(PLAYING, arg=video.element_handle())
    assert video.evaluate("v => v.muted") is True

    # Unmute, then mute again: the button says what it will do and is pressed with sound on.
    unmute = first.get_by_role("button", name="Unmute", exact=True)
    expect(unmute).to_have_attribute("aria-pressed", "false")
    unmute.click()
    mute = first.get_by_role("button", name="Mute", exact=True)
    expect(mute).to_have_attribute("aria-pressed", "true")
    assert video.evaluate("v => v.muted") is False
    # ... for every reel, the ones below included.
    expect(items.nth(1).get_by_role("button", name="Mute", exact=True)).to_have_count(1)
    mute.click()
    expect(first.get_by_role("button", name="Unmute", exact=True)).to_be_visible()
    assert video.evaluate("v => v.muted") is True

    # Scrolling: the next reel snaps into view and plays, the one left behind pauses, and
    # near the end of the first page the next page comes in.
    _scroll_one_screen(page)
    page.wait_for_function(PLAYING, arg=items.nth(1).locator("video").element_handle())
    expect(first).not_to_have_class(re.compile(r"\bcurrent\b"))
    assert video.evaluate("v => v.paused") is True
    for _ in range(2):
        _scroll_one_screen(page)
    expect(items).to_have_count(PAGE_SIZE + 2)
    ids = items.evaluate_all("rs => rs.map(r => r.dataset.postId)")
    assert ids[: len(reels)] == reels[::-1]  # newest first (other tests' reels after)
    caught_up = page.get_by_text("You're all caught up.")
    for _ in range(50):  # to the end: every reel of the server is shown once
        if caught_up.is_visible():
            break
        _scroll_one_screen(page)
        page.wait_for_function("() => !document.querySelector('.reels-end .spinner')")
    expect(caught_up).to_be_visible()
    ids = items.evaluate_all("rs => rs.map(r => r.dataset.postId)")
    assert len(ids) == len(set(ids))
    assert page.console_errors == []


def test_with_reduced_motion_reels_wait_for_play(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    reader_token, _, reels = _reader_of_reels(web, register, 1)
    page = browsing.page(token=reader_token)
    page.emulate_media(reduced_motion="reduce")
    page.goto("/reels")
    reel = page.locator(f'li.reel[data-post-id="{reels[0]}"]')
    play = reel.get_by_role("button", name="Play", exact=True)
    expect(play).to_have_attribute("aria-pressed", "false")
    video = reel.locator("video")
    assert video.evaluate("v => v.paused") is True
    play.click()
    page.wait_for_function(PLAYING, arg=video.element_handle())
    pause = reel.get_by_role("button", name="Pause", exact=True)
    expect(pause).to_have_attribute("aria-pressed", "true")
    pause.click()
    expect(reel.get_by_role("button", name="Play", exact=True)).to_be_visible()
    assert video.evaluate("v => v.paused") is True
    assert page.console_errors == []


def test_the_reels_screen_passes_axe(
    browsing: Browsing,
    register: Callable[[str], str],
    web: ServeProcess,
    axe_path: Path,  # noqa: F811 - the fixture of test_web_a11y.py
) -> None:
    reader_token, _, _ = _reader_of_reels(web, register, 2)
    problems: dict[str, list[str]] = {}
    for viewport, scheme in ((PHONE, "light"), (DESKTOP, "dark")):
        page = browsing.page(
            token=reader_token, viewport=viewport, color_scheme=scheme, bypass_csp=True
        )
        page.goto("/reels")
        page.locator("li.reel").first.wait_for()
        _settled(page)
        problems[f"reels {viewport['width']} {scheme}"] = _violations(page, axe_path)
        assert page.console_errors == []
    failing = {screen: found for screen, found in problems.items() if found}
    assert failing == {}, failing
