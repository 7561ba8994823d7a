"""Request and response models of trust and safety."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shutter.moderation.service import ActionName, Reason, TargetType
from shutter.pagination import MAX_ID
from shutter.textfields import Paragraph

REPORT_COMMENT_MAX = 1000
REASON_MAX = 1000
APPEAL_MAX = 2000
IdString = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,19}$")]


def _in_range(value: str) -> str:
    if not 1 <= int(value) <= MAX_ID:
        raise ValueError("not an id")
    return value


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_type: TargetType
    target_id: IdString
    reason: Reason
    comment: Annotated[str, Paragraph(max_length=REPORT_COMMENT_MAX)] = ""

    _target_id_in_range = field_validator("target_id")(_in_range)


class ReportOut(BaseModel):
    id: str
    target_type: str
    target_id: str
    reason: str
    comment: str
    status: str
    created_at: str
    resolved_at: str | None


class ReportEnvelope(BaseModel):
    report: ReportOut


class ReportPage(BaseModel):
    reports: list[ReportOut]
    next_cursor: str | None


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: ActionName
    target_type: TargetType
    target_id: IdString
    reason: Annotated[str, Paragraph(max_length=REASON_MAX)] = ""
    report_ids: list[IdString] = Field(default_factory=list, max_length=500)
    until: datetime | None = None

    _target_id_in_range = field_validator("target_id")(_in_range)

    @field_validator("report_ids")
    @classmethod
    def _ids_in_range(cls, value: list[str]) -> list[str]:
        return [_in_range(item) for item in value]


class PersonOut(BaseModel):
    id: str
    username: str | None


class ActionOut(BaseModel):
    id: str
    action: str
    actor: PersonOut | None
    target_type: str
    target_id: str
    target_owner: PersonOut
    reason: str
    until: str | None
    created_at: str


class ActionEnvelope(BaseModel):
    action: ActionOut


class AuditPage(BaseModel):
    actions: list[ActionOut]
    next_cursor: str | None


class QueueItem(BaseModel):
    target_type: str
    target_id: str
    owner: PersonOut
    report_count: int
    reasons: dict[str, int]
    sources: list[str]
    reports: list[dict[str, Any]]
    preview: dict[str, Any] | None
    last_reported_at: str | None


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action_id: IdString
    text: Annotated[str, Paragraph(min_length=1, max_length=APPEAL_MAX)]

    _action_id_in_range = field_validator("action_id")(_in_range)


class AppealOut(BaseModel):
    id: str
    action: ActionOut | None
    appellant: PersonOut
    text: str
    status: str
    created_at: str
    resolved_at: str | None


class AppealEnvelope(BaseModel):
    appeal: AppealOut


class AppealPage(BaseModel):
    appeals: list[AppealOut]
    next_cursor: str | None
