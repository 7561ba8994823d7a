"""Mastodon.py, a client nobody here wrote, against a real Shutter server over HTTP on
both profiles: app registration, the authorization-code flow with PKCE (consent by HTTP),
photo uploads with alt text, posts, a follow, the home timeline page by page with the
library's own pagination helpers (the same posts in the same order as Shutter's own
/feed), a favourite, a reply, notifications and the user stream, against a `shutter
serve` process; mutes against the test suite's server.

Mastodon.py is synchronous (requests); the in-process server runs in the test's event
loop, so there every library call runs in a thread."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import queue
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from mastodon import Mastodon, MastodonIllegalArgumentError, StreamListener

from tests.conftest import RunningServer
from tests.e2e.test_serve import ServeProcess
from tests.factories import Account, distinct_image, register
from tests.interop.conftest import WAIT_S, Person, consent, eventually, new_person

REDIRECT = "https://interop.example/callback"
SCOPES = ["read", "write", "follow"]


async def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    return await asyncio.to_thread(partial(fn, *args, **kwargs))


async def sign_in(root: httpx.AsyncClient, base_url: str, user: Account) -> Mastodon:
    client_id, client_secret = await call(
        Mastodon.create_app,
        "Interop",
        scopes=SCOPES,
        redirect_uris=REDIRECT,
        api_base_url=base_url,
    )
    api = await call(
        Mastodon,
        client_id=client_id,
        client_secret=client_secret,
        api_base_url=base_url,
        version_check_mode="none",
    )
    url = await call(
        api.auth_request_url, redirect_uris=REDIRECT, scopes=SCOPES, state="s1", allow_http=True
    )
    consent = await root.get(url)
    assert consent.status_code == 200
    assert "Interop" in consent.text
    asked = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
    decision = await root.post(
        "/oauth/authorize", json={**asked, "approve": True}, headers=user.headers
    )
    assert decision.status_code == 200, decision.text
    back = parse_qs(urlsplit(decision.json()["redirect_to"]).query)
    assert back["state"] == ["s1"]
    await call(
        api.log_in, code=back["code"][0], redirect_uri=REDIRECT, scopes=SCOPES, allow_http=True
    )
    return api


async def test_mastodon_py_mutes_lists_pages_and_unmutes(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    base_url = server.base_url
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as root:
        reader = await register(client)
        loud = [await register(client) for _ in range(3)]
        api = await sign_in(root, base_url, reader)
        for account in loud:
            relationship = await call(api.account_mute, account.id, notifications=False)
            assert relationship["muting"] is True

        # Page by page with the library's helpers, newest mute first.
        page = await call(api.mutes, limit=2)
        seen = []
        while page:
            assert len(page) <= 2
            seen.extend(int(account["id"]) for account in page)
            page = await call(api.fetch_next, page)
        assert seen == [int(account.id) for account in reversed(loud)]
        (relationship,) = await call(api.account_relationships, loud[0].id)
        assert relationship["muting"] is True

        unmuted = await call(api.account_unmute, loud[0].id)
        assert unmuted["muting"] is False
        left = await call(api.mutes)
        assert [int(account["id"]) for account in left] == [int(loud[2].id), int(loud[1].id)]
        # Shutter's own list agrees.
        native = (await client.get("/users/me/muted", headers=reader.headers)).json()
        assert [item["user"]["id"] for item in native["muted"]] == [loud[2].id, loud[1].id]


class Heard(StreamListener):
    """What a Mastodon.py stream hears, in order; `open` once the server's first comment
    (sent when the stream is subscribed) arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.open = threading.Event()
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()

    def handle_heartbeat(self) -> None:
        self.open.set()

    def on_update(self, status: Any) -> None:
        self.events.put(("update", status))

    def on_notification(self, notification: Any) -> None:
        self.events.put(("notification", notification))

    def on_delete(self, status_id: Any) -> None:
        self.events.put(("delete", status_id))

    def next(self) -> tuple[str, Any]:
        return self.events.get(timeout=WAIT_S)


def signed_in(api: httpx.Client, base_url: str, person: Person) -> Mastodon:
    """Mastodon.py's authorization-code flow with PKCE (S256), the consent given by HTTP.

    Mastodon.py 2.1 builds the authorization URL and registers the app but sends no PKCE
    parameters, so the test adds the challenge to the library's URL and exchanges the
    code with its verifier, as an app using the library for the rest does; the token is
    then the library's own."""
    client_id, client_secret = Mastodon.create_app(
        "Interop", scopes=SCOPES, redirect_uris=REDIRECT, api_base_url=base_url
    )
    mastodon = Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        api_base_url=base_url,
        version_check_mode="none",
    )
    url = mastodon.auth_request_url(
        redirect_uris=REDIRECT, scopes=SCOPES, state="s2", allow_http=True
    )
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    back = consent(api, person, f"{url}&code_challenge={challenge}&code_challenge_method=S256")
    assert back["state"] == "s2"
    exchange = {
        "grant_type": "authorization_code",
        "code": back["code"],
        "redirect_uri": REDIRECT,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    # The library's own exchange carries no verifier: refused, nothing issued.
    with pytest.raises(MastodonIllegalArgumentError, match="invalid_grant"):
        mastodon.log_in(code=back["code"], redirect_uri=REDIRECT, scopes=SCOPES, allow_http=True)
    token = api.post("/oauth/token", data={**exchange, "code_verifier": verifier})
    assert token.status_code == 200, token.text
    assert set(token.json()["scope"].split()) == set(SCOPES)
    mastodon.access_token = token.json()["access_token"]
    return mastodon


@contextmanager
def user_stream(mastodon: Mastodon) -> Iterator[Heard]:
    heard = Heard()
    handle = mastodon.stream_user(heard, run_async=True)
    try:
        assert heard.open.wait(WAIT_S), "the stream did not open"
        yield heard
    finally:
        handle.close()


def test_mastodon_py_scenario_against_shutter_serve(served: ServeProcess) -> None:
    """The issue's scenario, start to end, against `shutter serve`: photos with alt text
    posted, a follow, the home timeline paged with `fetch_next` (the same posts in the
    same order as Shutter's own feed), a favourite and a reply seen by Shutter's own
    API, notifications read, and the stream hearing an update, the notifications and a
    deletion."""
    base_url = served.base_url
    with httpx.Client(base_url=base_url, timeout=30) as api:
        alice, bob = new_person(api), new_person(api)
        alice_api, bob_api = signed_in(api, base_url, alice), signed_in(api, base_url, bob)
        me = alice_api.account_verify_credentials()
        assert (me["username"], int(me["id"])) == (alice.username, int(alice.id))
        assert len(me["id"]) == 19  # zero-padded: ids compare as strings as they do as numbers
        assert alice_api.instance()["title"] == "Shutter"

        posted = []
        for number in range(5):
            media = alice_api.media_post(
                distinct_image(number), mime_type="image/png", description=f"Image {number}"
            )
            assert media["type"] == "image"
            assert media["description"] == f"Image {number}"
            assert media["blurhash"]
            assert media["meta"]["original"]["width"] > 0
            if number == 0:  # described again after the upload, as apps let one edit
                media = alice_api.media_update(media, description="A red square")
                assert media["description"] == "A red square"
            status = alice_api.status_post(f"Photo {number}", media_ids=[media])
            assert status["media_attachments"][0]["id"] == media["id"]
            posted.append(status["id"])
        first = api.get(f"/api/v1/posts/{int(posted[0])}", headers=alice.headers).json()["post"]
        assert first["media"][0]["alt"] == "A red square"  # Shutter's own API shows it

        assert bob_api.account_follow(me["id"])["following"] is True
        eventually(
            lambda: True if len(bob_api.timeline_home(limit=40)) == len(posted) else None,
            "the followed account's posts reached the home timeline",
        )
        page = bob_api.timeline_home(limit=2)
        seen = []
        while page:
            assert len(page) <= 2
            seen.extend(status["id"] for status in page)
            page = bob_api.fetch_next(page)
        assert seen == sorted(posted, reverse=True)  # ids order correctly as strings
        native = api.get("/api/v1/feed", params={"limit": 50}, headers=bob.headers).json()
        assert [int(post["id"]) for post in native["posts"]] == [int(sid) for sid in seen]

        with user_stream(bob_api) as bob_heard, user_stream(alice_api) as alice_heard:
            media = alice_api.media_post(distinct_image(9), mime_type="image/png")
            status = alice_api.status_post("Streamed by Mastodon.py", media_ids=[media])
            kind, update = bob_heard.next()
            assert kind == "update"
            assert update["id"] == status["id"]
            assert update["account"]["username"] == alice.username
            assert update["media_attachments"][0]["id"] == media["id"]

            liked = bob_api.status_favourite(status["id"])
            assert (liked["favourited"], liked["favourites_count"]) == (True, 1)
            reply = bob_api.status_reply(liked, "Lovely light")
            assert reply["in_reply_to_id"] == status["id"]
            heard: dict[str, list[Any]] = {}
            while len(heard.get("notification", [])) < 2:  # her own update may come first
                kind, event = alice_heard.next()
                heard.setdefault(kind, []).append(event)
            assert {(n["type"], n["account"]["username"]) for n in heard["notification"]} == {
                ("favourite", bob.username),
                ("mention", bob.username),
            }

            again = alice_api.status(status["id"])
            assert (again["favourites_count"], again["replies_count"]) == (1, 1)
            assert again["favourited"] is False  # alice did not favourite it
            own = api.get(f"/api/v1/posts/{int(status['id'])}", headers=alice.headers).json()[
                "post"
            ]
            assert (own["like_count"], own["comment_count"]) == (1, 1)

            notes = alice_api.notifications()
            assert [n["type"] for n in notes] == ["mention", "favourite", "follow"]  # newest first
            assert notes[1]["status"]["id"] == status["id"]
            assert notes[0]["status"]["id"] == reply["id"]
            assert notes[0]["id"] > notes[1]["id"] > notes[2]["id"]  # as strings, as apps compare
            assert [n["id"] for n in alice_api.notifications(types=["favourite"])] == [
                notes[1]["id"]
            ]

            alice_api.status_delete(status["id"])
            kind, deleted = bob_heard.next()
            assert (kind, str(deleted)) == ("delete", status["id"])
