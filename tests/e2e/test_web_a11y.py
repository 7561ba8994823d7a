"""Accessibility of the web client: axe-core on every screen, at a phone's and a desktop's
size, in light and dark; the skip link; visible focus.

axe-core comes from npm, pinned in tests/e2e/package-lock.json (`make browser` installs
it); it is injected into each page from node_modules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests import services
from tests.e2e.conftest import Browsing
from tests.e2e.test_serve import ServeProcess, _upload
from tests.e2e.test_web import _api, _jpeg, _name, _photo_post, _story, _user_id

pytestmark = pytest.mark.xdist_group("browser")

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
# What fails a screen: axe's two top impact levels.
BLOCKING = {"critical", "serious"}

RUN_AXE = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 4).map((n) => n.target.join(' ') + ' → ' + n.failureSummary),
    }));
}"""


@pytest.fixture(scope="module")
def axe_path() -> Path:
    if not AXE.exists():
        why = f"no axe-core at {AXE} (make browser runs npm ci in tests/e2e)"
        if services.IN_CI:
            pytest.fail(f"CI=true and the accessibility tests cannot run: {why}")
        pytest.skip(f"ACCESSIBILITY TESTS SKIPPED: {why}")
    return AXE


def _violations(page: Any, axe: Path) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe))
    found = page.evaluate(RUN_AXE)
    return [
        f"{v['impact']} {v['id']} ({v['help']}): " + "; ".join(v["nodes"])
        for v in found
        if v["impact"] in BLOCKING
    ]


def _settled(page: Any) -> None:
    """The screen has its heading and no spinner left."""
    page.locator("h1").first.wait_for()
    expect(page.locator("#main .spinner")).to_have_count(0)


def test_every_screen_passes_axe(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess, axe_path: Path
) -> None:
    alice, bob = _name("ana"), _name("ben")
    alice_token, bob_token = register(alice), register(bob)
    bob_id = _user_id(web, bob)
    with _api(web, bob_token) as api:
        assert api.post(f"/users/{_user_id(web, alice)}/follow").status_code == 200
    album = _photo_post(web, alice_token, "Morning #light " * 20, ((640, 480), (480, 640)))
    _photo_post(web, bob_token, "Bob's first")  # for Alice's explore
    with _api(web, bob_token) as api:
        assert api.post(f"/posts/{album}/like").status_code == 200
        assert api.post(f"/posts/{album}/comments", json={"text": "Lovely"}).status_code == 201
        sent = api.post(
            "/messages",
            json={"recipient_id": _user_id(web, alice), "content": "hi", "client_message_id": "a1"},
        )
        assert sent.status_code == 201, sent.text
        conversation = (sent.json().get("message") or sent.json())["conversation_id"]
        shared = api.post(  # a post shared in the conversation: a card
            "/messages",
            json={
                "recipient_id": _user_id(web, alice),
                "content": "look",
                "client_message_id": "a2",
                "post_id": album,
            },
        )
        assert shared.status_code == 201, shared.text
        media = _upload(api, bob_token, _jpeg((640, 480)))
        placed = api.post(
            "/posts",
            json={"media_ids": [media["id"]], "caption": "there", "location": {"name": "Belem"}},
        )
        assert placed.status_code == 201, placed.text
        place_id = placed.json()["post"]["location"]["id"]
    newcomer_token = register(_name("cleo"))  # an empty feed, with suggestions
    _story(web, bob_token)
    _story(web, alice_token)

    problems: dict[str, list[str]] = {}
    for viewport, scheme in ((PHONE, "light"), (DESKTOP, "light"), (DESKTOP, "dark")):
        where = f"{viewport['width']}x{viewport['height']} {scheme}"
        cast = Cast(alice, alice_token, bob, bob_id, album, conversation, place_id, newcomer_token)
        for screen, found in _check_screens(browsing, axe_path, viewport, scheme, cast).items():
            problems[f"{screen} at {where}"] = found
    failing = {screen: found for screen, found in problems.items() if found}
    assert failing == {}, "\n".join(f"{s}:\n  " + "\n  ".join(f) for s, f in failing.items())


@dataclass(frozen=True)
class Cast:
    """Who and what the screens show."""

    alice: str
    alice_token: str
    bob: str
    bob_id: str
    album: str
    conversation: str
    place_id: str
    newcomer_token: str


def _check_screens(
    browsing: Browsing, axe_path: Path, viewport: dict[str, int], scheme: str, cast: Cast
) -> dict[str, list[str]]:
    """Every screen, signed in as Alice and signed out, with axe's blocking findings."""
    alice, album, conversation, bob_id = cast.alice, cast.album, cast.conversation, cast.bob_id
    page = browsing.page(
        token=cast.alice_token, viewport=viewport, color_scheme=scheme, bypass_csp=True
    )
    screens: list[tuple[str, Callable[[], None]]] = [
        ("/", lambda: page.locator(f'article[data-post-id="{album}"] img').first.wait_for()),
        ("/explore", lambda: page.locator(".grid a.tile").first.wait_for()),
        ("/search?q=" + cast.bob, lambda: page.locator(".search-results a").first.wait_for()),
        (f"/u/{alice}", lambda: page.locator(".grid a.tile").first.wait_for()),
        (f"/p/{album}", lambda: page.locator(".comment").first.wait_for()),
        ("/notifications", lambda: page.locator(".notification").first.wait_for()),
        ("/direct", lambda: page.locator(".inbox a").first.wait_for()),
        (f"/direct/{conversation}", lambda: page.locator(".msg-post img").first.wait_for()),
        (
            f"/direct/{conversation}?share={album}",
            lambda: page.locator(".share-preview .msg-post").wait_for(),
        ),
        ("/search?q=Belem&type=locations", lambda: page.locator(".search-results a").wait_for()),
        (f"/explore/locations/{cast.place_id}", lambda: page.locator(".grid a.tile").wait_for()),
        ("/new", lambda: None),
        ("/settings", lambda: page.get_by_role("switch", name="Push notifications").wait_for()),
        (f"/stories/{bob_id}", lambda: page.locator(".story-stage img").wait_for()),
    ]
    problems: dict[str, list[str]] = {}
    for path, ready in screens:
        page.goto(path)
        _settled(page)
        ready()
        problems[path] = _violations(page, axe_path)
    # The post menu open, and the confirmation it asks before deleting.
    page.goto(f"/p/{album}")
    _settled(page)
    page.get_by_role("button", name="More options").click()
    problems["post menu"] = _violations(page, axe_path)
    page.get_by_role("menuitem", name="Delete").click()
    page.get_by_role("alertdialog").wait_for()
    problems["delete dialog"] = _violations(page, axe_path)

    newcomer = browsing.page(
        token=cast.newcomer_token, viewport=viewport, color_scheme=scheme, bypass_csp=True
    )
    newcomer.goto("/")
    newcomer.get_by_role("region", name="Suggested for you").wait_for()
    problems["empty feed with suggestions"] = _violations(newcomer, axe_path)

    visitor = browsing.page(viewport=viewport, color_scheme=scheme, bypass_csp=True)
    for path in ("/login", "/signup"):
        visitor.goto(path)
        _settled(visitor)
        problems[path] = _violations(visitor, axe_path)
        visitor.get_by_role("button", name=re.compile("^(Log in|Sign up)$")).last.click()
        visitor.locator(".field-error").first.wait_for()
        problems[f"{path} with errors"] = _violations(visitor, axe_path)

    assert page.console_errors == []
    assert visitor.console_errors == []
    return problems


def test_the_skip_link_and_the_focus_are_visible(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    token = register(_name("cy"))
    post_id = _photo_post(web, token, "Focus")
    page = browsing.page(token=token, viewport=PHONE)
    page.goto("/")
    page.locator(f'article[data-post-id="{post_id}"]').wait_for()
    # The first Tab shows the skip link on screen; Enter puts the focus on the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["x"] >= 0
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    assert page.url.endswith("/")  # no re-render, no history entry
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.closest('#main') !== null")
    assert focused, "Tab after the skip link does not go into the content"
    # Whatever has the keyboard focus shows a ring.
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] != "none", outline
    assert outline[1] >= 2, outline
    # Icon-only navigation at this size: every link still has a name.
    nav = page.get_by_role("navigation", name="Main")
    for name in ("Home", "Search", "Explore", "Create", "Messages", "Notifications", "Profile"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_have_count(1)
