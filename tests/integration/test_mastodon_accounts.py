"""The account side of the Mastodon-compatible API over HTTP on both profiles: profile
edits, an account's statuses, followers and following, blocks, follow requests, search,
hashtag follows, preferences and markers. Each is checked against what Shutter's own API
then shows, through the one visibility rule (private accounts, blocks), with Mastodon's
pagination (Link headers) and error shape."""

from __future__ import annotations

import re

import httpx

from shutter.mastodon.entities import mid
from tests.conftest import RunningServer
from tests.factories import (
    Account,
    block,
    create_post,
    follow,
    image_bytes,
    register,
    set_private,
)
from tests.integration.test_oauth import user_token

ZERO = mid(1)


async def bearer_of(
    root: httpx.AsyncClient, user: Account, scopes: str = "read write follow"
) -> dict[str, str]:
    _, token = await user_token(root, user, scopes)
    return {"Authorization": f"Bearer {token['access_token']}"}


async def all_pages(
    root: httpx.AsyncClient, url: str, headers: dict[str, str], key: str = "id"
) -> list[list[str]]:
    """The ids (or `key`) of every page, following the `next` Link until there is none."""
    pages: list[list[str]] = []
    next_url: str | None = url
    while next_url:
        page = await root.get(next_url, headers=headers)
        assert page.status_code == 200, page.text
        ids = [item[key] for item in page.json()]
        if not ids:
            break
        pages.append(ids)
        found = re.search(r'<([^>]+)>; rel="next"', page.headers.get("link", ""))
        next_url = found.group(1) if found else None
    return pages


def refused(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert set(response.json()) == {"error"}, response.text


async def test_update_credentials_edits_the_profile_shutter_shows(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        alice, bob = await register(client), await register(client)
        bearer = await bearer_of(root, alice)
        changed = await root.patch(
            "/api/v1/accounts/update_credentials",
            data={"display_name": "Alice A.", "note": "photos <b>only</b>", "locked": "true"},
            files={"avatar": ("me.png", image_bytes(image_format="PNG"), "image/png")},
            headers=bearer,
        )
        assert changed.status_code == 200, changed.text
        me = changed.json()
        assert (me["display_name"], me["locked"]) == ("Alice A.", True)
        assert me["note"] == "<p>photos &lt;b&gt;only&lt;/b&gt;</p>"
        assert me["source"]["note"] == "photos <b>only</b>"
        assert me["source"]["privacy"] == "private"
        assert "favicon" not in me["avatar"]
        native = (await client.get(f"/users/{alice.id}", headers=bob.headers)).json()
        assert (native["display_name"], native["bio"], native["is_private"]) == (
            "Alice A.",
            "photos <b>only</b>",
            True,
        )
        assert native["avatar_url"]
        avatar = await root.get(me["avatar"])
        assert avatar.status_code == 200
        prefs = await root.get("/api/v1/preferences", headers=bearer)
        assert prefs.json()["posting:default:visibility"] == "private"

        # Bob asks to follow; going public through the Mastodon API lets him in, as
        # PATCH /users/me does.
        assert await follow(client, bob, alice) == "requested"
        waiting = await root.patch(
            "/api/v1/accounts/update_credentials", json={"note": "film only"}, headers=bearer
        )
        assert waiting.json()["source"]["follow_requests_count"] == 1
        assert waiting.json()["locked"] is True  # fields left out are kept
        public = await root.patch(
            "/api/v1/accounts/update_credentials", json={"locked": False}, headers=bearer
        )
        assert public.status_code == 200, public.text
        assert public.json()["locked"] is False
        assert public.json()["followers_count"] == 1
        # Fields left out are kept.
        assert public.json()["display_name"] == "Alice A."

        broken_png = {"avatar": ("a.png", b"\x89PNG broken", "image/png")}
        for body, files, status in [
            ({"display_name": "x" * 200}, None, 422),
            ({"locked": "maybe"}, None, 422),
            ({}, {"avatar": ("a.txt", b"not an image at all", "text/plain")}, 422),
            ({}, broken_png, 415),  # the pipeline reads the bytes, as for any upload
        ]:
            bad = await root.patch(
                "/api/v1/accounts/update_credentials", data=body, files=files, headers=bearer
            )
            refused(bad, status)
        assert (await client.get(f"/users/{alice.id}", headers=bob.headers)).json()[
            "display_name"
        ] == "Alice A."


async def test_account_statuses_page_with_links_and_follow_the_visibility_rule(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        alice, bob, carol = await register(client), await register(client), await register(client)
        captions = [f"post {n} #sea" if n % 2 else f"post {n}" for n in range(5)]
        posts = [await create_post(client, alice, caption) for caption in captions]
        pinned = await client.post(f"/posts/{posts[1]['id']}/pin", headers=alice.headers)
        assert pinned.status_code == 200, pinned.text
        newest_first = [mid(post["id"]) for post in reversed(posts)]
        bearer = await bearer_of(root, bob)
        path = f"/api/v1/accounts/{mid(alice.id)}/statuses"

        pages = await all_pages(root, f"{path}?limit=2", bearer)
        assert [len(page) for page in pages] == [2, 2, 1]
        # The pinned post in its place, once.
        assert [one for page in pages for one in page] == newest_first
        only_pins = (await root.get(path, params={"pinned": "true"}, headers=bearer)).json()
        assert [status["id"] for status in only_pins] == [mid(posts[1]["id"])]
        assert only_pins[0]["pinned"] is False  # `pinned` is for the author
        own = await bearer_of(root, alice, "read")
        mine = (await root.get(path, params={"pinned": "true"}, headers=own)).json()
        assert mine[0]["pinned"] is True
        tagged = (await root.get(path, params={"tagged": "sea"}, headers=bearer)).json()
        assert [status["id"] for status in tagged] == [mid(posts[3]["id"]), mid(posts[1]["id"])]
        flags = {"only_media": "true", "exclude_replies": "true", "exclude_reblogs": "1"}
        every = (await root.get(path, params=flags, headers=bearer)).json()
        assert [status["id"] for status in every] == newest_first

        since = await root.get(
            path, params={"since_id": newest_first[3], "limit": 2}, headers=bearer
        )
        assert [status["id"] for status in since.json()] == newest_first[:2]
        closest = await root.get(
            path, params={"min_id": newest_first[3], "limit": 2}, headers=bearer
        )
        assert [status["id"] for status in closest.json()] == newest_first[1:3]
        below = await root.get(path, params={"max_id": newest_first[1]}, headers=bearer)
        assert [status["id"] for status in below.json()] == newest_first[2:]
        assert 'rel="prev"' in below.headers["link"]

        # A private account: an empty list for a stranger, everything for a follower.
        await set_private(client, alice)
        assert (await root.get(path, headers=bearer)).json() == []
        assert (
            await root.get(f"/api/v1/accounts/{mid(alice.id)}/followers", headers=bearer)
        ).json() == []
        await follow(client, carol, alice)
        await client.post(f"/follow-requests/{carol.id}/approve", headers=alice.headers)
        carols = await bearer_of(root, carol, "read")
        seen = (await root.get(path, headers=carols)).json()
        assert [status["id"] for status in seen] == newest_first
        assert seen[0]["visibility"] == "private"
        # Someone the owner blocked: the account does not exist for them.
        await block(client, alice, carol)
        refused(await root.get(path, headers=carols), 404)

        refused(await root.get(f"/api/v1/accounts/{ZERO}/statuses", headers=bearer), 404)
        refused(await root.get(f"{path}?max_id=abc", headers=bearer), 422)
        refused(await root.get(f"{path}?limit=0", headers=bearer), 422)
        refused(await root.get(f"{path}?pinned=perhaps", headers=bearer), 422)
        refused(await root.get(f"{path}?tagged=%23%23", headers=bearer), 422)


async def test_followers_following_and_blocks_page_with_links(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        star = await register(client)
        fans = [await register(client) for _ in range(3)]
        for fan in fans:
            await follow(client, fan, star)
        bearer = await bearer_of(root, fans[0])
        followers = await all_pages(
            root, f"/api/v1/accounts/{mid(star.id)}/followers?limit=2", bearer
        )
        assert followers == [[mid(fans[2].id), mid(fans[1].id)], [mid(fans[0].id)]]
        following = await root.get(f"/api/v1/accounts/{mid(fans[1].id)}/following", headers=bearer)
        assert [account["id"] for account in following.json()] == [mid(star.id)]
        assert following.json()[0]["username"] == star.username

        # Blocking through the Mastodon API: follows both ways end, both hide.
        blocked = await root.post(f"/api/v1/accounts/{mid(star.id)}/block", headers=bearer)
        assert blocked.status_code == 200, blocked.text
        assert (blocked.json()["blocking"], blocked.json()["following"]) == (True, False)
        native = (await client.get("/users/me/blocked", headers=fans[0].headers)).json()
        assert [user["id"] for user in native["users"]] == [star.id]
        for fan in fans[1:]:
            await root.post(f"/api/v1/accounts/{mid(fan.id)}/block", headers=bearer)
        listed = await all_pages(root, "/api/v1/blocks?limit=2", bearer)
        assert listed == [[mid(fans[2].id), mid(fans[1].id)], [mid(star.id)]]
        star_sees = await bearer_of(root, star, "read")
        followers_now = await root.get(
            f"/api/v1/accounts/{mid(star.id)}/followers", headers=star_sees
        )
        assert [account["id"] for account in followers_now.json()] == [
            mid(fans[2].id),
            mid(fans[1].id),
        ]
        hidden = await root.get(f"/api/v1/accounts/{mid(fans[0].id)}/statuses", headers=star_sees)
        refused(hidden, 404)

        unblocked = await root.post(f"/api/v1/accounts/{mid(star.id)}/unblock", headers=bearer)
        assert unblocked.json()["blocking"] is False
        assert unblocked.json()["following"] is False  # follows removed by the block stay so
        refused(await root.post(f"/api/v1/accounts/{mid(fans[0].id)}/block", headers=bearer), 422)
        refused(await root.post(f"/api/v1/accounts/{ZERO}/block", headers=bearer), 404)
        refused(await root.post("/api/v1/accounts/x1/unblock", headers=bearer), 422)
        refused(await root.get("/api/v1/blocks?max_id=-1", headers=bearer), 422)
        refused(await root.get("/api/v1/blocks?limit=41", headers=bearer), 422)


async def test_follow_requests_are_authorized_and_rejected(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        owner, bob, carol = await register(client), await register(client), await register(client)
        await set_private(client, owner)
        for asker in (bob, carol):
            asked = await root.post(
                f"/api/v1/accounts/{mid(owner.id)}/follow", headers=await bearer_of(root, asker)
            )
            assert asked.json()["requested"] is True
        bearer = await bearer_of(root, owner)
        waiting = await root.get("/api/v1/follow_requests", headers=bearer)
        assert [account["id"] for account in waiting.json()] == [mid(carol.id), mid(bob.id)]
        paged = await all_pages(root, "/api/v1/follow_requests?limit=1", bearer)
        assert paged == [[mid(carol.id)], [mid(bob.id)]]

        let_in = await root.post(f"/api/v1/follow_requests/{mid(bob.id)}/authorize", headers=bearer)
        assert let_in.status_code == 200, let_in.text
        assert let_in.json()["followed_by"] is True
        turned_away = await root.post(
            f"/api/v1/follow_requests/{mid(carol.id)}/reject", headers=bearer
        )
        assert turned_away.json()["followed_by"] is False
        assert (await root.get("/api/v1/follow_requests", headers=bearer)).json() == []
        followers = (await client.get(f"/users/{owner.id}/followers", headers=owner.headers)).json()
        assert [user["id"] for user in followers["users"]] == [bob.id]
        refused(
            await root.post(f"/api/v1/follow_requests/{mid(carol.id)}/authorize", headers=bearer),
            404,
        )
        refused(await root.post("/api/v1/follow_requests/abc/reject", headers=bearer), 422)


async def test_search_finds_only_what_the_reader_may_see(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        reader = await register(client, "reader_s")
        seen = await register(client, "sunny_open")
        shy = await register(client, "sunny_shy")
        hider = await register(client, "sunny_hider")
        await create_post(client, seen, "sunset over the harbour #sunsetlover")
        await create_post(client, shy, "sunset in private #sunsetsecret")
        await set_private(client, shy)
        await block(client, hider, reader)
        bearer = await bearer_of(root, reader)

        accounts = await root.get("/api/v1/accounts/search", params={"q": "sunny"}, headers=bearer)
        assert accounts.status_code == 200, accounts.text
        names = [account["username"] for account in accounts.json()]
        assert "sunny_open" in names
        assert "sunny_hider" not in names
        one = await root.get(
            "/api/v1/accounts/search",
            params={"q": "sunny", "limit": 1, "resolve": "true"},
            headers=bearer,
        )
        assert len(one.json()) == 1
        await follow(client, reader, seen)
        followed = await root.get(
            "/api/v1/accounts/search", params={"q": "sunny", "following": "true"}, headers=bearer
        )
        assert [account["username"] for account in followed.json()] == ["sunny_open"]

        everything = (
            await root.get("/api/v2/search", params={"q": "sunset"}, headers=bearer)
        ).json()
        assert set(everything) == {"accounts", "statuses", "hashtags"}
        assert [status["account"]["username"] for status in everything["statuses"]] == [
            "sunny_open"
        ]
        tags = (
            await root.get(
                "/api/v2/search", params={"q": "#sunset", "type": "hashtags"}, headers=bearer
            )
        ).json()
        assert [tag["name"] for tag in tags["hashtags"]] == ["sunsetlover"]  # not the private one
        assert (tags["statuses"], tags["accounts"]) == ([], [])
        ranked = await root.get("/api/v2/search", params={"q": "sunny"}, headers=bearer)
        names = [account["username"] for account in ranked.json()["accounts"]]
        assert len(names) == 2  # the open and the private account; not the one hiding
        people = await root.get(
            "/api/v2/search",
            params={"q": "sunny", "type": "accounts", "offset": 1},
            headers=bearer,
        )
        assert [account["username"] for account in people.json()["accounts"]] == names[1:]

        for params in (
            {},
            {"q": ""},
            {"q": "x", "type": "places"},
            {"q": "x", "limit": 0},
            {"q": "x", "offset": -1},
        ):
            refused(await root.get("/api/v2/search", params=params, headers=bearer), 422)
        refused(await root.get("/api/v1/accounts/search", headers=bearer), 422)


async def test_hashtag_follows_are_shutters_own(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        reader = await register(client)
        bearer = await bearer_of(root, reader)
        assert (await root.get("/api/v1/tags/Sunset", headers=bearer)).json()["following"] is False
        for name in ("Sunset", "sea", "%23dunes"):
            followed = await root.post(f"/api/v1/tags/{name}/follow", headers=bearer)
            assert followed.status_code == 200, followed.text
            assert followed.json()["following"] is True
        tag = (await root.get("/api/v1/tags/sunset", headers=bearer)).json()
        assert (tag["name"], tag["following"]) == ("sunset", True)
        native = (await client.get("/users/me/followed-hashtags", headers=reader.headers)).json()
        assert [item["name"] for item in native["hashtags"]] == ["dunes", "sea", "sunset"]
        pages = await all_pages(root, "/api/v1/followed_tags?limit=2", bearer, key="name")
        assert pages == [["dunes", "sea"], ["sunset"]]
        listed = await root.get("/api/v1/followed_tags", headers=bearer)
        assert [tag["name"] for tag in listed.json()] == ["dunes", "sea", "sunset"]
        gone = await root.post("/api/v1/tags/sea/unfollow", headers=bearer)
        assert gone.json() == {**gone.json(), "name": "sea", "following": False}
        listed = await root.get("/api/v1/followed_tags", headers=bearer)
        assert [tag["name"] for tag in listed.json()] == ["dunes", "sunset"]
        refused(await root.post("/api/v1/tags/123/follow", headers=bearer), 422)
        refused(await root.get("/api/v1/tags/no-dash", headers=bearer), 422)
        refused(await root.post(f"/api/v1/tags/{'a' * 150}/follow", headers=bearer), 422)


async def test_markers_keep_reading_positions(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        reader = await register(client)
        bearer = await bearer_of(root, reader)
        empty = await root.get("/api/v1/markers", params={"timeline[]": "home"}, headers=bearer)
        assert empty.json() == {}
        saved = await root.post(
            "/api/v1/markers", data={"home[last_read_id]": "123"}, headers=bearer
        )
        assert saved.status_code == 200, saved.text
        assert saved.json()["home"]["last_read_id"] == mid(123)
        assert saved.json()["home"]["version"] == 1
        again = await root.post(
            "/api/v1/markers",
            json={"home": {"last_read_id": mid(456)}, "notifications": {"last_read_id": "7"}},
            headers=bearer,
        )
        assert again.json()["home"] == {
            **again.json()["home"],
            "last_read_id": mid(456),
            "version": 2,
        }
        assert again.json()["notifications"]["version"] == 1
        both = await root.get(
            "/api/v1/markers?timeline[]=home&timeline[]=notifications", headers=bearer
        )
        assert {name: marker["last_read_id"] for name, marker in both.json().items()} == {
            "home": mid(456),
            "notifications": mid(7),
        }
        others = await bearer_of(root, await register(client))
        assert (await root.get("/api/v1/markers?timeline[]=home", headers=others)).json() == {}

        for body in ({}, {"home[last_read_id]": "abc"}, {"home[last_read_id]": "9" * 25}):
            refused(await root.post("/api/v1/markers", data=body, headers=bearer), 422)
        refused(
            await root.post(
                "/api/v1/markers", json={"home": {"last_read_id": True}}, headers=bearer
            ),
            422,
        )
        refused(await root.get("/api/v1/markers?timeline[]=public", headers=bearer), 422)
