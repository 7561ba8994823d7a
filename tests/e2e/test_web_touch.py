"""Touch on a phone's screen, not the mouse: a story is held with a finger and tapped on, a
carousel is swiped, a photo is double-tapped to like it (the browser's own touch events,
sent over the DevTools protocol, which turn into `pointerType: touch` pointer events and
may be taken over by the browser's gestures: a swipe scrolls, two taps may zoom)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.e2e.browser import answered
from tests.e2e.conftest import PHONE, Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web import _api, _box, _couple, _photo_post, _story, _user_id

pytestmark = pytest.mark.xdist_group("browser")

PHONE_390 = {"width": 390, "height": 844}
TOUCH_LAPTOP = {"width": 1440, "height": 900}
SIZES = pytest.mark.parametrize("viewport", [PHONE_390, TOUCH_LAPTOP], ids=["390", "1440"])


def _finger(cdp: Any, kind: str, x: float = 0, y: float = 0, at: float | None = None) -> None:
    """touchStart or touchMove at (x, y), or touchEnd, as a touch screen sends them (one
    DevTools session: a touch begun in one cannot end in another); `at` is the event's
    time in seconds, for taps whose timing matters whatever the machine's load."""
    points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
    event: dict[str, Any] = {"type": kind, "touchPoints": points}
    if at is not None:
        event["timestamp"] = at
    cdp.send("Input.dispatchTouchEvent", event)


def _swipe(cdp: Any, box: dict[str, float], leftwards: bool) -> None:
    """A finger drawn across the middle of `box` (two thirds of its width) in 200 ms, then
    rested 100 ms before it lifts: no fling, so the track snaps to the nearest photo. The
    events carry their own times: sent late by a loaded machine, their wall-clock times
    would make a fling (back or on) of a steady swipe."""
    y = box["y"] + box["height"] / 2
    left, right = box["x"] + box["width"] / 6, box["x"] + box["width"] * 5 / 6
    start, end = (right, left) if leftwards else (left, right)
    at = time.time()
    _finger(cdp, "touchStart", start, y, at)
    for step in range(1, 11):
        _finger(cdp, "touchMove", start + (end - start) * step / 10, y, at + step * 0.02)
    _finger(cdp, "touchEnd", at=at + 0.3)


def _tap(cdp: Any, x: float, y: float, at: float) -> None:
    """A short tap at (x, y), its finger down at `at` seconds and up 50 ms later."""
    _finger(cdp, "touchStart", x, y, at)
    _finger(cdp, "touchEnd", at=at + 0.05)


def _middle(locator: Any) -> tuple[float, float]:
    box = _box(locator)
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_story_is_held_with_a_finger_and_tapped_on(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    alice, alice_token, _, bob_token = _couple(web, register)
    _story(web, alice_token)
    _story(web, alice_token)
    page = browsing.page(token=bob_token, viewport=PHONE, has_touch=True)
    page.clock.install()  # the story timers run on a clock the test moves
    page.goto(f"/stories/{_user_id(web, alice)}")
    page.get_by_role("img", name=f"Story by {alice}").wait_for()
    assert page.evaluate("matchMedia('(pointer: coarse)').matches")  # a touch screen
    progress = page.get_by_role("progressbar", name="Stories")
    viewer = page.locator(".story-viewer")
    expect(progress).to_have_attribute("aria-valuenow", "1")

    # A finger held on the right third pauses: the clock runs past the story's 5 s.
    box = page.locator(".story-nav.next").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)
    _finger(cdp, "touchStart", x, y)
    page.clock.run_for(400)
    expect(viewer).to_have_class(re.compile(r"\bpaused\b"))
    page.clock.run_for(10_000)
    expect(progress).to_have_attribute("aria-valuenow", "1")
    width = page.locator(".story-bar .fill").first.evaluate("f => f.style.width")
    assert width != "100%", width
    # Lifting the finger goes on from there; the end of a hold is not a tap.
    _finger(cdp, "touchEnd")
    expect(viewer).not_to_have_class(re.compile(r"\bpaused\b"))
    expect(progress).to_have_attribute("aria-valuenow", "1")

    # A short tap on the right third is "next".
    page.touchscreen.tap(x, y)
    expect(progress).to_have_attribute("aria-valuenow", "2")
    expect(viewer).not_to_have_class(re.compile(r"\bpaused\b"))
    # The long touch did not open the browser's context menu or select the picture.
    assert page.evaluate("String(getSelection())") == ""
    assert page.console_errors == []


def _settles_on(page: Any, track: Any, slide: int) -> None:
    """Waits until the track has come to rest on `slide` (0-based), not between two. Polls
    on a timer, not on animation frames; a timeout says where the track stopped."""
    try:
        page.wait_for_function(
            "([t, i]) => Math.abs(t.scrollLeft - i * t.clientWidth) < 2",
            arg=[track.element_handle(), slide],
            polling=50,
        )
    except PlaywrightTimeoutError:
        where = track.evaluate("t => `scrollLeft ${t.scrollLeft} of width ${t.clientWidth}`")
        raise AssertionError(f"the carousel did not settle on slide {slide}: {where}") from None


def _photo_in_view(track: Any) -> str:
    """The alt text of the photo a person sees in the middle of the carousel."""
    alt: str = track.evaluate(
        """t => { const r = t.getBoundingClientRect();
        const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return at.closest('.carousel-slide')?.querySelector('img')?.alt ?? ''; }"""
    )
    return alt


@SIZES
def test_a_carousel_is_swiped_with_a_finger(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess, viewport: dict[str, int]
) -> None:
    alice, alice_token, _, bob_token = _couple(web, register)
    album = _photo_post(web, alice_token, "Three at the lake", ((640, 480), (480, 640), (500, 500)))
    page = browsing.page(token=bob_token, viewport=viewport, has_touch=True)
    page.goto("/")
    card = page.locator(f'article[data-post-id="{album}"]')
    track = card.locator(".carousel-track")
    dots = card.locator(".carousel-dots .dot")
    said = card.locator(".carousel [aria-live]")
    expect(said).to_have_text("Photo 1 of 3")
    track.scroll_into_view_if_needed()
    assert _photo_in_view(track) == f"Photo by {alice}, 1 of 3"
    cdp = page.context.new_cdp_session(page)

    # A finger drawn leftwards over the photo brings photo 2, and no further.
    _swipe(cdp, _box(track), leftwards=True)
    _settles_on(page, track, 1)
    expect(said).to_have_text("Photo 2 of 3")
    expect(dots.nth(1)).to_have_class(re.compile(r"\bon\b"))
    assert _photo_in_view(track) == f"Photo by {alice}, 2 of 3"
    expect(card.get_by_role("button", name="Previous photo")).to_be_visible()

    # Drawn back rightwards: photo 1 again.
    _swipe(cdp, _box(track), leftwards=False)
    _settles_on(page, track, 0)
    expect(said).to_have_text("Photo 1 of 3")
    expect(dots.nth(0)).to_have_class(re.compile(r"\bon\b"))
    assert _photo_in_view(track) == f"Photo by {alice}, 1 of 3"
    expect(card.get_by_role("button", name="Previous photo")).to_be_hidden()
    # A swipe is not a tap: nothing was liked.
    expect(card.get_by_role("button", name="Like", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    assert page.console_errors == []


@SIZES
def test_a_photo_is_double_tapped_to_like_it(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess, viewport: dict[str, int]
) -> None:
    _, alice_token, bob, bob_token = _couple(web, register)
    tapped = _photo_post(web, alice_token, "Tapped once, twice slowly")
    liked = _photo_post(web, alice_token, "Tapped twice quickly")
    page = browsing.page(token=bob_token, viewport=viewport, has_touch=True)
    likes: list[str] = []
    page.on(
        "request", lambda r: r.method == "POST" and r.url.endswith("/like") and likes.append(r.url)
    )
    page.goto("/")
    cdp = page.context.new_cdp_session(page)
    now = float(page.evaluate("Date.now() / 1000"))

    # Single taps, however many, do not like: two a second apart on one photo.
    first = page.locator(f'article[data-post-id="{tapped}"]')
    first.locator(".post-media img").scroll_into_view_if_needed()
    x, y = _middle(first.locator(".post-media"))
    _tap(cdp, x, y, now)
    _tap(cdp, x, y, now + 1)

    # Two taps 200 ms apart on another photo: a heart over it, and it is liked.
    second = page.locator(f'article[data-post-id="{liked}"]')
    second.locator(".post-media img").scroll_into_view_if_needed()
    x, y = _middle(second.locator(".post-media"))
    with answered(page, "POST", f"/posts/{liked}/like"):
        _tap(cdp, x, y, now + 3)
        _tap(cdp, x, y, now + 3.2)
        expect(second.locator(".heart-burst")).to_have_count(1)
    like = second.get_by_role("button", name="Like", exact=True)
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(second.locator("p.likes")).to_have_text("1 like")
    expect(second.locator(".heart-burst")).to_have_count(0)  # the animation ends and goes
    with _api(web, alice_token) as api:
        users = api.get(f"/posts/{liked}/likes").json()["users"]
        assert [u["username"] for u in users] == [bob]
        # The photo tapped once (twice, slowly) was not liked: its taps came first.
        assert api.get(f"/posts/{tapped}/likes").json()["users"] == []
    expect(first.get_by_role("button", name="Like", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    assert likes == [f"{web.base_url}/api/v1/posts/{liked}/like"], likes
    assert page.console_errors == []
