"""The web client on Chromium's "Slow 3G" preset (issue 20, item 3): first contentful
paint, the first post of the home feed (its caption shown) and that post's photo (loaded),
on a first visit and on a return visit; and the preset's own floor, a tiny static page's
first contentful paint.

    .venv/bin/python bench/web_slow3g.py [--runs 3] [--python .venv/bin/python] [--waterfall]
        [--without-page-cookie]

Starts `shutter serve` (embedded profile, a fresh data dir) as a separate process,
registers one account that has posted one photo, then opens `/` in headless chromium
(/usr/bin/chromium) at 390x844 with the network throttled over the DevTools protocol to
the Slow 3G preset (2 s round trip, 50 kB/s each way). "First visit" is a new browser
context (nothing cached but the web client's sign-in: the access token in localStorage
and, where the server sets one, its page cookie); "return visit" reloads in that context
(HTTP cache and the service worker warm). "Floor" is a page of a few bytes from a plain
HTTP server under the same emulation: no page can paint sooner. Prints one line per
visit kind with the median of `--runs`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
from login_burst import _free_port

CHROMIUM = "/usr/bin/chromium"
SLOW_3G = {
    "offline": False,
    "latency": 2000,
    "downloadThroughput": 50_000,
    "uploadThroughput": 50_000,
}
CAPTION = "First light over the harbour"


def _wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("shutter serve did not start within 60 s")


def _account_with_a_post(base: str) -> tuple[str, list[dict[str, str]]]:
    """Registers an account, posts one photo over the pre-signed flow; returns its token
    and the cookies the sign-in set (the page cookie; none from a server without it)."""
    api = httpx.Client(base_url=f"{base}/api/v1", timeout=60)
    password = "correct horse 1"  # noqa: S105 - a throwaway account of the bench
    registered = api.post(
        "/auth/register",
        json={"username": "walker", "email": "w@example.com", "password": password},
    )
    token: str = registered.json()["access_token"]
    cookies = [{"name": k, "value": v, "url": base} for k, v in registered.cookies.items()]
    api.headers["Authorization"] = f"Bearer {token}"
    data = BytesIO()
    Image.new("RGB", (1080, 1080), (40, 110, 170)).save(data, format="JPEG", quality=85)
    ticket = api.post(
        "/media", json={"content_type": "image/jpeg", "size_bytes": len(data.getvalue())}
    ).json()
    httpx.request(
        ticket["upload_method"],
        ticket["upload_url"],
        content=data.getvalue(),
        headers=ticket["upload_headers"],
        timeout=60,
    )
    api.post(f"/media/{ticket['media_id']}/complete")
    while api.get(f"/media/{ticket['media_id']}").json()["status"] != "ready":
        time.sleep(0.2)
    api.post("/posts", json={"media_ids": [ticket["media_id"]], "caption": CAPTION})
    return token, cookies


class _TinyPage(BaseHTTPRequestHandler):
    """A page of a few bytes, nothing else to load: the floor of first contentful paint."""

    def do_GET(self) -> None:
        body = b"<!doctype html><title>floor</title><p>Hello</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _fcp(page: Any) -> float:
    page.wait_for_function(
        "() => performance.getEntriesByName('first-contentful-paint').length > 0"
    )
    fcp: float = page.evaluate(
        "performance.getEntriesByName('first-contentful-paint')[0].startTime"
    )
    return fcp


def _throttled(context: Any) -> Any:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    return page


def floor(browser: Any, runs: int) -> float:
    """The median first contentful paint of a tiny static page on Slow 3G."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TinyPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    results = []
    try:
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = _throttled(context)
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/", wait_until="commit")
            results.append(_fcp(page))
            context.close()
    finally:
        server.shutdown()
    return statistics.median(results)


FIRST_PHOTO = "document.querySelector('.post img.media')"


def _visit(page: Any, reload: bool) -> tuple[float, float, float]:
    """(first contentful paint, first post shown, its photo loaded), ms from the start
    of navigation."""
    if reload:
        page.reload(wait_until="commit")
    else:
        page.goto("/", wait_until="commit")
    page.get_by_text(CAPTION).wait_for(timeout=120_000)
    post_ms: float = page.evaluate("performance.now()")
    fcp = _fcp(page)
    page.wait_for_function(f"() => {FIRST_PHOTO} && {FIRST_PHOTO}.complete", timeout=120_000)
    photo_ms: float = page.evaluate(
        f"(e => e ? e.responseEnd : performance.now())"
        f"(performance.getEntriesByName({FIRST_PHOTO}.currentSrc)[0])"
    )
    return fcp, post_ms, photo_ms


def _waterfall(page: Any) -> list[str]:
    """The first visit's requests: when each started and ended (ms from navigation)."""
    entries: list[dict[str, Any]] = page.evaluate(
        "[performance.getEntriesByType('navigation')[0], "
        "...performance.getEntriesByType('resource')]"
        ".map(e => ({name: e.name, start: e.startTime, end: e.responseEnd}))"
    )
    return [
        f"  {e['start']:7.0f} → {e['end']:7.0f} ms  {e['name'].split('/', 3)[-1][:70]}"
        for e in sorted(entries, key=lambda e: float(e["start"]))
    ]


def measure(
    base: str, token: str, cookies: list[dict[str, str]], runs: int, waterfall: bool = False
) -> list[str]:
    lines: list[str] = []
    first: list[tuple[float, float, float]] = []
    again: list[tuple[float, float, float]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for _ in range(runs):
            context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844})
            context.add_init_script(f"localStorage.setItem('shutter.token', {token!r})")
            if cookies:
                context.add_cookies(cookies)
            page = _throttled(context)
            first.append(_visit(page, reload=False))
            if waterfall and len(first) == 1:
                lines.append("first visit's requests (start → end):")
                lines.extend(_waterfall(page))
            page.wait_for_load_state("load", timeout=120_000)
            # A client with a service worker: let it register (after the first screen and
            # `load`), install and take control. An older one has none: 30 s, then go on.
            with contextlib.suppress(PlaywrightTimeout):
                page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=30_000)
            again.append(_visit(page, reload=True))
            context.close()
        lines.append(
            f"Slow 3G, floor (a tiny static page): first contentful paint "
            f"{floor(browser, runs):.0f} ms (median of {runs})"
        )
        browser.close()
    for name, results in (("first visit", first), ("return visit", again)):
        fcp = statistics.median(r[0] for r in results)
        post = statistics.median(r[1] for r in results)
        photo = statistics.median(r[2] for r in results)
        lines.append(
            f"Slow 3G, {name}: first contentful paint {fcp:.0f} ms, "
            f"first post {post:.0f} ms, its photo {photo:.0f} ms (median of {runs})"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--waterfall", action="store_true", help="print the first visit's requests")
    parser.add_argument(
        "--without-page-cookie",
        action="store_true",
        help="the token alone, as a browser signed in before the page cookie existed",
    )
    args = parser.parse_args()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="shutter-slow3g-") as data_dir:
        env = {
            **os.environ,
            "SHUTTER_DATA_DIR": data_dir,
            "SHUTTER_LOG_LEVEL": "WARNING",
            "SHUTTER_RATE_LIMITS": "off",
        }
        server = subprocess.Popen(  # noqa: S603
            [args.python, "-m", "shutter.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_until_up(base)
            token, cookies = _account_with_a_post(base)
            if args.without_page_cookie:
                cookies = []
            for line in measure(base, token, cookies, args.runs, args.waterfall):
                print(line)
        finally:
            server.terminate()
            server.wait(20)


if __name__ == "__main__":
    main()
