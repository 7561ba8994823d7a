"""The web client: static files under /static and index.html for the client's own routes.

The client routes by the History API, so a reload of /u/alice or /p/123 must answer the
page too. Only the first path segments listed in CLIENT_SECTIONS do: everything else
(/api/v1, /media, /docs, /healthz, /metrics, ...) keeps its own routes, and an unknown
path still answers the JSON 404 envelope.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape as html_escape
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Request
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from shutter.context import AppContext
from shutter.errors import ShutterError
from shutter.feed.api import read_page
from shutter.http import pagecookie
from shutter.http.deps import url_for_of
from shutter.users.service import get_own_profile

STATIC_DIR = Path(str(files("shutter.web") / "static"))
STATIC_PREFIX = "/static"

# First path segments that belong to the client (see static/js/app.js's route table).
CLIENT_SECTIONS = frozenset(
    {
        "login",
        "signup",
        "new",
        "explore",
        "reels",
        "search",
        "notifications",
        "direct",
        "requests",
        "saved",  # your saved posts and collections
        "archive",  # your archived posts
        "settings",
        "forgot-password",
        "reset-password",
        "verify-email",
        "p",
        "u",
        "tags",
        "stories",
        "admin",  # moderators' queue, audit log and appeals
        "suspended",  # what a suspended account sees instead of the app
    }
)

# The page loads only its own scripts and styles, and runs only its own inline boot
# script and critical styles (allowed by their SHA-256 hashes, filled in per release);
# media and uploads may live on a CDN or an S3 endpoint, so images, video and XHR may go
# elsewhere.
_CSP = (
    "default-src 'self'; script-src 'self'{inline_scripts}; style-src 'self'{inline_styles}; "
    "img-src 'self' data: blob: http: https:; media-src 'self' blob: http: https:; "
    "connect-src 'self' http: https: ws: wss:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
_PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Vary": "Accept-Encoding, Cookie",
}
# The home page of a signed-in web client (its page cookie, http/pagecookie.py) carries the
# user's profile and first feed page where index.html has this line, for the boot script;
# it is never stored by any cache, the browser's and the service worker's included.
_BOOT_DATA = re.compile(r"^[ \t]*<!-- boot-data -->\n", re.MULTILINE)
_PERSONAL_HEADERS = {**_PAGE_HEADERS, "Cache-Control": "private, no-store"}
# The feed mode the client last chose (views/feed.js keeps it in this cookie too), so the
# page's first feed page is the one the client would ask for.
FEED_MODE_COOKIE = "shutter_feed_mode"
FEED_PAGE_LIMIT = 10  # as api.js asks
_CARD_SIZES = "(max-width: 640px) 100vw, 600px"  # a post card's photo (views/postcard.js)
# Inside a <script>, "</script>" or "<!--" in a caption would end or bend it: JSON may say
# these characters as escapes, and does here (the boot script reads it with JSON.parse).
_SCRIPT_SAFE = {b"<": b"\\u003c", b">": b"\\u003e", b"&": b"\\u0026"}
# The page inlines the top of the stylesheet, down to this line (the shell's rules).
_CRITICAL_END = "/* critical:"
_CSS_URL = re.compile(r'url\("\.\./([^"]+)"\)')
_CSS_COMMENT = re.compile(r"/\*.*?\*/\n?", re.DOTALL)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)

router = APIRouter(include_in_schema=False)


# The page names its files under /static/v-<hash of every file>/..., so a browser may
# keep them for a year and a release is fetched at once (the modules import each other by
# relative paths, so they all load under the same prefix). /static/<path> still answers,
# revalidated on each use.
_VERSIONED = re.compile(r"^v-[0-9a-f]{12}/")
_IMMUTABLE = "public, max-age=31536000, immutable"
_COMPRESSIBLE = (".js", ".css", ".svg", ".html", ".json", ".webmanifest")
_GZIP_MIN_BYTES = 512


# The screen module a page load lands on, by the path's first segment (app.js's ROUTES
# loads each screen by a dynamic import when its route first opens). The page preloads
# that module and its static imports next to the shell's, so a first visit asks for them
# all at once instead of one round trip per import.
_SECTION_SCREENS = {
    "": "views/feed.js",
    "login": "views/auth.js",
    "signup": "views/auth.js",
    "new": "views/composer.js",
    "explore": "views/search.js",
    "search": "views/search.js",
    "tags": "views/search.js",
    "reels": "views/reels.js",
    "notifications": "views/notifications.js",
    "direct": "views/messages.js",
    "requests": "views/profile.js",
    "settings": "views/profile.js",
    "saved": "views/saved.js",
    "archive": "views/archived.js",
    "p": "views/post.js",
    "u": "views/profile.js",
    "stories": "views/stories.js",
    "admin": "views/admin.js",
}
_STATIC_IMPORT = re.compile(r'^import\s[^;]*?from\s+"(\.{1,2}/[^"]+)"', re.MULTILINE)


@dataclass(frozen=True, slots=True)
class _Release:
    stamp: tuple[tuple[str, int, int], ...]  # (path, size, mtime) of every file
    version: str
    pages: dict[str, bytes]  # by first path segment ("" for the shell alone)
    home: tuple[bytes, bytes]  # the home page, before and after where boot data goes
    gzipped_pages: dict[str, bytes]
    csp: str  # the page's Content-Security-Policy (it names the inline parts' hashes)
    service_worker: bytes


_release: _Release | None = None
_gzipped: dict[tuple[str, int, int], bytes] = {}


def _files() -> list[Path]:
    return sorted(p for p in STATIC_DIR.rglob("*") if p.is_file())


def _module_closure(entries: list[str]) -> list[str]:
    """The modules (paths under static/) that `entries` load by static imports, the
    entries included, in a stable order."""
    seen: list[str] = []
    todo = list(entries)
    while todo:
        module = todo.pop(0)
        if module in seen or not (STATIC_DIR / module).is_file():
            continue
        seen.append(module)
        source = (STATIC_DIR / module).read_text(encoding="utf-8")
        base = posixpath.dirname(module)
        todo.extend(
            posixpath.normpath(posixpath.join(base, target))
            for target in _STATIC_IMPORT.findall(source)
        )
    return seen


def release() -> _Release:
    """The client's current version and its page; worked out again when a file changes
    (so editing a file and reloading still shows the edit)."""
    global _release
    paths = _files()
    stamp = tuple(
        (str(p.relative_to(STATIC_DIR)), p.stat().st_size, p.stat().st_mtime_ns) for p in paths
    )
    if _release is None or _release.stamp != stamp:
        digest = hashlib.sha256()
        for path in paths:
            digest.update(str(path.relative_to(STATIC_DIR)).encode() + b"\0" + path.read_bytes())
        version = f"v-{digest.hexdigest()[:12]}"
        prefix = f"{STATIC_PREFIX}/{version}/"
        html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
        css = (STATIC_DIR / "css" / "app.css").read_text(encoding="utf-8")
        html = html.replace("<!-- critical-css -->", _critical_css(css))
        html = _INLINE_SCRIPT.sub(lambda found: f"<script>{_compact(found[1])}</script>", html)
        html = html.replace('"/static/', f'"{prefix}')
        csp = _CSP.format(
            inline_scripts=_hashes(_INLINE_SCRIPT.findall(html)),
            inline_styles=_hashes(_INLINE_STYLE.findall(html)),
        )
        pages = {}
        home = (b"", b"")
        for section in {"", *CLIENT_SECTIONS}:
            # The shell's modules and the landing screen's are asked for at once, not
            # import by import (a round trip each); other screens load when opened.
            entries = ["js/app.js"]
            if section in _SECTION_SCREENS:
                entries.append(f"js/{_SECTION_SCREENS[section]}")
            preloads = "\n  ".join(
                f'<link rel="modulepreload" href="{prefix}{module}">'
                for module in _module_closure(entries)
            )
            page = html.replace("<!-- modulepreload -->", preloads)
            if section == "":
                before, after = _BOOT_DATA.split(page, maxsplit=1)
                home = (before.encode(), after.encode())
            pages[section] = _BOOT_DATA.sub("", page).encode()
        # The worker caches this release's files; its bytes change with the version, which
        # is how a browser learns that there is a new one.
        shell = [
            f"{prefix}{p.relative_to(STATIC_DIR).as_posix()}"
            for p in paths
            if p.name not in ("index.html", "sw.js")
        ]
        worker = (STATIC_DIR / "sw.js").read_text(encoding="utf-8")
        worker = worker.replace("__VERSION__", version).replace("__SHELL__", json.dumps(shell))
        gzipped = {k: gzip.compress(v, compresslevel=9, mtime=0) for k, v in pages.items()}
        _release = _Release(stamp, version, pages, home, gzipped, csp, worker.encode())
    return _release


def _critical_css(css: str) -> str:
    """The stylesheet's top, for the page. Its URLs are relative to css/: a small SVG
    (the brand mark) becomes a data: URL, so that painting the shell asks for nothing
    more (on a slow network that request would hold one of the six connections the
    first screen's files share); any other file gets the page's absolute path."""

    def inline(found: re.Match[str]) -> str:
        path = STATIC_DIR / found[1]
        if path.suffix == ".svg" and path.is_file() and path.stat().st_size <= 2048:
            return f'url("data:image/svg+xml,{quote(path.read_text(encoding="utf-8"))}")'
        return f'url("/static/{found[1]}")'

    critical = _CSS_COMMENT.sub("", css.split(_CRITICAL_END, 1)[0]).strip()
    return _CSS_URL.sub(inline, critical)


def _compact(script: str) -> str:
    """The inline script without its comment lines and indentation: bytes every first
    visit downloads before it paints (a line's own end stays: no statement joins another)."""
    lines = (line.strip() for line in script.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))


def _hashes(sources: list[str]) -> str:
    """CSP source expressions allowing exactly these inline scripts or styles."""
    return "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()}'"
        for source in sources
    )


def _gzip(full_path: str, size: int, mtime: int) -> bytes:
    key = (full_path, size, mtime)
    if key not in _gzipped:
        if len(_gzipped) > 256:  # files changed under a running server: start again
            _gzipped.clear()
        _gzipped[key] = gzip.compress(Path(full_path).read_bytes(), compresslevel=9, mtime=0)
    return _gzipped[key]


def _accepts_gzip(scope: Scope) -> bool:
    return "gzip" in Headers(scope=scope).get("accept-encoding", "").lower()


class ClientFiles(StaticFiles):
    """The client's files: gzip-compressed where that helps, cached for a year under the
    versioned prefix and revalidated (ETag) on every use without it."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        cache = "no-cache"
        if _VERSIONED.match(path):
            if path.startswith(release().version + "/"):
                cache = _IMMUTABLE
            path = path.split("/", 1)[1]
        response = await super().get_response(path, scope)
        if (
            response.status_code == 200
            and isinstance(response, FileResponse)
            and path.endswith(_COMPRESSIBLE)
            and response.stat_result is not None
            and response.stat_result.st_size >= _GZIP_MIN_BYTES
            and _accepts_gzip(scope)
        ):
            stat = response.stat_result
            body = _gzip(str(response.path), stat.st_size, stat.st_mtime_ns)
            headers = {
                key: value
                for key, value in response.headers.items()
                if key in ("content-type", "etag", "last-modified")
            }
            headers["Content-Encoding"] = "gzip"
            response = Response(body, headers=headers)
        response.headers["Cache-Control"] = cache
        response.headers["Vary"] = "Accept-Encoding"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def static_files() -> ClientFiles:
    return ClientFiles(directory=STATIC_DIR)


async def page(request: Request) -> Response:
    """The client's page; its script renders the route from the URL. The home page of a
    signed-in web client also carries its profile and first feed page."""
    section = request.url.path.strip("/").split("/", 1)[0]
    current = release()
    headers = {**_PAGE_HEADERS, "Content-Security-Policy": current.csp}
    boot = await _boot_data(request) if request.url.path == "/" else None
    if boot is not None:
        headers.update(_PERSONAL_HEADERS)
        body = current.home[0] + boot + current.home[1]
        if _accepts_gzip(request.scope):
            body = gzip.compress(body, compresslevel=6, mtime=0)
            headers["Content-Encoding"] = "gzip"
        return Response(body, media_type="text/html", headers=headers)
    pages = current.pages
    if _accepts_gzip(request.scope):
        pages = current.gzipped_pages
        headers["Content-Encoding"] = "gzip"
    body = pages.get(section, pages[""])
    return Response(body, media_type="text/html", headers=headers)


async def _boot_data(request: Request) -> bytes | None:
    """The signed-in user's profile and first feed page as a JSON script for the boot
    script (index.html), when the request is the browser's own load of the page with a
    live page cookie; None otherwise (the page is then the same for everyone)."""
    # A browser's load of the page, or the service worker passing one on (Chromium then
    # says `Sec-Fetch-Dest: empty`, but still `navigate`); not a fetch(), such as the
    # worker's install, which caches the page.
    mode = request.headers.get("sec-fetch-mode")
    if mode is not None and mode != "navigate":
        return None
    context: AppContext = request.app.state.context
    viewer = await pagecookie.viewer(request, context)
    if viewer is None:
        return None
    chosen = request.query_params.get("mode") or request.cookies.get(FEED_MODE_COOKIE)
    mode = "ranked" if chosen == "ranked" else "chronological"
    url_for = url_for_of(request, context)
    try:
        async with context.db.read() as conn:
            me = await get_own_profile(conn, viewer.id, url_for)
        feed = await read_page(context, viewer.id, None, FEED_PAGE_LIMIT, mode, url_for)
    except ShutterError:
        return None  # the boot script asks the API, which says what went wrong
    context.metrics.activity.seen(viewer.id)
    boot = {"user_id": str(viewer.id), "me": me, "feed": {"mode": mode, "page": feed.body}}
    data = orjson.dumps(boot)
    for char, escape in _SCRIPT_SAFE.items():
        data = data.replace(char, escape)
    script = b'  <script type="application/json" id="boot-data">' + data + b"</script>\n"
    return _first_photo_preload(feed.body["posts"]) + script


def _first_photo_preload(posts: Sequence[Mapping[str, Any]]) -> bytes:
    """A preload of the first post's photo, as the post card will ask for it (its srcset
    and sizes, views/postcard.js), ahead of the modules in the page: on HTTP/1.1's six
    connections it would otherwise wait for a round of them (the boot script's own
    preload comes after the page's modulepreload links)."""
    media = (posts[0].get("media") or [None])[0] if posts else None
    if not media or "video" in str(media.get("type") or media.get("content_type") or ""):
        return b""
    urls = media.get("urls") or {}
    href = urls.get("medium") or urls.get("original")
    if not href:
        return b""
    srcset: dict[str, int] = {}
    for name, width in (("small", 320), ("medium", 640), ("large", 1080)):
        srcset.setdefault(urls.get(name) or urls.get("original") or "", width)
    attributes = f'href="{html_escape(href)}"'
    if len(srcset) > 1:
        described = ", ".join(f"{url} {width}w" for url, width in srcset.items())
        attributes += f' imagesrcset="{html_escape(described)}" imagesizes="{_CARD_SIZES}"'
    return f'  <link rel="preload" as="image" {attributes} fetchpriority="high">\n'.encode()


async def service_worker() -> Response:
    """The service worker, at the root so that its scope is the whole client."""
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    return Response(release().service_worker, media_type="text/javascript", headers=headers)


async def manifest() -> Response:
    """The web app manifest (name, icons, colours, standalone display)."""
    return FileResponse(
        STATIC_DIR / "manifest.webmanifest",
        media_type="application/manifest+json",
        headers={"Cache-Control": "no-cache"},
    )


# One route per section (not a catch-all), so that any other path, whatever its method,
# still answers the router's own 404 or 405.
router.add_api_route("/", page, methods=["GET"])
router.add_api_route("/sw.js", service_worker, methods=["GET"])
router.add_api_route("/manifest.webmanifest", manifest, methods=["GET"])
for _section in sorted(CLIENT_SECTIONS):
    router.add_api_route(f"/{_section}", page, methods=["GET"])
    router.add_api_route(f"/{_section}/{{rest:path}}", page, methods=["GET"])
