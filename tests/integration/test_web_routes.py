"""The web client is served at / and on its own routes, and shadows nothing: the API, the
object store's URLs, the probes and the docs keep answering as before."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.assertions import assert_error
from tests.conftest import RunningServer


@pytest.fixture
async def root(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        yield http


async def test_the_page_on_client_routes_and_nothing_shadowed(root: httpx.AsyncClient) -> None:
    # The page, on a first visit and on a reload of any of the client's own routes.
    for path in ("/", "/login", "/u/alice", "/u/alice/followers", "/p/123", "/tags/sea"):
        page = await root.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-type"].startswith("text/html"), path
        assert re.search(
            r'<script type="module" src="/static/v-[0-9a-f]{12}/js/app.js">', page.text
        )
        assert "script-src 'self'" in page.headers["content-security-policy"], path

    script = await root.get("/static/js/app.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert script.headers["cache-control"] == "no-cache"
    assert "etag" in script.headers
    assert (await root.get("/static/css/app.css")).headers["content-type"].startswith("text/css")
    assert (await root.get("/static/js/nope.js")).status_code == 404

    # The page names this release's files under a versioned prefix, cached for a year,
    # asks for every module at once, and they come compressed.
    page = (await root.get("/")).text
    prefix = re.search(r'src="(/static/v-[0-9a-f]{12}/)js/app.js"', page)
    assert prefix is not None, page
    assert f'<link rel="modulepreload" href="{prefix[1]}js/dom.js">' in page
    # Code split by route: the home page preloads the feed's modules, not other screens',
    # and a post's page its own screen instead of the feed.
    assert f'<link rel="modulepreload" href="{prefix[1]}js/views/feed.js">' in page
    assert f'<link rel="modulepreload" href="{prefix[1]}js/views/postcard.js">' in page
    assert "views/messages.js" not in page
    post_page = (await root.get("/p/123")).text
    assert f'<link rel="modulepreload" href="{prefix[1]}js/views/post.js">' in post_page
    assert "views/feed.js" not in post_page
    assert "views/feed.js" not in (await root.get("/direct")).text
    # What the first screen does not need waits: it is not among what a page load asks for.
    for later in ("js/pwa.js", "js/realtime.js", "views/stories.js", "views/report.js"):
        assert later not in page, later

    # The page paints its shell by itself (the stylesheet's top inline, the full one added
    # by the boot script) and comes compressed; the CSP allows exactly its inline parts.
    home = await root.get("/", headers={"Accept-Encoding": "gzip"})
    assert home.headers["content-encoding"] == "gzip"
    assert '<link rel="stylesheet"' not in home.text.split("<noscript>")[0]
    assert 'url("data:image/svg+xml,' in home.text  # the brand mark: nothing more to ask
    assert "Loading Shutter" in home.text
    policy = home.headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    for tag, directive in (("script", "script-src"), ("style", "style-src")):
        inline = re.findall(rf"<{tag}>(.*?)</{tag}>", home.text, re.DOTALL)
        assert len(inline) == 1, tag
        digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy.split(directive, 1)[1].split(";")[0], tag
    versioned = await root.get(f"{prefix[1]}js/app.js", headers={"Accept-Encoding": "gzip"})
    assert versioned.status_code == 200
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert versioned.headers["content-encoding"] == "gzip"
    assert versioned.content == script.content  # httpx decoded it
    assert int(versioned.headers["content-length"]) < len(script.content) / 2
    stale = await root.get("/static/v-000000000000/js/app.js")
    assert stale.status_code == 200
    assert stale.headers["cache-control"] == "no-cache"  # an old page gets today's file

    # Installable: the manifest and the service worker at the root, naming this release.
    manifest = await root.get("/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert manifest.json()["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest.json()["icons"]} == {"192x192", "512x512"}
    for icon in manifest.json()["icons"]:
        assert (await root.get(icon["src"])).headers["content-type"] == "image/png"
    worker = await root.get("/sw.js")
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache"
    assert prefix[1].split("/")[2] in worker.text
    assert f'"{prefix[1]}js/app.js"' in worker.text

    # Everything else is as it was: JSON errors, API routes, probes, docs.
    assert_error(await root.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(await root.get("/api/v1/users/me"), 401, "unauthenticated")
    assert_error(await root.get("/no-such-page"), 404, "not_found")
    assert_error(await root.get("/media/files/originals/00/none.jpg"), 404)
    assert (await root.get("/healthz")).json() == {"status": "ok"}
    assert (await root.get("/docs")).status_code == 200
    assert (await root.get("/api/v1/openapi.json")).json()["info"]["title"] == "Shutter"
    assert "shutter_http_requests_total" in (await root.get("/metrics")).text
