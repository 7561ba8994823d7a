"""POST/GET /reports, POST /appeals; the moderators' /admin/reports (the queue),
/admin/actions, /admin/audit and /admin/appeals."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from shutter.http.deps import Context, CurrentUser, Page, UrlFor, Write, rate_limited
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

router = APIRouter(tags=["moderation"])

AppealId = Annotated[int, Path(ge=1, le=2**63 - 1, description="an appeal id")]


@router.post(
    "/reports",
    status_code=201,
    response_model=ReportEnvelope,
    dependencies=[rate_limited("reports")],
)
async def file_report(
    body: ReportIn, viewer: CurrentUser, uow: Write, context: Context
) -> Response:
    """Report a post, comment, user, story or message you can see: 201 with the report,
    or 200 with your open report on the same target. The reported account is never told
    who reported it."""
    command = service.FileReport(
        viewer.id, body.target_type, int(body.target_id), body.reason, body.comment
    )
    outcome = await service.file_report(context, uow.conn, command)
    return json_response({"report": outcome.body}, 201 if outcome.created else 200)


@router.get("/reports", response_model=ReportPage)
async def own_reports(viewer: CurrentUser, context: Context, paging: Page) -> Response:
    """Your reports and their status, newest first."""
    async with context.db.read() as conn:
        page = await service.own_reports(conn, viewer.id, paging.after, paging.limit)
    return json_response(page)


@router.post("/appeals", status_code=201, response_model=AppealEnvelope)
async def appeal(body: AppealIn, viewer: CurrentUser, uow: Write, context: Context) -> Response:
    """Appeal an action taken against your content (once per action)."""
    outcome = await service.appeal(context, uow.conn, viewer.id, int(body.action_id), body.text)
    return json_response({"appeal": outcome.body}, 201)


@router.get("/admin/reports", response_model=QueuePage)
async def moderation_queue(
    viewer: CurrentUser,
    context: Context,
    url_for: UrlFor,
    paging: Page,
    status: Annotated[Literal["open", "resolved"], Query()] = "open",
) -> Response:
    """The queue (moderators): reported targets, one row each with the count, reasons,
    reports and a preview, the most recently reported first."""
    async with context.db.read() as conn:
        await service.require_moderator(conn, viewer.id)
        page = await service.queue(conn, status, paging.after, paging.limit, url_for)
    return json_response(page)


@router.post("/admin/actions", status_code=201, response_model=ActionEnvelope)
async def take_action(
    body: ActionIn, viewer: CurrentUser, uow: Write, context: Context
) -> Response:
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
    await service.require_moderator(uow.conn, viewer.id)
    outcome = await service.take_action(context, uow, command)
    return json_response({"action": outcome.body}, 201)


@router.get("/admin/audit", response_model=AuditPage)
async def audit_log(viewer: CurrentUser, context: Context, paging: Page) -> Response:
    """Every moderation action and role change, newest first (moderators)."""
    async with context.db.read() as conn:
        await service.require_moderator(conn, viewer.id)
        page = await service.audit_log(conn, paging.after, paging.limit)
    return json_response(page)


@router.get("/admin/appeals", response_model=AppealPage)
async def appeals_queue(
    viewer: CurrentUser,
    context: Context,
    paging: Page,
    status: Annotated[Literal["open", "granted", "denied"], Query()] = "open",
) -> Response:
    """Appeals (moderators), newest first. Grant one by undoing its action (restore,
    unsuspend); deny it here."""
    async with context.db.read() as conn:
        await service.require_moderator(conn, viewer.id)
        page = await service.appeals_queue(conn, status, paging.after, paging.limit)
    return json_response(page)


@router.post("/admin/appeals/{appeal_id}/deny", status_code=204)
async def deny_appeal(appeal_id: AppealId, viewer: CurrentUser, uow: Write) -> Response:
    """Uphold the action the appeal is about."""
    await service.require_moderator(uow.conn, viewer.id)
    await service.deny_appeal(uow.conn, appeal_id)
    return Response(status_code=204)
