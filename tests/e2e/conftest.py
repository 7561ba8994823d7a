"""Browser fixtures: one headless Debian chromium per session, one real `shutter serve` per
module, fresh browser contexts per test, and a screenshot of every open page when a test
fails (under test-artifacts/, which git ignores)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import services
from tests.e2e.browser import ARTIFACTS, CHROMIUM, LAUNCH_ARGS, missing_reason
from tests.e2e.test_serve import ServeProcess

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    why = missing_reason()
    if why:
        if services.IN_CI:
            pytest.fail(f"CI=true and the browser tests cannot run: {why}")
        pytest.skip(f"BROWSER TESTS SKIPPED: {why}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """A real `shutter serve` (embedded profile) shared by the tests of a module."""
    root = tmp_path_factory.mktemp("web")
    serve = ServeProcess(root, root / "shutter-data")
    serve.start()
    try:
        yield serve
    finally:
        serve.stop()


class Browsing:
    """Opens browser contexts for one test (one per person) and closes them after."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[Any] = []

    def page(
        self,
        *,
        token: str | None = None,
        viewport: dict[str, int] = DESKTOP,
        color_scheme: str = "light",
        bypass_csp: bool = False,
        device_scale_factor: float = 1,
        locale: str | None = None,
        geolocation: dict[str, float] | None = None,
        has_touch: bool = False,
    ) -> Any:
        """A page in a new context; `bypass_csp` lets a test inject a script (axe-core);
        `geolocation` ({"latitude", "longitude"}) is where the browser says it is, with
        the permission granted (without it, the page is refused the position); `has_touch`
        gives the page a touch screen (a phone)."""
        context = self.browser.new_context(
            base_url=self.base_url,
            viewport=viewport,
            color_scheme=color_scheme,
            bypass_csp=bypass_csp,
            device_scale_factor=device_scale_factor,
            has_touch=has_touch,
            **({"locale": locale} if locale else {}),
            **({"geolocation": geolocation, "permissions": ["geolocation"]} if geolocation else {}),
        )
        context.set_default_timeout(15_000)
        if token:
            context.add_init_script(f"localStorage.setItem('shutter.token', {token!r})")
        self.contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        return page

    def screenshot_all(self, name: str) -> list[Path]:
        ARTIFACTS.mkdir(exist_ok=True)
        shots = []
        for i, context in enumerate(self.contexts):
            for j, page in enumerate(context.pages):
                path = ARTIFACTS / f"{name}-{i}-{j}.png"
                try:
                    page.screenshot(path=str(path), full_page=True)
                    shots.append(path)
                except Exception as exc:  # a crashed page must not hide the real failure
                    print(f"screenshot of {name} failed: {exc}")
        return shots

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(browser: Any, web: ServeProcess, request: pytest.FixtureRequest) -> Iterator[Browsing]:
    session = Browsing(browser, web.base_url)
    try:
        yield session
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)[:120]
            for path in session.screenshot_all(name):
                print(f"screenshot saved: {path}")
        session.close()


@pytest.fixture
def register(web: ServeProcess) -> Callable[[str], str]:
    """Registers an account over the API and returns its access token."""

    def _register(username: str) -> str:
        response = httpx.post(
            f"{web.base_url}/api/v1/auth/register",
            json={
                "username": username,
                "email": f"{username}@example.com",
                "password": "correct horse battery",
            },
            timeout=30,
        )
        assert response.status_code == 201, response.text
        token: str = response.json()["access_token"]
        return token

    return _register
