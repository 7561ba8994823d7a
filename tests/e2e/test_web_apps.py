"""OAuth in a real headless Chromium: the consent page signs a person in first, then Allow
sends the app its code (which works for a token) and Deny sends it `access_denied`;
Settings → Apps lists the allowed app and Revoke ends its token. Axe checks both pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web import _name
from tests.e2e.test_web_a11y import _settled, _violations, axe_path  # noqa: F401 (a fixture)

pytestmark = pytest.mark.xdist_group("browser")

CALLBACK = "https://photos-app.example/callback"


def _register_app(web: ServeProcess, name: str) -> dict[str, Any]:
    response = httpx.post(
        f"{web.base_url}/api/v1/apps",
        json={
            "client_name": name,
            "redirect_uris": CALLBACK,
            "scopes": "read write",
            "website": "https://photos-app.example",
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text
    app: dict[str, Any] = response.json()
    return app


def _authorize_path(app: dict[str, Any], state: str) -> str:
    query = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": CALLBACK,
        "scope": "read write",
        "state": state,
    }
    return f"/oauth/authorize?{urlencode(query)}"


def _came_back(page: Any) -> dict[str, list[str]]:
    """Wait for the browser to arrive at the app's callback; its query."""
    page.wait_for_url(re.compile(re.escape(CALLBACK)))
    return parse_qs(urlsplit(page.url).query)


def test_consent_allow_and_deny_and_the_apps_page_revokes(
    browsing: Browsing,
    register: Callable[[str], str],
    web: ServeProcess,
    axe_path: Path,  # noqa: F811 - the fixture of test_web_a11y.py
) -> None:
    username = _name("oa")
    register(username)
    app = _register_app(web, "Photo Deck")
    page = browsing.page(bypass_csp=True)
    # The app's own site: the browser lands there with the answer.
    page.route(f"{CALLBACK}**", lambda route: route.fulfill(body="the app"))

    # Signed out: the consent page sends the person to log in, and back.
    page.goto(_authorize_path(app, "first"))
    page.wait_for_url(re.compile(r"/login\?next="))
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/oauth/authorize\?"))
    expect(page.get_by_role("heading", name="Authorize Photo Deck?")).to_be_visible()
    scopes = page.locator("#consent-scopes li")
    expect(scopes).to_have_text(
        [
            "Read your account, posts, followers and notifications",
            "Post, like, comment and change your profile",
        ]
    )
    assert _violations(page, axe_path) == []
    page.get_by_role("button", name="Allow").click()
    answer = _came_back(page)
    assert answer["state"] == ["first"]
    token = httpx.post(
        f"{web.base_url}/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": answer["code"][0],
            "redirect_uri": CALLBACK,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
        timeout=30,
    )
    assert token.status_code == 200, token.text
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    verified = httpx.get(f"{web.base_url}/api/v1/apps/verify_credentials", headers=bearer)
    assert verified.json()["name"] == "Photo Deck"

    # Deny: the app hears `access_denied` and gets no code.
    other = _register_app(web, "Pic Peek")
    page.goto(_authorize_path(other, "second"))
    expect(page.get_by_role("heading", name="Authorize Pic Peek?")).to_be_visible()
    page.get_by_role("button", name="Deny").click()
    answer = _came_back(page)
    assert answer["error"] == ["access_denied"]
    assert answer["state"] == ["second"]
    assert "code" not in answer

    # Settings → Apps: the allowed app only, with what it may do; Revoke ends its token.
    page.goto("/settings")
    page.get_by_role("link", name="Apps with access to your account").click()
    page.wait_for_url(re.compile(r"/settings/apps$"))
    _settled(page)
    apps = page.get_by_role("list", name="Apps with access")
    expect(apps.locator("[data-app]")).to_have_count(1)
    expect(apps.get_by_text("Photo Deck")).to_be_visible()
    expect(apps.get_by_text("Post, like, comment and change your profile")).to_be_visible()
    expect(apps.get_by_role("link", name="photos-app.example")).to_be_visible()
    assert _violations(page, axe_path) == []
    apps.get_by_role("button", name="Revoke Photo Deck").click()
    page.get_by_text("Photo Deck no longer has access to your account.").wait_for()
    expect(page.get_by_text("No apps have access to your account.")).to_be_visible()
    refused = httpx.get(f"{web.base_url}/api/v1/apps/verify_credentials", headers=bearer)
    assert refused.status_code == 401
    page.reload()
    _settled(page)
    expect(page.get_by_text("No apps have access to your account.")).to_be_visible()
    assert page.console_errors == []
