"""Group and media messages in a real headless Chromium against a real `shutter serve`:
a group made by picking people and named, its header and members (renamed, someone
added, removed, someone leaving), a photo attached to a message, a reaction, a message
unsent, and each member's read state, all live between the members' browsers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, Browsing
from tests.e2e.test_serve import ServeProcess, _upload
from tests.e2e.test_web import _api, _jpeg, _name, _photo, _user_id
from tests.e2e.test_web_a11y import _violations, axe_path  # noqa: F401 - a fixture

pytestmark = pytest.mark.xdist_group("browser")  # one browser and one server per run


def _people(
    web: ServeProcess, register: Callable[[str], str], *bases: str
) -> list[tuple[str, str]]:
    """Accounts who all follow each other: [(username, token)]."""
    people = [(name, register(name)) for name in (_name(base) for base in bases)]
    for _, token in people:
        with _api(web, token) as api:
            for other, other_token in people:
                if other_token != token:
                    response = api.post(f"/users/{_user_id(web, other)}/follow")
                    assert response.status_code == 200, response.text
    return people


def _group(web: ServeProcess, token: str, members: list[str], name: str | None = None) -> str:
    with _api(web, token) as api:
        response = api.post(
            "/conversations",
            json={"member_ids": [_user_id(web, m) for m in members], "name": name},
        )
        assert response.status_code == 201, response.text
        group_id: str = response.json()["id"]
        return group_id


def _say(page: Any, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_role("button", name="Send", exact=True).click()


def test_a_group_is_made_named_and_its_members_changed(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    (alice, alice_token), (bob, bob_token), (carol, carol_token), (dave, _) = _people(
        web, register, "alice", "bob", "carol", "dave"
    )
    page = browsing.page(token=alice_token)
    page.goto("/direct")
    page.get_by_role("link", name="New group").click()
    page.wait_for_url(re.compile(r"/direct/new$"))
    create = page.get_by_role("button", name="Create group")
    expect(create).to_be_disabled()
    for person in (bob, carol):
        page.get_by_role("searchbox", name="People").fill(person)
        page.get_by_role("button", name=f"Add {person}").click()
    expect(page.get_by_role("list", name="Chosen people").get_by_role("listitem")).to_have_count(2)
    page.get_by_label("Group name").fill("Weekend")
    create.click()
    page.wait_for_url(re.compile(r"/direct/\d+$"))
    group = page.url.rsplit("/", 1)[1]
    head = page.locator(".conversation-head")
    expect(head.get_by_role("heading", name="Weekend")).to_be_visible()
    expect(head).to_contain_text("3 members")
    _say(page, "Saturday?")

    # Bob finds it in his inbox, reads it live, renames the group.
    bob_page = browsing.page(token=bob_token)
    bob_page.goto("/direct")
    bob_page.get_by_role("link", name=re.compile("Weekend")).click()
    bob_page.locator(".msg").filter(has_text="Saturday?").wait_for()
    expect(bob_page.locator(".msg-from").first).to_have_text(alice)
    _say(page, "Or Sunday")
    bob_page.locator(".msg").filter(has_text="Or Sunday").wait_for()
    bob_page.get_by_role("button", name="Group details").click()
    details = bob_page.get_by_role("dialog", name="Group details")
    details.get_by_label("Group name").fill("Long weekend")
    details.get_by_role("button", name="Save name").click()
    # Only the admin may remove people: Bob gets no Remove buttons.
    expect(details.get_by_role("button", name=re.compile("^Remove "))).to_have_count(0)
    details.get_by_role("button", name="Close").click()
    page.locator(".msg-notice").filter(has_text="named the group “Long weekend”").wait_for()
    expect(head.get_by_role("heading", name="Long weekend")).to_be_visible()

    # Alice adds Dave and removes Carol; Carol's page says she is out.
    carol_page = browsing.page(token=carol_token)
    carol_page.goto(f"/direct/{group}")
    carol_page.locator(".msg").filter(has_text="Or Sunday").wait_for()
    page.get_by_role("button", name="Group details").click()
    details = page.get_by_role("dialog", name="Group details")
    members = details.get_by_role("list", name="Members")
    expect(members.get_by_role("listitem")).to_have_count(3)
    expect(members.get_by_role("listitem").filter(has_text=alice)).to_contain_text("admin")
    details.get_by_role("searchbox", name="People").fill(dave)
    details.get_by_role("button", name=f"Add {dave}").click()
    details.get_by_role("button", name="Add to group").click()
    page.locator(".msg-notice").filter(has_text=f"You added {dave}").wait_for()
    expect(head).to_contain_text("4 members")
    page.get_by_role("button", name="Group details").click()
    page.get_by_role("dialog", name="Group details").get_by_role(
        "button", name=f"Remove {carol}"
    ).click()
    page.locator(".msg-notice").filter(has_text=f"You removed {carol}").wait_for()
    carol_page.get_by_text("You are no longer in this group.").wait_for()
    expect(carol_page.get_by_label("Message", exact=True)).to_be_hidden()

    # Bob leaves: he is back in his inbox, without the group; Alice sees the notice.
    bob_page.get_by_role("button", name="Group details").click()
    bob_page.get_by_role("dialog", name="Group details").get_by_role(
        "button", name="Leave group"
    ).click()
    bob_page.get_by_role("alertdialog").get_by_role("button", name="Leave").click()
    bob_page.wait_for_url(re.compile(r"/direct$"))
    expect(bob_page.get_by_role("link", name=re.compile("Long weekend"))).to_have_count(0)
    page.locator(".msg-notice").filter(has_text=f"{bob} left the group").wait_for()
    expect(head).to_contain_text("2 members")
    for each in (page, bob_page, carol_page):
        assert each.console_errors == []


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_photo_a_reaction_an_unsent_message_and_who_has_seen_it(
    browsing: Browsing,
    register: Callable[[str], str],
    web: ServeProcess,
    tmp_path: Path,
    viewport: dict[str, int],
) -> None:
    (_, alice_token), (bob, bob_token), (carol, carol_token) = _people(
        web, register, "alice", "bob", "carol"
    )
    group = _group(web, alice_token, [bob, carol], "Photos")
    page = browsing.page(token=alice_token, viewport=viewport)
    bob_page = browsing.page(token=bob_token, viewport=viewport)
    page.goto(f"/direct/{group}")
    bob_page.goto(f"/direct/{group}")
    bob_page.locator(".conversation-head").wait_for()

    # A photo, attached and sent with words: Bob sees the picture, loaded.
    page.locator("#message-file").set_input_files(str(_photo(tmp_path, (200, 90, 20))))
    page.locator(".attach-preview").get_by_text("Ready to send").wait_for(timeout=60_000)
    _say(page, "Look at this")
    picture = (
        bob_page.locator(".msg").filter(has_text="Look at this").get_by_role("img", name="Photo")
    )
    expect(picture).to_be_visible()
    expect(picture).to_have_js_property("complete", True)
    assert picture.evaluate("i => i.naturalWidth") > 0
    assert "exp=" in (picture.get_attribute("src") or "")  # an expiring link, members only

    # Bob reacts; Alice sees it live.
    row = bob_page.locator(".msg-row").filter(has_text="Look at this")
    row.get_by_role("button", name=re.compile("^More actions")).click()
    bob_page.get_by_role("menuitem", name="React ❤️").click()
    mine = page.locator(".msg-row").filter(has_text="Look at this")
    expect(mine.get_by_role("group", name=f"Reactions: {bob} ❤️")).to_be_visible()

    # Seen: by Bob (who has it open), then by everyone once Carol opens it.
    seen = page.locator(".read-receipt")
    expect(seen).to_have_text(f"Seen by {bob}")
    carol_page = browsing.page(token=carol_token, viewport=viewport)
    carol_page.goto(f"/direct/{group}")
    expect(seen).to_have_text("Seen by everyone")
    page.get_by_role("button", name="Group details").click()
    members = page.get_by_role("dialog", name="Group details").get_by_role("list", name="Members")
    expect(members.get_by_role("listitem").filter(has_text=carol)).to_contain_text(
        "Seen everything"
    )
    page.keyboard.press("Escape")

    # Alice unsends a slip; it goes for everyone, in place.
    _say(page, "wrong chat, sorry")
    bob_page.locator(".msg").filter(has_text="wrong chat, sorry").wait_for()
    slip = page.locator(".msg-row").filter(has_text="wrong chat, sorry")
    slip.get_by_role("button", name=re.compile("^More actions")).click()
    page.get_by_role("menuitem", name="Unsend").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Unsend").click()
    page.get_by_text("You unsent a message").wait_for()
    bob_page.locator(".msg.unsent").filter(has_text="Unsent").wait_for()
    expect(bob_page.get_by_text("wrong chat, sorry")).to_have_count(0)
    carol_page.reload()
    carol_page.locator(".msg.unsent").wait_for()
    expect(carol_page.get_by_text("wrong chat, sorry")).to_have_count(0)
    for each in (page, bob_page, carol_page):
        assert each.console_errors == []


def test_group_screens_pass_axe(
    browsing: Browsing,
    register: Callable[[str], str],
    web: ServeProcess,
    axe_path: Path,  # noqa: F811 - the fixture imported above
) -> None:
    (_, alice_token), (bob, bob_token), (carol, _) = _people(web, register, "alice", "bob", "carol")
    group = _group(web, alice_token, [bob, carol], "Accessible")
    with _api(web, bob_token) as api:
        media = _upload(api, bob_token, _jpeg((640, 480)))
        sent = api.post(
            f"/conversations/{group}/messages",
            json={"content": "a photo", "media_id": media["id"], "client_message_id": "p1"},
        )
        assert sent.status_code == 201, sent.text
        slip = api.post(
            f"/conversations/{group}/messages", json={"content": "oops", "client_message_id": "p2"}
        ).json()
        assert api.delete(f"/messages/{slip['message_id']}").status_code == 204
    with _api(web, alice_token) as api:
        reacted = api.put(f"/messages/{sent.json()['message_id']}/reaction", json={"emoji": "🎉"})
        assert reacted.status_code == 200, reacted.text
        renamed = api.patch(f"/conversations/{group}", json={"name": "Accessible group"})
        assert renamed.status_code == 200, renamed.text

    problems: dict[str, list[str]] = {}
    for viewport, scheme in ((PHONE, "light"), (DESKTOP, "dark")):
        where = f"{viewport['width']}x{viewport['height']} {scheme}"
        page = browsing.page(
            token=alice_token, viewport=viewport, color_scheme=scheme, bypass_csp=True
        )
        page.goto(f"/direct/{group}")
        page.locator(".msg-media").wait_for()
        page.locator(".msg-notice").wait_for()
        problems[f"group at {where}"] = _violations(page, axe_path)
        page.locator(".msg-row").first.get_by_role(
            "button", name=re.compile("^More actions")
        ).click()
        problems[f"message menu at {where}"] = _violations(page, axe_path)
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Group details").click()
        page.get_by_role("dialog", name="Group details").wait_for()
        problems[f"group details at {where}"] = _violations(page, axe_path)
        page.goto("/direct/new")
        page.get_by_role("searchbox", name="People").fill(bob)
        page.get_by_role("button", name=f"Add {bob}").click()
        problems[f"new group at {where}"] = _violations(page, axe_path)
    failing = {screen: found for screen, found in problems.items() if found}
    assert failing == {}, "\n".join(f"{s}:\n  " + "\n  ".join(f) for s, f in failing.items())
