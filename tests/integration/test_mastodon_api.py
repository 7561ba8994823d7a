"""The Mastodon-compatible API over HTTP on both profiles: scope enforcement on every
route (table-driven), the Mastodon error shape, and pagination (max_id, since_id,
min_id, Link headers) against the same feed Shutter's own API serves."""

from __future__ import annotations

import re

import httpx

from shutter.mastodon.entities import mid
from tests.conftest import RunningServer
from tests.factories import block, create_post, follow, register
from tests.integration.test_oauth import user_token

ZERO = mid(1)
# (method, path, the narrowest scope that allows it)
ROUTES = [
    ("GET", "/api/v1/accounts/verify_credentials", "read:accounts"),
    ("GET", f"/api/v1/accounts/{ZERO}", "read:accounts"),
    ("GET", "/api/v1/accounts/lookup?acct=nobody", "read:accounts"),
    ("GET", f"/api/v1/accounts/relationships?id[]={ZERO}", "read:follows"),
    ("POST", f"/api/v1/accounts/{ZERO}/follow", "write:follows"),
    ("POST", f"/api/v1/accounts/{ZERO}/unfollow", "write:follows"),
    ("POST", "/api/v1/statuses", "write:statuses"),
    ("GET", f"/api/v1/statuses/{ZERO}", "read:statuses"),
    ("DELETE", f"/api/v1/statuses/{ZERO}", "write:statuses"),
    ("POST", f"/api/v1/statuses/{ZERO}/favourite", "write:favourites"),
    ("POST", f"/api/v1/statuses/{ZERO}/unfavourite", "write:favourites"),
    ("POST", "/api/v2/media", "write:media"),
    ("PUT", f"/api/v1/media/{ZERO}", "write:media"),
    ("GET", "/api/v1/timelines/home", "read:statuses"),
    ("POST", f"/api/v1/accounts/{ZERO}/mute", "write:mutes"),
    ("POST", f"/api/v1/accounts/{ZERO}/unmute", "write:mutes"),
    ("GET", "/api/v1/mutes", "read:mutes"),
    ("PATCH", "/api/v1/accounts/update_credentials", "write:accounts"),
    ("GET", f"/api/v1/accounts/{ZERO}/statuses", "read:statuses"),
    ("GET", f"/api/v1/accounts/{ZERO}/followers", "read:accounts"),
    ("GET", f"/api/v1/accounts/{ZERO}/following", "read:accounts"),
    ("POST", f"/api/v1/accounts/{ZERO}/block", "write:blocks"),
    ("POST", f"/api/v1/accounts/{ZERO}/unblock", "write:blocks"),
    ("GET", "/api/v1/blocks", "read:blocks"),
    ("GET", "/api/v1/accounts/search?q=someone", "read:accounts"),
    ("GET", "/api/v1/follow_requests", "read:follows"),
    ("POST", f"/api/v1/follow_requests/{ZERO}/authorize", "write:follows"),
    ("POST", f"/api/v1/follow_requests/{ZERO}/reject", "write:follows"),
    ("GET", "/api/v1/preferences", "read:accounts"),
    ("GET", "/api/v1/markers?timeline[]=home", "read:statuses"),
    ("POST", "/api/v1/markers", "write:statuses"),
    ("GET", "/api/v2/search?q=someone", "read:search"),
    ("GET", "/api/v1/tags/sunset", "read:follows"),
    ("POST", "/api/v1/tags/sunset/follow", "write:follows"),
    ("POST", "/api/v1/tags/sunset/unfollow", "write:follows"),
    ("GET", "/api/v1/followed_tags", "read:follows"),
    ("GET", f"/api/v1/statuses/{ZERO}/context", "read:statuses"),
    ("GET", f"/api/v1/statuses/{ZERO}/favourited_by", "read:accounts"),
    ("GET", "/api/v1/timelines/public", "read:statuses"),
    ("GET", "/api/v1/timelines/tag/sunset", "read:statuses"),
    ("GET", "/api/v1/notifications", "read:notifications"),
    ("GET", "/api/v1/notifications/unread_count", "read:notifications"),
    ("GET", f"/api/v1/notifications/{ZERO}", "read:notifications"),
    ("POST", "/api/v1/notifications/clear", "write:notifications"),
    ("POST", f"/api/v1/notifications/{ZERO}/dismiss", "write:notifications"),
    ("GET", f"/api/v1/media/{ZERO}", "write:media"),
]
# Public reads, as on Mastodon: anyone without a token; with one, it needs the scope.
ANONYMOUS_ALLOWED = {
    f"/api/v1/statuses/{ZERO}/context",
    f"/api/v1/statuses/{ZERO}/favourited_by",
    "/api/v1/timelines/public",
    "/api/v1/timelines/tag/sunset",
}
# Shutter's own API serves these paths too: without an OAuth token, Shutter answers.
SHARED = {("GET", "/api/v1/notifications"), ("GET", f"/api/v1/media/{ZERO}")}


async def test_every_route_demands_its_scope(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        alice = await register(client)
        # Tokens granted only scopes that cover none of the routes.
        _, push_only = await user_token(root, alice, "push")
        _, narrow = await user_token(root, alice, "read:lists write:reports")
        for method, path, scope in ROUTES:
            anonymous = await root.request(method, path)
            if path in ANONYMOUS_ALLOWED:
                assert anonymous.status_code not in (401, 403), (path, anonymous.text)
            elif (method, path) in SHARED or "/notifications/" in path:
                assert anonymous.status_code in (401, 404, 405), (path, anonymous.text)
                assert set(anonymous.json()["error"]) >= {"code", "message"}, path  # Shutter's
            else:
                assert anonymous.status_code == 401, (path, anonymous.text)
                assert anonymous.json() == {"error": "The access token is invalid"}
            for token in (push_only, narrow):
                bearer = {"Authorization": f"Bearer {token['access_token']}"}
                refused = await root.request(method, path, headers=bearer)
                assert refused.status_code == 403, (path, refused.text)
                assert refused.json() == {"error": "This action is outside the authorized scopes"}
            _, allowed = await user_token(root, alice, scope)
            bearer = {"Authorization": f"Bearer {allowed['access_token']}"}
            passed = await root.request(method, path, headers=bearer)
            assert passed.status_code not in (401, 403), (path, scope, passed.text)
        # A native access token is not an OAuth token.
        native = await root.get("/api/v1/timelines/home", headers=alice.headers)
        assert native.status_code == 401
        unknown = await root.get("/api/v1/lists", headers=alice.headers)
        assert unknown.status_code == 404
        assert set(unknown.json()) == {"error"}
        # Shutter's own routes keep their answers.
        assert (await root.put("/api/v1/feed")).status_code == 405


async def test_home_timeline_pages_like_the_native_feed(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        alice, bob = await register(client), await register(client)
        await follow(client, bob, alice)
        posts = [await create_post(client, alice, f"post {n}") for n in range(5)]
        await server.settle()
        _, token = await user_token(root, bob, "read")
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        newest_first = [mid(post["id"]) for post in reversed(posts)]

        url: str | None = "/api/v1/timelines/home?limit=2"
        seen: list[str] = []
        while url:
            page = await root.get(url, headers=bearer)
            assert page.status_code == 200, page.text
            ids = [status["id"] for status in page.json()]
            if not ids:
                break
            seen += ids
            found = re.search(r'<([^>]+)>; rel="next"', page.headers.get("link", ""))
            url = found.group(1) if found else None
        assert seen == newest_first
        native = (await client.get("/feed", headers=bob.headers)).json()["posts"]
        assert [mid(post["id"]) for post in native] == seen

        above = await root.get(
            "/api/v1/timelines/home", params={"since_id": seen[3], "limit": 2}, headers=bearer
        )
        assert [status["id"] for status in above.json()] == seen[:2]  # the newest two
        closest = await root.get(
            "/api/v1/timelines/home", params={"min_id": seen[3], "limit": 2}, headers=bearer
        )
        assert [status["id"] for status in closest.json()] == seen[1:3]  # just above
        below = await root.get("/api/v1/timelines/home", params={"max_id": seen[1]}, headers=bearer)
        assert [status["id"] for status in below.json()] == seen[2:]
        bad = await root.get("/api/v1/timelines/home?max_id=abc", headers=bearer)
        assert bad.status_code == 422


async def test_mutes_quiet_the_home_timeline_and_page_with_link_headers(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        reader, loud = await register(client), await register(client)
        others = [await register(client) for _ in range(2)]
        await follow(client, reader, loud)
        post = await create_post(client, loud, "so loud")
        await server.settle()
        _, token = await user_token(root, reader, "read write:mutes")
        bearer = {"Authorization": f"Bearer {token['access_token']}"}

        muted = await root.post(
            f"/api/v1/accounts/{mid(loud.id)}/mute",
            data={"notifications": "false", "duration": "0"},
            headers=bearer,
        )
        assert muted.status_code == 200, muted.text
        assert muted.json()["id"] == mid(loud.id)
        assert muted.json()["muting"] is True
        assert muted.json()["following"] is True  # a mute is not an unfollow
        home = await root.get("/api/v1/timelines/home", headers=bearer)
        assert mid(post["id"]) not in [status["id"] for status in home.json()]
        again = await root.post(f"/api/v1/accounts/{mid(loud.id)}/mute", headers=bearer)
        assert again.json()["muting"] is True  # idempotent
        rel = await root.get(
            "/api/v1/accounts/relationships", params={"id[]": mid(loud.id)}, headers=bearer
        )
        assert rel.json()[0]["muting"] is True
        # The native API sees the same mute.
        native = (await client.get("/users/me/muted", headers=reader.headers)).json()
        assert [item["user"]["id"] for item in native["muted"]] == [loud.id]

        for other in others:
            await root.post(f"/api/v1/accounts/{mid(other.id)}/mute", json={}, headers=bearer)
        url: str | None = "/api/v1/mutes?limit=2"
        seen: list[str] = []
        while url:
            page = await root.get(url, headers=bearer)
            assert page.status_code == 200, page.text
            assert len(page.json()) <= 2
            seen += [account["id"] for account in page.json()]
            found = re.search(r'<([^>]+)>; rel="next"', page.headers.get("link", ""))
            url = found.group(1) if found else None
        assert seen == [mid(others[1].id), mid(others[0].id), mid(loud.id)]  # newest first

        unmuted = await root.post(f"/api/v1/accounts/{mid(loud.id)}/unmute", headers=bearer)
        assert unmuted.status_code == 200, unmuted.text
        assert unmuted.json()["muting"] is False
        home = await root.get("/api/v1/timelines/home", headers=bearer)
        assert mid(post["id"]) in [status["id"] for status in home.json()]
        left = await root.get("/api/v1/mutes", headers=bearer)
        assert [account["id"] for account in left.json()] == [mid(others[1].id), mid(others[0].id)]


async def test_mute_refusals_answer_in_mastodons_shape(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        reader, hider = await register(client), await register(client)
        await block(client, hider, reader)
        _, token = await user_token(root, reader, "follow")  # the legacy scope covers mutes
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        for path, body, status in [
            (f"/api/v1/accounts/{mid(reader.id)}/mute", {}, 422),  # oneself
            (f"/api/v1/accounts/{mid(hider.id)}/mute", {}, 404),  # blocked by them
            (f"/api/v1/accounts/{ZERO}/mute", {}, 404),
            ("/api/v1/accounts/abc/mute", {}, 422),
            (f"/api/v1/accounts/{mid(hider.id)}/mute", {"duration": "soon"}, 422),
            (f"/api/v1/accounts/{mid(hider.id)}/mute", {"notifications": "maybe"}, 422),
            (f"/api/v1/accounts/{ZERO}/unmute", {}, 404),
        ]:
            refused = await root.post(path, data=body, headers=bearer)
            assert refused.status_code == status, (path, body, refused.text)
            assert set(refused.json()) == {"error"}, refused.text
        bad = await root.get("/api/v1/mutes?max_id=abc", headers=bearer)
        assert bad.status_code == 422
        assert (await root.get("/api/v1/mutes", headers=bearer)).json() == []
