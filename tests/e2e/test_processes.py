"""`shutter serve` and `shutter worker` as an operator runs them: every process they start
(the media pool, multiprocessing's resource tracker) ends with them, after SIGTERM and
after SIGKILL; and invalid settings stop them with one clear line, not a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_serve import ServeProcess, _free_port

GONE_TIMEOUT_S = 15.0
START_TIMEOUT_S = 30.0


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1])


def _alive(pid: int) -> bool:
    stat = _proc_stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")  # a zombie has ended


def _descendants(root: int) -> set[int]:
    """Every live process below `root`."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        stat = _proc_stat(int(entry.name)) if entry.name.isdigit() else None
        if stat is not None and stat[0] not in ("Z", "X"):
            parents[int(entry.name)] = stat[1]
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _wait_for(condition: object, what: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _start_worker(tmp_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "SHUTTER_DATA_DIR": str(tmp_path / "shutter-data")}
    process = subprocess.Popen(
        [sys.executable, "-m", "shutter.cli", "worker", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, f"http://127.0.0.1:{port}"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("command", ["serve", "worker"])
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_every_child_ends_with_its_parent(
    tmp_path: Path, command: str, how: signal.Signals
) -> None:
    if command == "serve":
        serve = ServeProcess(tmp_path, tmp_path / "shutter-data")
        serve.start()
        assert serve.process is not None
        process, base_url = serve.process, serve.base_url
    else:
        process, base_url = _start_worker(tmp_path)
    try:
        if command == "worker":
            _wait_for(lambda: _healthy(base_url), "the worker never answered", START_TIMEOUT_S)
        # The media pool's process and the resource tracker start with the server.
        _wait_for(
            lambda: len(_descendants(process.pid)) >= 2,
            f"expected a media process and a resource tracker under {process.pid}",
            START_TIMEOUT_S,
        )
        children = _descendants(process.pid)
        os.kill(process.pid, how)
        process.wait(GONE_TIMEOUT_S)
        _wait_for(
            lambda: not any(_alive(pid) for pid in children),
            f"still running after the parent's {how.name}: "
            f"{[pid for pid in children if _alive(pid)]}",
            GONE_TIMEOUT_S,
        )
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.parametrize("command", ["serve", "worker", "migrate"])
def test_invalid_settings_stop_with_one_clear_line(tmp_path: Path, command: str) -> None:
    env = {
        **os.environ,
        "SHUTTER_DATA_DIR": str(tmp_path / "shutter-data"),
        "SHUTTER_SECRET_KEY": "too-short",
    }
    result = subprocess.run(
        [sys.executable, "-m", "shutter.cli", command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "shutter: invalid settings: SHUTTER_SECRET_KEY: must be at least 32 characters "
        "(e.g. `openssl rand -hex 32`)"
    ], result.stderr
    assert not (tmp_path / "shutter-data").exists()  # stopped before touching anything
