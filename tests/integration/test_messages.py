"""Direct messages on both profiles: idempotent sends, gap-free seqs under concurrency,
history both ways, the inbox with unread counts and read receipts, message requests,
blocks, strangers, validation, shared posts and story replies."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import Account, block, follow, post_story, register, set_private, unblock
from tests.integration.test_hybrid_feed import quick_post

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


async def send_raw(
    client: httpx.AsyncClient, sender: Account, recipient: Account | str, content: str, **extra: Any
) -> httpx.Response:
    body = {
        "recipient_id": recipient if isinstance(recipient, str) else recipient.id,
        "content": content,
        "client_message_id": uuid.uuid4().hex,
    } | extra
    return await client.post("/messages", json=body, headers=sender.headers)


async def send(
    client: httpx.AsyncClient, sender: Account, recipient: Account, content: str, **extra: Any
) -> dict[str, Any]:
    response = await send_raw(client, sender, recipient, content, **extra)
    assert response.status_code == 201, response.text
    sent: dict[str, Any] = response.json()
    return sent


async def history(
    client: httpx.AsyncClient, account: Account, conversation_id: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(
        f"/conversations/{conversation_id}/messages", params=params, headers=account.headers
    )
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def seqs(page: dict[str, Any]) -> list[int]:
    return [message["seq"] for message in page["messages"]]


async def folder(
    client: httpx.AsyncClient, account: Account, name: str = "inbox"
) -> list[dict[str, Any]]:
    response = await client.get("/conversations", params={"folder": name}, headers=account.headers)
    assert response.status_code == 200, response.text
    conversations: list[dict[str, Any]] = response.json()["conversations"]
    return conversations


async def unread(client: httpx.AsyncClient, account: Account) -> dict[str, int]:
    response = await client.get("/conversations/unread-count", headers=account.headers)
    assert response.status_code == 200, response.text
    counts: dict[str, int] = response.json()
    return counts


async def friends(client: httpx.AsyncClient) -> tuple[Account, Account]:
    """Two people who follow each other (so neither's messages are requests)."""
    alice, bob = await register(client), await register(client)
    await follow(client, alice, bob)
    await follow(client, bob, alice)
    return alice, bob


async def test_the_same_client_message_id_stores_once(client: httpx.AsyncClient) -> None:
    alice, bob = await friends(client)
    body = {"recipient_id": bob.id, "content": "hello", "client_message_id": "retry-1"}
    first = await client.post("/messages", json=body, headers=alice.headers)
    assert first.status_code == 201, first.text
    answer = first.json()
    assert set(answer) == {"message_id", "conversation_id", "seq", "sent_at"}
    assert answer["seq"] == 1
    assert answer["sent_at"].endswith("Z")

    again = await client.post("/messages", json=body, headers=alice.headers)
    assert again.status_code == 200, again.text
    assert again.json() == answer
    # The same id for another text (or another recipient) is a client bug, not a retry.
    other = body | {"content": "something else"}
    assert_error(
        await client.post("/messages", json=other, headers=alice.headers),
        422,
        "client_message_id_reused",
    )
    # Client ids are the sender's own: Bob may use the same one.
    mirrored = body | {"recipient_id": alice.id}
    assert (await client.post("/messages", json=mirrored, headers=bob.headers)).status_code == 201

    page = await history(client, bob, answer["conversation_id"])
    assert [(m["sender_id"], m["content"]) for m in page["messages"]] == [
        (alice.id, "hello"),
        (bob.id, "hello"),
    ]
    assert seqs(page) == [1, 2]


async def test_concurrent_retries_store_one_message(client: httpx.AsyncClient) -> None:
    alice, bob = await friends(client)
    body = {"recipient_id": bob.id, "content": "once", "client_message_id": "same-id"}
    answers = await asyncio.gather(
        *(client.post("/messages", json=body, headers=alice.headers) for _ in range(8))
    )
    assert sorted(answer.status_code for answer in answers) == [200] * 7 + [201]
    assert len({answer.text for answer in answers}) == 1
    sent = answers[0].json()
    assert sent["seq"] == 1
    # The seqs taken by the losers were rolled back: the next message is 2.
    assert (await send(client, bob, alice, "next"))["seq"] == 2
    assert seqs(await history(client, alice, sent["conversation_id"])) == [1, 2]


async def test_a_hundred_concurrent_sends_take_seq_1_to_100(client: httpx.AsyncClient) -> None:
    alice, bob = await friends(client)

    async def one(n: int) -> dict[str, Any]:
        sender, recipient = (alice, bob) if n % 2 else (bob, alice)
        return await send(client, sender, recipient, f"message {n}")

    answers = await asyncio.gather(*(one(n) for n in range(100)))
    assert len({answer["conversation_id"] for answer in answers}) == 1
    assert sorted(answer["seq"] for answer in answers) == list(range(1, 101))
    page = await history(client, alice, answers[0]["conversation_id"], after_seq=0, limit=100)
    assert seqs(page) == list(range(1, 101))
    assert len({message["id"] for message in page["messages"]}) == 100
    assert page["last_seq"] == 100
    # Each answer names the message stored under its seq.
    stored = {message["seq"]: message["id"] for message in page["messages"]}
    assert all(stored[answer["seq"]] == answer["message_id"] for answer in answers)


async def test_history_pages_forwards_and_backwards(client: httpx.AsyncClient) -> None:
    alice, bob = await friends(client)
    for n in range(1, 8):
        sent = await send(client, alice if n % 2 else bob, bob if n % 2 else alice, f"m{n}")
    conversation = sent["conversation_id"]

    forwards = [await history(client, alice, conversation, after_seq=s, limit=3) for s in (0, 3, 6)]
    assert [seqs(page) for page in forwards] == [[1, 2, 3], [4, 5, 6], [7]]
    assert [page["has_more"] for page in forwards] == [True, True, False]
    newest = await history(client, bob, conversation, limit=3)
    assert seqs(newest) == [5, 6, 7]
    assert [m["content"] for m in newest["messages"]] == ["m5", "m6", "m7"]
    assert newest["has_more"]
    back = await history(client, bob, conversation, before_seq=5, limit=3)
    assert (seqs(back), back["has_more"]) == ([2, 3, 4], True)
    first = await history(client, bob, conversation, before_seq=2, limit=3)
    assert (seqs(first), first["has_more"]) == ([1], False)
    assert seqs(await history(client, bob, conversation, after_seq=7)) == []
    both = await client.get(
        f"/conversations/{conversation}/messages",
        params={"after_seq": 1, "before_seq": 5},
        headers=alice.headers,
    )
    assert_error(both, 422, "validation_error")
    assert_error(
        await client.get(
            f"/conversations/{conversation}/messages",
            params={"after_seq": -1},
            headers=alice.headers,
        ),
        422,
    )


async def test_the_inbox_orders_by_last_message_and_counts_unread(
    client: httpx.AsyncClient,
) -> None:
    alice, bob = await friends(client)
    carol = await register(client)
    await follow(client, alice, carol)
    from_bob = await send(client, bob, alice, "hi from bob")
    await send(client, bob, alice, "are you there?")
    from_carol = await send(client, carol, alice, "hi from carol")

    inbox = await folder(client, alice)
    assert [c["other_user"]["username"] for c in inbox] == [carol.username, bob.username]
    by_bob = inbox[1]
    assert by_bob["id"] == from_bob["conversation_id"]
    assert (by_bob["last_seq"], by_bob["read_seq"], by_bob["unread_count"]) == (2, 0, 2)
    assert by_bob["last_message"]["content"] == "are you there?"
    assert by_bob["last_message"]["sender_id"] == bob.id
    assert by_bob["folder"] == "inbox"
    assert await unread(client, alice) == {
        "unread_count": 2,
        "unread_messages": 3,
        "request_count": 0,
    }
    # The sender has read their own messages.
    bob_inbox = await folder(client, bob)
    assert [(c["unread_count"], c["other_read_seq"]) for c in bob_inbox] == [(0, 0)]

    # A new message moves Bob's conversation to the top; reading clears its count.
    await send(client, alice, bob, "yes!")
    inbox = await folder(client, alice)
    assert [c["id"] for c in inbox] == [from_bob["conversation_id"], from_carol["conversation_id"]]
    assert inbox[0]["unread_count"] == 0  # replying means having read
    bob_view = (await folder(client, bob))[0]
    assert (bob_view["unread_count"], bob_view["other_read_seq"]) == (1, 3)
    assert (await unread(client, alice))["unread_count"] == 1

    # Cursor paging over the inbox.
    first = await client.get("/conversations", params={"limit": 1}, headers=alice.headers)
    body = first.json()
    assert [c["id"] for c in body["conversations"]] == [from_bob["conversation_id"]]
    rest = await client.get(
        "/conversations", params={"limit": 1, "cursor": body["next_cursor"]}, headers=alice.headers
    )
    assert [c["id"] for c in rest.json()["conversations"]] == [from_carol["conversation_id"]]
    assert rest.json()["next_cursor"] is None


async def test_read_receipts_never_move_backwards(client: httpx.AsyncClient) -> None:
    alice, bob = await friends(client)
    for n in range(3):
        sent = await send(client, bob, alice, f"m{n}")
    conversation = sent["conversation_id"]

    async def read(up_to: int) -> dict[str, Any]:
        response = await client.post(
            f"/conversations/{conversation}/read", json={"up_to_seq": up_to}, headers=alice.headers
        )
        assert response.status_code == 200, response.text
        state: dict[str, Any] = response.json()
        return state

    assert await read(2) == {"read_seq": 2, "unread_count": 1}
    assert await read(1) == {"read_seq": 2, "unread_count": 1}
    assert await read(99) == {"read_seq": 3, "unread_count": 0}  # clamped to the last seq
    assert (await folder(client, bob))[0]["other_read_seq"] == 3
    for bad in ({"up_to_seq": -1}, {"up_to_seq": "x"}, {}):
        response = await client.post(
            f"/conversations/{conversation}/read", json=bad, headers=alice.headers
        )
        assert_error(response, 422, "validation_error")


async def test_strangers_messages_wait_in_requests_until_accepted(
    client: httpx.AsyncClient,
) -> None:
    alice, bob, carol = await register(client), await register(client), await register(client)
    request = await send(client, bob, alice, "hello stranger")
    assert await folder(client, alice) == []
    requests = await folder(client, alice, "requests")
    assert [(c["id"], c["folder"]) for c in requests] == [(request["conversation_id"], "requests")]
    assert await unread(client, alice) == {
        "unread_count": 0,
        "unread_messages": 0,
        "request_count": 1,
    }
    # For Bob, who wrote first, it is an ordinary conversation.
    assert [c["folder"] for c in await folder(client, bob)] == ["inbox"]

    accepted = await client.post(
        f"/conversations/{request['conversation_id']}/accept", headers=alice.headers
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["folder"] == "inbox"
    assert [c["id"] for c in await folder(client, alice)] == [request["conversation_id"]]
    assert await folder(client, alice, "requests") == []
    assert (await unread(client, alice))["unread_count"] == 1

    # Replying to a request accepts it too.
    other = await send(client, carol, alice, "me too")
    assert [c["id"] for c in await folder(client, alice, "requests")] == [other["conversation_id"]]
    await send(client, alice, carol, "hi carol")
    assert await folder(client, alice, "requests") == []
    assert {c["id"] for c in await folder(client, alice)} == {
        request["conversation_id"],
        other["conversation_id"],
    }


async def test_blocked_people_cannot_message_each_other(client: httpx.AsyncClient) -> None:
    alice, bob = await friends(client)
    sent = await send(client, alice, bob, "before the block")
    conversation = sent["conversation_id"]
    await block(client, bob, alice)

    # The blocker is told why; to the blocked one the blocker looks like no account at
    # all: the very answer an id nobody has gets.
    assert_error(await send_raw(client, bob, alice, "hi"), 403, "messaging_blocked")
    unknown = await send_raw(client, alice, "123456789", "hi")
    blocked = await send_raw(client, alice, bob, "hi")
    assert_error(blocked, 404, "user_not_found")
    assert (blocked.status_code, blocked.json()) == (unknown.status_code, unknown.json())
    # The conversation is hidden from both while the block lasts.
    for account in (alice, bob):
        assert await folder(client, account) == []
        assert (await unread(client, account))["unread_count"] == 0
        response = await client.get(
            f"/conversations/{conversation}/messages", headers=account.headers
        )
        assert_error(response, 404, "conversation_not_found")

    await unblock(client, bob, alice)
    assert seqs(await history(client, bob, conversation)) == [1]
    assert (await send_raw(client, bob, alice, "hello again")).status_code == 201


async def test_only_the_two_participants_see_a_conversation(client: httpx.AsyncClient) -> None:
    alice, bob = await friends(client)
    carol = await register(client)
    conversation = (await send(client, alice, bob, "private"))["conversation_id"]
    calls = [
        ("GET", f"/conversations/{conversation}", None),
        ("GET", f"/conversations/{conversation}/messages", None),
        ("POST", f"/conversations/{conversation}/read", {"up_to_seq": 1}),
        ("POST", f"/conversations/{conversation}/accept", None),
    ]
    for method, path, body in calls:
        response = await client.request(method, path, json=body, headers=carol.headers)
        assert_error(response, 404, "conversation_not_found")
        # Exactly what a conversation that does not exist answers.
        missing = await client.request(
            method, path.replace(conversation, "12345"), json=body, headers=carol.headers
        )
        assert_error(missing, 404, "conversation_not_found")
        assert_error(await client.request(method, path, json=body), 401, "unauthenticated")
    assert await folder(client, carol) == []
    assert (
        await client.get(f"/conversations/{conversation}", headers=bob.headers)
    ).status_code == 200


async def test_messages_are_validated(client: httpx.AsyncClient) -> None:
    alice, bob = await friends(client)
    assert_error(await send_raw(client, alice, alice, "me"), 422, "cannot_message_self")
    assert_error(await send_raw(client, alice, "999999999", "hi"), 404, "user_not_found")
    refused = ("", "   \n ", "x" * 1001, "bell\x07", "del\x7f", "rtl\u202egpj", "\u200b\u200b")
    for content in refused:
        assert_error(await send_raw(client, alice, bob, content), 422, "validation_error")
    for client_id in ("", "has space", "x" * 65, "emoji😀"):
        response = await send_raw(client, alice, bob, "hi", client_message_id=client_id)
        assert_error(response, 422, "validation_error")
    for recipient in ("abc", "99999999999999999999", "-1"):
        assert_error(await send_raw(client, alice, recipient, "hi"), 422, "validation_error")
    assert_error(await send_raw(client, alice, bob, "hi", story_id="1"), 422, "validation_error")
    no_token = await client.post(
        "/messages", json={"recipient_id": bob.id, "content": "x", "client_message_id": "a"}
    )
    assert_error(no_token, 401, "unauthenticated")
    malformed = await client.post(
        "/messages",
        content=b"{not json",
        headers=alice.headers | {"Content-Type": "application/json"},
    )
    assert_error(malformed, 400, "malformed_json")
    # Nothing above was stored; the longest text, newlines and tabs (as in every
    # multi-line field) are fine.
    sent = await send(client, alice, bob, "line one\nline\ttwo " + "x" * 982)
    page = await history(client, bob, sent["conversation_id"])
    assert [len(m["content"]) for m in page["messages"]] == [1000]


async def test_a_shared_post_shows_only_to_whom_may_see_it(client: httpx.AsyncClient) -> None:
    alice, bob = await friends(client)
    carol = await register(client)
    post_id = await quick_post(client, carol, "a public post")
    sent = await send(client, alice, bob, "look", post_id=post_id)
    shared = (await history(client, bob, sent["conversation_id"]))["messages"][0]["post"]
    assert shared["id"] == post_id
    assert shared["available"]
    assert shared["author"]["username"] == carol.username
    assert shared["thumb_url"]

    # Carol goes private: neither follows her, so the post is no longer shown.
    await set_private(client, carol)
    for account in (alice, bob):
        message = (await history(client, account, sent["conversation_id"]))["messages"][0]
        assert message["post"] == {"id": post_id, "available": False}
    # And it cannot be shared any more by someone who cannot see it.
    assert_error(await send_raw(client, alice, bob, "x", post_id=post_id), 404, "post_not_found")
    assert_error(await send_raw(client, alice, bob, "x", post_id="424242"), 404, "post_not_found")


async def test_replying_to_a_story_messages_its_author(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob = await friends(client)
    stranger = await register(client)
    story = await post_story(client, bob)

    reply = await client.post(
        f"/stories/{story['id']}/reply",
        json={"content": "great view!", "client_message_id": "story-1"},
        headers=alice.headers,
    )
    assert reply.status_code == 201, reply.text
    conversation = reply.json()["conversation_id"]
    (message,) = (await history(client, bob, conversation))["messages"]
    assert message["content"] == "great view!"
    assert message["sender_id"] == alice.id
    assert message["story"]["id"] == story["id"]
    assert message["story"]["available"]
    assert message["story"]["thumb_url"]
    assert [c["id"] for c in await folder(client, bob)] == [conversation]
    again = await client.post(
        f"/stories/{story['id']}/reply",
        json={"content": "great view!", "client_message_id": "story-1"},
        headers=alice.headers,
    )
    assert (again.status_code, again.json()) == (200, reply.json())

    body = {"content": "hi", "client_message_id": "story-2"}
    own = await client.post(f"/stories/{story['id']}/reply", json=body, headers=bob.headers)
    assert_error(own, 422, "cannot_message_self")
    await set_private(client, bob)
    hidden = await client.post(f"/stories/{story['id']}/reply", json=body, headers=stranger.headers)
    assert_error(hidden, 404, "story_not_found")
    # Gone (deleted or expired): no more replies, and the old one shows it unavailable.
    assert (await client.delete(f"/stories/{story['id']}", headers=bob.headers)).status_code == 204
    late = await client.post(f"/stories/{story['id']}/reply", json=body, headers=alice.headers)
    assert_error(late, 404, "story_not_found")
    (message,) = (await history(client, alice, conversation))["messages"]
    assert message["story"] == {"id": story["id"], "available": False}


@pytest.mark.parametrize(
    "settings_overrides", [{"rate_limits": "on", "rate_limit_messages": "3/minute"}]
)
async def test_sending_is_rate_limited(client: httpx.AsyncClient) -> None:
    alice, bob = await friends(client)
    for n in range(3):
        await send(client, alice, bob, f"m{n}")
    limited = await send_raw(client, alice, bob, "one too many")
    assert_error(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) >= 1
    assert (await send_raw(client, bob, alice, "bob has his own budget")).status_code == 201
