"""Trust and safety in the web client, in a real headless Chromium against a real
`shutter serve`: a report from the "…" menu, a moderator removing the post from the
Admin queue, the post gone from the reporter's and a follower's feeds, the author's
notification, and the page a suspended account sees."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web import PASSWORD, _api, _name, _photo_post, _user_id
from tests.e2e.test_web_a11y import _violations, axe_path  # noqa: F401 - a fixture

pytestmark = pytest.mark.xdist_group("browser")


def _grant(web: ServeProcess, username: str) -> None:
    """`shutter admin grant USERNAME --role moderator`, as an operator runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "shutter.cli", "admin", "grant", username, "--role", "moderator"],
        cwd=web.workdir,
        env=web.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"{username}: user -> moderator" in done.stdout


def test_a_report_from_the_menu_a_removal_from_the_queue_and_its_effects(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    author, reporter, follower, moderator = (_name(n) for n in ("anna", "rob", "fay", "mo"))
    author_token = register(author)
    reporter_token, follower_token = register(reporter), register(follower)
    moderator_token = register(moderator)
    _grant(web, moderator)
    for token in (reporter_token, follower_token):
        with _api(web, token) as api:
            assert api.post(f"/users/{_user_id(web, author)}/follow").status_code == 200
    post_id = _photo_post(web, author_token, "Buy cheap followers now")

    # The reporter reports the post from its "…" menu: a reason, a short confirmation.
    reporter_page = browsing.page(token=reporter_token)
    reporter_page.goto("/")
    card = reporter_page.locator(f'article[data-post-id="{post_id}"]')
    card.wait_for()
    card.get_by_role("button", name="More options").click()
    reporter_page.get_by_role("menuitem", name="Report").click()
    dialog = reporter_page.get_by_role("dialog", name="Report post")
    dialog.get_by_label("Spam").check()
    dialog.get_by_role("button", name="Submit report").click()
    dialog.get_by_role("status").filter(has_text="Thanks for letting us know").wait_for()
    dialog.get_by_role("button", name="Close").click()

    # The moderator finds it in the Admin queue and removes it in one click.
    moderator_page = browsing.page(token=moderator_token)
    moderator_page.goto("/")
    moderator_page.get_by_role("link", name="Admin").click()
    item = moderator_page.locator(f'li.admin-item[data-target-id="{post_id}"]')
    item.wait_for()
    assert "1 report" in item.inner_text()
    item.get_by_label("Reason for the action").fill("Spam links")
    item.get_by_role("button", name="Remove", exact=True).click()
    moderator_page.get_by_text("Nothing to review.").wait_for()
    moderator_page.get_by_role("link", name="Audit log").click()
    moderator_page.get_by_role("list", name="Audit log").filter(has_text="Spam links").wait_for()

    # Gone from the reporter's and the follower's feeds.
    follower_page = browsing.page(token=follower_token)
    for page in (reporter_page, follower_page):
        page.goto("/")
        # Their only followee's only post was removed: the feed has loaded, empty.
        page.get_by_text("Welcome to Shutter").wait_for()
        expect(page.locator(f'article[data-post-id="{post_id}"]')).to_have_count(0)
        page.goto(f"/p/{post_id}")
        page.get_by_role("alert").wait_for()

    # The author reads why, with an appeal button.
    author_page = browsing.page(token=author_token)
    author_page.goto("/notifications")
    notice = author_page.locator('.notification[data-type="moderation_removed"]')
    notice.wait_for()
    assert "Spam links" in notice.inner_text()
    assert notice.get_by_role("button", name="Appeal").is_visible()
    for page in (reporter_page, moderator_page, follower_page, author_page):
        assert page.console_errors == [], page.console_errors


def test_a_suspended_account_sees_a_clear_page(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    user, moderator = _name("sus"), _name("mod")
    register(user)
    moderator_token = register(moderator)
    _grant(web, moderator)
    with _api(web, moderator_token) as api:
        body = {"action": "suspend", "target_type": "user", "target_id": _user_id(web, user)}
        assert api.post("/admin/actions", json=body).status_code == 201
    page = browsing.page()
    page.goto("/login")
    page.get_by_label(re.compile("Username|Email|Login", re.IGNORECASE)).first.fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/suspended"))
    page.get_by_role("heading", name="Your account is suspended").wait_for()
    assert httpx.get(f"{web.base_url}/api/v1/users/by-username/{user}").status_code == 404


def test_the_report_dialog_admin_area_and_suspended_page_pass_axe(
    browsing: Browsing,
    register: Callable[[str], str],
    web: ServeProcess,
    axe_path: Path,  # noqa: F811 - the fixture of test_web_a11y.py
) -> None:
    author, reporter, moderator = _name("ada"), _name("rae"), _name("max")
    author_token, reporter_token = register(author), register(reporter)
    moderator_token = register(moderator)
    _grant(web, moderator)
    post_id = _photo_post(web, author_token, "Look at this")
    with _api(web, reporter_token) as api:
        body = {"target_type": "post", "target_id": post_id, "reason": "spam", "comment": "ad"}
        assert api.post("/reports", json=body).status_code == 201

    problems: dict[str, list[str]] = {}
    page = browsing.page(token=reporter_token, bypass_csp=True)
    page.goto(f"/p/{post_id}")
    page.locator(f'article[data-post-id="{post_id}"]').wait_for()
    page.get_by_role("button", name="More options").click()
    page.get_by_role("menuitem", name="Report").click()
    page.get_by_role("dialog", name="Report post").wait_for()
    problems["report dialog"] = _violations(page, axe_path)

    admin = browsing.page(token=moderator_token, bypass_csp=True)
    for tab, ready in (
        ("queue", lambda: admin.locator("li.admin-item").first.wait_for()),
        ("audit", lambda: admin.locator("li.admin-item").first.wait_for()),
        ("appeals", lambda: admin.get_by_text("No open appeals.").wait_for()),
    ):
        admin.goto(f"/admin?tab={tab}")
        ready()
        problems[f"admin {tab}"] = _violations(admin, axe_path)

    visitor = browsing.page(bypass_csp=True)
    visitor.goto("/suspended?until=2999-01-01T00:00:00.000Z")
    visitor.get_by_role("heading", name="Your account is suspended").wait_for()
    problems["suspended"] = _violations(visitor, axe_path)
    assert {name: found for name, found in problems.items() if found} == {}
    for one in (page, admin, visitor):
        assert one.console_errors == []
