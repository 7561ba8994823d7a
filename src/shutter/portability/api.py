"""Your data: /imports (an Instagram archive) and /exports (a zip of everything)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from shutter.http.deps import BaseUrl, Context, CurrentUser, rate_limited
from shutter.http.responses import json_response
from shutter.portability import deletion, exporter, importer
from shutter.portability.schemas import (
    DeletionEnvelope,
    DeletionRequest,
    ExportEnvelope,
    ImportCreate,
    ImportEnvelope,
    ImportList,
    LatestExport,
    RestoreOut,
)
from shutter.users.schemas import LoginIn

router = APIRouter(tags=["your data"])

JobId = Annotated[int, Path(ge=1, le=2**63 - 1, description="an import or export id")]


@router.post("/imports", status_code=202, response_model=ImportEnvelope)
async def create_import(body: ImportCreate, viewer: CurrentUser, context: Context) -> Response:
    """Import an Instagram archive uploaded through `POST /media` (content_type
    `application/zip`; do not call `/complete`). `202` with the import `queued`; poll
    `GET /imports/{id}`. Starting the same upload twice returns the same import."""
    found = await importer.request_import(context, viewer.id, int(body.media_id))
    return json_response({"import": found}, 202)


@router.get("/imports", response_model=ImportList)
async def list_imports(viewer: CurrentUser, context: Context) -> Response:
    """Your latest imports, newest first."""
    return json_response({"imports": await importer.list_imports(context, viewer.id)})


@router.get("/imports/{import_id}", response_model=ImportEnvelope)
async def get_import(import_id: JobId, viewer: CurrentUser, context: Context) -> Response:
    """Progress and report: `total` items, `done`, `skipped` (with `errors`), `duplicates`."""
    return json_response({"import": await importer.get_import(context, viewer.id, import_id)})


@router.post("/exports", status_code=202, response_model=ExportEnvelope)
async def create_export(viewer: CurrentUser, context: Context) -> Response:
    """Ask for a zip of your data; `409 export_running` while one is being built, `429` with
    `Retry-After` within a day of the last one."""
    export = await exporter.request_export(context, viewer.id)
    return json_response({"export": export}, 202)


@router.get("/exports/latest", response_model=LatestExport)
async def latest_export(viewer: CurrentUser, context: Context, base_url: BaseUrl) -> Response:
    """Your most recent export, or null."""
    return json_response({"export": await exporter.latest_export(context, viewer.id, base_url)})


@router.get("/exports/{export_id}", response_model=ExportEnvelope)
async def get_export(
    export_id: JobId, viewer: CurrentUser, context: Context, base_url: BaseUrl
) -> Response:
    """Progress; when `done`, a `download_url` valid until `expires_at` (7 days)."""
    export = await exporter.get_export(context, viewer.id, export_id, base_url)
    return json_response({"export": export})


@router.delete("/users/me", status_code=202, response_model=DeletionEnvelope)
async def delete_account(body: DeletionRequest, viewer: CurrentUser, context: Context) -> Response:
    """Delete your account: it is deactivated at once (hidden from everyone, every session
    ended, login refused) and purged for good after the grace period
    (SHUTTER_ACCOUNT_DELETION_GRACE_DAYS, 30 days); `POST /users/me/restore` cancels it
    until then. `403 wrong_password` unless `password` is yours."""
    scheduled = await deletion.request_deletion(context, viewer.id, body.password)
    return json_response({"deletion": scheduled}, 202)


@router.post(
    "/users/me/restore",
    response_model=RestoreOut,
    dependencies=[rate_limited("login", per="address")],
)
async def restore_account(body: LoginIn, context: Context) -> Response:
    """Cancel your account's deletion within the grace period, with your username or email
    and password (your sessions ended with the request); answers with a new access token.
    `404 not_scheduled` for an account that is not being deleted."""
    user_id, version = await deletion.restore(context, body.login, body.password)
    token = context.tokens.issue(user_id, version)
    return json_response({"access_token": token, "token_type": "bearer"})
