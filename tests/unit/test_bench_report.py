"""The bench's outputs without matplotlib: the JSON is written, the chart is skipped with
one plain line (it needs the `bench` extra), and nothing raises."""

from __future__ import annotations

import builtins
import json
from pathlib import Path
from typing import Any

import pytest

from shutter.bench import report


def test_without_matplotlib_the_chart_is_skipped_and_the_json_still_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    results = {"profile": "embedded", "scale": "smoke"}

    report.write_json(results, tmp_path / "bench.json")
    charted = report.write_chart(results, tmp_path / "bench.png")

    assert charted is False
    assert not (tmp_path / "bench.png").exists()
    assert json.loads((tmp_path / "bench.json").read_text())["profile"] == "embedded"
    assert "pip install -e '.[bench]'" in report.CHART_NEEDS_EXTRA
    assert "\n" not in report.CHART_NEEDS_EXTRA
