"""The web client: static files under /static and index.html for the client's own routes.

The client routes by the History API, so a reload of /u/alice or /p/123 must answer the
page too. Only the first path segments listed in CLIENT_SECTIONS do: everything else
(/api/v1, /media, /docs, /healthz, /metrics, ...) keeps its own routes, and an unknown
path still answers the JSON 404 envelope.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(str(files("shutter.web") / "static"))
STATIC_PREFIX = "/static"

# First path segments that belong to the client (see static/js/app.js's route table).
CLIENT_SECTIONS = frozenset(
    {
        "login",
        "signup",
        "new",
        "explore",
        "search",
        "notifications",
        "direct",
        "requests",
        "settings",
        "forgot-password",
        "reset-password",
        "verify-email",
        "p",
        "u",
        "tags",
        "stories",
    }
)

# The page loads only its own scripts and styles; media and uploads may live on a CDN or
# an S3 endpoint, so images, video and XHR may go elsewhere.
_PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data: blob: http: https:; media-src 'self' blob: http: https:; "
        "connect-src 'self' http: https: ws: wss:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

router = APIRouter(include_in_schema=False)


class ClientFiles(StaticFiles):
    """Static files that the browser revalidates (ETag) on every load: they are small and
    change with each release, and have no content hash in their names."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def static_files() -> ClientFiles:
    return ClientFiles(directory=STATIC_DIR)


async def page() -> Response:
    """The client's page; its script renders the route from the URL."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers=_PAGE_HEADERS)


# One route per section (not a catch-all), so that any other path, whatever its method,
# still answers the router's own 404 or 405.
router.add_api_route("/", page, methods=["GET"])
for _section in sorted(CLIENT_SECTIONS):
    router.add_api_route(f"/{_section}", page, methods=["GET"])
    router.add_api_route(f"/{_section}/{{rest:path}}", page, methods=["GET"])
