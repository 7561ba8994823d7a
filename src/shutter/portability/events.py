"""The portability jobs' lane. Their events (`ImportRequested`, `ExportRequested`) are in
the catalogue (`events/types.py`); each starts a job in the `portability` lane, so that a
long import or export never holds fan-out, notifications or media processing."""

from __future__ import annotations

PORTABILITY_LANE = "portability"
