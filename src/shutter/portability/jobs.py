"""The lifecycle of an import or export job, declared once.

queued --(worker picks the event)--> running --> done
                                         └------> failed   (the archive as a whole refused)

A worker killed while `running` gets the same event again (the outbox drain or JetStream
redelivers it) and resumes: an import skips the items it recorded, an export is rebuilt.
`done` and `failed` are final: a redelivered event finds them and does nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypedDict


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


FINAL = frozenset({JobStatus.DONE, JobStatus.FAILED})
# Where a worker may (re)start a job from: a redelivery after a crash finds it running.
STARTABLE = frozenset({JobStatus.QUEUED, JobStatus.RUNNING})
# At most this many per-item errors are kept in an import's report (the count is exact).
MAX_REPORTED_ERRORS = 200


class ItemErrorDict(TypedDict):
    """One skipped item of an import's report (`ItemError`), as `imports.errors` keeps it."""

    item: str
    code: str
    message: str
