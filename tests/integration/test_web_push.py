"""Web Push: a browser's subscription receives each new notification, encrypted for it
(RFC 8291) and signed by the server (RFC 8292), from a local push service this test runs;
a subscription the push service reports gone (410) is forgotten."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import orjson
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.requests import Request
from starlette.responses import Response

from shutter.push import repository as push_repository
from shutter.push.webpush import VapidKeys, b64url, decrypt, load_public_point, public_point
from shutter.timeutil import utcnow
from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import Account, follow, like, register
from tests.integration.test_hybrid_feed import quick_post
from tests.integration.test_messages import send

VAPID = VapidKeys.generate()
# A push service on the internet, by address (names do not resolve where tests run).
PUBLIC_ENDPOINT = "https://1.1.1.1/push/x"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"vapid_private_key": VAPID.private_b64(), "push_allow_loopback": True}


@dataclass
class PushService:
    """A push service on a loopback port: records what it is sent, answers `status`."""

    status: int = 201
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    base_url: str = ""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        self.received.append((request.url.path, dict(request.headers), await request.body()))
        self.arrived.set()
        await Response(status_code=self.status)(scope, receive, send)


@pytest.fixture
async def push_service() -> AsyncIterator[PushService]:
    service = PushService()
    server = uvicorn.Server(uvicorn.Config(service, host="127.0.0.1", port=0, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), task
        await asyncio.sleep(0.01)
    service.base_url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    yield service
    server.should_exit = True
    await asyncio.wait_for(task, 10)


@dataclass
class Browser:
    """What a browser keeps of its subscription: the private key and the auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    endpoint: str

    def subscription(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {
                "p256dh": b64url(public_point(self.private_key.public_key())),
                "auth": b64url(self.auth),
            },
        }


async def subscribe(
    client: httpx.AsyncClient, account: Account, service: PushService, name: str
) -> Browser:
    key = await client.get("/push/key", headers=account.headers)
    assert key.json() == {"public_key": VAPID.public_b64}
    browser = Browser(
        ec.generate_private_key(ec.SECP256R1()), bytes(range(16)), f"{service.base_url}/{name}"
    )
    response = await client.post(
        "/push/subscription", json=browser.subscription(), headers=account.headers
    )
    assert response.status_code == 204, response.text
    return browser


def opened(browser: Browser, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """Check the VAPID header as a push service does, then decrypt as the browser does."""
    assert headers["content-encoding"] == "aes128gcm"
    assert int(headers["ttl"]) > 0
    scheme, _, params = headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert fields["k"] == VAPID.public_b64
    server_key = load_public_point(base64.urlsafe_b64decode(fields["k"] + "=="))
    claims = jwt.decode(
        fields["t"], server_key, algorithms=["ES256"], audience=browser.endpoint.rsplit("/", 1)[0]
    )
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    assert claims["sub"].startswith("mailto:")
    payload: dict[str, Any] = orjson.loads(decrypt(body, browser.private_key, browser.auth))
    return payload


async def test_a_like_reaches_the_subscribed_browser_encrypted_and_signed(
    server: RunningServer, client: httpx.AsyncClient, push_service: PushService
) -> None:
    author, fan, other = await register(client), await register(client), await register(client)
    browser = await subscribe(client, author, push_service, "author-phone")
    post_id = await quick_post(client, author)
    await like(client, fan, post_id)
    await server.settle()
    ((path, headers, body),) = push_service.received
    assert path == "/author-phone"
    message = opened(browser, headers, body)
    assert message["body"] == f"{fan.username} liked your post."
    # What the service worker words in the reader's language: the kind and who.
    assert (message["kind"], message["actors"], message["actor_count"]) == (
        "like",
        [fan.username],
        1,
    )
    assert message["url"] == f"/p/{post_id}"
    assert message["unread_count"] == 1
    assert b"liked" not in body  # encrypted on the wire

    await follow(client, other, author)
    await server.settle()
    follow_message = opened(browser, *push_service.received[-1][1:])
    assert follow_message["body"] == f"{other.username} started following you."
    assert follow_message["url"] == f"/u/{other.username}"

    # The fan, who did not subscribe, is sent nothing; an unsubscribed browser neither.
    gone = await client.request(
        "DELETE", "/push/subscription", json={"endpoint": browser.endpoint}, headers=author.headers
    )
    assert gone.status_code == 204
    await like(client, other, post_id)
    await server.settle()
    assert len(push_service.received) == 2


async def test_a_subscription_the_push_service_calls_gone_is_forgotten(
    server: RunningServer, client: httpx.AsyncClient, push_service: PushService
) -> None:
    author, ann, bob = await register(client), await register(client), await register(client)
    await subscribe(client, author, push_service, "expired")
    post_id = await quick_post(client, author)
    push_service.status = 410
    await like(client, ann, post_id)
    await server.settle()
    assert len(push_service.received) == 1
    push_service.status = 201
    await like(client, bob, post_id)
    await server.settle()
    assert len(push_service.received) == 1  # nothing sent to it again


async def test_subscriptions_are_validated(
    server: RunningServer, client: httpx.AsyncClient, push_service: PushService
) -> None:
    account = await register(client)
    good = Browser(ec.generate_private_key(ec.SECP256R1()), b"0123456789abcdef", "").subscription()
    cases = [
        ({**good, "endpoint": "http://push.example.com/x"}, "invalid_endpoint"),
        ({**good, "endpoint": "ftp://push.example.com/x"}, "invalid_endpoint"),
        ({**good, "endpoint": "https://user:pw@push.example.com/x"}, "invalid_endpoint"),
        (
            {
                **good,
                "endpoint": PUBLIC_ENDPOINT,
                "keys": {**good["keys"], "p256dh": "A" * 87},
            },
            "invalid_keys",
        ),
        (
            {
                **good,
                "endpoint": PUBLIC_ENDPOINT,
                "keys": {**good["keys"], "auth": "A" * 24},
            },
            "invalid_keys",
        ),
    ]
    for body, code in cases:
        response = await client.post("/push/subscription", json=body, headers=account.headers)
        assert_error(response, 422, code)
    # A NUL (PostgreSQL cannot store one) is refused by the text rule, on either call.
    nul = {**good, "endpoint": PUBLIC_ENDPOINT + "\x00"}
    for method in ("POST", "DELETE"):
        response = await client.request(
            method, "/push/subscription", json=nul, headers=account.headers
        )
        assert_error(response, 422, "validation_error")
    anonymous = await client.post("/push/subscription", json={**good, "endpoint": PUBLIC_ENDPOINT})
    assert anonymous.status_code == 401
    accepted = await client.post(
        "/push/subscription",
        json={**good, "endpoint": PUBLIC_ENDPOINT},
        headers=account.headers,
    )
    assert accepted.status_code == 204, accepted.text


async def test_private_and_internal_endpoints_are_refused(
    server: RunningServer, client: httpx.AsyncClient, push_service: PushService
) -> None:
    """Only loopback is allowed here (the test's own push service): the server will not
    be made to request hosts of its own network."""
    account = await register(client)
    good = Browser(ec.generate_private_key(ec.SECP256R1()), b"0123456789abcdef", "").subscription()
    for endpoint in (
        "https://10.1.2.3/push",
        "https://192.168.0.7/push",
        "https://172.16.5.5/push",
        "https://169.254.169.254/latest/meta-data",  # a cloud's metadata service
        "https://100.64.0.1/push",  # shared address space
        "https://0.0.0.0/push",
        "https://[fd00::1]/push",
        "https://[fe80::1]/push",
        "https://[::ffff:10.0.0.1]/push",
        "https://push.invalid/x",  # a name that does not resolve
    ):
        response = await client.post(
            "/push/subscription", json={**good, "endpoint": endpoint}, headers=account.headers
        )
        assert_error(response, 422, "invalid_endpoint")


async def test_per_kind_preferences_choose_what_is_pushed(
    server: RunningServer, client: httpx.AsyncClient, push_service: PushService
) -> None:
    author, fan, other = await register(client), await register(client), await register(client)
    defaults = await client.get("/push/preferences", headers=author.headers)
    assert defaults.json() == {"muted_kinds": [], "message_text": False}
    browser = await subscribe(client, author, push_service, "prefs")
    saved = await client.put(
        "/push/preferences",
        json={"muted_kinds": ["like", "like"], "message_text": False},
        headers=author.headers,
    )
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"muted_kinds": ["like"], "message_text": False}
    kept = await client.get("/push/preferences", headers=author.headers)
    assert kept.json() == {"muted_kinds": ["like"], "message_text": False}
    post_id = await quick_post(client, author)
    await like(client, fan, post_id)
    await follow(client, other, author)
    await server.settle()
    # Only the follow arrives: likes are off (the like is still in the list).
    assert [opened(browser, h, b)["kind"] for _, h, b in push_service.received] == ["follow"]
    listed = await client.get("/notifications", headers=author.headers)
    assert {item["type"] for item in listed.json()["notifications"]} >= {"like", "follow"}

    for bad in ({"muted_kinds": ["nonsense"]}, {"muted_kinds": "like"}, {"surprise": True}):
        response = await client.put("/push/preferences", json=bad, headers=author.headers)
        assert_error(response, 422, "validation_error")
    assert (await client.get("/push/preferences")).status_code == 401


async def test_a_direct_message_is_pushed_with_its_words_only_when_opted_in(
    server: RunningServer, client: httpx.AsyncClient, push_service: PushService
) -> None:
    reader, friend, stranger = (
        await register(client),
        await register(client),
        await register(client),
    )
    await follow(client, reader, friend)  # the friend's messages land in the inbox
    browser = await subscribe(client, reader, push_service, "reader-phone")
    first = await send(client, friend, reader, "dinner at eight?")
    await server.settle()
    ((_path, headers, body),) = push_service.received
    message = opened(browser, headers, body)
    assert message["body"] == f"New message from {friend.username}"
    assert message["sender"] == friend.username
    assert "text" not in message
    assert message["url"] == f"/direct/{first['conversation_id']}"
    assert b"dinner" not in body
    assert "dinner" not in orjson.dumps(message).decode()

    opt_in = await client.put(
        "/push/preferences", json={"message_text": True}, headers=reader.headers
    )
    assert opt_in.status_code == 200, opt_in.text
    await send(client, friend, reader, "bring the photos")
    await server.settle()
    with_words = opened(browser, *push_service.received[-1][1:])
    assert with_words["body"] == f"{friend.username}: bring the photos"
    assert (with_words["sender"], with_words["text"]) == (friend.username, "bring the photos")

    # A message request (someone the reader does not follow) buzzes nothing.
    await send(client, stranger, reader, "hi there")
    await server.settle()
    assert len(push_service.received) == 2

    # Messages can be switched off like any kind.
    await client.put(
        "/push/preferences",
        json={"muted_kinds": ["message"], "message_text": True},
        headers=reader.headers,
    )
    await send(client, friend, reader, "still there?")
    await server.settle()
    assert len(push_service.received) == 2


async def test_a_subscription_ends_with_its_session(
    server: RunningServer, client: httpx.AsyncClient, push_service: PushService
) -> None:
    author, fan = await register(client), await register(client)
    post_id = await quick_post(client, author)
    phone = await client.post(
        "/auth/login", json={"login": author.username, "password": "correct horse 1"}
    )
    assert phone.status_code == 200, phone.text
    phone_account = dataclasses.replace(author, token=phone.json()["access_token"])
    phone_headers = phone_account.headers
    await subscribe(client, phone_account, push_service, "phone")
    await subscribe(client, author, push_service, "laptop")
    out = await client.post("/auth/logout", headers=phone_headers)
    assert out.status_code == 204, out.text
    await like(client, fan, post_id)
    await server.settle()
    # The laptop, still signed in, gets the like; the phone, signed out, nothing.
    assert [path for path, _, _ in push_service.received] == ["/laptop"]
    # Ending the session removed the phone's subscription, not just skipped it.
    async with server.context.db.read() as conn:
        rows = await push_repository.for_user(conn, int(author.id), utcnow())
    assert [row["endpoint"].rsplit("/", 1)[1] for row in rows] == ["laptop"]
