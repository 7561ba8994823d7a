"""Debian's chromium driven by Playwright: where it is, and whether this machine has it.

Playwright's own browser downloads are never used. `make browser` installs the Debian
package when it is missing and we are root; under CI=true a missing browser fails the
run, elsewhere the browser tests are skipped with a loud reason.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CHROMIUM = Path(os.environ.get("SHUTTER_TEST_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (make install)"
    if not CHROMIUM.exists():
        return f"no chromium at {CHROMIUM} (make browser, or apt-get install chromium)"
    return None


@contextlib.contextmanager
def answered(page: Any, method: str, path_end: str) -> Iterator[None]:
    """Wait, as the block ends, for the server's answer to the `method` request whose URL
    path ends with `path_end`, and check it succeeded. A button the client turns at once
    (optimistically) says nothing about the server: a reload or another reader's page
    must come after the answer, not race it."""

    def wanted(response: Any) -> bool:
        request = response.request
        return bool(request.method == method and urlsplit(response.url).path.endswith(path_end))

    with page.expect_response(wanted) as answer:
        yield
    assert answer.value.ok, f"{method} …{path_end} answered {answer.value.status}"
