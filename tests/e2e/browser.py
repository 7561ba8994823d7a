"""Debian's chromium driven by Playwright: where it is, and whether this machine has it.

Playwright's own browser downloads are never used. `make browser` installs the Debian
package when it is missing and we are root; under CI=true a missing browser fails the
run, elsewhere the browser tests are skipped with a loud reason.
"""

from __future__ import annotations

import os
from pathlib import Path

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
