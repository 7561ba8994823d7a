"""The account pages in a real headless Chromium against a real `shutter serve` without
SMTP (mail lands as .eml files in its data dir): log out on a phone, and a password reset
through the mailed link."""

from __future__ import annotations

import itertools
import re
import time
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.browser import answered
from tests.e2e.conftest import Browsing
from tests.e2e.test_serve import ServeProcess
from tests.e2e.test_web_a11y import _violations, axe_path  # noqa: F401 - a fixture

pytestmark = pytest.mark.xdist_group("browser")

PASSWORD = "correct horse battery"
PHONE_390 = {"width": 390, "height": 844}
_names = itertools.count(1)


def _name(base: str) -> str:
    return f"{base}{next(_names)}"


def _register(web: ServeProcess, username: str) -> str:
    response = httpx.post(
        f"{web.base_url}/api/v1/auth/register",
        json={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["access_token"]
    return token


def _mail_to(web: ServeProcess, address: str, subject: str, timeout_s: float = 60) -> Any:
    """The first mail to `address` whose subject has `subject`, once it is written."""
    directory = Path(web.env["SHUTTER_DATA_DIR"]) / "mail"
    deadline = time.monotonic() + timeout_s
    while True:
        for path in sorted(directory.glob("*.eml")) if directory.exists() else []:
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"] == address and subject in str(message["Subject"]):
                return message
        assert time.monotonic() < deadline, f"no mail {subject!r} to {address}"
        time.sleep(0.05)


def test_log_out_on_a_390_px_wide_screen(browsing: Browsing, web: ServeProcess) -> None:
    token = _register(web, _name("phone"))
    page = browsing.page(token=token, viewport=PHONE_390)
    page.goto("/")
    logout = page.get_by_role("button", name="Log out")
    expect(logout).to_be_visible()
    # (the bar is redrawn when its badges load: measured in one step, on the current one)
    box = logout.evaluate("el => el.getBoundingClientRect().toJSON()")
    assert box["left"] >= 0, box
    assert box["right"] <= PHONE_390["width"], box
    assert box["top"] >= 0, box
    assert box["bottom"] <= PHONE_390["height"], box
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE_390["width"]

    logout.click()
    page.wait_for_url(re.compile(r"/login"))
    assert page.evaluate("() => localStorage.getItem('shutter.token')") is None
    page.get_by_role("heading", name="Log in").wait_for()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    expect(page.get_by_role("link", name="Sign up")).not_to_have_count(0)


def test_security_settings_log_out_too(browsing: Browsing, web: ServeProcess) -> None:
    token = _register(web, _name("settings"))
    page = browsing.page(token=token, viewport=PHONE_390)
    page.goto("/settings")
    page.get_by_role("link", name=re.compile("Security")).click()
    page.get_by_role("heading", name="Security").wait_for()
    page.locator("[data-action=logout]").click()
    page.wait_for_url(re.compile(r"/login"))
    assert page.evaluate("() => localStorage.getItem('shutter.token')") is None


def test_a_password_is_reset_through_the_mailed_link(browsing: Browsing, web: ServeProcess) -> None:
    username = _name("forgetful")
    email = f"{username}@example.com"
    _register(web, username)
    page = browsing.page(viewport=PHONE_390)
    page.goto("/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("status").first).to_contain_text("a link to reset its password")

    mail = _mail_to(web, email, "Reset your password")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"(http\S+/reset-password#token=[A-Za-z0-9_-]+)", text)
    assert link, text
    page.goto(link.group(1))
    new_password = page.get_by_label("New password")
    new_password.wait_for()  # the page's module is loaded when its route first opens
    assert "token=" not in page.url  # wiped from the address bar
    new_password.fill("a brand new password")
    page.get_by_role("button", name="Reset password").click()
    expect(page.get_by_text("Your password has been reset.")).to_be_visible()

    page.get_by_role("link", name="Log in").last.click()
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill("a brand new password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))
    page.get_by_role("button", name="Log out").wait_for()

    # The link works once.
    page.goto(link.group(1))
    page.get_by_label("New password").fill("yet another password")
    page.get_by_role("button", name="Reset password").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid or was used already")


def _sign_up(page: Any, username: str) -> None:
    page.goto("/signup")
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r"/$"))
    page.get_by_role("link", name="Profile").wait_for()


def test_the_client_refreshes_an_expired_access_token_silently(browsing: Browsing) -> None:
    page = browsing.page()
    _sign_up(page, _name("silent"))
    refresh_before = page.evaluate("() => localStorage.getItem('shutter.refresh')")
    assert refresh_before
    # The access token is no longer accepted (as once its 15 minutes are up).
    page.evaluate("() => localStorage.setItem('shutter.token', 'expired.access.token')")
    page.get_by_role("link", name="Notifications").click()
    page.get_by_role("heading", name="Notifications").wait_for()
    page.wait_for_function("() => localStorage.getItem('shutter.token') !== 'expired.access.token'")
    page.locator(".spinner").first.wait_for(state="detached")
    assert "/login" not in page.url
    assert page.get_by_role("alert").count() == 0
    tokens = page.evaluate(
        "() => [localStorage.getItem('shutter.token'), localStorage.getItem('shutter.refresh')]"
    )
    assert tokens[0] != "expired.access.token"
    assert tokens[0].count(".") == 2  # a fresh JWT
    assert tokens[1] != refresh_before  # rotated


def test_sign_out_everywhere_else_from_security_settings(
    browsing: Browsing, web: ServeProcess
) -> None:
    username = _name("twodevices")
    laptop = browsing.page()
    _sign_up(laptop, username)
    phone = browsing.page(viewport=PHONE_390)
    phone.goto("/login")
    phone.get_by_label("Username or email").fill(username)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    phone.wait_for_url(re.compile(r"/$"))

    laptop.goto("/settings/security")
    sessions = laptop.locator(".session-list li")
    expect(sessions).to_have_count(2)
    expect(sessions.filter(has_text="This device")).to_have_count(1)
    laptop.get_by_role("button", name="Sign out everywhere else").click()
    expect(sessions).to_have_count(1)

    # The phone's next request finds its session ended: signed out cleanly, to log in.
    phone.get_by_role("link", name="Notifications").click()
    phone.wait_for_url(re.compile(r"/login"))
    assert phone.evaluate("() => localStorage.getItem('shutter.refresh')") is None


def test_two_factor_set_up_and_sign_in_with_a_code(browsing: Browsing) -> None:
    import pyotp

    username = _name("twofactor")
    page = browsing.page(viewport=PHONE_390)
    _sign_up(page, username)
    page.goto("/settings/security")
    page.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    totp = pyotp.TOTP(page.locator(".totp-secret").inner_text())
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)

    page.get_by_role("button", name="Log out").first.click()
    page.wait_for_url(re.compile(r"/login"))
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    code = page.get_by_label("Security code")
    code.fill("000000" if totp.now() != "000000" else "111111")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    code.fill(totp.at(time.time() + 30))  # the next step: the current one was used
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/$"))
    page.get_by_role("link", name="Profile").wait_for()


def test_the_banner_stays_until_the_mailed_link_confirms_the_email(
    browsing: Browsing,
    web: ServeProcess,
    axe_path: Path,  # noqa: F811 - the fixture of test_web_a11y.py
) -> None:
    username = _name("newcomer")
    email = f"{username}@example.com"
    page = browsing.page(viewport=PHONE_390, bypass_csp=True)
    _sign_up(page, username)
    banner = page.locator(".verify-banner")
    expect(banner).to_contain_text(f"Confirm your email: open the link we sent to {email}")
    assert _violations(page, axe_path) == []
    with answered(page, "POST", "/auth/resend-verification"):
        banner.get_by_role("button", name="Send the link again").click()
    expect(banner).to_contain_text("A new link is on its way.")
    page.reload()
    expect(banner).to_be_visible()  # until the address is confirmed

    mail = _mail_to(web, email, "Confirm your email address")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"(http\S+/verify-email#token=[A-Za-z0-9_-]+)", text)
    assert link, text
    page.goto(link.group(1))
    expect(page.get_by_text(f"Thanks! {email} is confirmed.")).to_be_visible()
    assert "token=" not in page.url  # wiped from the address bar
    assert _violations(page, axe_path) == []
    page.get_by_role("link", name="Continue").click()
    page.get_by_role("link", name="Profile").wait_for()
    expect(page.locator(".verify-banner")).to_have_count(0)
    page.reload()
    page.get_by_role("link", name="Profile").wait_for()
    expect(page.locator(".verify-banner")).to_have_count(0)

    # The link works once; the landing page says so.
    page.goto(link.group(1))
    expect(page.get_by_role("alert")).to_contain_text("not valid or was used already")
    page.goto("/verify-email")
    expect(page.get_by_role("alert")).to_contain_text("This page needs the link from the mail.")
    assert page.console_errors == []
