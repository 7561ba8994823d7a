"""The Mastodon API's threads, likers, public and hashtag timelines, notifications and
media status over HTTP on both profiles: what each reader may see under the one
visibility rule (private, blocked, deleted and removed never appear), Mastodon's
pagination and error shape, and Shutter's own clients still answered by Shutter's own
routes on the paths both APIs serve."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx

from shutter.mastodon.entities import mid
from tests.conftest import RunningServer
from tests.factories import (
    Account,
    approve,
    block,
    comment,
    create_post,
    follow,
    image_bytes,
    like,
    register,
    set_private,
    start_upload,
    video_bytes,
)
from tests.integration.test_moderation import act, make_moderator
from tests.integration.test_oauth import user_token


async def bearer_of(root: httpx.AsyncClient, user: Account, scopes: str = "read write") -> Any:
    _, token = await user_token(root, user, scopes)
    return {"Authorization": f"Bearer {token['access_token']}"}


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]


def link(response: httpx.Response, rel: str) -> str | None:
    found = re.search(rf'<([^>]+)>; rel="{rel}"', response.headers.get("link", ""))
    return found.group(1) if found else None


async def every_page(root: httpx.AsyncClient, url: str, headers: Any) -> list[list[str]]:
    """Follow `next` links to the end: the ids of each page."""
    pages: list[list[str]] = []
    next_url: str | None = url
    while next_url:
        page = await root.get(next_url, headers=headers)
        found = ids(page)
        if not found:
            break
        pages.append(found)
        next_url = link(page, "next")
    return pages


def flat(pages: list[list[str]]) -> list[str]:
    return [item for page in pages for item in page]


def assert_mastodon_error(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"], str), body


async def test_context_and_favourited_by_show_what_the_reader_may_see(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        alice, bob, carol, mallory = [await register(client) for _ in range(4)]
        moderator = await make_moderator(server, client)
        post = await create_post(client, alice, "the lake")
        first = await comment(client, bob, post["id"], "lovely")
        reply = await comment(client, carol, post["id"], "agreed", parent_id=first["id"])
        rude = await comment(client, carol, post["id"], "rude words")
        shouty = await comment(client, mallory, post["id"], "LOOK AT ME")
        last = await comment(client, alice, post["id"], "thanks all")
        await act(client, moderator, "remove", "comment", rude["id"], reason="harassment")
        for liker in (carol, mallory, bob):
            await like(client, liker, post["id"])
        await block(client, bob, mallory)
        headers = await bearer_of(root, bob)

        context = await root.get(f"/api/v1/statuses/{mid(post['id'])}/context", headers=headers)
        assert context.status_code == 200, context.text
        assert context.json()["ancestors"] == []
        thread = context.json()["descendants"]
        assert [status["id"] for status in thread] == [
            mid(first["id"]),
            mid(reply["id"]),
            mid(last["id"]),
        ]
        assert [status["in_reply_to_id"] for status in thread] == [
            mid(post["id"]),
            mid(first["id"]),
            mid(post["id"]),
        ]
        assert thread[1]["in_reply_to_account_id"] == mid(bob.id)
        assert thread[1]["account"]["username"] == carol.username
        assert thread[1]["content"] == "<p>agreed</p>"
        # A comment is a Status too, with its own thread.
        as_status = await root.get(f"/api/v1/statuses/{mid(first['id'])}", headers=headers)
        assert as_status.json()["content"] == "<p>lovely</p>"
        assert as_status.json()["in_reply_to_id"] == mid(post["id"])
        under = await root.get(f"/api/v1/statuses/{mid(first['id'])}/context", headers=headers)
        assert [s["id"] for s in under.json()["ancestors"]] == [mid(post["id"])]
        assert [s["id"] for s in under.json()["descendants"]] == [mid(reply["id"])]
        above = await root.get(f"/api/v1/statuses/{mid(reply['id'])}/context", headers=headers)
        assert [s["id"] for s in above.json()["ancestors"]] == [mid(post["id"]), mid(first["id"])]
        assert above.json()["descendants"] == []
        for unseen in (shouty, rude):  # blocked, removed
            path = f"/api/v1/statuses/{mid(unseen['id'])}"
            assert_mastodon_error(await root.get(path, headers=headers), 404)
            assert_mastodon_error(await root.get(path + "/context", headers=headers), 404)
        # Anonymous readers see a public account's thread, mallory's comment included.
        anonymous = await root.get(f"/api/v1/statuses/{mid(post['id'])}/context")
        assert mid(shouty["id"]) in [s["id"] for s in anonymous.json()["descendants"]]
        assert mid(rude["id"]) not in [s["id"] for s in anonymous.json()["descendants"]]

        likers = await root.get(
            f"/api/v1/statuses/{mid(post['id'])}/favourited_by?limit=1", headers=headers
        )
        pages = await every_page(
            root, f"/api/v1/statuses/{mid(post['id'])}/favourited_by?limit=1", headers
        )
        assert ids(likers) == [mid(bob.id)]
        assert pages == [[mid(bob.id)], [mid(carol.id)]]  # most recent first; no mallory

        # A private account's post: neither its thread nor its likers to a stranger.
        await set_private(client, alice)
        for path in ("context", "favourited_by"):
            hidden = await root.get(f"/api/v1/statuses/{mid(post['id'])}/{path}", headers=headers)
            assert_mastodon_error(hidden, 404)
            assert_mastodon_error(await root.get(f"/api/v1/statuses/{mid(post['id'])}/{path}"), 404)
        assert_mastodon_error(await root.get("/api/v1/statuses/abc/context", headers=headers), 422)
        bad_limit = await root.get(
            f"/api/v1/statuses/{mid(post['id'])}/favourited_by?limit=0", headers=headers
        )
        assert_mastodon_error(bad_limit, 422)
        # A token without the scope is refused even where anonymous readers are welcome.
        push_only = await bearer_of(root, bob, "push")
        refused = await root.get(f"/api/v1/statuses/{mid(post['id'])}/context", headers=push_only)
        assert_mastodon_error(refused, 403)


async def test_public_and_hashtag_timelines_hold_only_readable_posts(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        alice, eve, mallory, reader = [await register(client) for _ in range(4)]
        moderator = await make_moderator(server, client)
        await set_private(client, eve)
        await follow(client, reader, eve)
        await approve(client, eve, reader)
        shown = [await create_post(client, alice, f"#Sunset number {n}") for n in range(4)]
        private = await create_post(client, eve, "#sunset for friends")
        blocked = await create_post(client, mallory, "#sunset of mallory")
        deleted = await create_post(client, alice, "#sunset gone")
        removed = await create_post(client, alice, "#sunset removed")
        untagged = await create_post(client, alice, "no tag here")
        assert (await client.delete(f"/posts/{deleted['id']}", headers=alice.headers)).is_success
        await act(client, moderator, "remove", "post", removed["id"], reason="spam links")
        await block(client, reader, mallory)
        headers = await bearer_of(root, reader)
        newest_first = [mid(post["id"]) for post in reversed(shown)]

        public = await every_page(root, "/api/v1/timelines/public?limit=2", headers)
        assert [len(page) for page in public] == [2, 2, 1]
        assert flat(public) == [mid(untagged["id"]), *newest_first]
        tagged = await every_page(root, "/api/v1/timelines/tag/sunset?limit=3", headers)
        # The reader follows eve: her private post is theirs to read under the hashtag.
        assert flat(tagged) == [mid(private["id"]), *newest_first]
        # Anonymous readers: public accounts only; mallory is in no block with them.
        anonymous = await every_page(root, "/api/v1/timelines/tag/%23SUNSET?only_media=1", {})
        assert flat(anonymous) == [mid(blocked["id"]), *newest_first]
        anonymous_public = await root.get("/api/v1/timelines/public?local=true")
        assert ids(anonymous_public) == [mid(untagged["id"]), mid(blocked["id"]), *newest_first]
        assert ids(await root.get("/api/v1/timelines/public?remote=true")) == []
        assert ids(await root.get("/api/v1/timelines/tag/nobodyusedthis", headers=headers)) == []

        # max_id, since_id and min_id, and the links of a page.
        url = "/api/v1/timelines/tag/sunset"
        below = await root.get(url, params={"max_id": newest_first[1]}, headers=headers)
        assert ids(below) == newest_first[2:]
        since = await root.get(
            url, params={"since_id": newest_first[3], "limit": 2}, headers=headers
        )
        assert ids(since) == [mid(private["id"]), newest_first[0]]  # the newest two above
        closest = await root.get(
            url, params={"min_id": newest_first[3], "limit": 2}, headers=headers
        )
        assert ids(closest) == newest_first[1:3]  # just above, newest first
        assert f"max_id={newest_first[2]}" in str(link(closest, "next"))
        assert f"min_id={newest_first[1]}" in str(link(closest, "prev"))

        for bad in (
            "/api/v1/timelines/public?limit=41",
            "/api/v1/timelines/public?max_id=12ab",
            "/api/v1/timelines/public?local=perhaps",
            "/api/v1/timelines/tag/no-such!tag",
            "/api/v1/timelines/tag/sunset?since_id=99999999999999999999",
        ):
            assert_mastodon_error(await root.get(bad, headers=headers), 422)


async def notifications_of(
    root: httpx.AsyncClient, headers: Any, **params: Any
) -> list[dict[str, Any]]:
    response = await root.get("/api/v1/notifications", params=params, headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def test_notifications_list_one_per_actor_filter_page_and_dismiss(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        alice, bob, carol, dave, mallory = [await register(client) for _ in range(5)]
        post = await create_post(client, alice, "my photo")
        await like(client, bob, post["id"])
        await like(client, carol, post["id"])
        await like(client, mallory, post["id"])
        await follow(client, dave, alice)
        remark = await comment(client, bob, post["id"], "nice one")
        await server.settle()
        await block(client, alice, mallory)
        headers = await bearer_of(root, alice, "read write")

        listed = await notifications_of(root, headers)
        assert [(n["type"], n["account"]["id"]) for n in listed] == [
            ("mention", mid(bob.id)),
            ("follow", mid(dave.id)),
            ("favourite", mid(carol.id)),
            ("favourite", mid(bob.id)),
        ]  # newest first, one per actor; mallory (blocked) never shown
        mention, follow_note, like_note = listed[0], listed[1], listed[2]
        assert mention["status"]["id"] == mid(remark["id"])
        assert mention["status"]["in_reply_to_id"] == mid(post["id"])
        assert follow_note["status"] is None
        assert like_note["status"]["id"] == mid(post["id"])
        assert all(re.fullmatch(r"[0-9]{19}", n["id"]) for n in listed)
        # Shutter's own list groups the likes: one notification, two actors shown.
        native = (await client.get("/notifications", headers=alice.headers)).json()
        likes = [n for n in native["notifications"] if n["type"] == "like"]
        assert [len(likes), likes[0]["actor_count"]] == [1, 2]

        favourites = await notifications_of(root, headers, **{"types[]": "favourite"})
        assert [n["account"]["id"] for n in favourites] == [mid(carol.id), mid(bob.id)]
        others = await notifications_of(root, headers, **{"exclude_types[]": ["favourite"]})
        assert [n["type"] for n in others] == ["mention", "follow"]
        by_dave = await notifications_of(root, headers, account_id=mid(dave.id))
        assert [n["type"] for n in by_dave] == ["follow"]
        pages = await every_page(root, "/api/v1/notifications?limit=3", headers)
        assert pages == [[n["id"] for n in listed[:3]], [listed[3]["id"]]]
        newer = await notifications_of(root, headers, min_id=listed[3]["id"], limit=2)
        assert [n["id"] for n in newer] == [listed[1]["id"], listed[2]["id"]]
        newest = await notifications_of(root, headers, since_id=listed[3]["id"], limit=2)
        assert [n["id"] for n in newest] == [listed[0]["id"], listed[1]["id"]]

        one = await root.get(f"/api/v1/notifications/{like_note['id']}", headers=headers)
        assert one.status_code == 200
        assert one.json() == like_note
        bob_headers = await bearer_of(root, bob, "read write")
        theirs = await root.get(f"/api/v1/notifications/{like_note['id']}", headers=bob_headers)
        assert_mastodon_error(theirs, 404)
        gone = await root.post(
            f"/api/v1/notifications/{like_note['id']}/dismiss", headers=bob_headers
        )
        assert_mastodon_error(gone, 404)

        dismissed = await root.post(
            f"/api/v1/notifications/{like_note['id']}/dismiss", headers=headers
        )
        assert dismissed.status_code == 200
        assert dismissed.json() == {}
        after = await root.get(f"/api/v1/notifications/{like_note['id']}", headers=headers)
        assert_mastodon_error(after, 404)
        native = (await client.get("/notifications", headers=alice.headers)).json()
        likes = [n for n in native["notifications"] if n["type"] == "like"]
        assert [a["id"] for a in likes[0]["actors"]] == [bob.id]  # carol's part dismissed

        # A deleted comment takes its notification along.
        assert (await client.delete(f"/comments/{remark['id']}", headers=bob.headers)).is_success
        await server.settle()
        assert [n["type"] for n in await notifications_of(root, headers)] == [
            "follow",
            "favourite",
        ]

        for bad in (
            "/api/v1/notifications?types[]=likes",
            "/api/v1/notifications?limit=81",
            "/api/v1/notifications?max_id=x",
            "/api/v1/notifications/abc",
        ):
            assert_mastodon_error(await root.get(bad, headers=headers), 422)
        read_only = await bearer_of(root, alice, "read")
        refused = await root.post("/api/v1/notifications/clear", headers=read_only)
        assert_mastodon_error(refused, 403)
        cleared = await root.post("/api/v1/notifications/clear", headers=headers)
        assert cleared.status_code == 200
        assert cleared.json() == {}
        assert await notifications_of(root, headers) == []
        assert (await client.get("/notifications", headers=alice.headers)).json()[
            "notifications"
        ] == []


async def test_native_clients_keep_shutters_answers_on_the_shared_paths(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        alice, bob = await register(client), await register(client)
        await follow(client, bob, alice)
        await server.settle()
        ticket = await start_upload(client, alice, image_bytes())
        headers = await bearer_of(root, alice)

        native = await root.get("/api/v1/notifications", headers=alice.headers)
        assert native.status_code == 200, native.text
        assert set(native.json()) == {"notifications", "unread_count", "next_cursor"}
        mastodon = await root.get("/api/v1/notifications", headers=headers)
        assert [n["type"] for n in mastodon.json()] == ["follow"]
        anonymous = await root.get("/api/v1/notifications")
        assert anonymous.status_code == 401
        assert anonymous.json()["error"]["code"] == "unauthenticated"  # Shutter's envelope
        read = await root.post("/api/v1/notifications/read", headers=alice.headers)
        assert read.json() == {"unread_count": 0}

        media_path = f"/api/v1/media/{ticket['media_id']}"
        own = await root.get(media_path, headers=alice.headers)
        assert own.status_code == 200
        assert own.json()["status"] == "pending"
        # Not uploaded yet: still processing to a Mastodon client (206, no URL).
        waiting = await root.get(f"/api/v1/media/{mid(ticket['media_id'])}", headers=headers)
        assert waiting.status_code == 206, waiting.text
        assert waiting.json()["url"] is None
        assert waiting.json()["id"] == mid(ticket["media_id"])
        # A revoked or made-up OAuth token is the Mastodon API's 401, not Shutter's.
        forged = {"Authorization": "Bearer sho_not-a-token"}
        assert_mastodon_error(await root.get("/api/v1/notifications", headers=forged), 401)
        bob_headers = await bearer_of(root, bob)
        assert_mastodon_error(await root.get(media_path, headers=bob_headers), 404)


async def test_media_uploads_answer_202_while_a_video_processes(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as root:
        alice = await register(client)
        headers = await bearer_of(root, alice, "read write:media")
        clip = video_bytes(size=(32, 32), seconds=0.5, rate=8, audio=False)
        sent = await root.post(
            "/api/v2/media",
            files={"file": ("clip.mp4", clip, "video/mp4")},
            data={"description": "a clip"},
            headers=headers,
        )
        assert sent.status_code == 202, sent.text
        assert sent.json()["url"] is None
        assert sent.json()["type"] == "video"
        assert sent.json()["description"] == "a clip"
        path = f"/api/v1/media/{sent.json()['id']}"
        statuses: list[int] = []
        deadline = asyncio.get_running_loop().time() + 120
        while not statuses or statuses[-1] == 206:
            assert asyncio.get_running_loop().time() < deadline, statuses
            polled = await root.get(path, headers=headers)
            statuses.append(polled.status_code)
            if polled.status_code == 206:
                await asyncio.sleep(0.05)
        assert set(statuses[:-1]) <= {206}, statuses
        assert statuses[-1] == 200, statuses
        ready = polled.json()
        assert ready["type"] == "video"
        assert ready["url"]
        assert ready["preview_url"]
        assert ready["meta"]["original"]["width"] == 32

        photo = await root.post(
            "/api/v2/media",
            files={"file": ("a.jpg", image_bytes(), "image/jpeg")},
            headers=headers,
        )
        assert photo.status_code == 200, photo.text
        assert photo.json()["url"]
        refused = await root.post(
            "/api/v2/media",
            files={"file": ("a.txt", b"hello", "text/plain")},
            headers=headers,
        )
        assert_mastodon_error(refused, 415)
        assert_mastodon_error(await root.get("/api/v1/media/12x", headers=headers), 422)
        assert_mastodon_error(await root.get(f"/api/v1/media/{mid(1)}", headers=headers), 404)


async def unread_count(root: httpx.AsyncClient, headers: Any, **params: Any) -> int:
    response = await root.get("/api/v1/notifications/unread_count", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"count"}
    count: int = body["count"]
    return count


async def test_unread_count_counts_after_the_marker_by_type_up_to_the_limit(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        alice, bob, carol, dave, mallory = [await register(client) for _ in range(5)]
        post = await create_post(client, alice, "counted")
        await like(client, bob, post["id"])
        await like(client, carol, post["id"])
        await like(client, mallory, post["id"])
        await follow(client, dave, alice)
        await server.settle()
        await block(client, alice, mallory)  # a blocked actor is not counted
        headers = await bearer_of(root, alice, "read write")

        assert await unread_count(root, headers) == 3  # no marker: every one shown
        assert await unread_count(root, headers, **{"types[]": "favourite"}) == 2
        assert await unread_count(root, headers, **{"exclude_types[]": ["favourite"]}) == 1
        assert await unread_count(root, headers, limit=2) == 2

        listed = await notifications_of(root, headers)
        marked = await root.post(
            "/api/v1/markers",
            data={"notifications[last_read_id]": listed[1]["id"]},
            headers=headers,
        )
        assert marked.status_code == 200, marked.text
        assert await unread_count(root, headers) == 1  # only the follow is newer
        assert await unread_count(root, headers, **{"types[]": "favourite"}) == 0
        theirs = await create_post(client, bob, "not hers")
        await like(client, carol, theirs["id"])  # someone else's news changes nothing
        await server.settle()
        assert await unread_count(root, headers) == 1
        # Shutter's own unread count is its own (read state, not the marker).
        native = await root.get("/api/v1/notifications/unread-count", headers=alice.headers)
        assert native.status_code == 200, native.text

        for bad in ("types[]=likes", "limit=0", "limit=1001", "limit=x"):
            refused = await root.get(f"/api/v1/notifications/unread_count?{bad}", headers=headers)
            assert_mastodon_error(refused, 422)
        _, push_only = await user_token(root, alice, "push")
        refused = await root.get(
            "/api/v1/notifications/unread_count",
            headers={"Authorization": f"Bearer {push_only['access_token']}"},
        )
        assert_mastodon_error(refused, 403)


async def test_notifications_about_a_removed_post_or_by_a_blocked_account_disappear(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as root:
        alice, bob, carol = [await register(client) for _ in range(3)]
        moderator = await make_moderator(server, client)
        kept = await create_post(client, alice, "kept")
        doomed = await create_post(client, alice, "doomed")
        await like(client, bob, doomed["id"])
        await like(client, carol, kept["id"])
        await follow(client, carol, alice)
        await server.settle()
        headers = await bearer_of(root, alice, "read")
        before = await notifications_of(root, headers)
        assert [(n["type"], n["account"]["id"]) for n in before] == [
            ("follow", mid(carol.id)),
            ("favourite", mid(carol.id)),
            ("favourite", mid(bob.id)),
        ]
        await act(client, moderator, "remove", "post", doomed["id"], reason="spam links")
        await block(client, carol, alice)  # blocked by the actor: hidden both ways
        assert await notifications_of(root, headers) == []
        gone = await root.get(f"/api/v1/notifications/{before[2]['id']}", headers=headers)
        assert_mastodon_error(gone, 404)
