"""OAuth 2.0 routes: app registration (`POST /api/v1/apps`), the consent page and its
decision (`/oauth/authorize`), `/oauth/token`, `/oauth/revoke`, the server metadata
(RFC 8414) and the granted apps of the signed-in user (Settings → Apps)."""

from __future__ import annotations

import base64
from typing import Annotated, NotRequired, TypedDict
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, FastAPI, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import HTMLResponse, Response

from shutter.errors import NotFound
from shutter.http.deps import BaseUrl, Context, CurrentUser, Read, Write
from shutter.http.responses import json_response
from shutter.oauth import repository, scopes, service
from shutter.oauth.deps import ApiError, AppGrant
from shutter.oauth.service import OOB, OAuthError
from shutter.realtime.events import oauth_revoked
from shutter.textfields import Line, clean_text
from shutter.timeutil import isoformat, utcnow

router = APIRouter(tags=["oauth"])

_MAX_PARAM = 4000
# A request's parameters: query, form (a list where a key repeats) or JSON body values.
Params = dict[str, object]


async def _params(request: Request) -> Params:
    """Parameters of a form or JSON body (clients send either), merged over the query."""
    values: Params = dict(request.query_params)
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json"):
        try:
            body = orjson.loads(await request.body() or b"{}")
        except orjson.JSONDecodeError as exc:
            raise OAuthError("invalid_request", "The body is not valid JSON.") from exc
        if not isinstance(body, dict):
            raise OAuthError("invalid_request", "The body must be a JSON object.")
        values.update(body)
    elif kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        for key in form:
            items = form.getlist(key)
            values[key] = items if len(items) > 1 or key.endswith("[]") else items[0]
    return values


def _text(values: Params, key: str, *, required: bool = False) -> str | None:
    value = values.get(key)
    if isinstance(value, list):
        value = " ".join(str(item) for item in value)
    if value is None or value == "":
        if required:
            raise OAuthError("invalid_request", f"{key} is required.", 422)
        return None
    if not isinstance(value, str) or len(value) > _MAX_PARAM:
        raise OAuthError(
            "invalid_request", f"{key} must be a string of at most {_MAX_PARAM} characters.", 422
        )
    return _clean(key, value)


def _clean(key: str, value: str) -> str:
    """The text rule (textfields.py) for an OAuth parameter, refused in OAuth's shape."""
    try:
        return clean_text(value, multiline=False)
    except ValueError as exc:  # NUL and other controls: no database could store them
        raise OAuthError("invalid_request", f"{key} {exc}.", 422) from exc


class AppOut(BaseModel):
    id: str
    name: str
    website: str | None
    scopes: list[str]
    redirect_uri: str
    redirect_uris: list[str]
    client_id: str | None = None
    client_secret: str | None = None
    vapid_key: str = ""


@router.post("/api/v1/apps", response_model=AppOut, summary="Register a client app")
async def create_app(request: Request, context: Context, uow: Write) -> Response:
    values = await _params(request)
    name = _text(values, "client_name", required=True) or ""
    if len(name) > 100:
        raise OAuthError("invalid_request", "client_name is at most 100 characters.", 422)
    website = _text(values, "website")
    if website is not None and len(website) > 255:
        raise OAuthError("invalid_request", "website is at most 255 characters.", 422)
    registered = await service.register_app(
        uow,
        context.ids,
        name,
        _text(values, "redirect_uris", required=True) or "",
        _text(values, "scopes"),
        website,
    )
    return json_response(_app_out(registered.row, registered.client_secret))


class AppOutDict(TypedDict):
    """The wire shape of AppOut (the credentials only when the app is registered)."""

    id: str
    name: str
    website: str | None
    scopes: list[str]
    redirect_uri: str
    redirect_uris: list[str]
    vapid_key: str
    client_id: NotRequired[str]
    client_secret: NotRequired[str]


def _app_out(row: repository.AppRow, secret: str | None) -> AppOutDict:
    uris = row["redirect_uris"].split("\n")
    out: AppOutDict = {
        "id": str(row["id"]),
        "name": row["name"],
        "website": row["website"],
        "scopes": row["scopes"].split(),
        "redirect_uri": "\n".join(uris),
        "redirect_uris": uris,
        "vapid_key": "",
    }
    if secret is not None:
        out["client_id"] = row["client_id"]
        out["client_secret"] = secret
    return out


@router.get("/api/v1/apps/verify_credentials", response_model=AppOut, summary="The token's app")
async def verify_app(grant: AppGrant, conn: Read) -> Response:
    app = await repository.app_by_id(conn, grant.app_id)
    if app is None:
        raise ApiError(401, "The access token is invalid")
    return json_response(_app_out(app, None))


_CONSENT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Authorize an app · Shutter</title>
<link rel="stylesheet" href="/static/css/app.css">
</head><body>
<main id="consent" class="consent" data-client-name="{name}" data-scopes="{scopes}">
<h1 id="consent-title">Authorize <span id="consent-app"></span>?</h1>
<p id="consent-intro">This app asks to use your Shutter account with these permissions:</p>
<ul id="consent-scopes"></ul>
<p id="consent-status" role="status"></p>
<button id="consent-allow" type="button">Allow</button>
<button id="consent-deny" type="button">Deny</button>
</main>
<script type="module" src="/static/js/oauth-consent.js"></script>
</body></html>
"""


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


@router.get("/oauth/authorize", include_in_schema=False)
async def consent_page(
    conn: Read,
    client_id: Annotated[str, Line(200), Query()] = "",
    redirect_uri: Annotated[str, Line(2000), Query()] = "",
    response_type: Annotated[str, Line(20), Query()] = "code",
    scope: Annotated[str | None, Line(1000), Query()] = None,
    code_challenge: Annotated[str | None, Line(200), Query()] = None,
    code_challenge_method: Annotated[str | None, Line(10), Query()] = None,
) -> Response:
    """The consent page: the web client's script signs in if needed, then posts the
    decision to POST /oauth/authorize. A bad client or redirect URI is shown, never
    redirected to."""
    try:
        checked = await service.check_authorization_request(
            conn,
            client_id,
            redirect_uri,
            scope,
            response_type,
            code_challenge,
            code_challenge_method,
        )
    except OAuthError as exc:
        return HTMLResponse(
            f"<!doctype html><title>Authorization error</title><h1>{_escape(exc.error)}</h1>"
            f"<p>{_escape(exc.description)}</p>",
            status_code=400,
        )
    return HTMLResponse(
        _CONSENT_PAGE.format(
            name=_escape(checked.app["name"]), scopes=_escape(scopes.join(checked.scopes))
        ),
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
    )


class Decision(BaseModel):
    client_id: str = Field(max_length=200)
    redirect_uri: str = Field(max_length=2000)
    response_type: str = Field("code", max_length=20)
    scope: str | None = Field(None, max_length=1000)
    state: str | None = Field(None, max_length=1000)
    code_challenge: str | None = Field(None, max_length=200)
    code_challenge_method: str | None = Field(None, max_length=10)
    approve: bool

    def checked(self) -> Decision:
        """The text rule on every field, refused as OAuth refuses (`invalid_request`),
        the shape OAuth clients read: a NUL never reaches PostgreSQL."""
        for name, value in self.model_dump(exclude={"approve"}).items():
            if value is not None:
                _clean(name, value)
        return self


class DecisionOut(BaseModel):
    redirect_to: str | None
    code: str | None


@router.post("/oauth/authorize", response_model=DecisionOut, summary="Allow or deny an app")
async def decide(body: Decision, viewer: CurrentUser, uow: Write) -> Response:
    """The signed-in user's decision (a native access token): where to send the browser
    back to, with `code` (or `error=access_denied`) and `state`. For the out-of-band
    redirect URI the code is shown instead."""
    body = body.checked()
    checked = await service.check_authorization_request(
        uow.conn,
        body.client_id,
        body.redirect_uri,
        body.scope,
        body.response_type,
        body.code_challenge,
        body.code_challenge_method,
    )
    query: dict[str, str] = {}
    code: str | None = None
    if body.approve:
        code = await service.grant_code(uow, checked, viewer.id)
        query["code"] = code
    else:
        query["error"] = "access_denied"
    if body.state is not None:
        query["state"] = body.state
    if body.redirect_uri == OOB:
        return json_response({"redirect_to": None, "code": code})
    separator = "&" if "?" in body.redirect_uri else "?"
    return json_response(
        {"redirect_to": f"{body.redirect_uri}{separator}{urlencode(query)}", "code": None}
    )


class TokenOut(BaseModel):
    access_token: str
    token_type: str
    scope: str
    created_at: int
    refresh_token: str | None = None


class TokenOutDict(TypedDict):
    """The wire shape of TokenOut (`refresh_token` only when one was issued)."""

    access_token: str
    token_type: str
    scope: str
    created_at: int
    refresh_token: NotRequired[str]


def _client_credentials(request: Request, values: Params) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except ValueError as exc:
            raise OAuthError("invalid_client", "Malformed Basic credentials.", 401) from exc
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return _text(values, "client_id"), _text(values, "client_secret")


@router.post("/oauth/token", response_model=TokenOut, summary="Obtain a token")
async def token(request: Request, context: Context, uow: Write) -> Response:
    values = await _params(request)
    grant_type = _text(values, "grant_type")
    if grant_type not in {"authorization_code", "client_credentials", "refresh_token"}:
        raise OAuthError(
            "unsupported_grant_type" if grant_type else "invalid_request",
            "grant_type must be authorization_code, client_credentials or refresh_token.",
        )
    client_id, secret = _client_credentials(request, values)
    app = await service.authenticate_client(uow.conn, client_id, secret)
    if grant_type == "authorization_code":
        issued = await service.exchange_code(
            uow,
            context.ids,
            app,
            _text(values, "code"),
            _text(values, "redirect_uri"),
            _text(values, "code_verifier"),
        )
    elif grant_type == "client_credentials":
        issued = await service.client_credentials(uow, context.ids, app, _text(values, "scope"))
    else:
        issued = await service.refresh(
            uow, context.ids, app, _text(values, "refresh_token"), _text(values, "scope")
        )
    out: TokenOutDict = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "scope": issued.scopes,
        "created_at": issued.created_at,
    }
    if issued.refresh_token is not None:
        out["refresh_token"] = issued.refresh_token
    return json_response(out, headers={"Cache-Control": "no-store"})


class Empty(BaseModel):
    pass


@router.post("/oauth/revoke", response_model=Empty, summary="Revoke a token")
async def revoke(request: Request, context: Context, uow: Write) -> Response:
    values = await _params(request)
    client_id, secret = _client_credentials(request, values)
    app = await service.authenticate_client(uow.conn, client_id, secret)
    revoked = await service.revoke(uow, app, _text(values, "token", required=True) or "")
    if revoked is not None:  # its open streams close, on every process
        user_id, token_id = revoked
        event = oauth_revoked(token_ids=[token_id])
        uow.after_commit(lambda: context.realtime.publish([user_id], event))
    return json_response({})


class ServerMetadata(BaseModel):
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str
    app_registration_endpoint: str
    scopes_supported: list[str]
    response_types_supported: list[str]
    response_modes_supported: list[str]
    code_challenge_methods_supported: list[str]
    grant_types_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    service_documentation: str


@router.get(
    "/.well-known/oauth-authorization-server",
    response_model=ServerMetadata,
    summary="OAuth server metadata (RFC 8414)",
)
async def server_metadata(base_url: BaseUrl) -> Response:
    return json_response(
        {
            "issuer": f"{base_url}/",
            "authorization_endpoint": f"{base_url}/oauth/authorize",
            "token_endpoint": f"{base_url}/oauth/token",
            "revocation_endpoint": f"{base_url}/oauth/revoke",
            "app_registration_endpoint": f"{base_url}/api/v1/apps",
            "scopes_supported": sorted(scopes.SUPPORTED),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": [
                "authorization_code",
                "client_credentials",
                "refresh_token",
            ],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "service_documentation": f"{base_url}/docs",
        }
    )


class GrantOut(BaseModel):
    app_id: str
    name: str
    website: str | None
    scopes: list[str]
    granted_at: str


@router.get(
    "/api/v1/oauth/grants",
    response_model=list[GrantOut],
    summary="My granted apps",
    tags=["settings"],  # Shutter's own API: errors in its envelope
)
async def my_grants(viewer: CurrentUser, conn: Read) -> Response:
    rows = await repository.grants_of(conn, viewer.id)
    return json_response(
        [
            {
                "app_id": str(row["app_id"]),
                "name": row["name"],
                "website": row["website"],
                "scopes": row["scopes"].split(),
                "granted_at": isoformat(row["created_at"]),
            }
            for row in rows
        ]
    )


@router.delete(
    "/api/v1/oauth/grants/{app_id}", status_code=204, summary="Revoke an app", tags=["settings"]
)
async def revoke_grant(
    app_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="an app id")],
    viewer: CurrentUser,
    context: Context,
    uow: Write,
) -> Response:
    if await repository.revoke_user_app(uow.conn, viewer.id, app_id, utcnow()) == 0:
        raise NotFound("You have granted no such app.")
    event = oauth_revoked(app_ids=[app_id])  # the app's open streams close
    uow.after_commit(lambda: context.realtime.publish([viewer.id], event))
    return Response(status_code=204)


async def _on_oauth_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OAuthError)
    headers = {"Cache-Control": "no-store"}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="shutter"'
    return json_response(
        {"error": exc.error, "error_description": exc.description},
        status=exc.status,
        headers=headers,
    )


async def _on_api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return json_response({"error": exc.message}, status=exc.status)


def install_error_handlers(app: FastAPI) -> None:
    """The two error shapes of these routes (RFC 6749's, and Mastodon's); `router` holds
    the routes."""
    app.add_exception_handler(OAuthError, _on_oauth_error)
    app.add_exception_handler(ApiError, _on_api_error)
