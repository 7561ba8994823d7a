"""Sessions on both profiles: a password change revokes every earlier token; login errors
and login work do not reveal whether an account exists."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from shutter.auth import passwords
from tests.assertions import assert_error
from tests.factories import register

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


async def login(client: httpx.AsyncClient, login: str, password: str) -> httpx.Response:
    return await client.post("/auth/login", json={"login": login, "password": password})


async def test_changing_the_password_revokes_earlier_tokens(client: httpx.AsyncClient) -> None:
    account = await register(client, password="first password")
    other_device = (await login(client, account.username, "first password")).json()
    old_tokens = [account.token, other_device["access_token"]]

    changed = await client.post(
        "/auth/password",
        json={"current_password": "first password", "new_password": "second password"},
        headers=account.headers,
    )
    assert changed.status_code == 200, changed.text
    new_token = changed.json()["access_token"]

    for token in old_tokens:
        response = await client.get("/users/me", headers={"Authorization": f"Bearer {token}"})
        assert_error(response, 401, "unauthenticated")
    me = await client.get("/users/me", headers={"Authorization": f"Bearer {new_token}"})
    assert me.status_code == 200
    assert_error(await login(client, account.username, "first password"), 401)
    assert (await login(client, account.username, "second password")).status_code == 200


async def test_password_change_refusals(client: httpx.AsyncClient) -> None:
    account = await register(client, password="first password")
    wrong = await client.post(
        "/auth/password",
        json={"current_password": "not it at all", "new_password": "second password"},
        headers=account.headers,
    )
    assert_error(wrong, 403, "wrong_password")
    short = await client.post(
        "/auth/password",
        json={"current_password": "first password", "new_password": "short"},
        headers=account.headers,
    )
    assert_error(short, 422, "validation_error")
    anonymous = await client.post(
        "/auth/password",
        json={"current_password": "first password", "new_password": "second password"},
    )
    assert_error(anonymous, 401)
    # Nothing changed: the token and the password still work.
    assert (await client.get("/users/me", headers=account.headers)).status_code == 200
    assert (await login(client, account.username, "first password")).status_code == 200


class CountingHasher(PasswordHasher):
    """Counts argon2 verifications: the costly step that login time is made of."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        result: bool = super().verify(hash, password)
        return result


async def test_unknown_account_and_wrong_password_look_and_cost_the_same(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = await register(client)
    hasher = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", hasher)
    answers: list[dict[str, Any]] = []
    for name in (account.username, "nobody_here", account.email, "nobody@example.com"):
        before = hasher.verified
        response = await login(client, name, "wrong password")
        answers.append(assert_error(response, 401, "invalid_credentials"))
        assert hasher.verified == before + 1, f"login as {name} did not run the hash once"
    assert all(answer == answers[0] for answer in answers)
