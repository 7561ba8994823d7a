"""The moderation presenters: what a reporter, a moderator and an appellant are shown."""

from __future__ import annotations

from shutter.moderation.presenters import present_action, present_appeal, present_report
from shutter.moderation.schemas import ActionOut, AppealOut, ReportOut
from tests.service.conftest import NOW

ACTION = {
    "id": 5,
    "actor_id": None,  # screening acted, not a person
    "action": "remove",
    "target_type": "post",
    "target_id": 7,
    "target_owner_id": 1,
    "reason": "nudity",
    "until": None,
    "created_at": NOW,
}


def test_a_report_is_shown_to_its_reporter_without_anyone_named() -> None:
    row = {
        "id": 3,
        "reporter_id": 2,
        "target_type": "post",
        "target_id": 7,
        "reason": "spam",
        "comment": "",
        "status": "open",
        "created_at": NOW,
        "resolved_at": None,
    }
    body = present_report(row)

    assert body == {
        "id": "3",
        "target_type": "post",
        "target_id": "7",
        "reason": "spam",
        "comment": "",
        "status": "open",
        "created_at": "2026-11-30T12:00:00.000Z",
        "resolved_at": None,
    }
    ReportOut.model_validate(body)


def test_an_action_names_its_actor_and_the_owner_when_known() -> None:
    by_screening = present_action(ACTION, {1: "ada"})
    by_moderator = present_action({**ACTION, "actor_id": 9}, {})

    assert by_screening["actor"] is None
    assert by_screening["target_owner"] == {"id": "1", "username": "ada"}
    assert by_moderator["actor"] == {"id": "9", "username": None}  # an account gone since
    ActionOut.model_validate(by_screening)
    ActionOut.model_validate(by_moderator)


def test_an_appeal_carries_the_action_it_contests() -> None:
    row = {
        "id": 8,
        "appellant_id": 1,
        "text": "it was a painting",
        "status": "open",
        "created_at": NOW,
        "resolved_at": None,
    }
    body = present_appeal(row, ACTION, {1: "ada"})
    orphan = present_appeal(row, None, {})

    assert body["action"] is not None
    assert body["action"]["id"] == "5"
    assert body["appellant"] == {"id": "1", "username": "ada"}
    assert orphan["action"] is None
    AppealOut.model_validate(body)
    AppealOut.model_validate(orphan)
