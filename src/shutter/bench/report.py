"""The run's outputs: JSON (stable top-level keys), a PNG chart and a Rich table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

# Every run writes these keys (None where a profile has no such figure, e.g. Redis
# figures in the embedded profile), so that runs can be compared over time.
REQUIRED_KEYS = (
    "bare_rps",
    "feed_rps",
    "feed_vs_bare_ratio",
    "feed_p50_ms",
    "feed_p99_ms",
    "hybrid_heavy_p50_ms",
    "hybrid_heavy_p99_ms",
    "pull_p50_ms",
    "pull_p99_ms",
    "hybrid_vs_pull_p50_speedup",
    "hybrid_vs_pull_p99_speedup",
    "fanout_inserts_per_s",
    "redis_zadd_ceiling_per_s",
    "fanout_10k_visible_p99_s",
    "celebrity_visible_s",
    "redis_bytes_per_entry",
    "feed_p99_ms_during_uploads",
    "profile",
    "machine",
)

# (label, key, unit, target as text)
ROWS = (
    ("bare JSON endpoint (/healthz), highest sustainable", "bare_rps", "req/s", ""),
    ("hybrid feed, highest sustainable", "feed_rps", "req/s", ""),
    ("feed / bare throughput", "feed_vs_bare_ratio", "×", "≥ 0.5"),
    ("server CPU per feed request (one at a time)", "feed_cpu_ms_per_request", "ms", ""),
    ("server CPU per bare request (one at a time)", "bare_cpu_ms_per_request", "ms", ""),
    ("feed p50 at 70% of the highest rate", "feed_p50_ms", "ms", ""),
    ("feed p99 at 70% of the highest rate", "feed_p99_ms", "ms", "≤ 50"),
    ("hybrid p50, heavy readers (1,000 followees)", "hybrid_heavy_p50_ms", "ms", ""),
    ("pull p50, the same readers", "pull_p50_ms", "ms", ""),
    ("hybrid speed-up over pull (p50)", "hybrid_vs_pull_p50_speedup", "×", "≥ 10"),
    ("hybrid p99, heavy readers", "hybrid_heavy_p99_ms", "ms", ""),
    ("pull p99, the same readers", "pull_p99_ms", "ms", ""),
    ("hybrid speed-up over pull (p99)", "hybrid_vs_pull_p99_speedup", "×", "≥ 10"),
    ("server CPU per heavy reader's page, hybrid", "hybrid_heavy_cpu_ms_per_request", "ms", ""),
    ("… pull (API process + PostgreSQL backends)", "pull_heavy_cpu_ms_per_request", "ms", ""),
    ("pull / hybrid CPU per page", "hybrid_vs_pull_cpu_ratio", "×", ""),
    ("fan-out timeline inserts", "fanout_inserts_per_s", "/s", "≥ 150,000"),
    ("redis-benchmark -P 64 ZADD", "redis_zadd_ceiling_per_s", "/s", ""),
    ("post visible to active followers (p99)", "fanout_10k_visible_p99_s", "s", "≤ 1"),
    ("celebrity post visible", "celebrity_visible_s", "s", "next read"),
    ("Redis bytes per timeline entry", "redis_bytes_per_entry", "B", ""),
    ("… with zset-max-listpack-entries TIMELINE_MAX + 2", "redis_bytes_per_entry_tuned", "B", ""),
    ("feed p99 while photos upload", "feed_p99_ms_during_uploads", "ms", ""),
)


def write_json(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")


def _format(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_table(results: dict[str, Any], console: Console) -> None:
    table = Table(title=f"shutter bench ({results['profile']} profile, {results.get('scale')})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("unit")
    table.add_column("target")
    for label, key, unit, target in ROWS:
        table.add_row(label, _format(results.get(key)), unit, target)
    console.print(table)


# matplotlib is not in Shutter's own dependencies (`make run` installs without it).
CHART_NEEDS_EXTRA = (
    "no chart: drawing it needs the `bench` extra (pip install -e '.[bench]'); "
    "the figures are all in the JSON"
)


def write_chart(results: dict[str, Any], path: Path) -> bool:
    """Four panels: throughput search, latency, hybrid vs pull, post-to-visible. Returns
    False, writing nothing, when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return False

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 2, figsize=(12, 8))
    title = f"shutter bench — {results['profile']} profile, {results.get('scale')} scale"
    figure.suptitle(title)

    search = axes[0][0]
    for key, label in (("bare_steps", "bare /healthz"), ("feed_steps", "hybrid feed")):
        steps = sorted(results.get(key) or [], key=lambda step: step["offered_rps"])
        search.plot(
            [step["offered_rps"] for step in steps],
            [step["achieved_rps"] for step in steps],
            marker="o",
            label=label,
        )
    search.set_xlabel("offered (req/s)")
    search.set_ylabel("completed (req/s)")
    search.set_title("open-loop rate search")
    search.legend()

    latency = axes[0][1]
    for key, label in (("bare_steps", "bare p99"), ("feed_steps", "feed p99")):
        steps = sorted(results.get(key) or [], key=lambda step: step["offered_rps"])
        latency.plot(
            [step["offered_rps"] for step in steps],
            [step["p99_ms"] for step in steps],
            marker="o",
            label=label,
        )
    latency.set_xlabel("offered (req/s)")
    latency.set_ylabel("p99 from scheduled time (ms)")
    latency.set_yscale("log")
    latency.set_title("latency under load")
    latency.legend()

    compare = axes[1][0]
    names = ["hybrid p50", "pull p50", "hybrid p99", "pull p99", "feed p99 @70%", "+ uploads"]
    keys = [
        "hybrid_heavy_p50_ms",
        "pull_p50_ms",
        "hybrid_heavy_p99_ms",
        "pull_p99_ms",
        "feed_p99_ms",
        "feed_p99_ms_during_uploads",
    ]
    colors = ["tab:blue", "tab:red"] * 2 + ["tab:gray"] * 2
    bars = compare.bar(names, [results.get(key) or 0 for key in keys], color=colors)
    compare.bar_label(bars, fmt="%.1f")
    compare.set_ylabel("ms")
    compare.set_title("feed latency (heavy readers: hybrid vs pull)")

    visible = axes[1][1]
    names = ["10k followers p50", "10k followers p99", "celebrity"]
    keys = ["fanout_10k_visible_p50_s", "fanout_10k_visible_p99_s", "celebrity_visible_s"]
    visible.bar(names, [results.get(key) or 0 for key in keys], color="tab:green")
    visible.set_ylabel("s from POST")
    visible.set_title("post to visible")

    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return True
