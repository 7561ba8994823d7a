"""toot (PyPI), a command-line Mastodon client nobody here wrote, against a `shutter serve`
process on both profiles: `toot login` (its browser flow, out of band: the test reads the
URL toot prints, gives the consent by HTTP, and types the code into toot's prompt) and
`toot timeline`, which prints the home timeline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.e2e.test_serve import ServeProcess
from tests.interop.conftest import WAIT_S, consent, eventually, new_person, post_photo

TOOT = [sys.executable, "-m", "toot"]


def test_toot_logs_in_and_reads_the_home_timeline(served: ServeProcess, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "NO_COLOR": "1"}
    with httpx.Client(base_url=served.base_url, timeout=30) as api:
        alice, bob = new_person(api), new_person(api)
        followed = api.post(f"/api/v1/users/{alice.id}/follow", headers=bob.headers)
        assert followed.status_code == 200, followed.text
        for caption in ("first light", "golden hour"):
            post_photo(api, alice, caption)

        login = subprocess.Popen(
            [*TOOT, "login", "--instance", served.base_url],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert login.stdin is not None
        assert login.stdout is not None
        login.stdin.write("n\n")  # "Open link in default browser?": no, we are the browser
        login.stdin.flush()
        printed = []
        for line in login.stdout:
            printed.append(line)
            if line.startswith(served.base_url):
                break
        else:
            raise AssertionError("toot printed no login URL:\n" + "".join(printed))
        code = consent(api, bob, line.strip())["code"]
        out, _ = login.communicate(code + "\n", timeout=WAIT_S)
        assert login.returncode == 0, out
        assert "Successfully logged in" in out

        def timeline() -> str | None:
            shown = subprocess.run(
                [*TOOT, "timeline", "--once", "--count", "5"],
                env=env,
                capture_output=True,
                text=True,
                timeout=WAIT_S,
                check=True,
            ).stdout
            return shown if "golden hour" in shown else None

        shown = eventually(timeline, "toot shows the newest post")
        assert "first light" in shown
        assert shown.index("golden hour") < shown.index("first light")  # newest first
        assert f"@{alice.username}" in shown
