"""The OAuth 2.0 provider over HTTP on both profiles: registration, the consent decision,
the authorization-code grant with PKCE, refresh, revocation, password change, and the
RFC 6749 error of every way a request can be wrong (nothing is issued then)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import update

from shutter.db.tables import oauth_codes
from shutter.timeutil import utcnow
from tests.conftest import RunningServer
from tests.factories import Account, register

REDIRECT = "https://app.example/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


async def register_app(
    root: httpx.AsyncClient, scopes: str = "read write follow"
) -> dict[str, Any]:
    response = await root.post(
        "/api/v1/apps",
        data={"client_name": "Test app", "redirect_uris": REDIRECT, "scopes": scopes},
    )
    assert response.status_code == 200, response.text
    app: dict[str, Any] = response.json()
    return app


async def authorize(
    root: httpx.AsyncClient,
    app: dict[str, Any],
    user: Account,
    challenge: str | None,
    scope: str = "read write follow",
    approve: bool = True,
) -> dict[str, list[str]]:
    body: dict[str, Any] = {
        "client_id": app["client_id"],
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": "xyz",
        "approve": approve,
    }
    if challenge:
        body |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    response = await root.post("/oauth/authorize", json=body, headers=user.headers)
    assert response.status_code == 200, response.text
    target = response.json()["redirect_to"]
    assert target.startswith(REDIRECT + "?")
    return parse_qs(urlsplit(target).query)


async def exchange(
    root: httpx.AsyncClient, app: dict[str, Any], code: str, verifier: str | None, **extra: str
) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "redirect_uri": REDIRECT,
        "code": code,
    }
    if verifier:
        data["code_verifier"] = verifier
    return await root.post("/oauth/token", data=data | extra)


async def user_token(
    root: httpx.AsyncClient, user: Account, scopes: str = "read write follow"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An app and a token of `user` granted `scopes`, by the full PKCE flow."""
    app = await register_app(root, scopes)
    verifier, challenge = pkce()
    query = await authorize(root, app, user, challenge, scope=scopes)
    response = await exchange(root, app, query["code"][0], verifier)
    assert response.status_code == 200, response.text
    return app, response.json()


def oauth_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error, response.text
    assert "access_token" not in response.json()


async def test_the_pkce_flow_issues_a_token_that_works_until_revoked(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        alice = await register(client)
        page = await root.get(
            "/oauth/authorize",
            params={"client_id": "nope", "redirect_uri": REDIRECT, "response_type": "code"},
        )
        assert page.status_code == 400
        assert "invalid_client" in page.text
        app, token = await user_token(root, alice)
        assert token["token_type"] == "Bearer"
        assert token["scope"] == "read write follow"
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        who = await root.get("/api/v1/apps/verify_credentials", headers=bearer)
        assert who.status_code == 200
        assert who.json()["name"] == "Test app"
        assert "client_secret" not in who.json()
        grants = (await client.get("/oauth/grants", headers=alice.headers)).json()
        assert [grant["name"] for grant in grants] == ["Test app"]

        refreshed = await root.post(
            "/oauth/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": token["refresh_token"],
                "scope": "read",
            },
            auth=(app["client_id"], app["client_secret"]),
        )
        assert refreshed.status_code == 200, refreshed.text
        assert refreshed.json()["scope"] == "read"
        # The refresh token is used up, and the old access token with it.
        replay = await root.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
            auth=(app["client_id"], app["client_secret"]),
        )
        oauth_error(replay, 400, "invalid_grant")
        gone = await root.get("/api/v1/apps/verify_credentials", headers=bearer)
        assert gone.status_code == 401
        assert gone.json() == {"error": "The access token is invalid"}

        new_bearer = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
        assert (await root.get("/api/v1/apps/verify_credentials", headers=new_bearer)).is_success
        revoked = await root.post(
            "/oauth/revoke",
            data={
                "token": refreshed.json()["access_token"],
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
            },
        )
        assert revoked.status_code == 200
        after = await root.get("/api/v1/apps/verify_credentials", headers=new_bearer)
        assert after.status_code == 401


async def test_a_password_change_and_revoking_the_app_end_its_tokens(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        alice = await register(client)
        app, token = await user_token(root, alice)
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        revoke = await client.delete(f"/oauth/grants/{app['id']}", headers=alice.headers)
        assert revoke.status_code == 204
        assert (
            await root.get("/api/v1/apps/verify_credentials", headers=bearer)
        ).status_code == 401
        assert (await client.get("/oauth/grants", headers=alice.headers)).json() == []

        _, token = await user_token(root, alice)
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        assert (await root.get("/api/v1/apps/verify_credentials", headers=bearer)).is_success
        changed = await client.post(
            "/auth/password",
            json={"current_password": alice.password, "new_password": "another horse 2"},
            headers=alice.headers,
        )
        assert changed.is_success, changed.text
        assert (
            await root.get("/api/v1/apps/verify_credentials", headers=bearer)
        ).status_code == 401


async def test_every_bad_request_is_an_rfc_6749_error_and_issues_nothing(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        alice = await register(client)
        app = await register_app(root, "read write")
        other = await register_app(root, "read")
        verifier, challenge = pkce()

        def code_of(query: dict[str, list[str]]) -> str:
            return query["code"][0]

        # A scope the app did not register: refused before any code exists.
        wider = await root.post(
            "/oauth/authorize",
            json={
                "client_id": other["client_id"],
                "redirect_uri": REDIRECT,
                "scope": "write",
                "approve": True,
            },
            headers=alice.headers,
        )
        oauth_error(wider, 400, "invalid_scope")
        wrong_uri = await root.post(
            "/oauth/authorize",
            json={
                "client_id": app["client_id"],
                "redirect_uri": "https://evil.example/",
                "approve": True,
            },
            headers=alice.headers,
        )
        oauth_error(wrong_uri, 400, "invalid_request")
        denied = await authorize(root, app, alice, challenge, scope="read", approve=False)
        assert denied == {"error": ["access_denied"], "state": ["xyz"]}

        code = code_of(await authorize(root, app, alice, challenge, scope="read"))
        oauth_error(await exchange(root, app, code, None), 400, "invalid_grant")  # no verifier
        code = code_of(await authorize(root, app, alice, challenge, scope="read"))
        oauth_error(await exchange(root, app, code, pkce()[0]), 400, "invalid_grant")
        code = code_of(await authorize(root, app, alice, challenge, scope="read"))
        oauth_error(
            await exchange(root, app, code, verifier, redirect_uri="https://app.example/other"),
            400,
            "invalid_grant",
        )
        code = code_of(await authorize(root, app, alice, challenge, scope="read"))
        oauth_error(await exchange(root, other, code, verifier), 400, "invalid_grant")
        bad_secret = await exchange(root, app | {"client_secret": "wrong"}, code, verifier)
        oauth_error(bad_secret, 401, "invalid_client")
        oauth_error(
            await root.post("/oauth/token", data={"grant_type": "password", "client_id": "x"}),
            400,
            "unsupported_grant_type",
        )

        # A good code works once; its replay does not.
        code = code_of(await authorize(root, app, alice, challenge, scope="read"))
        assert (await exchange(root, app, code, verifier)).status_code == 200
        oauth_error(await exchange(root, app, code, verifier), 400, "invalid_grant")

        # Codes expire after ten minutes.
        code = code_of(await authorize(root, app, alice, challenge, scope="read"))
        async with server.context.db.write() as uow:
            await uow.conn.execute(
                update(oauth_codes).values(expires_at=utcnow() - timedelta(seconds=1))
            )
        oauth_error(await exchange(root, app, code, verifier), 400, "invalid_grant")

        # client_credentials: narrower scopes only, and no user behind the token.
        wide = await root.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "scope": "write",
                "client_id": other["client_id"],
                "client_secret": other["client_secret"],
            },
        )
        oauth_error(wide, 400, "invalid_scope")
        plain = await root.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "scope": "read",
                "client_id": other["client_id"],
                "client_secret": other["client_secret"],
            },
        )
        assert plain.status_code == 200
        assert "refresh_token" not in plain.json()
        unknown = await root.post(
            "/api/v1/apps",
            data={"client_name": "x", "redirect_uris": REDIRECT, "scopes": "admin:write"},
        )
        assert unknown.status_code == 422
        assert unknown.json()["error"] == "invalid_scope"
        metadata = (await root.get("/.well-known/oauth-authorization-server")).json()
        assert metadata["code_challenge_methods_supported"] == ["S256"]
        assert metadata["token_endpoint"] == f"{server.base_url}/oauth/token"
