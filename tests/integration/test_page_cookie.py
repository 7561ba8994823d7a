"""The web client's page cookie (http/pagecookie.py): signing in sets it, and with it the
home page carries the signed-in user's profile and first feed page (web/api.py); it ends
with its session, and it authenticates nothing else (docs/web.md, "Speed on Slow 3G")."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx
import pytest

from shutter.http.pagecookie import COOKIE
from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import Account, create_post, register
from tests.integration.test_moderation import act, make_moderator

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

BOOT_DATA = re.compile(r'<script type="application/json" id="boot-data">(.*?)</script>', re.DOTALL)


def page_cookie(response: httpx.Response) -> tuple[str, str]:
    """The page cookie a response sets: (its value, its attributes in lower case)."""
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name == COOKIE:
            value, _, attributes = rest.partition(";")
            return value.strip('"'), attributes.lower()
    raise AssertionError(f"no {COOKIE} cookie in {response.headers.get_list('set-cookie')}")


async def sign_in(client: httpx.AsyncClient, account: Account, **headers: str) -> httpx.Response:
    response = await client.post(
        "/auth/login",
        json={"login": account.username, "password": account.password},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response


def boot_data(page: httpx.Response) -> Any:
    found = BOOT_DATA.findall(page.text)
    return json.loads(found[0]) if found else None


async def home(server: RunningServer, cookie: str | None, **headers: str) -> httpx.Response:
    cookies = {COOKIE: cookie} if cookie is not None else {}
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30, cookies=cookies) as root:
        page = await root.get("/", headers=headers)
    assert page.status_code == 200
    return page


async def test_the_home_page_carries_the_first_feed_page_for_the_cookie_alone(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author = await register(client)
    caption = "Harbour </script><!-- <script>alert(1)</script> & done"
    post = await create_post(client, author, caption)
    value, attributes = page_cookie(await sign_in(client, author))
    ttl = server.settings.refresh_token_ttl_seconds
    for attribute in ("httponly", "samesite=lax", "path=/", f"max-age={ttl}"):
        assert attribute in attributes, attributes
    assert "secure" not in attributes  # plain http here; https below

    page = await home(server, value)
    assert page.headers["cache-control"] == "private, no-store"
    assert "Cookie" in page.headers["vary"]
    data = boot_data(page)
    assert data["me"]["username"] == author.username
    assert data["feed"]["mode"] == "chronological"
    feed = (await client.get("/feed", params={"limit": 10}, headers=author.headers)).json()
    assert [p["id"] for p in data["feed"]["page"]["posts"]] == [p["id"] for p in feed["posts"]]
    assert data["feed"]["page"]["posts"][0]["caption"] == caption
    assert data["feed"]["page"]["posts"][0]["id"] == post["id"]
    # Its photo is asked for ahead of the modules, as the post card will ask for it.
    preload = re.search(r'<link rel="preload" as="image" href="([^"]+)"', page.text)
    assert preload is not None
    assert page.text.index(preload[0]) < page.text.index('rel="modulepreload"')
    assert html.unescape(preload[1]) == post["media"][0]["urls"]["medium"]
    # The caption cannot end the script or open a comment: the page has its usual scripts.
    plain = await home(server, None)
    assert page.text.count("</script>") == plain.text.count("</script>") + 1
    assert "<!--" not in BOOT_DATA.findall(page.text)[0]

    # Without the cookie, with a forged one, a fetch() of the page (a service worker's
    # install), or any other page: the page everyone gets.
    assert plain.headers["cache-control"] == "no-cache"
    assert boot_data(plain) is None
    assert (await home(server, "forged")).content == plain.content
    assert (await home(server, value, **{"Sec-Fetch-Mode": "cors"})).content == plain.content
    passed_on = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "empty"}  # by the worker
    assert boot_data(await home(server, value, **passed_on)) is not None
    assert (await home(server, author.token)).content == plain.content  # an access token
    async with httpx.AsyncClient(base_url=server.base_url, cookies={COOKIE: value}) as root:
        assert boot_data(await root.get("/u/someone")) is None

    # The mode the client picked last (its cookie), as the client would ask for it.
    async with httpx.AsyncClient(
        base_url=server.base_url, cookies={COOKIE: value, "shutter_feed_mode": "ranked"}
    ) as root:
        assert boot_data(await root.get("/"))["feed"]["mode"] == "ranked"


async def test_the_cookie_authenticates_nothing_else(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    account = await register(client)
    value, _ = page_cookie(await sign_in(client, account))
    async with httpx.AsyncClient(
        base_url=f"{server.base_url}/api/v1", cookies={COOKIE: value}, timeout=30
    ) as browser:
        # No CSRF surface: a write with the cookie alone is refused.
        assert_error(await browser.post("/posts", json={"caption": "x"}), 401, "unauthenticated")
        assert_error(await browser.patch("/users/me", json={"bio": "x"}), 401, "unauthenticated")
        assert_error(await browser.get("/users/me"), 401, "unauthenticated")
        assert_error(await browser.get("/feed"), 401, "unauthenticated")
    # Nor is its value an access token.
    refused = await client.get("/users/me", headers={"Authorization": f"Bearer {value}"})
    assert_error(refused, 401)


async def test_the_cookie_ends_with_its_session(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    account = await register(client)
    login = await sign_in(client, account)
    value, _ = page_cookie(login)
    tokens = login.json()

    # A refresh sets it again (the session goes on); both name the same session.
    refreshed = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    renewed, _ = page_cookie(refreshed)
    assert boot_data(await home(server, renewed)) is not None

    # Signing out clears it, and the cookie a browser may still hold embeds nothing.
    bearer = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    out = await client.post("/auth/logout", headers=bearer)
    assert out.status_code == 204
    cleared, attributes = page_cookie(out)
    assert cleared == ""
    assert "max-age=0" in attributes, attributes
    assert boot_data(await home(server, renewed)) is None
    assert boot_data(await home(server, value)) is None

    # "Sign out everywhere" from another device.
    value, _ = page_cookie(await sign_in(client, account))
    assert boot_data(await home(server, value)) is not None
    assert (await client.delete("/sessions", headers=account.headers)).status_code == 200
    assert boot_data(await home(server, value)) is None

    # A password change: the old cookie stops, the answer sets one that works.
    value, _ = page_cookie(await sign_in(client, account))
    changed = await client.post(
        "/auth/password",
        json={"current_password": account.password, "new_password": "another horse 2"},
        headers=account.headers,
    )
    assert changed.status_code == 200, changed.text
    assert boot_data(await home(server, value)) is None
    assert boot_data(await home(server, page_cookie(changed)[0])) is not None
    account.password = "another horse 2"

    # A suspension.
    value, _ = page_cookie(await sign_in(client, account))
    moderator = await make_moderator(server, client)
    await act(client, moderator, "suspend", "user", account.id, reason="spam")
    assert boot_data(await home(server, value)) is None


async def test_secure_behind_a_tls_proxy(server: RunningServer, client: httpx.AsyncClient) -> None:
    account = await register(client)
    _, attributes = page_cookie(await sign_in(client, account, **{"X-Forwarded-Proto": "https"}))
    assert "secure" in attributes.split("; "), attributes


async def test_the_next_page_follows_the_page_s_own_without_repeats_or_gaps(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author = await register(client)
    posts = [await create_post(client, author, f"post {n}") for n in range(11)]
    value, _ = page_cookie(await sign_in(client, author))
    first = boot_data(await home(server, value))["feed"]["page"]
    rest = await client.get(
        "/feed", params={"cursor": first["next_cursor"], "limit": 10}, headers=author.headers
    )
    shown = [p["id"] for p in first["posts"]] + [p["id"] for p in rest.json()["posts"]]
    assert shown == [p["id"] for p in reversed(posts)]
