"""`shutter bench` end to end at a tiny scale: it seeds, starts real server processes,
drives them over HTTP, and writes a JSON result with every key the issue names, a PNG
chart and a table. Speed is never asserted: only that the figures are there and sane."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shutter.bench.report import REQUIRED_KEYS
from tests import services

BENCH_TIMEOUT_S = 240

# Figures that only a Redis-backed stack has.
REDIS_ONLY = {"redis_zadd_ceiling_per_s", "redis_bytes_per_entry"}


def _run_bench(profile: str, out: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("SHUTTER_")}
    command = [
        sys.executable, "-m", "shutter.cli", "bench", "--profile", profile, "--smoke",
        "--out", str(out), "--load-processes", "1",
        "--postgres-admin-url", services.POSTGRES_URL.replace("+asyncpg", ""),
        "--redis-url", services.REDIS_URL, "--nats-url", services.NATS_URL,
    ]  # fmt: skip
    return subprocess.run(
        command,
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=BENCH_TIMEOUT_S,
        check=False,
    )


@pytest.mark.timeout(BENCH_TIMEOUT_S + 30)
def test_bench_writes_every_figure(profile: str, tmp_path: Path) -> None:
    out = tmp_path / "results"
    run = _run_bench(profile, out, tmp_path)
    assert run.returncode == 0, run.stderr[-3000:] + run.stdout[-2000:]

    results = json.loads((out / "bench.json").read_text())
    missing = [key for key in REQUIRED_KEYS if key not in results]
    assert not missing, f"missing keys: {missing}"
    assert results["profile"] == profile
    assert isinstance(results["machine"], dict)
    assert results["machine"]["cpus"] >= 1
    for key in REQUIRED_KEYS:
        if key in ("profile", "machine"):
            continue
        value = results[key]
        if value is None and profile == "embedded" and key in REDIS_ONLY:
            continue
        assert isinstance(value, int | float), (key, value)
        assert not isinstance(value, bool), (key, value)
        assert math.isfinite(value), (key, value)
        assert value > 0, (key, value)
    # The celebrity's post showed on a real read (15 s is the watcher's give-up time).
    assert results["celebrity_visible_s"] < 15
    assert results["graph"]["celebrities"] >= 1
    assert results["uploads_failed"] == 0

    assert (out / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "hybrid speed-up over pull" in run.stdout
