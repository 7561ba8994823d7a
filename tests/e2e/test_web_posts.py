"""Post options in the web client, in a real headless Chromium against a real `shutter
serve`: alt text in the composer (with its gentle reminder) and as the photo's `alt`, a
content warning covering the photo until tapped, editing with the "Edited" mark and its
history, comments turned off, a hidden like count, pinning and archiving from the post's
menu with the Archive screen, and an axe check of the new screens."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import answered
from tests.e2e.conftest import DESKTOP, PHONE, Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web import _api, _name, _photo, _photo_post, _user_id
from tests.e2e.test_web_a11y import _settled, _violations, axe_path  # noqa: F401 - a fixture

pytestmark = pytest.mark.xdist_group("browser")


def test_alt_text_content_warning_and_editing_with_its_history(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess, tmp_path: Path
) -> None:
    author, reader = _name("pia"), _name("quin")
    author_token, reader_token = register(author), register(reader)
    page = browsing.page(token=author_token)

    # The composer: an alt text field per photo, a reminder while it is empty (no blocker).
    page.goto("/new")
    page.locator("#composer-files").set_input_files(str(_photo(tmp_path)))
    reminder = page.locator(".alt-reminder")
    expect(reminder).to_be_visible()
    alt = page.get_by_label(re.compile(r"^Alt text for "))
    alt.fill("A lighthouse at dusk")
    expect(reminder).to_be_hidden()
    page.get_by_label("Caption").fill("Evening walk")
    page.get_by_label("Content warning (optional)").fill("Heights")
    page.get_by_role("button", name="Share", exact=True).click()
    page.wait_for_url(re.compile(r"/p/\d+$"))
    post_id = page.url.rsplit("/", 1)[1]

    # The reader sees the warning over the photo until tapped; the photo's alt is the text.
    reader_page = browsing.page(token=reader_token)
    reader_page.goto(f"/p/{post_id}")
    card = reader_page.locator(f'article[data-post-id="{post_id}"]')
    expect(card.locator(".sensitive-cover")).to_contain_text("Heights")
    card.get_by_role("button", name="Show", exact=True).click()
    expect(card.locator(".sensitive-cover")).to_have_count(0)
    expect(card.locator("img.media")).to_have_attribute("alt", "A lighthouse at dusk")
    expect(card.get_by_role("button", name="Edited", exact=True)).to_have_count(0)

    # The author edits caption and alt text from the post's menu.
    page.get_by_role("button", name="More options").click()
    page.get_by_role("menuitem", name="Edit", exact=True).click()
    dialog = page.get_by_role("dialog", name="Edit post")
    dialog.get_by_label("Caption").fill("Evening walk by the sea")
    dialog.get_by_label("Alt text for photo 1").fill("A white lighthouse at dusk")
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(dialog).to_have_count(0)

    reader_page.reload()
    card = reader_page.locator(f'article[data-post-id="{post_id}"]')
    expect(card).to_contain_text("Evening walk by the sea")
    expect(card.locator("img.media")).to_have_attribute("alt", "A white lighthouse at dusk")
    card.get_by_role("button", name="Edited", exact=True).click()
    history = reader_page.get_by_role("dialog", name="Edit history")
    expect(history.locator(".history-version")).to_have_count(1)
    expect(history).to_contain_text("Evening walk")
    expect(history).to_contain_text("A lighthouse at dusk")
    assert page.console_errors == []
    assert reader_page.console_errors == []


def test_comments_off_hidden_likes_pins_and_the_archive(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    author, reader = _name("rolf"), _name("sara")
    author_token, reader_token = register(author), register(reader)
    older = _photo_post(web, author_token, "Older one")
    post_id = _photo_post(web, author_token, "Quiet one")
    with _api(web, reader_token) as api:
        assert api.post(f"/users/{_user_id(web, author)}/follow").status_code == 200
        assert api.post(f"/posts/{post_id}/like").status_code == 200
    page = browsing.page(token=author_token)
    page.goto(f"/p/{post_id}")
    card = page.locator(f'article[data-post-id="{post_id}"]')

    def choose(item: str) -> None:
        page.locator(f'article[data-post-id="{post_id}"]').get_by_role(
            "button", name="More options"
        ).click()
        page.get_by_role("menuitem", name=item, exact=True).click()

    # Comments off and the like count hidden, from the menu.
    choose("Turn off commenting")
    expect(page.get_by_text("Comments are turned off.")).to_be_visible()
    with answered(page, "PATCH", f"/posts/{post_id}"):  # the author's count does not change
        choose("Hide like count")
    card = page.locator(f'article[data-post-id="{post_id}"]')
    expect(card.locator(".likes")).to_have_text("1 like")  # the author still sees it

    reader_page = browsing.page(token=reader_token)
    reader_page.goto(f"/p/{post_id}")
    reader_card = reader_page.locator(f'article[data-post-id="{post_id}"]')
    expect(reader_card.locator(".likes")).to_have_text("Liked by others")
    expect(reader_page.get_by_text("Comments are turned off.")).to_be_visible()
    expect(reader_page.get_by_label("Add a comment")).to_have_count(0)

    # Pinned: first on the profile grid, marked with a labelled pin.
    page.goto(f"/p/{older}")
    page.get_by_role("button", name="More options").click()
    page.get_by_role("menuitem", name="Pin to profile", exact=True).click()
    expect(page.get_by_role("img", name="Pinned post")).to_be_visible()
    reader_page.goto(f"/u/{author}")
    tiles = reader_page.locator(".grid .tile")
    expect(tiles).to_have_count(2)
    expect(tiles.first).to_have_attribute("href", f"/p/{older}")
    expect(tiles.first.get_by_role("img", name="Pinned")).to_be_visible()

    # Archived: gone for the reader, on the author's Archive screen, restored from there.
    page.goto(f"/p/{post_id}")
    with answered(page, "POST", f"/posts/{post_id}/archive"):
        choose("Archive")
    expect(page.locator(".archived-mark")).to_be_visible()
    reader_page.reload()
    expect(reader_page.locator(".grid .tile")).to_have_count(1)
    page.goto(f"/u/{author}")
    page.get_by_role("link", name="Archived posts", exact=True).click()
    page.wait_for_url(re.compile(r"/archive$"))
    archived = page.get_by_label("Archived posts")
    expect(archived.locator(".tile")).to_have_count(1)
    archived.locator(".tile").first.click()
    page.wait_for_url(re.compile(rf"/p/{post_id}$"))
    with answered(page, "DELETE", f"/posts/{post_id}/archive"):
        choose("Restore")
    expect(page.locator(".archived-mark")).to_have_count(0)
    reader_page.reload()
    expect(reader_page.locator(".grid .tile")).to_have_count(2)
    assert page.console_errors == []
    assert reader_page.console_errors == []


def test_the_post_option_screens_pass_axe(
    browsing: Browsing,
    register: Callable[[str], str],
    web: ServeProcess,
    axe_path: Path,  # noqa: F811 - the fixture of test_web_a11y.py
) -> None:
    author = _name("tova")
    token = register(author)
    post_id = _photo_post(web, token, "Harbour lights")
    archived = _photo_post(web, token, "Put away")
    with _api(web, token) as api:
        edited = api.patch(
            f"/posts/{post_id}",
            json={"caption": "Harbour lights at night", "content_warning": "Glare"},
        )
        assert edited.status_code == 200, edited.text
        assert api.post(f"/posts/{post_id}/pin").status_code == 200
        assert api.post(f"/posts/{archived}/archive").status_code == 200
    problems: dict[str, list[str]] = {}
    for viewport, scheme in ((PHONE, "light"), (DESKTOP, "dark")):
        page = browsing.page(token=token, viewport=viewport, color_scheme=scheme, bypass_csp=True)
        where = f"{viewport['width']} {scheme}"
        page.goto("/archive")
        _settled(page)
        page.locator(".grid .tile").first.wait_for()
        problems[f"archive {where}"] = _violations(page, axe_path)
        page.goto(f"/p/{post_id}")
        page.locator(".sensitive-cover").wait_for()
        problems[f"post with a warning and a pin {where}"] = _violations(page, axe_path)
        page.get_by_role("button", name="Edited", exact=True).click()
        page.get_by_role("dialog", name="Edit history").locator(".history-version").wait_for()
        problems[f"history {where}"] = _violations(page, axe_path)
        page.keyboard.press("Escape")
        page.get_by_role("button", name="More options").click()
        page.get_by_role("menuitem", name="Edit", exact=True).click()
        page.get_by_role("dialog", name="Edit post").wait_for()
        problems[f"editor {where}"] = _violations(page, axe_path)
        page.keyboard.press("Escape")
        page.goto("/new")
        page.locator("#composer-files").set_input_files(
            files=[{"name": "p.png", "mimeType": "image/png", "buffer": _png()}]
        )
        page.locator(".alt-reminder").wait_for()
        problems[f"composer {where}"] = _violations(page, axe_path)
        assert page.console_errors == []
    failing = {screen: found for screen, found in problems.items() if found}
    assert failing == {}, failing


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (16, 12), (200, 120, 40)).save(out, "PNG")
    return out.getvalue()
