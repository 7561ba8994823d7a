"""Accounts by mail, end to end over HTTP on both profiles, with a real SMTP server:
register → verify, forgot → reset → old sessions dead, change email → both addresses
told; no account enumeration; bad tokens; an SMTP outage delays mail but loses none;
without SMTP, mail lands in the data dir; the operator's reset link."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select, update

from shutter.accounts import tasks as account_tasks
from shutter.db.tables import account_tokens, outbox
from shutter.events.types import PasswordResetRequested, VerificationRequested
from shutter.settings import Settings
from tests.assertions import assert_error, eventually
from tests.conftest import RunningServer
from tests.factories import register
from tests.integration.test_metrics import sample, scrape
from tests.mailbox import USER, Mailbox, Received, free_port, parse

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

PUBLIC_URL = "https://photos.example"
INSTANCE = "Pixel Town"


@pytest.fixture
def mailbox(request: pytest.FixtureRequest) -> Iterator[Mailbox]:
    marker = request.node.get_closest_marker("mail")
    box = Mailbox(free_port())
    down = bool(marker and marker.kwargs.get("down"))
    if not down:
        box.start()
    yield box
    if not down or box.started:
        box.stop()


@pytest.fixture
def settings_overrides(mailbox: Mailbox, request: pytest.FixtureRequest) -> dict[str, Any]:
    values: dict[str, Any] = {
        "smtp_url": mailbox.url,
        "mail_from": "Pixel Town <no-reply@photos.example>",
        "instance_name": INSTANCE,
        "public_url": PUBLIC_URL,
    }
    marker = request.node.get_closest_marker("mail")
    if marker:
        values.update({key: value for key, value in marker.kwargs.items() if key != "down"})
    return values


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def mail_to(
    server: RunningServer, mailbox: Mailbox, address: str, count: int
) -> list[Received]:
    """The mails `address` got, once every event so far is handled (exactly `count`)."""
    await server.settle()
    got = mailbox.to(address)
    assert len(got) == count, [mail.subject for mail in got]
    return got


async def login(client: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    return await client.post("/auth/login", json={"login": name, "password": password})


# -- verification -----------------------------------------------------------------------


async def test_registering_mails_a_link_that_verifies_the_address(
    client: httpx.AsyncClient, server: RunningServer, mailbox: Mailbox
) -> None:
    account = await register(client, "vera")
    me = (await client.get("/users/me", headers=account.headers)).json()
    assert me["email_verified"] is False

    (mail,) = await mail_to(server, mailbox, account.email, 1)
    assert mail.subject == f"[{INSTANCE}] Confirm your email address"
    assert mail.login == USER  # the credentials of SHUTTER_SMTP_URL were used
    assert mail.sender == "no-reply@photos.example"
    assert mail.message["To"] == account.email
    link = f"{PUBLIC_URL}/verify-email#token={mail.token()}"
    assert link in mail.text
    assert link in mail.html
    assert "vera" in mail.text

    verified = await client.post("/auth/verify-email", json={"token": mail.token()})
    assert verified.status_code == 200, verified.text
    assert verified.json() == {"email": account.email, "email_verified": True}
    me = (await client.get("/users/me", headers=account.headers)).json()
    assert me["email_verified"] is True

    again = await client.post("/auth/verify-email", json={"token": mail.token()})
    assert_error(again, 400, "invalid_token")
    tampered = mail.token()[:-2] + ("AA" if not mail.token().endswith("AA") else "BB")
    assert_error(await client.post("/auth/verify-email", json={"token": tampered}), 400)
    assert_error(await client.post("/auth/verify-email", json={"token": "x"}), 422)
    resend = await client.post("/auth/resend-verification", headers=account.headers)
    assert_error(resend, 409, "already_verified")


async def test_resending_verification_mails_a_new_link(
    client: httpx.AsyncClient, server: RunningServer, mailbox: Mailbox
) -> None:
    account = await register(client, "resend")
    resend = await client.post("/auth/resend-verification", headers=account.headers)
    assert resend.status_code == 202, resend.text
    assert_error(await client.post("/auth/resend-verification"), 401)
    first, second = await mail_to(server, mailbox, account.email, 2)
    assert first.token() != second.token()
    response = await client.post("/auth/verify-email", json={"token": second.token()})
    assert response.status_code == 200, response.text


@pytest.mark.mail(require_verified_email=True)
async def test_an_unverified_account_reads_but_cannot_post_comment_or_message(
    client: httpx.AsyncClient, server: RunningServer, mailbox: Mailbox
) -> None:
    reader = await register(client, "unverified")
    other = await register(client, "someone")
    assert (await client.get("/feed", headers=reader.headers)).status_code == 200
    post = await client.post("/posts", json={"media_ids": ["1"]}, headers=reader.headers)
    assert_error(post, 403, "email_not_verified")
    comment = await client.post("/posts/1/comments", json={"text": "hi"}, headers=reader.headers)
    assert_error(comment, 403, "email_not_verified")
    message = await client.post(
        "/messages",
        json={"recipient_id": other.id, "content": "hi", "client_message_id": "m1"},
        headers=reader.headers,
    )
    assert_error(message, 403, "email_not_verified")

    (mail,) = await mail_to(server, mailbox, reader.email, 1)
    assert (
        await client.post("/auth/verify-email", json={"token": mail.token()})
    ).status_code == 200
    message = await client.post(
        "/messages",
        json={"recipient_id": other.id, "content": "hi", "client_message_id": "m1"},
        headers=reader.headers,
    )
    assert message.status_code == 201, message.text


# -- password reset ---------------------------------------------------------------------


async def test_forgot_password_resets_it_and_ends_every_session(
    client: httpx.AsyncClient, server: RunningServer, mailbox: Mailbox
) -> None:
    account = await register(client, "forgetful", password="old password 1")
    phone = (await login(client, "forgetful", "old password 1")).json()["access_token"]

    asked = await client.post("/auth/password-reset", json={"email": "Forgetful@Example.com"})
    assert asked.status_code == 202, asked.text
    asked_again = await client.post("/auth/password-reset", json={"email": account.email})
    mails = await mail_to(server, mailbox, account.email, 3)  # verification, two resets
    resets = [mail for mail in mails if "Reset your password" in mail.subject]
    assert len(resets) == 2
    assert asked_again.status_code == 202
    mail = resets[0]
    assert mail.subject == f"[{INSTANCE}] Reset your password"
    assert f"{PUBLIC_URL}/reset-password#token={mail.token()}" in mail.html
    token = mail.token()

    short = {"token": token, "new_password": "short"}
    assert_error(await client.post("/auth/password-reset/confirm", json=short), 422)
    done = await client.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": "new password 2"}
    )
    assert done.status_code == 204, done.text

    for old in (account.token, phone):
        assert_error(await client.get("/users/me", headers=bearer(old)), 401, "unauthenticated")
    assert_error(await login(client, "forgetful", "old password 1"), 401)
    fresh = await login(client, "forgetful", "new password 2")
    assert fresh.status_code == 200, fresh.text
    me = await client.get("/users/me", headers=bearer(fresh.json()["access_token"]))
    assert me.json()["email_verified"] is True  # the reset link proved the address

    reused = {"token": token, "new_password": "third password"}
    assert_error(
        await client.post("/auth/password-reset/confirm", json=reused), 400, "invalid_token"
    )
    other_link = {"token": resets[1].token(), "new_password": "third password"}
    error = await client.post("/auth/password-reset/confirm", json=other_link)
    assert_error(error, 400, "invalid_token")  # a reset spends every link of the account
    assert (await login(client, "forgetful", "new password 2")).status_code == 200

    told = await mail_to(server, mailbox, account.email, 4)
    assert told[-1].subject == f"[{INSTANCE}] Your password was changed"
    assert "#token=" not in told[-1].text


async def test_reset_tokens_expire_and_cannot_be_forged(
    client: httpx.AsyncClient, server: RunningServer, mailbox: Mailbox
) -> None:
    account = await register(client, "expiry", password="old password 1")
    await client.post("/auth/password-reset", json={"email": account.email})
    mails = await mail_to(server, mailbox, account.email, 2)
    token = next(mail for mail in mails if "Reset" in mail.subject).token()
    async with server.context.db.write() as uow:
        expired = update(account_tokens).values(expires_at=account_tokens.c.created_at)
        await uow.conn.execute(expired)

    for body in (
        {"token": token, "new_password": "new password 2"},
        {"token": "A" * 43, "new_password": "new password 2"},
    ):
        response = await client.post("/auth/password-reset/confirm", json=body)
        assert response.status_code == 400, response.text
        assert_error(response, 400)
    expired = await client.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": "new password 2"}
    )
    assert_error(expired, 400, "token_expired")
    assert_error(await client.post("/auth/password-reset/confirm", json={"token": token}), 422)
    assert (await login(client, "expiry", "old password 1")).status_code == 200
    assert (await client.get("/users/me", headers=account.headers)).status_code == 200


async def test_a_reset_for_an_unknown_address_answers_the_same_in_about_the_same_time(
    client: httpx.AsyncClient, server: RunningServer, mailbox: Mailbox
) -> None:
    account = await register(client, "known")
    missing = "nobody@example.com"

    async def ask(address: str) -> tuple[httpx.Response, float]:
        started = time.perf_counter()
        response = await client.post("/auth/password-reset", json={"email": address})
        return response, time.perf_counter() - started

    timings: dict[str, list[float]] = {account.email: [], missing: []}
    answers: dict[str, set[tuple[int, bytes]]] = {account.email: set(), missing: set()}
    for _ in range(7):  # interleaved, so that drift of the machine hits both alike
        for address in (account.email, missing):
            response, took = await ask(address)
            timings[address].append(took)
            answers[address].add((response.status_code, response.content))
    assert answers[account.email] == answers[missing]
    assert len(answers[missing]) == 1
    ((status, _),) = answers[missing]
    assert status == 202
    known, unknown = (statistics.median(timings[a]) for a in (account.email, missing))
    assert max(known, unknown) < 3 * min(known, unknown), (known, unknown)

    await server.settle()
    assert mailbox.to(missing) == []
    assert len(mailbox.to(account.email)) == 8  # verification + 7 reset links


# -- email change -----------------------------------------------------------------------


async def test_changing_the_email_tells_both_addresses(
    client: httpx.AsyncClient, server: RunningServer, mailbox: Mailbox
) -> None:
    account = await register(client, "mover")
    taken = await register(client, "squatter")
    (first_link,) = await mail_to(server, mailbox, account.email, 1)
    new_email = "mover@elsewhere.example"

    wrong = {"password": "not the password", "new_email": new_email}
    assert_error(await client.post("/auth/email", json=wrong, headers=account.headers), 403)
    clash = {"password": account.password, "new_email": taken.email}
    clash_response = await client.post("/auth/email", json=clash, headers=account.headers)
    assert_error(clash_response, 409, "email_taken")
    bad = {"password": account.password, "new_email": "not an address"}
    assert_error(await client.post("/auth/email", json=bad, headers=account.headers), 422)

    body = {"password": account.password, "new_email": "Mover@Elsewhere.example"}
    changed = await client.post("/auth/email", json=body, headers=account.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"email": new_email, "email_verified": False}
    me = (await client.get("/users/me", headers=account.headers)).json()
    assert (me["email"], me["email_verified"]) == (new_email, False)

    _, notice = await mail_to(server, mailbox, account.email, 2)
    assert notice.subject == f"[{INSTANCE}] Your email address was changed"
    assert new_email in notice.text
    assert "#token=" not in notice.text
    (check,) = await mail_to(server, mailbox, new_email, 1)
    assert "Confirm your email address" in check.subject

    stale = await client.post("/auth/verify-email", json={"token": first_link.token()})
    assert_error(stale, 400, "invalid_token")
    verified = await client.post("/auth/verify-email", json={"token": check.token()})
    assert verified.json() == {"email": new_email, "email_verified": True}
    assert (await login(client, new_email, account.password)).status_code == 200


# -- faults and the mail-less instance --------------------------------------------------


@pytest.mark.mail(down=True, event_max_attempts=100, event_retry_base_seconds=0.05)
async def test_a_mail_server_outage_delays_mail_but_loses_none(
    client: httpx.AsyncClient, server: RunningServer, mailbox: Mailbox
) -> None:
    account = await register(client, "patient")  # succeeds with the mail server down
    asked = await client.post("/auth/password-reset", json={"email": account.email})
    assert asked.status_code == 202

    async with httpx.AsyncClient(base_url=server.base_url) as root:

        async def failures_counted() -> bool:
            text = (await root.get("/metrics")).text
            return 'result="failed"' in text

        await eventually(failures_counted)
    assert mailbox.received == []

    mailbox.start()
    await eventually(lambda: _has(mailbox, account.email, 2), timeout_s=60)
    subjects = sorted(mail.subject for mail in mailbox.to(account.email))
    assert subjects == [
        f"[{INSTANCE}] Confirm your email address",
        f"[{INSTANCE}] Reset your password",
    ]


@pytest.mark.mail(down=True, event_max_attempts=2, event_retry_base_seconds=0.05)
async def test_mail_that_keeps_failing_is_dead_lettered_logged_and_counted(
    profile: str,
    client: httpx.AsyncClient,
    server: RunningServer,
    mailbox: Mailbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logged: list[tuple[str, dict[str, Any]]] = []

    class Recorder:
        def warning(self, event: str, **fields: Any) -> None:
            logged.append((event, fields))

        info = warning

    monkeypatch.setattr(account_tasks, "log", Recorder())
    account = await register(client, "unlucky")  # succeeds with the mail server down
    asked = await client.post("/auth/password-reset", json={"email": account.email})
    assert asked.status_code == 202
    await server.settle()
    assert mailbox.received == []
    topics = {VerificationRequested.topic, PasswordResetRequested.topic}
    failures = [fields["topic"] for event, fields in logged if event == "mail_failed"]
    assert sorted(failures) == sorted([*topics, *topics])  # each tried event_max_attempts times
    async with httpx.AsyncClient(base_url=server.base_url) as root:
        samples = await scrape(root)
    for topic in topics:
        assert sample(samples, "shutter_mail_total", topic=topic, result="failed") == 2
    assert sample(samples, "shutter_events_dead_letters") == 2
    # In the dead-letter place, for an operator to replay once the mail server is back.
    if profile == "embedded":
        async with server.context.db.read() as conn:
            dead = (await conn.execute(select(outbox).where(outbox.c.topic.in_(topics)))).all()
        assert sorted(row.topic for row in dead) == sorted(topics)
        assert all(row.dead_at is not None and row.published_at is None for row in dead)
    else:
        js = server.context.nats.jetstream()
        namespace = server.settings.namespace
        subscription = await js.subscribe(f"{namespace}.dlq.>", ordered_consumer=True)
        lettered = []
        for _ in topics:
            message = await subscription.next_msg(timeout=30)  # a bound, not a speed claim
            lettered.append(orjson.loads(message.data)["event"]["topic"])
        await subscription.unsubscribe()
        assert sorted(lettered) == sorted(topics)


@pytest.mark.mail(rate_limits="on", rate_limit_password_reset="3/hour")
async def test_password_reset_is_rate_limited_per_address_and_per_email(
    client: httpx.AsyncClient, server: RunningServer, mailbox: Mailbox
) -> None:
    account = await register(client, "limited")

    async def ask(email: str) -> httpx.Response:
        return await client.post("/auth/password-reset", json={"email": email})

    for _ in range(3):
        assert (await ask(account.email)).status_code == 202
    # This client address has used its three: any address asked for is refused.
    assert_error(await ask("someone.else@example.com"), 429, "rate_limited")
    # From another client address (the tests have one: its count is handed back), the
    # address asked for three times is still refused, whether or not it has an account,
    # with the same answer; another one is not.
    limiter = server.context.rate_limiter
    for _ in range(3):
        await limiter.refund("password_reset", "127.0.0.1")

    async def from_elsewhere(email: str) -> httpx.Response:
        response = await ask(email)
        await limiter.refund("password_reset", "127.0.0.1")
        return response

    refused = await from_elsewhere(account.email)
    assert_error(refused, 429, "rate_limited")
    for _ in range(3):
        assert (await from_elsewhere("nobody@example.com")).status_code == 202
    missing = await from_elsewhere("nobody@example.com")
    assert_error(missing, 429, "rate_limited")
    assert missing.json() == refused.json()
    assert (await from_elsewhere("third@example.com")).status_code == 202
    resets = [
        mail for mail in await mail_to(server, mailbox, account.email, 4) if "Reset" in mail.subject
    ]
    assert len(resets) == 3


@pytest.mark.mail(require_verified_email=True)
async def test_an_expired_or_forged_verification_link_changes_nothing(
    client: httpx.AsyncClient, server: RunningServer, mailbox: Mailbox
) -> None:
    account = await register(client, "late")
    (mail,) = await mail_to(server, mailbox, account.email, 1)
    async with server.context.db.write() as uow:
        expired = update(account_tokens).values(expires_at=account_tokens.c.created_at)
        await uow.conn.execute(expired)
    late = await client.post("/auth/verify-email", json={"token": mail.token()})
    assert_error(late, 400, "token_expired")
    forged = await client.post("/auth/verify-email", json={"token": "A" * 43})
    assert_error(forged, 400, "invalid_token")
    me = (await client.get("/users/me", headers=account.headers)).json()
    assert me["email_verified"] is False
    posting = await client.post(
        "/posts", json={"media_ids": [], "caption": "x"}, headers=account.headers
    )
    assert_error(posting, 403, "email_not_verified")


async def _has(mailbox: Mailbox, address: str, count: int) -> bool:
    return len(mailbox.to(address)) >= count


@pytest.mark.mail(smtp_url=None)
async def test_without_smtp_mail_is_written_to_the_data_dir(
    client: httpx.AsyncClient, server: RunningServer, settings: Settings
) -> None:
    account = await register(client, "offline", password="old password 1")
    await client.post("/auth/password-reset", json={"email": account.email})
    await server.settle()
    files = sorted((settings.data_dir / "mail").glob("*.eml"))
    assert len(files) == 2
    assert all(oct(path.stat().st_mode & 0o777) == "0o600" for path in files)
    messages = [parse(path.read_bytes()) for path in files]
    reset = next(message for message in messages if "Reset" in str(message["Subject"]))
    assert reset["To"] == account.email
    text = Received("", [account.email], reset, None)
    done = await client.post(
        "/auth/password-reset/confirm",
        json={"token": text.token(), "new_password": "new password 2"},
    )
    assert done.status_code == 204, done.text
    assert (await login(client, "offline", "new password 2")).status_code == 200


async def test_the_operator_command_prints_a_one_time_reset_link(
    client: httpx.AsyncClient, server: RunningServer, settings: Settings
) -> None:
    account = await register(client, "locked.out", password="old password 1")
    env = {**os.environ, **_environment(settings)}

    def run(username: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "shutter.cli", "admin", "reset-password", username],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    printed = await asyncio.to_thread(run, "Locked.Out")
    assert printed.returncode == 0, printed.stderr
    link = printed.stdout.strip()
    assert link.startswith(f"{PUBLIC_URL}/reset-password#token=")
    token = link.rpartition("=")[2]
    done = await client.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": "new password 2"}
    )
    assert done.status_code == 204, done.text
    assert (await login(client, account.username, "new password 2")).status_code == 200

    unknown = await asyncio.to_thread(run, "nobody.here")
    assert unknown.returncode == 1
    assert "no user named" in unknown.stderr


def _environment(settings: Settings) -> dict[str, str]:
    """The SHUTTER_* variables that point a command at the same deployment."""
    names = (
        "data_dir",
        "database_url",
        "redis_url",
        "nats_url",
        "s3_bucket",
        "s3_endpoint_url",
        "namespace",
        "secret_key",
        "public_url",
    )
    values = {name: getattr(settings, name) for name in names}
    return {f"SHUTTER_{name.upper()}": str(value) for name, value in values.items() if value}
