"""Quiet without blocking and stories in a real headless Chromium: muting from a profile's
menu (and unmuting in Settings), removing a follower, comment filters, the close-friends
list, a close-friends story with its green ring, the story archive and a highlight made
from it, shown on the profile and played."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web import _api, _couple, _name, _photo, _photo_post, _story, _user_id
from tests.e2e.test_web_a11y import DESKTOP, PHONE, _settled, _violations, axe_path  # noqa: F401 (a fixture)

pytestmark = pytest.mark.xdist_group("browser")


def test_a_profile_is_muted_and_unmuted_and_a_follower_removed(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    alice, alice_token, bob, bob_token = _couple(web, register)  # Bob follows Alice
    post_id = _photo_post(web, alice_token, "from alice")
    page = browsing.page(token=bob_token)
    page.goto("/")
    post_link = page.locator(f'a[href="/p/{post_id}"]').first
    post_link.wait_for()

    page.goto(f"/u/{alice}")
    page.get_by_role("button", name="More options").click()
    page.get_by_role("button", name="Mute", exact=True).click()
    dialog = page.get_by_role("dialog", name=f"Mute {alice}")
    dialog.get_by_label("Mute posts").check()
    dialog.get_by_label("Mute stories").check()
    dialog.get_by_role("button", name="Save").click()
    page.get_by_text("You muted their posts and stories.").wait_for()
    page.goto("/")
    page.get_by_text("Welcome to Shutter").wait_for()  # the feed has loaded, empty
    expect(page.locator(f'a[href="/p/{post_id}"]')).to_have_count(0)

    page.goto("/settings")
    page.get_by_role("link", name="Muted accounts").click()
    page.wait_for_url(re.compile(r"/settings/muted$"))
    muted = page.get_by_role("list", name="Muted accounts")
    muted.get_by_text("Muted posts and stories").wait_for()
    muted.get_by_role("button", name="Unmute").click()
    page.get_by_text(f"{alice} is unmuted.").wait_for()
    page.goto("/")
    page.locator(f'a[href="/p/{post_id}"]').first.wait_for()

    # Alice removes Bob from her followers (no block; he is not told).
    alice_page = browsing.page(token=alice_token)
    alice_page.on("dialog", lambda d: d.accept())
    alice_page.goto(f"/u/{alice}/followers")
    followers = alice_page.get_by_role("dialog", name="Followers")
    followers.get_by_role("button", name=f"Remove follower {bob}").click()
    followers.get_by_text(f"{bob} was removed.").wait_for()
    with _api(web, bob_token) as api:
        me = api.get(f"/users/{_user_id(web, alice)}").json()
    assert me["relationship"]["following"] is False
    assert me["relationship"]["blocked_by"] is False
    assert page.console_errors == []
    assert alice_page.console_errors == []


def test_comment_filters_hide_a_comment_and_the_close_friends_list_is_edited(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    _, alice_token, bob, bob_token = _couple(web, register)
    post_id = _photo_post(web, alice_token, "be nice")
    page = browsing.page(token=alice_token)
    page.goto("/settings")
    page.get_by_role("link", name=re.compile("Comments: hidden words")).click()
    page.wait_for_url(re.compile(r"/settings/comments$"))
    page.get_by_label("Hidden words").fill("Spoiler\nbad word")
    page.get_by_label("Only followers can comment").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Comment filters saved.").wait_for()
    assert page.get_by_label("Hidden words").input_value() == "spoiler\nbad word"

    with _api(web, bob_token) as api:
        hidden = api.post(f"/posts/{post_id}/comments", json={"text": "SPOILER: it ends"})
        assert hidden.status_code == 201, hidden.text
        kept = api.post(f"/posts/{post_id}/comments", json={"text": "lovely light"})
        assert kept.status_code == 201, kept.text
    stranger = register(_name("stranger"))
    with _api(web, stranger) as api:
        refused = api.post(f"/posts/{post_id}/comments", json={"text": "hello"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "comments_followers_only"

    page.goto(f"/p/{post_id}")
    hidden_item = page.locator(f'li.comment[data-comment-id="{hidden.json()["comment"]["id"]}"]')
    hidden_item.get_by_text("Hidden", exact=True).wait_for()
    kept_item = page.locator(f'li.comment[data-comment-id="{kept.json()["comment"]["id"]}"]')
    expect(kept_item.get_by_text("Hidden", exact=True)).to_have_count(0)

    page.goto("/settings/close-friends")
    page.get_by_label("Search people to add").fill(bob)
    page.get_by_role("button", name=f"Add {bob} to close friends").click()
    friends = page.get_by_role("list", name="Close friends")
    friends.get_by_text(bob, exact=True).wait_for()
    with _api(web, alice_token) as api:
        assert api.get("/users/me/close-friends").json()["user_ids"] == [_user_id(web, bob)]
    friends.get_by_role("button", name=f"Remove {bob} from close friends").click()
    friends.get_by_text("Your close friends list is empty.").wait_for()
    assert page.console_errors == []


def test_a_close_friends_story_gets_a_green_ring_and_a_highlight_is_made_and_played(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess, tmp_path: Path
) -> None:
    alice, alice_token, bob, bob_token = _couple(web, register)
    with _api(web, alice_token) as api:
        listed = api.put("/users/me/close-friends", json={"user_ids": [_user_id(web, bob)]})
        assert listed.status_code == 200, listed.text
    earlier = _story(web, alice_token)
    page = browsing.page(token=alice_token)
    page.goto("/")
    page.get_by_role("list", name="Stories").wait_for()
    page.locator("#story-file").set_input_files(str(_photo(tmp_path, (20, 200, 60))))
    page.get_by_role("dialog", name="Share to").get_by_role("button", name="Close friends").click()
    page.get_by_text("Added to your story for close friends.").wait_for()

    bob_page = browsing.page(token=bob_token)
    bob_page.goto("/")
    ring = bob_page.get_by_role("link", name=f"{alice}'s story for close friends, unseen")
    ring.wait_for()
    assert "close-friends" in (ring.get_attribute("class") or "")
    green = ring.evaluate("r => getComputedStyle(r).backgroundColor")
    assert green == "rgb(29, 185, 84)", green

    # The archive: pick both stories, name the highlight, see it on the profile.
    page.goto(f"/u/{alice}")
    page.get_by_role("link", name="Archive", exact=True).click()
    page.wait_for_url(re.compile(r"/stories/archive$"))
    archive = page.get_by_role("group", name="Your story archive")
    tiles = archive.get_by_role("button")
    expect(tiles).to_have_count(2)
    tiles.nth(0).click()
    page.locator(f'[data-story-id="{earlier}"]').click()
    page.get_by_text("2 selected").wait_for()
    page.get_by_label("New highlight").fill("Trip")
    page.get_by_role("button", name="Create highlight").click()
    page.wait_for_url(re.compile(rf"/u/{alice}$"))
    page.get_by_role("link", name="Highlight: Trip").wait_for()

    # Bob, a close friend, plays it: both stories, the close-friends one marked.
    bob_page.goto(f"/u/{alice}")
    bob_page.get_by_role("link", name="Highlight: Trip").click()
    bob_page.wait_for_url(re.compile(r"/stories/highlights/\d+$"))
    bob_page.get_by_role("img", name=f"Story by {alice}").wait_for()
    expect(bob_page.locator(".story-bar")).to_have_count(2)
    expect(bob_page.get_by_text("Trip", exact=True)).to_be_visible()
    # In the order picked: the close-friends story first (marked), then the earlier one.
    bob_page.get_by_text("Close friends", exact=True).wait_for()
    bob_page.get_by_role("button", name="Next story").click()
    expect(bob_page.get_by_text("Close friends", exact=True)).to_have_count(0)
    assert page.console_errors == []
    assert bob_page.console_errors == []


def _quiet_screens(
    page: Any, axe: Path, alice: str, bob: str, highlight: str
) -> dict[str, list[str]]:
    """Alice's quiet and story screens, and the mute dialog, with axe's blocking findings."""
    screens: list[tuple[str, Callable[[], None]]] = [
        ("/settings/muted", lambda: page.get_by_role("button", name="Unmute").wait_for()),
        ("/settings/comments", lambda: page.get_by_label("Hidden words").wait_for()),
        ("/settings/close-friends", lambda: page.get_by_text(bob, exact=True).wait_for()),
        ("/stories/archive", lambda: page.locator(".archive-tile").first.wait_for()),
        (f"/u/{alice}", lambda: page.get_by_role("link", name="Highlight: Best").wait_for()),
        (f"/stories/highlights/{highlight}", lambda: page.locator(".story-stage img").wait_for()),
    ]
    problems: dict[str, list[str]] = {}
    for path, ready in screens:
        page.goto(path)
        _settled(page)
        ready()
        problems[path] = _violations(page, axe)
    page.goto(f"/u/{bob}")
    _settled(page)
    page.get_by_role("button", name="More options").click()
    page.get_by_role("button", name="Muted", exact=True).click()
    page.get_by_role("dialog", name=f"Mute {bob}").wait_for()
    problems["mute dialog"] = _violations(page, axe)
    assert page.console_errors == []
    return problems


def test_the_quiet_and_story_screens_pass_axe(
    browsing: Browsing,
    register: Callable[[str], str],
    web: ServeProcess,
    axe_path: Path,  # noqa: F811 (the shared fixture of test_web_a11y)
) -> None:
    alice, alice_token, bob, _ = _couple(web, register)
    bob_id = _user_id(web, bob)
    with _api(web, alice_token) as api:
        assert api.post(f"/users/{bob_id}/follow").status_code == 200
        assert api.post(f"/users/{bob_id}/mute", json={}).status_code == 200
        assert api.put("/users/me/close-friends", json={"user_ids": [bob_id]}).is_success
        story = _story(web, alice_token)
        made = api.post("/highlights", json={"title": "Best", "story_ids": [story]})
        assert made.status_code == 201, made.text
        assert api.put("/users/me/comment-filters", json={"words": ["rude"]}).is_success
    highlight = made.json()["highlight"]["id"]
    problems: dict[str, list[str]] = {}
    for viewport, scheme in ((PHONE, "dark"), (DESKTOP, "light")):
        page = browsing.page(
            token=alice_token, viewport=viewport, color_scheme=scheme, bypass_csp=True
        )
        for screen, found in _quiet_screens(page, axe_path, alice, bob, highlight).items():
            problems[f"{screen} ({scheme})"] = found
    failing = {screen: found for screen, found in problems.items() if found}
    assert failing == {}, "\n".join(f"{s}:\n  " + "\n  ".join(f) for s, f in failing.items())
