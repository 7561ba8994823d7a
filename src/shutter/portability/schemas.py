"""Request and response models of /imports and /exports."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shutter.users.schemas import PASSWORD_MAX


class ImportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    media_id: str = Field(
        description="the uploaded archive: POST /media with content_type application/zip"
    )

    @field_validator("media_id")
    @classmethod
    def _numeric_id(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9]{1,19}", value) or int(value) > 2**63 - 1:
            raise ValueError("must be a media id")
        return value


class ItemError(BaseModel):
    item: str
    code: str
    message: str


class JobError(BaseModel):
    code: str
    message: str


class ImportOut(BaseModel):
    id: str
    status: str = Field(description="queued | running | done | failed")
    total: int
    done: int
    skipped: int
    duplicates: int = Field(description="items an earlier import brought in already")
    errors: list[ItemError]
    error: JobError | None = Field(description="why the archive as a whole was refused")
    created_at: str
    updated_at: str


class ImportEnvelope(BaseModel):
    import_: ImportOut = Field(alias="import")


class ImportList(BaseModel):
    imports: list[ImportOut]


class ExportOut(BaseModel):
    id: str
    status: str = Field(description="queued | running | done | failed")
    total: int
    done: int
    size_bytes: int | None
    download_url: str | None = Field(description="while the export is done and not expired")
    expires_at: str | None
    error: JobError | None
    created_at: str


class ExportEnvelope(BaseModel):
    export: ExportOut


class LatestExport(BaseModel):
    export: ExportOut | None


class DeletionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_MAX)]


class DeletionOut(BaseModel):
    status: str = Field(description="scheduled: deactivated now, purged at purge_after")
    purge_after: str


class DeletionEnvelope(BaseModel):
    deletion: DeletionOut


class RestoreOut(BaseModel):
    access_token: str
    token_type: str
