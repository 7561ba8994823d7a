"""Mastodon.py against a real Shutter server over HTTP on both profiles: a thread
(`status_context`), likers, the public and hashtag timelines and notifications paged
with the library's own helpers (`fetch_next`, `fetch_previous`), dismissing and clearing
notifications, and a video upload the library waits for (`synchronous=True` polls
GET /api/v1/media/{id} while it answers 206)."""

from __future__ import annotations

import httpx

from tests.conftest import RunningServer
from tests.factories import comment, distinct_image, like, register, set_private, video_bytes
from tests.interop.test_mastodon_py import call, sign_in


async def test_mastodon_py_reads_threads_timelines_and_notifications(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    base_url = server.base_url
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as root:
        alice, bob, eve = [await register(client) for _ in range(3)]
        await set_private(client, eve)
        alice_api = await sign_in(root, base_url, alice)
        bob_api = await sign_in(root, base_url, bob)
        eve_api = await sign_in(root, base_url, eve)

        posted = []
        for number in range(3):
            media = await call(alice_api.media_post, distinct_image(number), mime_type="image/png")
            status = await call(alice_api.status_post, f"#Harbour {number}", media_ids=[media])
            posted.append(status["id"])
        media = await call(eve_api.media_post, distinct_image(9), mime_type="image/png")
        hidden = await call(eve_api.status_post, "#harbour, friends only", media_ids=[media])

        # The hashtag and public timelines, page by page: eve's private post in neither.
        page = await call(bob_api.timeline_hashtag, "harbour", limit=2)
        seen = []
        while page:
            seen.extend(status["id"] for status in page)
            page = await call(bob_api.fetch_next, page)
        assert seen == sorted(posted, reverse=True)
        public = await call(bob_api.timeline_public, local=True, only_media=True)
        assert [status["id"] for status in public] == seen
        assert hidden["id"] not in [status["id"] for status in public]
        older = await call(bob_api.timeline_public, max_id=seen[0], limit=1)
        newer = await call(bob_api.fetch_previous, older)
        assert [status["id"] for status in newer] == [seen[0]]

        # A thread: bob comments, alice answers in the thread; likers.
        first = await call(bob_api.status_reply, public[0], "Lovely harbour")
        answer = await comment(
            client, alice, str(int(posted[-1])), "Thanks!", str(int(first["id"]))
        )
        await call(bob_api.status_favourite, posted[-1])
        await like(client, eve, str(int(posted[-1])))  # eve's account is private, not her like
        context = await call(bob_api.status_context, posted[-1])
        assert context["ancestors"] == []
        assert [status["id"] for status in context["descendants"]] == [
            first["id"],
            str(int(answer["id"])).zfill(19),
        ]
        assert context["descendants"][1]["in_reply_to_id"] == first["id"]
        likers = await call(bob_api.status_favourited_by, posted[-1])
        assert [int(account["id"]) for account in likers] == [int(eve.id), int(bob.id)]
        await server.settle()

        # Alice's notifications: one per actor, filtered and paged by the library.
        notes = await call(alice_api.notifications)
        assert [(note["type"], int(note["account"]["id"])) for note in notes] == [
            ("favourite", int(eve.id)),
            ("favourite", int(bob.id)),
            ("mention", int(bob.id)),
        ]
        assert notes[2]["status"]["id"] == first["id"]
        favourites = await call(alice_api.notifications, types=["favourite"], limit=1)
        rest = await call(alice_api.fetch_next, favourites)
        assert [note["id"] for note in [*favourites, *rest]] == [n["id"] for n in notes[:2]]
        one = await call(alice_api.notifications, id=notes[1]["id"])
        assert one["account"]["id"] == notes[1]["account"]["id"]
        await call(alice_api.notifications_dismiss, notes[0]["id"])
        left = await call(alice_api.notifications)
        assert [note["id"] for note in left] == [n["id"] for n in notes[1:]]
        await call(alice_api.notifications_clear)
        assert await call(alice_api.notifications) == []


async def test_mastodon_py_waits_for_a_video_to_be_processed(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    base_url = server.base_url
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as root:
        alice = await register(client)
        api = await sign_in(root, base_url, alice)
        clip = video_bytes(size=(32, 32), seconds=0.5, rate=8, audio=False)
        media = await call(
            api.media_post, clip, mime_type="video/mp4", description="waves", synchronous=True
        )
        assert media["type"] == "video"
        assert media["url"]
        assert media["description"] == "waves"
        again = await call(api.media, media["id"])
        assert again["url"] == media["url"]
        status = await call(api.status_post, "A reel", media_ids=[media])
        assert status["media_attachments"][0]["type"] == "video"
