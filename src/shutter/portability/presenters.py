"""Imports and exports as the API shows them (`ImportOut`, `ExportOut`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypedDict

import orjson

from shutter.portability.jobs import ItemErrorDict, JobStatus
from shutter.portability.repository import ExportRow, ImportRow
from shutter.stores.objects import ObjectStore
from shutter.timeutil import isoformat, utcnow


class JobErrorDict(TypedDict):
    """Why a job as a whole failed (`JobError`)."""

    code: str
    message: str | None


class ImportOutDict(TypedDict):
    """`ImportOut`."""

    id: str
    status: str
    total: int
    done: int
    skipped: int
    duplicates: int
    errors: list[ItemErrorDict]
    error: JobErrorDict | None
    created_at: str
    updated_at: str


class ExportOutDict(TypedDict):
    """`ExportOut`."""

    id: str
    status: str
    total: int
    done: int
    size_bytes: int | None
    download_url: str | None
    expires_at: str | None
    error: JobErrorDict | None
    created_at: str


class DeletionOutDict(TypedDict):
    """`DeletionOut`."""

    status: str
    purge_after: str


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def present_import(row: ImportRow) -> ImportOutDict:
    errors: list[ItemErrorDict] = orjson.loads(row.errors)
    return {
        "id": str(row.id),
        "status": row.status,
        "total": row.total,
        "done": row.done,
        "skipped": row.skipped,
        "duplicates": row.duplicates,
        "errors": errors,
        "error": (
            {"code": str(row.error_code), "message": row.error_message}
            if row.status == JobStatus.FAILED
            else None
        ),
        "created_at": isoformat(row.created_at),
        "updated_at": isoformat(row.updated_at),
    }


def present_export(row: ExportRow, objects: ObjectStore, base_url: str) -> ExportOutDict:
    """The export, with an expiring link to its zip while it is done and not expired."""
    expires_at = utc(row.expires_at) if row.expires_at is not None else None
    url = None
    if (
        row.status == JobStatus.DONE
        and row.object_key is not None
        and expires_at is not None
        and expires_at > utcnow()
    ):
        url = objects.expiring_url(row.object_key, base_url, int(expires_at.timestamp()))
    return {
        "id": str(row.id),
        "status": row.status,
        "total": row.total,
        "done": row.done,
        "size_bytes": row.size_bytes,
        "download_url": url,
        "expires_at": isoformat(expires_at) if expires_at else None,
        "error": (
            {"code": "export_failed", "message": row.error_message}
            if row.status == JobStatus.FAILED
            else None
        ),
        "created_at": isoformat(row.created_at),
    }
