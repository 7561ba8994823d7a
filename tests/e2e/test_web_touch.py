"""Touch on a phone's screen, not the mouse: a story is held with a finger (the browser's
own touch events, sent over the DevTools protocol, which turn into `pointerType: touch`
pointer events and may be taken over by the browser's gestures) and tapped on."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web import _couple, _story, _user_id

pytestmark = pytest.mark.xdist_group("browser")


def _finger(cdp: Any, kind: str, x: float = 0, y: float = 0) -> None:
    """touchStart at (x, y) or touchEnd, as a touch screen sends them (one DevTools
    session: a touch begun in one cannot end in another)."""
    points = [{"x": x, "y": y}] if kind == "touchStart" else []
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


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
