"""Reports, actions, appeals and the queue as the API answers them (the `*Out`, `*Page`
and `QueueItem` models of moderation/schemas.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from shutter.media.presenters import MediaOutDict
from shutter.moderation.repository import ActionRow, AppealRow, ReportRow
from shutter.timeutil import isoformat


class PersonDict(TypedDict):
    """The wire shape of PersonOut: an id, and the username while the account exists."""

    id: str
    username: str | None


class ReportOutDict(TypedDict):
    """The wire shape of ReportOut."""

    id: str
    target_type: str
    target_id: str
    reason: str
    comment: str
    status: str
    created_at: str
    resolved_at: str | None


class ReportPageDict(TypedDict):
    reports: list[ReportOutDict]
    next_cursor: str | None


class ActionOutDict(TypedDict):
    """The wire shape of ActionOut."""

    id: str
    action: str
    actor: PersonDict | None
    target_type: str
    target_id: str
    target_owner: PersonDict
    reason: str
    until: str | None
    created_at: str


class AuditPageDict(TypedDict):
    actions: list[ActionOutDict]
    next_cursor: str | None


class QueueReportDict(TypedDict):
    """One report in a queue item (the moderator sees who reported)."""

    id: str
    source: str
    reason: str
    comment: str
    reporter: str | None
    created_at: str


class PreviewMediaDict(MediaOutDict):
    """A media object of a preview: its links expire, and it says how screening judged it."""

    screening: str | None
    screening_score: float | None


class PreviewDict(TypedDict, total=False):
    """What a moderator sees of a target: `exists` always, then by the target's type: an
    account's username and suspension; a post's, comment's or story's removal and deletion;
    the text of a post, comment or message; a post's `sensitive`, a comment's `post_id`;
    the media of a post, story or message."""

    exists: bool
    username: str
    suspended: bool
    text: str
    removed: bool
    deleted: bool
    sensitive: bool
    post_id: str
    media: list[PreviewMediaDict]


class QueueItemDict(TypedDict):
    """The wire shape of QueueItem: one reported target and its reports."""

    target_type: str
    target_id: str
    owner: PersonDict
    report_count: int
    reasons: dict[str, int]
    sources: list[str]
    reports: list[QueueReportDict]
    preview: PreviewDict | None
    last_reported_at: str | None


class QueuePageDict(TypedDict):
    items: list[QueueItemDict]
    next_cursor: str | None


class AppealOutDict(TypedDict):
    """The wire shape of AppealOut."""

    id: str
    action: ActionOutDict | None
    appellant: PersonDict
    text: str
    status: str
    created_at: str
    resolved_at: str | None


class AppealPageDict(TypedDict):
    appeals: list[AppealOutDict]
    next_cursor: str | None


def person(user_id: int, names: Mapping[int, str]) -> PersonDict:
    """Someone named in a report, action or appeal: the id, and the username if known."""
    return {"id": str(user_id), "username": names.get(user_id)}


def present_report(row: ReportRow) -> ReportOutDict:
    """A report as its reporter sees it (never who else reported, nor the reporter to
    anyone but moderators)."""
    return {
        "id": str(row["id"]),
        "target_type": row["target_type"],
        "target_id": str(row["target_id"]),
        "reason": row["reason"],
        "comment": row["comment"],
        "status": row["status"],
        "created_at": isoformat(row["created_at"]),
        "resolved_at": isoformat(row["resolved_at"]),
    }


def present_queue_report(row: ReportRow, names: Mapping[int, str]) -> QueueReportDict:
    return {
        "id": str(row["id"]),
        "source": row["source"],
        "reason": row["reason"],
        "comment": row["comment"],
        "reporter": names.get(row["reporter_id"]) if row["reporter_id"] else None,
        "created_at": isoformat(row["created_at"]),
    }


def present_action(row: ActionRow, names: Mapping[int, str]) -> ActionOutDict:
    actor = row["actor_id"]
    return {
        "id": str(row["id"]),
        "action": row["action"],
        "actor": person(actor, names) if actor else None,
        "target_type": row["target_type"],
        "target_id": str(row["target_id"]),
        "target_owner": person(row["target_owner_id"], names),
        "reason": row["reason"],
        "until": isoformat(row["until"]),
        "created_at": isoformat(row["created_at"]),
    }


def present_appeal(
    row: AppealRow, action: ActionRow | None, names: Mapping[int, str]
) -> AppealOutDict:
    return {
        "id": str(row["id"]),
        "action": present_action(action, names) if action is not None else None,
        "appellant": person(row["appellant_id"], names),
        "text": row["text"],
        "status": row["status"],
        "created_at": isoformat(row["created_at"]),
        "resolved_at": isoformat(row["resolved_at"]),
    }
