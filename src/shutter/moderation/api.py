"""POST/GET /reports, POST /appeals; the moderators' /admin/reports (the queue),
/admin/actions, /admin/audit and /admin/appeals."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from shutter.http.deps import Context, CurrentUser, UrlFor, rate_limited
from shutter.http.responses import json_response
from shutter.moderation import service
from shutter.moderation.schemas import (
    ActionEnvelope,
    ActionIn,
    AppealEnvelope,
    AppealIn,
    AppealPage,
    AuditPage,
    QueuePage,
    ReportEnvelope,
    ReportIn,
    ReportPage,
)
from shutter.pagination import CursorParam, Limit, parse_cursor

router = APIRouter(tags=["moderation"])

AppealId = Annotated[int, Path(ge=1, le=2**63 - 1, description="an appeal id")]


@router.post(
    "/reports",
    status_code=201,
    response_model=ReportEnvelope,
    dependencies=[rate_limited("reports")],
)
async def file_report(body: ReportIn, viewer: CurrentUser, context: Context) -> Response:
    """Report a post, comment, user, story or message you can see: 201 with the report,
    or 200 with your open report on the same target. The reported account is never told
    who reported it."""
    command = service.FileReport(
        viewer.id, body.target_type, int(body.target_id), body.reason, body.comment
    )
    async with context.db.write() as conn:
        outcome = await service.file_report(context, conn, command)
    return json_response({"report": outcome.body}, 201 if outcome.created else 200)


@router.get("/reports", response_model=ReportPage)
async def own_reports(
    viewer: CurrentUser, context: Context, cursor: CursorParam = None, limit: Limit = 20
) -> Response:
    """Your reports and their status, newest first."""
    async with context.db.read() as conn:
        page = await service.own_reports(conn, viewer.id, parse_cursor(cursor), limit)
    return json_response(page)


@router.post("/appeals", status_code=201, response_model=AppealEnvelope)
async def appeal(body: AppealIn, viewer: CurrentUser, context: Context) -> Response:
    """Appeal an action taken against your content (once per action)."""
    async with context.db.write() as conn:
        outcome = await service.appeal(context, conn, viewer.id, int(body.action_id), body.text)
    return json_response({"appeal": outcome.body}, 201)


@router.get("/admin/reports", response_model=QueuePage)
async def moderation_queue(
    viewer: CurrentUser,
    context: Context,
    url_for: UrlFor,
    status: Annotated[Literal["open", "resolved"], Query()] = "open",
    cursor: CursorParam = None,
    limit: Limit = 20,
) -> Response:
    """The queue (moderators): reported targets, one row each with the count, reasons,
    reports and a preview, the most recently reported first."""
    async with context.db.read() as conn:
        await service.require_moderator(conn, viewer.id)
        page = await service.queue(conn, status, parse_cursor(cursor), limit, url_for)
    return json_response(page)


@router.post("/admin/actions", status_code=201, response_model=ActionEnvelope)
async def take_action(body: ActionIn, viewer: CurrentUser, context: Context) -> Response:
    """Act on a target (moderators): dismiss, remove, restore, mark_sensitive, warn,
    suspend (`until` optional) or unsuspend. Resolves the target's open reports."""
    command = service.TakeAction(
        actor_id=viewer.id,
        action=body.action,
        target_type=body.target_type,
        target_id=int(body.target_id),
        reason=body.reason,
        report_ids=[int(value) for value in body.report_ids],
        until=body.until,
    )
    async with context.db.write() as conn:
        await service.require_moderator(conn, viewer.id)
        outcome = await service.take_action(context, conn, command)
    for effect in outcome.after_commit:
        await effect()
    return json_response({"action": outcome.body}, 201)


@router.get("/admin/audit", response_model=AuditPage)
async def audit_log(
    viewer: CurrentUser, context: Context, cursor: CursorParam = None, limit: Limit = 20
) -> Response:
    """Every moderation action and role change, newest first (moderators)."""
    async with context.db.read() as conn:
        await service.require_moderator(conn, viewer.id)
        page = await service.audit_log(conn, parse_cursor(cursor), limit)
    return json_response(page)


@router.get("/admin/appeals", response_model=AppealPage)
async def appeals_queue(
    viewer: CurrentUser,
    context: Context,
    status: Annotated[Literal["open", "granted", "denied"], Query()] = "open",
    cursor: CursorParam = None,
    limit: Limit = 20,
) -> Response:
    """Appeals (moderators), newest first. Grant one by undoing its action (restore,
    unsuspend); deny it here."""
    async with context.db.read() as conn:
        await service.require_moderator(conn, viewer.id)
        page = await service.appeals_queue(conn, status, parse_cursor(cursor), limit)
    return json_response(page)


@router.post("/admin/appeals/{appeal_id}/deny", status_code=204)
async def deny_appeal(appeal_id: AppealId, viewer: CurrentUser, context: Context) -> Response:
    """Uphold the action the appeal is about."""
    async with context.db.write() as conn:
        await service.require_moderator(conn, viewer.id)
        await service.deny_appeal(conn, appeal_id)
    return Response(status_code=204)
