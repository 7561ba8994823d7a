"""What the author of moderated content reads in their notifications: the action, the
reason, and whether they may appeal. Used by the notifications list; moderation/ writes
these notifications (it imports this module, never the other way round)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.tables import moderation_actions
from shutter.notifications.presenters import NotificationOutDict, NotifiedActionDict
from shutter.notifications.repository import NotificationRow
from shutter.timeutil import isoformat

APPEALABLE = ("remove", "mark_sensitive", "suspend", "warn")
KINDS = ("moderation_removed", "moderation_sensitive", "moderation_warning")
GROUP_PREFIX = "moderation:"


class Notice(TypedDict):
    text: str
    action: NotifiedActionDict


async def describe_actions(conn: AsyncConnection, action_ids: Sequence[int]) -> dict[int, Notice]:
    """For the notifications list: per action id, what the author is told."""
    wanted = sorted(set(action_ids) - {0})
    if not wanted:
        return {}
    query = select(moderation_actions).where(moderation_actions.c.id.in_(wanted))
    found: dict[int, Notice] = {}
    for row in (await conn.execute(query)).mappings():
        what = row["target_type"]
        reason = row["reason"] or "no reason given"
        sentence = {
            "remove": f"Your {what} was removed for breaking the rules: {reason}.",
            "mark_sensitive": f"Your {what} was marked sensitive: {reason}.",
            "warn": f"A moderator warned you about your {what}: {reason}.",
        }.get(row["action"], f"A moderator acted on your {what}: {reason}.")
        found[row["id"]] = {
            "text": sentence,
            "action": {
                "id": str(row["id"]),
                "action": row["action"],
                "target_type": row["target_type"],
                "target_id": str(row["target_id"]),
                "reason": row["reason"],
                "appealable": row["action"] in APPEALABLE,
            },
        }
    return found


def action_id(group_key: str) -> int:
    """The action a moderation notification is about (0 for any other notification)."""
    return int(group_key.removeprefix(GROUP_PREFIX)) if group_key.startswith(GROUP_PREFIX) else 0


def present(row: NotificationRow, notice: Notice) -> NotificationOutDict:
    """A moderation notification in the shape of the others: no actors, the sentence, and
    the action (with whether it may be appealed)."""
    return {
        "id": str(row["id"]),
        "type": row["kind"],
        "actors": [],
        "actor_count": 0,
        "post": None,
        "comment": None,
        "text": notice["text"],
        "action": notice["action"],
        "read": row["read_at"] is not None,
        "created_at": isoformat(row["updated_at"]),
    }
