"""The portability events, in one place: each starts a job in the `portability` lane, so
that a long import or export never holds fan-out, notifications or media processing."""

from __future__ import annotations

IMPORT_REQUESTED = "import.requested"  # {"import_id"}: read the archive, import its items
EXPORT_REQUESTED = "export.requested"  # {"export_id"}: build the user's zip

PORTABILITY_LANE = "portability"
