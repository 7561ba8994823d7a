"""Settings → Your data in a real headless Chromium: an Instagram archive imported with
its progress and report, then an export requested and downloaded."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.archives import InstagramArchive, Medium, Post
from tests.e2e.conftest import Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web import PASSWORD, _name, _sign_up
from tests.e2e.test_web_a11y import _violations, axe_path  # noqa: F401 - a fixture

pytestmark = pytest.mark.xdist_group("browser")


def _jpeg(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48, 36), color).save(out, format="JPEG")
    return out.getvalue()


def test_an_instagram_archive_is_imported_and_an_export_downloaded(
    browsing: Browsing, tmp_path: Path
) -> None:
    username = _name("zoe")
    page = browsing.page()
    _sign_up(page, username)
    archive = tmp_path / "instagram-zoe.zip"
    archive.write_bytes(
        InstagramArchive(
            posts=[
                Post([Medium("a.jpg", _jpeg((200, 20, 20)), 1_560_000_000)], "Café in Köln"),
                Post([Medium("b.jpg", _jpeg((20, 200, 20)), 1_600_000_000)], "Second"),
                Post([Medium("bad.jpg", b"\xff\xd8\xff broken", 1_650_000_000)], "Broken"),
            ]
        ).build()
    )

    page.goto("/settings")
    page.get_by_role("link", name=re.compile("Your data")).click()
    page.wait_for_url(re.compile(r"/settings/data$"))
    page.get_by_role("heading", name="Import from Instagram").wait_for()
    page.locator("#import-file").set_input_files(str(archive))
    page.get_by_text("Import finished.").wait_for(timeout=120_000)
    summary = page.locator("[data-import-summary]")
    assert summary.inner_text() == "2 imported · 1 skipped of 3"
    assert "bad.jpg" in page.locator(".data-errors").inner_text()
    assert page.get_by_role("progressbar", name="Import progress").get_attribute("value") == "1"

    # The grid: the imported posts, the repaired caption among them.
    page.goto(f"/u/{username}")
    page.get_by_role("heading", name=username).wait_for()
    page.get_by_text("2 posts").wait_for()

    page.goto("/settings/data")
    page.get_by_role("button", name="Request a download").click()
    link = page.get_by_role("link", name="Download your data")
    link.wait_for(timeout=120_000)
    href = link.get_attribute("href")
    assert href is not None
    download = httpx.get(href if href.startswith("http") else page.url.split("/settings")[0] + href)
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.content)) as exported:
        assert "posts.json" in exported.namelist()
        assert b"Caf\xc3\xa9 in K\xc3\xb6ln" in exported.read("posts.json")
    # Once a day: asking again says so.
    page.get_by_role("button", name="Request a download").click()
    page.get_by_role("alert").filter(has_text="once a day").wait_for()
    assert link.is_visible()  # the last export stays available
    assert page.console_errors == [] or all("429" in e for e in page.console_errors)


def test_an_account_is_deleted_with_its_grace_date_and_restored(browsing: Browsing) -> None:
    username = _name("leaver")
    page = browsing.page()
    _sign_up(page, username)
    page.goto("/settings/data")
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    page.get_by_role("alert").filter(has_text="not your password").wait_for()

    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    status = page.get_by_role("status").filter(has_text="deleted for good on")
    status.wait_for()
    purge_after = status.get_attribute("data-deletion-scheduled")
    assert purge_after is not None
    # The grace period the server stated (30 days by default) is the one shown.
    assert str(int(purge_after[8:10])) in status.inner_text()

    # Logged out everywhere; logging in says why; restoring brings the account back.
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text(re.compile("being deleted")).wait_for()
    page.goto("/settings/restore")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Restore my account").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/u/{username}")
    page.get_by_role("heading", name=username).wait_for()


def test_an_archive_goes_up_in_parts_when_the_ticket_asks_for_them(
    browsing: Browsing,
    web: ServeProcess,
    tmp_path: Path,
    axe_path: Path,  # noqa: F811 - the fixture of test_web_a11y.py
) -> None:
    """The embedded store takes any size in one PUT, so the ticket is rewritten here as an
    S3 store would answer a large archive (docs/data.md): two part URLs. The browser must
    PUT each slice to its URL; the test joins them and stores the whole as S3 would."""
    username = _name("parts")
    page = browsing.page(bypass_csp=True)
    _sign_up(page, username)
    data = InstagramArchive(
        posts=[Post([Medium("a.jpg", _jpeg((20, 20, 200)), 1_600_000_000)], "Sent in parts")]
    ).build()
    archive = tmp_path / "instagram-parts.zip"
    archive.write_bytes(data)
    first = len(data) // 2
    received: dict[int, bytes] = {}
    real: dict[str, Any] = {}

    def ticket(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        answer = route.fetch()
        body = answer.json()
        real.update(body)
        body["upload_parts"] = [
            {"number": 1, "offset": 0, "size_bytes": first, "url": "/parts-test/1"},
            {"number": 2, "offset": first, "size_bytes": len(data) - first, "url": "/parts-test/2"},
        ]
        route.fulfill(response=answer, json=body)

    def part(route: Any) -> None:
        assert route.request.method == "PUT"
        received[int(route.request.url.rsplit("/", 1)[1])] = route.request.post_data_buffer
        if len(received) == 2:  # all there: assembled, as S3 does on POST /imports
            url = real["upload_url"]
            whole = received[1] + received[2]
            stored = httpx.request(
                real["upload_method"],
                url if url.startswith("http") else web.base_url + url,
                content=whole,
                headers=real["upload_headers"],
                timeout=30,
            )
            assert stored.status_code in (200, 204), stored.text
        route.fulfill(status=200, body="")

    page.route("**/api/v1/media", ticket)
    page.route("**/parts-test/*", part)
    page.goto("/settings/data")
    page.get_by_role("heading", name="Import from Instagram").wait_for()
    assert _violations(page, axe_path) == []
    page.locator("#import-file").set_input_files(str(archive))
    page.get_by_text("Import finished.").wait_for(timeout=120_000)
    assert received == {1: data[:first], 2: data[first:]}
    assert page.locator("[data-import-summary]").inner_text() == "1 imported of 1"
    assert _violations(page, axe_path) == []
    page.goto(f"/u/{username}")
    page.get_by_text("1 post").first.wait_for()
    assert page.console_errors == []
