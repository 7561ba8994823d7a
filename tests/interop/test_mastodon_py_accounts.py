"""Mastodon.py against the account side of the Mastodon API, over real HTTP on both
profiles: it edits the profile (a new avatar, the account made private), approves a
follow request, pages an account's statuses with its own pagination helper, blocks,
searches, follows a hashtag and keeps its reading position; Shutter's own API shows the
same state."""

from __future__ import annotations

import httpx

from tests.conftest import RunningServer
from tests.factories import create_post, distinct_image, register
from tests.interop.test_mastodon_py import call, sign_in


async def test_mastodon_py_edits_the_profile_and_manages_its_account(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    base_url = server.base_url
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as root:
        alice, bob = await register(client), await register(client)
        alice_api = await sign_in(root, base_url, alice)
        bob_api = await sign_in(root, base_url, bob)

        me = await call(
            alice_api.account_update_credentials,
            display_name="Alice Interop",
            note="film photos",
            avatar=distinct_image(7),
            avatar_mime_type="image/png",
            locked=True,
        )
        assert (me["display_name"], me["locked"]) == ("Alice Interop", True)
        native = (await client.get(f"/users/{alice.id}", headers=bob.headers)).json()
        assert (native["display_name"], native["bio"], native["is_private"]) == (
            "Alice Interop",
            "film photos",
            True,
        )
        assert native["avatar_url"]
        prefs = await call(alice_api.preferences)
        assert prefs["posting:default:visibility"] == "private"

        # Bob asks; Alice lets him in from her requests.
        asked = await call(bob_api.account_follow, me["id"])
        assert asked["requested"] is True
        waiting = await call(alice_api.follow_requests)
        assert [int(account["id"]) for account in waiting] == [int(bob.id)]
        await call(alice_api.follow_request_authorize, waiting[0]["id"])
        assert await call(alice_api.follow_requests) == []

        posts = [await create_post(client, alice, f"roll {n} #film") for n in range(3)]
        page = await call(bob_api.account_statuses, me["id"], limit=2)
        seen = [int(status["id"]) for status in page]
        while (page := await call(bob_api.fetch_next, page)) is not None and page:
            seen += [int(status["id"]) for status in page]
        assert seen == [int(post["id"]) for post in reversed(posts)]

        found = await call(bob_api.search_v2, "roll", result_type="statuses")
        assert {int(status["id"]) for status in found["statuses"]} == {int(p["id"]) for p in posts}
        tag = await call(bob_api.tag_follow, "film")
        assert tag["following"] is True
        assert [tag["name"] for tag in await call(bob_api.followed_tags)] == ["film"]

        markers = await call(bob_api.markers_set, ["home"], [seen[0]])
        assert int(markers["home"]["last_read_id"]) == seen[0]
        again = await call(bob_api.markers_get, ["home"])
        assert int(again["home"]["last_read_id"]) == seen[0]

        relation = await call(alice_api.account_block, bob.id)
        assert relation["blocking"] is True
        assert [int(account["id"]) for account in await call(alice_api.blocks)] == [int(bob.id)]
        followers = (await client.get(f"/users/{alice.id}/followers", headers=alice.headers)).json()
        assert followers["users"] == []  # the block ended Bob's follow
