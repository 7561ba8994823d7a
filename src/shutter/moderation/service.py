"""Trust and safety use cases: roles, reports, the moderation queue, actions (with the
audit log), appeals and automatic flags.

Every action is one transaction that changes the target, writes the audit row, resolves
the target's open reports and notifies the author; what must happen after the commit
(revoking a suspended account's sessions, pushing a notification to open sockets) is
registered on the unit of work (`uow.after_commit`). Hiding what was removed is not
done here: the visibility rule (privacy/visibility.py) reads `removed_at` and
`suspended_at` on every read path.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, Literal, Protocol, TypeVar

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.comments import repository as comments_repo
from shutter.context import AppContext
from shutter.db.unit_of_work import UnitOfWork
from shutter.errors import Conflict, Forbidden, InvalidInput, NotFound
from shutter.events.types import ContentRemoved, ContentRestored
from shutter.ids import IdGenerator
from shutter.media.presenters import present_media
from shutter.moderation import repository
from shutter.moderation.presenters import (
    ActionOutDict,
    AppealOutDict,
    AppealPageDict,
    AuditPageDict,
    PreviewDict,
    QueueItemDict,
    QueuePageDict,
    ReportOutDict,
    ReportPageDict,
    person,
    present_action,
    present_appeal,
    present_queue_report,
    present_report,
)
from shutter.moderation.repository import ActionRow, AppealRow, ReportRow
from shutter.notifications import repository as notifications_repo
from shutter.notifications.moderation_notices import APPEALABLE, GROUP_PREFIX
from shutter.pagination import page_tail
from shutter.posts.service import readable_post
from shutter.privacy.visibility import Access, account_access
from shutter.realtime.events import notification, sessions_revoked
from shutter.stories.service import visible_story
from shutter.timeutil import isoformat, utcnow
from shutter.users.service import UrlFor

Role = Literal["user", "moderator", "admin"]
ROLES: tuple[Role, ...] = ("user", "moderator", "admin")
TargetType = Literal["post", "comment", "user", "story", "message"]
TARGET_TYPES: tuple[str, ...] = ("post", "comment", "user", "story", "message")
Reason = Literal[
    "spam",
    "nudity",
    "violence",
    "harassment",
    "hate",
    "self_harm",
    "scam",
    "intellectual_property",
    "other",
]
ActionName = Literal[
    "dismiss", "remove", "restore", "mark_sensitive", "warn", "suspend", "unsuspend"
]
REMOVABLE = ("post", "comment", "story")
# Which targets each action applies to.
ACTION_TARGETS: dict[str, tuple[str, ...]] = {
    "dismiss": TARGET_TYPES,
    "remove": REMOVABLE,
    "restore": REMOVABLE,
    "mark_sensitive": ("post",),
    "warn": TARGET_TYPES,
    "suspend": ("user",),
    "unsuspend": ("user",),
}
# The notification each action sends the author (APPEALABLE: those they may appeal).
NOTIFIED = {
    "remove": "moderation_removed",
    "mark_sensitive": "moderation_sensitive",
    "warn": "moderation_warning",
}
SYSTEM = "system"  # the actor of automatic actions (screening)
# What a system flag records as its evidence (the report's comment, as a JSON object).
Signals = Mapping[str, int | float | str | list[str] | None]
PREVIEW_LINK_TTL = timedelta(hours=1)  # how long a queue preview's media links work
Body = TypeVar("Body", ReportOutDict, ActionOutDict, AppealOutDict)


@dataclass
class Outcome(Generic[Body]):
    """What a use case produced (what to do after the commit is on the unit of work)."""

    body: Body
    created: bool = True


# --- roles --------------------------------------------------------------------------------


async def require_moderator(conn: AsyncConnection, user_id: int) -> str:
    """The caller's role if it is moderator or admin; `403 forbidden` otherwise."""
    role = await repository.role_of(conn, user_id)
    if role not in ("moderator", "admin"):
        raise Forbidden("Only moderators may do this.", code="forbidden")
    return role


async def set_role(context: AppContext, conn: AsyncConnection, username: str, role: Role) -> str:
    """Give an account a role (`user` revokes); the change is in the audit log. Returns the
    role it had before. NotFound for an unknown username."""
    if role not in ROLES:
        raise InvalidInput(f"role: one of {', '.join(ROLES)}")
    row = await repository.user_by_username(conn, username)
    if row is None:
        raise NotFound(f"No user named {username!r}.", code="user_not_found")
    await repository.set_role(conn, row.id, role)
    await repository.insert_action(
        conn,
        {
            "id": context.ids.next_id(),
            "actor_id": None,
            "action": "grant_role" if role != "user" else "revoke_role",
            "target_type": "user",
            "target_id": row.id,
            "target_owner_id": row.id,
            "reason": f"role {row.role} -> {role} (shutter admin)",
            "created_at": utcnow(),
        },
    )
    before: str = row.role
    return before


# --- reports ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileReport:
    reporter_id: int
    target_type: TargetType
    target_id: int
    reason: Reason
    comment: str


async def file_report(
    context: AppContext, conn: AsyncConnection, command: FileReport
) -> Outcome[ReportOutDict]:
    """Report something the reporter can see. A repeat of an open report answers the
    existing one (created=False). Several distinct reporters of one account within the
    window flag the account into the queue."""
    owner_id = await _reportable_owner(
        conn, command.reporter_id, command.target_type, command.target_id
    )
    if owner_id == command.reporter_id:
        raise InvalidInput("You cannot report yourself.", code="cannot_report_self")
    existing = await repository.open_report_of(
        conn, command.reporter_id, command.target_type, command.target_id
    )
    if existing is not None:
        return Outcome(present_report(existing), created=False)
    now = utcnow()
    values: ReportRow = {
        "id": context.ids.next_id(),
        "reporter_id": command.reporter_id,
        "source": "user",
        "target_type": command.target_type,
        "target_id": command.target_id,
        "target_owner_id": owner_id,
        "reason": command.reason,
        "comment": command.comment,
        "status": "open",
        "action_id": None,
        "created_at": now,
        "resolved_at": None,
    }
    if not await repository.insert_report(conn, values):  # a concurrent twin won
        twin = await repository.open_report_of(
            conn, command.reporter_id, command.target_type, command.target_id
        )
        assert twin is not None
        return Outcome(present_report(twin), created=False)
    await _flag_if_reported_by_many(context, conn, owner_id, now)
    return Outcome(present_report(values))


async def _reportable_owner(
    conn: AsyncConnection, viewer_id: int, target_type: str, target_id: int
) -> int:
    """The owner of a target the viewer can see; 404 (revealing nothing) otherwise."""
    if target_type == "post":
        post = await readable_post(conn, viewer_id, target_id)
        return post["author_id"]
    if target_type == "story":
        story = await visible_story(conn, viewer_id, target_id)
        return int(story["author_id"])
    if target_type == "comment":
        comment = await comments_repo.get_comment(conn, target_id)
        if comment is None:
            raise NotFound("No such comment.", code="comment_not_found")
        try:
            await readable_post(conn, viewer_id, comment["post_id"])
        except NotFound:
            raise NotFound("No such comment.", code="comment_not_found") from None
        return int(comment["author_id"])
    if target_type == "user":
        if await account_access(conn, viewer_id, target_id, False) is Access.HIDDEN or (
            await repository.target_row(conn, "user", target_id) is None
        ):
            raise NotFound("No such user.", code="user_not_found")
        return target_id
    # A message: only a party of its conversation may report it.
    message = await repository.target_row(conn, "message", target_id)
    if (
        message is None
        or message.conversation_id is None
        or not await repository.is_conversation_member(conn, message.conversation_id, viewer_id)
    ):
        raise NotFound("No such message.", code="message_not_found")
    return message.owner_id


async def _flag_if_reported_by_many(
    context: AppContext, conn: AsyncConnection, owner_id: int, now: datetime
) -> None:
    """Anti-spam: an account reported by several distinct people within a short window is
    flagged into the queue (once while the flag is open), with the signal."""
    settings = context.settings
    since = now - timedelta(seconds=settings.moderation_report_flag_window_seconds)
    reporters = await repository.distinct_reporters_since(conn, owner_id, since)
    if reporters < settings.moderation_report_flag_count:
        return
    signals: Signals = {
        "distinct_reporters": reporters,
        "window_s": settings.moderation_report_flag_window_seconds,
    }
    await raise_flag(context, conn, "spam", "user", owner_id, owner_id, "spam", signals)


async def _flag_if_repeated(
    context: AppContext, conn: AsyncConnection, post_id: int, author_id: int
) -> None:
    """Anti-spam: an account posting the same caption, or the same picture (media keys are
    content-addressed), many times within the window is flagged into the queue."""
    settings = context.settings
    window = settings.moderation_report_flag_window_seconds
    since = utcnow() - timedelta(seconds=window)
    captions, pictures = await repository.repeats_of_post(conn, post_id, since)
    if max(captions, pictures) < settings.moderation_repeat_flag_count:
        return
    signals: Signals = {"same_caption": captions, "same_media": pictures, "window_s": window}
    await raise_flag(context, conn, "spam", "user", author_id, author_id, "spam", signals)


class HasIds(Protocol):
    @property
    def ids(self) -> IdGenerator: ...


async def raise_flag(
    context: HasIds,
    conn: AsyncConnection,
    source: Literal["screening", "spam"],
    target_type: str,
    target_id: int,
    owner_id: int,
    reason: str,
    signals: Signals,
) -> bool:
    """Put a target in the queue on the system's behalf (screening, anti-spam), once while
    such a flag is open. False if one was open already."""
    if await repository.has_open_flag(conn, source, target_type, target_id):
        return False
    await repository.insert_report(
        conn,
        {
            "id": context.ids.next_id(),
            "reporter_id": None,
            "source": source,
            "target_type": target_type,
            "target_id": target_id,
            "target_owner_id": owner_id,
            "reason": reason,
            "comment": orjson.dumps(signals).decode(),
            "status": "open",
            "created_at": utcnow(),
        },
    )
    return True


async def own_reports(
    conn: AsyncConnection, reporter_id: int, before_id: int | None, limit: int
) -> ReportPageDict:
    rows = await repository.reports_by(conn, reporter_id, before_id, limit + 1)
    page = page_tail(rows, limit, lambda row: row["id"])
    return {
        "reports": [present_report(row) for row in page.items],
        "next_cursor": page.next_cursor,
    }


# --- the queue ----------------------------------------------------------------------------


async def queue(
    conn: AsyncConnection, status: str, before_id: int | None, limit: int, url_for: UrlFor
) -> QueuePageDict:
    """The moderation queue: one row per reported target, the most recently reported
    first, with the count, the reasons, the reports and a preview of the target (its media
    included even when the target is already hidden)."""
    groups = await repository.queue_page(conn, status, before_id, limit + 1)
    tail = page_tail(groups, limit, lambda row: row.last_id)
    page = tail.items
    targets = [(row.target_type, row.target_id) for row in page]
    reports = await repository.reports_on(conn, status, targets)
    by_target: dict[tuple[str, int], list[ReportRow]] = {}
    for report in reports:
        by_target.setdefault((report["target_type"], report["target_id"]), []).append(report)
    names = await repository.usernames(
        conn,
        {row.target_owner_id for row in page}
        | {r["reporter_id"] for r in reports if r["reporter_id"] is not None},
    )
    items: list[QueueItemDict] = []
    for row in page:
        target = (row.target_type, row.target_id)
        group = by_target.get(target, [])
        items.append(
            {
                "target_type": row.target_type,
                "target_id": str(row.target_id),
                "owner": person(row.target_owner_id, names),
                "report_count": row.report_count,
                "reasons": dict(Counter(r["reason"] for r in group)),
                "sources": sorted({r["source"] for r in group}),
                "reports": [present_queue_report(r, names) for r in group],
                "preview": await preview(conn, row.target_type, row.target_id, url_for),
                "last_reported_at": isoformat(group[-1]["created_at"]) if group else None,
            }
        )
    return {"items": items, "next_cursor": tail.next_cursor}


async def preview(
    conn: AsyncConnection, target_type: str, target_id: int, url_for: UrlFor
) -> PreviewDict | None:
    """What a moderator needs to judge the target, whatever its state: the text, the
    media's URLs, and whether it is removed, deleted, suspended or sensitive. For a
    message, that one message and nothing else of its conversation."""
    row = await repository.target_row(conn, target_type, target_id)
    if row is None:
        return None
    shown: PreviewDict = {"exists": True}
    if target_type == "user":
        shown["username"] = str(row.username)
        shown["suspended"] = row.suspended_at is not None
    elif target_type == "message":
        shown["text"] = str(row.content)
    else:
        shown["removed"] = row.removed_at is not None
        shown["deleted"] = row.deleted_at is not None
        if target_type == "post":
            shown["text"] = str(row.caption)
            shown["sensitive"] = bool(row.sensitive)
        elif target_type == "comment":
            shown["text"] = str(row.text)
            shown["post_id"] = str(row.post_id)
    if target_type in ("post", "story", "message"):  # a message's photo or video too
        items = await repository.media_of(conn, target_type, target_id)
        withheld = await repository.withheld_among(conn, repository.media_keys(items))
        if items or target_type != "message":
            until = utcnow() + PREVIEW_LINK_TTL
            shown["media"] = [
                {
                    # Expiring links: the files of removed content are served by them only.
                    **present_media(item["media"], url_for, until=until, withheld=withheld),
                    "screening": item["screening"],
                    "screening_score": item["screening_score"],
                }
                for item in items
            ]
    return shown


# --- actions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TakeAction:
    actor_id: int | None  # None: the system (screening)
    action: ActionName
    target_type: TargetType
    target_id: int
    reason: str
    report_ids: Sequence[int] = ()
    until: datetime | None = None


async def take_action(
    context: AppContext, uow: UnitOfWork, command: TakeAction
) -> Outcome[ActionOutDict]:
    """Act on a target (reported or not): change it, write the audit row, resolve its open
    reports (and those named), notify its author. Acting twice is harmless: the state
    ends the same and the audit log shows both."""
    if command.target_type not in ACTION_TARGETS[command.action]:
        allowed = ", ".join(ACTION_TARGETS[command.action])
        raise InvalidInput(f"{command.action} applies to: {allowed}.", code="action_not_applicable")
    conn = uow.conn
    until = command.until
    if until is not None:
        until = until if until.tzinfo else until.replace(tzinfo=UTC)
        if command.action != "suspend":
            raise InvalidInput("until: only for suspend.")
        if until <= utcnow():
            raise InvalidInput("until: must be in the future.")
    target = await repository.target_row(conn, command.target_type, command.target_id)
    if target is None:
        raise NotFound(f"No such {command.target_type}.", code="target_not_found")
    owner_id = target.owner_id
    if command.action == "suspend" and owner_id == command.actor_id:
        raise InvalidInput("You cannot suspend yourself.", code="cannot_suspend_self")
    now = utcnow()
    action_id = context.ids.next_id()
    row: ActionRow = {
        "id": action_id,
        "actor_id": command.actor_id,
        "action": command.action,
        "target_type": command.target_type,
        "target_id": command.target_id,
        "target_owner_id": owner_id,
        "reason": command.reason,
        "until": until,
        "created_at": now,
    }
    await repository.insert_action(conn, row)
    effect = command.action
    if effect == "remove":
        if command.target_type in ("post", "story"):  # its files are not served any more
            await repository.withhold_media(conn, command.target_type, command.target_id, now)
        if await repository.set_removed(conn, command.target_type, command.target_id, now):
            await uow.record(
                ContentRemoved(
                    target_type=command.target_type,
                    target_id=command.target_id,
                    author_id=owner_id,
                )
            )
    elif effect == "restore":
        if command.target_type in ("post", "story"):
            await _require_media_kept(conn, command.target_type, command.target_id)
            await repository.release_media(conn, command.target_type, command.target_id)
        if await repository.set_removed(conn, command.target_type, command.target_id, None):
            await uow.record(
                ContentRestored(
                    target_type=command.target_type,
                    target_id=command.target_id,
                    author_id=owner_id,
                )
            )
        await repository.grant_appeals_on(conn, command.target_type, command.target_id, now)
    elif effect == "mark_sensitive":
        await repository.set_sensitive(conn, command.target_id, True)
    elif effect == "suspend":
        version = await repository.suspend(conn, owner_id, now, until)
        uow.after_commit(_revoke_sessions(context, owner_id, version))
    elif effect == "unsuspend":
        await repository.unsuspend(conn, owner_id)
        await repository.grant_appeals_on(conn, "user", owner_id, now)
    kind = NOTIFIED.get(effect)
    if kind is not None:
        await notifications_repo.add_actor(
            conn, context.ids, owner_id, kind, f"{GROUP_PREFIX}{action_id}", owner_id, now
        )
        uow.after_commit(_push_notification(context, owner_id, kind))
    await repository.resolve_reports(
        conn, command.target_type, command.target_id, action_id, now, command.report_ids
    )
    names = await repository.usernames(conn, {owner_id} | ({command.actor_id} - {None}))  # type: ignore[operator]
    return Outcome(present_action(row, names))


async def _require_media_kept(conn: AsyncConnection, target_type: str, target_id: int) -> None:
    """A post or story whose files the retention of removed media has deleted cannot come
    back (`409 media_purged`; SHUTTER_MODERATION_REMOVED_MEDIA_RETENTION_SECONDS)."""
    if not await repository.media_of(conn, target_type, target_id):
        raise Conflict(
            "The files of this content were deleted when its retention after removal "
            "ended; it cannot be restored.",
            code="media_purged",
        )


def _revoke_sessions(
    context: AppContext, user_id: int, version: int
) -> Callable[[], Awaitable[None]]:
    """After a suspension commits: this process forgets the account's confirmed token
    version at once (others within the TokenVersions TTL), and every open socket of the
    account closes, on every process (the real-time bus carries it)."""

    async def revoke() -> None:
        context.token_versions.forget(user_id)
        await context.realtime.publish([user_id], sessions_revoked(version))

    return revoke


def _push_notification(
    context: AppContext, user_id: int, kind: str
) -> Callable[[], Awaitable[None]]:
    async def push() -> None:
        async with context.db.read() as conn:
            unread = await notifications_repo.unread_count(conn, user_id)
        await context.realtime.publish([user_id], notification(kind, unread))

    return push


async def audit_log(conn: AsyncConnection, before_id: int | None, limit: int) -> AuditPageDict:
    """Every action and role change, newest first."""
    rows = await repository.audit_page(conn, before_id, limit + 1)
    tail = page_tail(rows, limit, lambda row: row["id"])
    page = tail.items
    people = {row["target_owner_id"] for row in page} | {
        row["actor_id"] for row in page if row["actor_id"] is not None
    }
    names = await repository.usernames(conn, people)
    return {
        "actions": [present_action(row, names) for row in page],
        "next_cursor": tail.next_cursor,
    }


# --- appeals ------------------------------------------------------------------------------


async def appeal(
    context: AppContext, conn: AsyncConnection, user_id: int, action_id: int, text: str
) -> Outcome[AppealOutDict]:
    """Appeal an action taken against your content or account, once."""
    action = await repository.get_action(conn, action_id)
    if action is None or action["target_owner_id"] != user_id or action["action"] not in APPEALABLE:
        raise NotFound("No such action against you.", code="action_not_found")
    values: AppealRow = {
        "id": context.ids.next_id(),
        "action_id": action_id,
        "appellant_id": user_id,
        "text": text,
        "status": "open",
        "created_at": utcnow(),
        "resolved_at": None,
    }
    if not await repository.insert_appeal(conn, values):
        raise InvalidInput("This action was appealed already.", code="already_appealed")
    return Outcome(present_appeal(values, action, {}))


async def appeals_queue(
    conn: AsyncConnection, status: str, before_id: int | None, limit: int
) -> AppealPageDict:
    rows = await repository.appeals_page(conn, status, before_id, limit + 1)
    tail = page_tail(rows, limit, lambda row: row["id"])
    page = tail.items
    actions = {row["id"]: await repository.get_action(conn, row["action_id"]) for row in page}
    people = {row["appellant_id"] for row in page}
    for action in actions.values():
        if action is not None:
            people.add(action["target_owner_id"])
            if action["actor_id"] is not None:
                people.add(action["actor_id"])
    names = await repository.usernames(conn, people)
    return {
        "appeals": [present_appeal(row, actions[row["id"]], names) for row in page],
        "next_cursor": tail.next_cursor,
    }


async def deny_appeal(conn: AsyncConnection, appeal_id: int) -> None:
    """Uphold the action: the appeal is closed as denied. (Granting one is undoing the
    action: `restore` or `unsuspend` grants the open appeals on the target.)"""
    row = await repository.get_appeal(conn, appeal_id)
    if row is None:
        raise NotFound("No such appeal.", code="appeal_not_found")
    if not await repository.resolve_appeal(conn, appeal_id, "denied", utcnow()):
        raise InvalidInput("This appeal is already resolved.", code="appeal_resolved")


# --- automatic screening of new posts ---------------------------------------------------


async def screen_new_post(
    context: AppContext, uow: UnitOfWork, post_id: int, author_id: int
) -> None:
    """Apply what the media worker's screening found to a post being created, in its
    transaction: a `removed` medium takes the post down at once (an appealable action by
    the system, the author notified) and queues it for review; a `sensitive` one marks
    the post sensitive and queues it; a `failed` screening queues it for review. One of
    the context's `new_post_checks` (posts/checks.py), run by `posts.service.create_post`."""
    await _flag_if_repeated(context, uow.conn, post_id, author_id)
    await _apply_screening(context, uow, "post", post_id, author_id)


async def screen_new_story(
    context: AppContext, uow: UnitOfWork, story_id: int, author_id: int
) -> None:
    """The same for a story being created: `removed` takes it down at once (appealable,
    the author notified, queued); `sensitive` and `failed` queue it for review (a story
    has no blurred form: it shows until a moderator decides). One of the context's
    `new_story_checks`, run by `stories.service.create_story`."""
    await _apply_screening(context, uow, "story", story_id, author_id)


async def _apply_screening(
    context: AppContext,
    uow: UnitOfWork,
    target_type: Literal["post", "story"],
    target_id: int,
    author_id: int,
) -> None:
    conn = uow.conn
    verdicts = [
        (row["screening"], row["screening_score"])
        for row in await repository.media_of(conn, target_type, target_id)
        if row["screening"] not in (None, "clean")
    ]
    if not verdicts:
        return
    score = max((value for _, value in verdicts if value is not None), default=None)
    found = {verdict for verdict, _ in verdicts}
    signals: Signals = {"screening": sorted(found), "score": score}
    target = (target_type, target_id, author_id)
    if "removed" in found:
        command = TakeAction(
            actor_id=None,
            action="remove",
            target_type=target_type,
            target_id=target_id,
            reason=f"automatic screening: explicit nudity (score {score:.2f})",
        )
        await take_action(context, uow, command)
        await raise_flag(context, conn, "screening", *target, "nudity", signals)
    elif "sensitive" in found:
        if target_type == "post":
            await repository.set_sensitive(conn, target_id, True)
        await raise_flag(context, conn, "screening", *target, "nudity", signals)
    elif "failed" in found:
        await raise_flag(context, conn, "screening", *target, "other", signals)
