"""Accounts over HTTP, on both profiles: register, log in, tokens, and profiles.

Each test starts a server, so related cases are checked in one test, each assertion
naming its case.
"""

from __future__ import annotations

import asyncio
import io
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import pytest
from PIL import Image

from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import (
    Account,
    create_post,
    follow,
    image_bytes,
    register,
    start_upload,
    upload_image,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

PASSWORD = "correct horse 1"


def registration(
    username: str = "alice", email: str | None = None, password: str = PASSWORD, **extra: Any
) -> dict[str, Any]:
    return {
        "username": username,
        "email": email if email is not None else f"{username}@example.com",
        "password": password,
        **extra,
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- register ---------------------------------------------------------------------------


async def test_register_returns_the_new_user_and_a_working_token(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/auth/register", json=registration("Alice.Smith_1", email="Alice.Smith@Example.COM")
    )

    assert response.status_code == 201, response.text
    body = response.json()
    user = body["user"]
    assert isinstance(user["id"], str)
    assert int(user["id"]) > 2**53  # a string, because a JSON number would lose digits in JS
    assert user["username"] == "alice.smith_1"
    assert user["email"] == "alice.smith@example.com"
    assert (user["display_name"], user["bio"], user["avatar_url"]) == ("", "", None)
    assert user["is_private"] is False
    assert (user["follower_count"], user["following_count"], user["post_count"]) == (0, 0, 0)
    assert user["relationship"] is None
    created = datetime.fromisoformat(user["created_at"])
    assert created.utcoffset() is not None
    assert created.utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - created).total_seconds()) < 60
    assert "argon2" not in response.text
    assert PASSWORD not in response.text
    assert body["token_type"] == "bearer"
    me = await client.get("/users/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json()["id"] == user["id"]
    by_name = await client.get("/users/by-username/alice.smith_1")
    assert by_name.json()["id"] == user["id"]


async def test_usernames_are_1_to_30_of_lower_case_letters_digits_dots_underscores(
    client: httpx.AsyncClient,
) -> None:
    accepted = ["a", "a" * 30, "x.y_z", "0123", "MiXeD", "_a_", "a.b.c", "admin1", "me_"]
    refused = ["", " ", "a" * 31, "with space", "hyphen-ated", "at@sign", "ünï", "emoji📷", "a/b"]
    # Names that break the web client's routes or could not be mentioned: dots alone, at
    # either end or two in a row, nothing but dots and underscores.
    refused += [".", "..", "...", "_", "__", "._.", "a..b", ".alice", "alice."]
    # Names of the client's and the server's paths, and names that speak for the service.
    refused += ["admin", "API", "login", "static", "me", "settings", "explore", "support"]
    refused += ["root", "help", "p", "u", "direct", "docs", "media", "metrics", "healthz"]

    for i, username in enumerate(accepted):
        body = registration(username, email=f"ok{i}@example.com")
        response = await client.post("/auth/register", json=body)
        assert response.status_code == 201, (username, response.text)
        assert response.json()["user"]["username"] == username.lower()
    for i, username in enumerate(refused):
        body = registration(username, email=f"bad{i}@example.com")
        response = await client.post("/auth/register", json=body)
        error = assert_error(response, 422, "validation_error")
        assert "username" in error["message"], (username, error)
        assert "Value error" not in error["message"], error  # pydantic's prefix is not for people


async def test_registration_validates_email_password_and_fields(
    client: httpx.AsyncClient,
) -> None:
    for email in ["", "not-an-email", "no-domain@", "@no-local.com", "two@@example.com", "a b@c.d"]:
        response = await client.post("/auth/register", json=registration("alice", email=email))
        error = assert_error(response, 422, "validation_error")
        assert "email" in error["message"], (email, error)
    short = await client.post("/auth/register", json=registration("alice", password="1234567"))
    assert "password" in assert_error(short, 422, "validation_error")["message"]
    # Each detail names its field and its own code: the web client words it by those.
    details = short.json()["error"]["details"]
    assert (details[0]["field"], details[0]["code"]) == ("password", "string_too_short"), details
    for missing in ("username", "email", "password"):
        body = registration("alice")
        del body[missing]
        error = assert_error(await client.post("/auth/register", json=body), 422)
        assert missing in error["message"], (missing, error)
    for extra in ({"is_admin": True}, {"follower_count": 10**6}, {"id": "1"}, {"is_private": 1}):
        response = await client.post("/auth/register", json=registration("alice", **extra))
        assert_error(response, 422, "validation_error")
    for not_an_object in ([], "alice", None):
        assert_error(await client.post("/auth/register", json=not_an_object), 422)
    assert_error(await client.get("/users/by-username/alice"), 404)  # none of it registered

    eight = await client.post("/auth/register", json=registration("alice", password="12345678"))
    assert eight.status_code == 201, eight.text


async def test_usernames_and_emails_are_unique_whatever_their_case(
    client: httpx.AsyncClient,
) -> None:
    first = await client.post("/auth/register", json=registration("Alice", "Pat@Example.com"))
    assert first.status_code == 201, first.text

    same_name = await client.post("/auth/register", json=registration("alice", "a2@example.com"))
    same_email = await client.post("/auth/register", json=registration("bob", "pat@EXAMPLE.COM"))

    assert_error(same_name, 409, "username_taken")
    assert_error(same_email, 409, "email_taken")
    assert_error(await client.get("/users/by-username/bob"), 404, "user_not_found")
    login = await client.post("/auth/login", json={"login": "a2@example.com", "password": PASSWORD})
    assert_error(login, 401)


async def test_concurrent_registrations_of_one_name_create_one_account(
    client: httpx.AsyncClient,
) -> None:
    names = ["racer", "RACER", "Racer", "racer", "rAcEr", "racer"]

    responses = await asyncio.gather(
        *(
            client.post("/auth/register", json=registration(name, f"racer{i}@example.com"))
            for i, name in enumerate(names)
        )
    )

    created = [response for response in responses if response.status_code == 201]
    assert len(created) == 1, [response.text for response in responses]
    for response in responses:
        if response is not created[0]:
            assert_error(response, 409, "username_taken")


async def test_emails_mixing_scripts_are_refused_and_lookalikes_are_one_address(
    client: httpx.AsyncClient,
) -> None:
    # A Cyrillic "а" (U+0430) among Latin letters, in the local part or in the domain.
    for i, email in enumerate(["p\u0430ypal@example.com", "user@ex\u0430mple.com"]):
        response = await client.post("/auth/register", json=registration(f"mix{i}", email))
        error = assert_error(response, 422, "validation_error")
        assert "email" in error["message"], (email, error)
    # One script throughout is fine, whichever it is.
    cyrillic = await client.post(
        "/auth/register", json=registration("ivan", "\u0438\u0432\u0430\u043d@example.com")
    )
    assert cyrillic.status_code == 201, cyrillic.text
    # Full-width letters are the same address as plain ones (NFKC), at sign-up and login.
    alice = await register(client, "alice")
    wide = "\uff41\uff4c\uff49\uff43\uff45@example.com"  # ａｌｉｃｅ
    again = await client.post("/auth/register", json=registration("alice2", wide))
    assert_error(again, 409, "email_taken")
    login = await client.post("/auth/login", json={"login": wide.upper(), "password": PASSWORD})
    assert login.status_code == 200, login.text
    me = await client.get("/users/me", headers=bearer(login.json()["access_token"]))
    assert me.json()["id"] == alice.id


async def test_text_is_normalised_and_control_characters_refused_never_a_500(
    client: httpx.AsyncClient,
) -> None:
    """NUL bytes (PostgreSQL cannot store them: they were a 500), other controls, escape
    sequences, bidi overrides and invisible-only text: a 422 naming the field, in every
    text field; a path parameter that no account can match: 404."""
    alice = await register(client, "alice")
    refused_bios = ["nul\x00", "bell\x07", "\x1b[31mred", "c1\x85", "rtl\u202egpj.exe"]
    refused_bios += ["\u2066isolate\u2069", "\u200b\u200c\u2060", " \n\t "]
    edits = [{"bio": bio} for bio in refused_bios]
    edits += [{"display_name": name} for name in ["a\x00b", "tab\there", "line\nbreak", "\u202e"]]
    for body in edits:
        response = await client.patch("/users/me", json=body, headers=alice.headers)
        error = assert_error(response, 422, "validation_error")
        assert next(iter(body)) in error["message"], (body, error)
    edited = await client.patch(
        "/users/me",
        json={"display_name": "Cafe\u0301", "bio": "line one\r\nline\ttwo 👨\u200d👩\u200d👧"},
        headers=alice.headers,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["display_name"] == "Caf\u00e9"  # NFC
    assert edited.json()["bio"] == "line one\nline\ttwo 👨\u200d👩\u200d👧"

    for login in ["a\x00b", "alice\x00@example.com", "\u202ealice"]:
        response = await client.post("/auth/login", json={"login": login, "password": PASSWORD})
        assert "login" in assert_error(response, 422, "validation_error")["message"]
    for username in ["a%00b", "alice%00", "a%E2%80%AEb", "%C3%BC", "a%0Ab"]:
        response = await client.get(f"/users/by-username/{username}")
        assert_error(response, 404, "user_not_found")
    for q in ["a\x00b", "x\u202ey", "\u200b"]:
        response = await client.get("/search", params={"q": q, "type": "locations"})
        assert_error(response, 422, "validation_error")


# -- log in ----------------------------------------------------------------------------


# 60 s is the shortest token lifetime the settings accept.
@pytest.mark.parametrize("settings_overrides", [{"access_token_ttl_seconds": 60}])
async def test_log_in_with_username_or_email_in_any_case(client: httpx.AsyncClient) -> None:
    alice = await register(client, "alice")

    for login in ["alice", "ALICE", " Alice ", "alice@example.com", "Alice@Example.COM"]:
        response = await client.post("/auth/login", json={"login": login, "password": PASSWORD})
        assert response.status_code == 200, (login, response.text)
        body = response.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 60
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == 60
        me = await client.get("/users/me", headers=bearer(body["access_token"]))
        assert me.status_code == 200, (login, me.text)
        assert me.json()["id"] == alice.id


async def test_wrong_password_and_unknown_account_are_indistinguishable(
    client: httpx.AsyncClient,
) -> None:
    await register(client, "alice")
    attempts = [
        {"login": "alice", "password": "wrong password"},
        {"login": "alice@example.com", "password": "wrong password"},
        {"login": "alice", "password": PASSWORD.upper()},
        {"login": "nobody", "password": PASSWORD},
        {"login": "nobody@example.com", "password": PASSWORD},
    ]

    errors = [
        assert_error(await client.post("/auth/login", json=attempt), 401) for attempt in attempts
    ]

    assert all(error == errors[0] for error in errors), errors
    for body in [{}, {"login": "alice"}, {"password": PASSWORD}, {"login": "", "password": "x"}]:
        assert_error(await client.post("/auth/login", json=body), 422, "validation_error")


# -- tokens ----------------------------------------------------------------------------


async def test_requests_without_a_valid_token_are_401(
    client: httpx.AsyncClient, server: RunningServer
) -> None:
    alice = await register(client, "alice")
    bob = await register(client, "bob")
    key = server.settings.resolved_secret_key
    now = int(time.time())
    header, payload, signature = alice.token.split(".")
    claims = jwt.decode(alice.token, options={"verify_signature": False})
    tampered = {
        "bob's claims, alice's signature": f"{header}.{bob.token.split('.')[1]}.{signature}",
        "signature changed": f"{header}.{payload}.{signature[::-1]}",
        "trailing garbage": alice.token + "x",
        "another key": jwt.encode(claims, "another-secret-key-that-is-long-enough!!", "HS256"),
        "alg none": jwt.encode(claims, key=None, algorithm="none"),
        "no expiry": jwt.encode({"sub": alice.id, "ver": 0}, key, "HS256"),
        "no such account": jwt.encode({"sub": "12345", "ver": 0, "exp": now + 600}, key, "HS256"),
        "old token version": jwt.encode(
            {"sub": alice.id, "ver": 7, "exp": now + 600}, key, "HS256"
        ),
        "subject not an id": jwt.encode({"sub": "alice", "exp": now + 600}, key, "HS256"),
        "expired": jwt.encode({"sub": alice.id, "ver": 0, "exp": now - 60}, key, "HS256"),
    }
    headers = {
        "no header": {},
        "empty header": {"Authorization": ""},
        "no token": {"Authorization": "Bearer"},
        "garbage token": {"Authorization": "Bearer not-a-token"},
        "basic auth": {"Authorization": "Basic YWxpY2U6Y29ycmVjdCBob3JzZSAx"},
        **{name: bearer(token) for name, token in tampered.items()},
    }

    for case, sent in headers.items():
        response = await client.get("/users/me", headers=sent)
        assert response.status_code == 401, (case, response.text)
        assert_error(response, 401)
        patch = await client.patch("/users/me", json={"bio": "pwned"}, headers=sent)
        assert patch.status_code == 401, (case, patch.text)
    me = await client.get("/users/me", headers=alice.headers)
    assert me.status_code == 200
    assert me.json()["bio"] == ""
    expired = assert_error(await client.get("/users/me", headers=headers["expired"]), 401)
    assert "expired" in expired["message"]
    fresh = jwt.encode({"sub": alice.id, "ver": 0, "exp": now + 60}, key, "HS256")
    assert (await client.get("/users/me", headers=bearer(fresh))).status_code == 200


# -- own profile -----------------------------------------------------------------------


async def test_edit_my_profile_and_invalid_edits_change_nothing(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client, "alice")

    response = await client.patch(
        "/users/me",
        json={"display_name": "  Alice Liddell  ", "bio": "Down the hole 🐇", "is_private": True},
        headers=alice.headers,
    )

    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["display_name"] == "Alice Liddell"
    assert edited["bio"] == "Down the hole 🐇"
    assert edited["is_private"] is True
    assert edited["email"] == "alice@example.com"
    public = (await client.get(f"/users/{alice.id}")).json()
    assert (public["display_name"], public["bio"], public["is_private"]) == (
        "Alice Liddell",
        "Down the hole 🐇",
        True,
    )
    kept = await client.patch("/users/me", json={"bio": "bye"}, headers=alice.headers)
    assert (kept.json()["display_name"], kept.json()["bio"]) == ("Alice Liddell", "bye")
    assert kept.json()["is_private"] is True
    emptied = await client.patch(
        "/users/me",
        json={"display_name": None, "bio": "", "is_private": False},
        headers=alice.headers,
    )
    assert (emptied.json()["display_name"], emptied.json()["bio"]) == ("", "")
    assert emptied.json()["is_private"] is False
    me = (await client.get("/users/me", headers=alice.headers)).json()
    assert me == emptied.json()
    for body in [
        {"display_name": "x" * 65},
        {"bio": "x" * 151},
        {"is_private": None},
        {"is_private": "maybe"},
        {"username": "bob"},
        {"email": "new@example.com"},
        {"follower_count": 1000},
        {"avatar_media_id": "not-a-number"},
        {"display_name": "ok", "bio": "x" * 151},
    ]:
        response = await client.patch("/users/me", json=body, headers=alice.headers)
        assert response.status_code == 422, (body, response.text)
        assert_error(response, 422)

    assert (await client.get("/users/me", headers=alice.headers)).json() == me
    assert_error(await client.patch("/users/me", json={"bio": "hi"}), 401)


async def test_the_avatar_is_an_own_finished_image_and_null_clears_it(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client, "alice")
    bob = await register(client, "bob")
    bobs_image = await upload_image(client, bob)
    unfinished = (await start_upload(client, alice, b"\xff\xd8 never uploaded"))["media_id"]
    for media_id in (bobs_image, "123456789"):
        response = await client.patch(
            "/users/me", json={"avatar_media_id": media_id}, headers=alice.headers
        )
        assert_error(response, 404, "media_not_found")
    response = await client.patch(
        "/users/me", json={"avatar_media_id": unfinished}, headers=alice.headers
    )
    assert_error(response, 422, "media_not_ready")
    assert (await client.get("/users/me", headers=alice.headers)).json()["avatar_url"] is None
    media_id = await upload_image(client, alice)

    response = await client.patch(
        "/users/me", json={"avatar_media_id": media_id}, headers=alice.headers
    )

    assert response.status_code == 200, response.text
    avatar_url = response.json()["avatar_url"]
    assert avatar_url
    assert (await client.get(f"/users/{alice.id}")).json()["avatar_url"] == avatar_url
    assert (await client.get("/users/me", headers=bob.headers)).json()["avatar_url"] is None
    async with httpx.AsyncClient(timeout=30) as raw:
        image = await raw.get(avatar_url)
    assert image.status_code == 200
    assert image.headers["content-type"].startswith("image/")
    cleared = await client.patch("/users/me", json={"avatar_media_id": None}, headers=alice.headers)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["avatar_url"] is None
    assert (await client.get(f"/users/{alice.id}")).json()["avatar_url"] is None


async def test_the_avatar_is_served_as_small_variants_not_the_original(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client, "alice")
    media_id = await upload_image(client, alice, image_bytes(size=(1200, 900)))

    response = await client.patch(
        "/users/me", json={"avatar_media_id": media_id}, headers=alice.headers
    )

    assert response.status_code == 200, response.text
    me = response.json()
    profile = (await client.get(f"/users/{alice.id}")).json()
    assert profile["avatar_urls"] == me["avatar_urls"]
    assert profile["avatar_urls"]["thumb"] == me["avatar_url"]
    async with httpx.AsyncClient(timeout=30) as raw:
        square = Image.open(io.BytesIO((await raw.get(me["avatar_url"])).content))
        wide = Image.open(io.BytesIO((await raw.get(me["avatar_urls"]["small"])).content))
    assert (square.format, square.size) == ("WEBP", (150, 150))
    assert (wide.format, wide.size) == ("WEBP", (320, 240))
    # Lists of people carry the small one only.
    bob = await register(client, "bob")
    await follow(client, bob, alice)
    following = (await client.get(f"/users/{bob.id}/following", headers=bob.headers)).json()
    assert [(u["avatar_url"], u["avatar_urls"]) for u in following["users"]] == [
        (me["avatar_url"], None)
    ]


# -- other people's profiles -----------------------------------------------------------


async def test_profiles_by_id_and_by_username_show_counts_but_no_email(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client, "alice")
    bob = await register(client, "bob")
    carol = await register(client, "carol")
    await follow(client, bob, alice)
    await follow(client, carol, alice)
    await follow(client, alice, carol)
    await create_post(client, alice, caption="one")
    await create_post(client, alice, caption="two")

    by_id = await client.get(f"/users/{alice.id}", headers=bob.headers)
    by_name = await client.get("/users/by-username/ALICE", headers=bob.headers)

    assert by_id.status_code == by_name.status_code == 200
    assert by_id.json() == by_name.json()
    profile = by_id.json()
    assert (profile["id"], profile["username"]) == (alice.id, "alice")
    assert (profile["follower_count"], profile["following_count"], profile["post_count"]) == (
        2,
        1,
        2,
    )
    me = (await client.get("/users/me", headers=alice.headers)).json()
    assert (me["follower_count"], me["following_count"], me["post_count"]) == (2, 1, 2)
    for response in (
        by_id,
        by_name,
        await client.get(f"/users/{alice.id}"),
        await client.get(f"/users/{alice.id}/followers", headers=carol.headers),
        await client.get(f"/users/{carol.id}/following"),
    ):
        assert response.status_code == 200, response.text
        for account in (alice, bob, carol):
            assert account.email not in response.text
        assert "password" not in response.text


async def test_relationship_describes_how_the_reader_relates(client: httpx.AsyncClient) -> None:
    alice = await register(client, "alice")
    bob = await register(client, "bob")
    carol = await register(client, "carol")

    async def relationship(reader: Account | None, user: Account) -> Any:
        headers = reader.headers if reader else {}
        response = await client.get(f"/users/{user.id}", headers=headers)
        assert response.status_code == 200, response.text
        by_name = await client.get(f"/users/by-username/{user.username}", headers=headers)
        assert by_name.json()["relationship"] == response.json()["relationship"]
        return response.json()["relationship"]

    nothing = {
        "following": False,
        "follow_requested": False,
        "followed_by": False,
        "blocking": False,
        "blocked_by": False,
        "notify": False,
        "muting": {"posts": False, "stories": False},
    }
    assert await relationship(bob, alice) == nothing
    await follow(client, bob, alice)
    assert await relationship(bob, alice) == {**nothing, "following": True}
    assert await relationship(alice, bob) == {**nothing, "followed_by": True}
    await follow(client, alice, bob)
    assert await relationship(bob, alice) == {**nothing, "following": True, "followed_by": True}
    assert await relationship(None, alice) is None
    assert await relationship(alice, alice) is None
    assert (await client.get("/users/me", headers=alice.headers)).json()["relationship"] is None

    await client.patch("/users/me", json={"is_private": True}, headers=carol.headers)
    assert await follow(client, alice, carol) == "requested"
    assert await relationship(alice, carol) == {**nothing, "follow_requested": True}
    assert await relationship(carol, alice) == nothing  # a request is not a follow
    await client.delete(f"/users/{bob.id}/follow", headers=alice.headers)
    assert await relationship(bob, alice) == {**nothing, "following": True}


async def test_unknown_users_are_404_and_malformed_ids_422(client: httpx.AsyncClient) -> None:
    await register(client, "alice")

    assert_error(await client.get("/users/123456789"), 404, "user_not_found")
    assert_error(await client.get("/users/by-username/nobody"), 404, "user_not_found")
    assert_error(await client.get("/users/by-username/not%20a%20name"), 404)
    for user_id in ["abc", "0", "-1", "1.5", "99999999999999999999", "1e3"]:
        response = await client.get(f"/users/{user_id}")
        assert response.status_code == 422, (user_id, response.text)
        assert_error(response, 422, "validation_error")
