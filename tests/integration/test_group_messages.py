"""Group conversations, photos and videos in messages, unsend and reactions, on both
profiles: who may be in a group, the same gap-free seq and idempotent send as 1:1 (50
concurrent sends from 5 members), members added, removed and leaving (as notices in the
sequence), renames, read receipts per member, live events, media served to members only
by expiring links, unsent tombstones, one emoji per member per message."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import (
    Account,
    block,
    distinct_image,
    follow,
    many_accounts,
    register,
    start_upload,
    upload_image,
)
from tests.integration.test_hybrid_feed import quick_post
from tests.integration.test_messages import history, send
from tests.integration.test_realtime import live, next_event

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


async def create_group_raw(
    client: httpx.AsyncClient, creator: Account, members: list[Account | str], **extra: Any
) -> httpx.Response:
    ids = [member if isinstance(member, str) else member.id for member in members]
    return await client.post(
        "/conversations", json={"member_ids": ids} | extra, headers=creator.headers
    )


async def create_group(
    client: httpx.AsyncClient, creator: Account, members: list[Account], **extra: Any
) -> dict[str, Any]:
    response = await create_group_raw(client, creator, list(members), **extra)
    assert response.status_code == 201, response.text
    conversation: dict[str, Any] = response.json()
    return conversation


async def post_raw(
    client: httpx.AsyncClient,
    sender: Account,
    conversation_id: str,
    content: str | None = "hi",
    **extra: Any,
) -> httpx.Response:
    body: dict[str, Any] = {"client_message_id": uuid.uuid4().hex} | extra
    if content is not None:
        body["content"] = content
    return await client.post(
        f"/conversations/{conversation_id}/messages", json=body, headers=sender.headers
    )


async def post(
    client: httpx.AsyncClient,
    sender: Account,
    conversation_id: str,
    content: str | None = "hi",
    **extra: Any,
) -> dict[str, Any]:
    response = await post_raw(client, sender, conversation_id, content, **extra)
    assert response.status_code == 201, response.text
    sent: dict[str, Any] = response.json()
    return sent


async def conversation_of(
    client: httpx.AsyncClient, account: Account, conversation_id: str
) -> dict[str, Any]:
    response = await client.get(f"/conversations/{conversation_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    conversation: dict[str, Any] = response.json()
    return conversation


async def remove(
    client: httpx.AsyncClient, actor: Account, conversation_id: str, user: Account
) -> httpx.Response:
    return await client.request(
        "DELETE",
        f"/conversations/{conversation_id}/members",
        json={"user_id": user.id},
        headers=actor.headers,
    )


def member_ids(conversation: dict[str, Any]) -> list[str]:
    return [member["user"]["id"] for member in conversation["members"]]


def notices(page: dict[str, Any]) -> list[tuple[int, str, list[str]]]:
    """(seq, action, users' ids) of the notices (system messages) of a history page."""
    return [
        (m["seq"], m["system"]["action"], [user["id"] for user in m["system"]["users"]])
        for m in page["messages"]
        if m["system"]
    ]


async def trio(client: httpx.AsyncClient) -> tuple[Account, Account, Account]:
    """Three people who all follow each other."""
    people = [await register(client) for _ in range(3)]
    for a in people:
        for b in people:
            if a is not b:
                await follow(client, a, b)
    return people[0], people[1], people[2]


async def test_a_group_is_made_of_people_the_creator_may_message(
    client: httpx.AsyncClient,
) -> None:
    alice, bob, carol = await register(client), await register(client), await register(client)
    await follow(client, bob, alice)  # Bob follows Alice; Carol does not
    group = await create_group(client, alice, [bob, carol, alice], name="  Trip to Lisbon ")
    assert (group["kind"], group["name"], group["other_user"]) == ("group", "Trip to Lisbon", None)
    assert member_ids(group) == [alice.id, bob.id, carol.id]
    assert [m["role"] for m in group["members"]] == ["admin", "member", "member"]
    assert [m["read_seq"] for m in group["members"]] == [0, 0, 0]
    assert (group["last_seq"], group["last_message"], group["folder"]) == (0, None, "inbox")
    # The rules of a first message: in the inbox of whoever follows the creator, under
    # requests for the others, until they accept or write.
    assert (await conversation_of(client, bob, group["id"]))["folder"] == "inbox"
    assert (await conversation_of(client, carol, group["id"]))["folder"] == "requests"
    requests = (
        await client.get("/conversations", params={"folder": "requests"}, headers=carol.headers)
    ).json()["conversations"]
    assert [c["id"] for c in requests] == [group["id"]]
    await post(client, carol, group["id"], "count me in")
    assert (await conversation_of(client, carol, group["id"]))["folder"] == "inbox"

    # Who may not be put in a group: someone who blocked the creator looks like nobody
    # (the very answer of an unknown id); someone the creator blocked is explained.
    dave, erin = await register(client), await register(client)
    await block(client, dave, alice)
    unknown = await create_group_raw(client, alice, [bob, "987654321"])
    blocked_me = await create_group_raw(client, alice, [bob, dave])
    assert_error(blocked_me, 404, "user_not_found")
    assert (blocked_me.status_code, blocked_me.json()) == (unknown.status_code, unknown.json())
    await block(client, alice, erin)
    assert_error(await create_group_raw(client, alice, [bob, erin]), 403, "messaging_blocked")
    # Sizes and names.
    assert_error(await create_group_raw(client, alice, [bob]), 422, "group_size")
    assert_error(await create_group_raw(client, alice, [bob, bob, alice]), 422, "group_size")
    assert_error(await create_group_raw(client, alice, []), 422, "validation_error")
    too_many = [str(10**6 + n) for n in range(32)]
    assert_error(await create_group_raw(client, alice, too_many), 422, "validation_error")
    for name in ("x" * 101, "two\nlines", "bell\x07"):
        response = await create_group_raw(client, alice, [bob, carol], name=name)
        assert_error(response, 422, "validation_error")
    for ids in (["abc", bob.id], [bob.id, "-1"], "not a list"):
        response = await client.post(
            "/conversations", json={"member_ids": ids}, headers=alice.headers
        )
        assert_error(response, 422, "validation_error")
    assert_error(await client.post("/conversations", json={"member_ids": [bob.id]}), 401)
    unnamed = await create_group(client, alice, [bob, carol], name="")
    assert unnamed["name"] is None
    # Nothing refused above was made: Alice has her two groups.
    inbox = (await client.get("/conversations", headers=alice.headers)).json()["conversations"]
    assert {c["id"] for c in inbox} == {group["id"], unnamed["id"]}


async def test_group_sends_are_idempotent_and_reach_members_only(
    client: httpx.AsyncClient,
) -> None:
    alice, bob, carol = await trio(client)
    stranger = await register(client)
    group = (await create_group(client, alice, [bob, carol]))["id"]
    body = {"content": "hello all", "client_message_id": "group-1"}
    path = f"/conversations/{group}/messages"
    first = await client.post(path, json=body, headers=alice.headers)
    assert first.status_code == 201, first.text
    assert (first.json()["seq"], first.json()["conversation_id"]) == (1, group)
    again = await client.post(path, json=body, headers=alice.headers)
    assert (again.status_code, again.json()) == (200, first.json())
    other = await client.post(path, json=body | {"content": "else"}, headers=alice.headers)
    assert_error(other, 422, "client_message_id_reused")
    # The same client id sent to a person is another request too.
    direct = {"recipient_id": bob.id, "content": "hello all", "client_message_id": "group-1"}
    assert_error(
        await client.post("/messages", json=direct, headers=alice.headers),
        422,
        "client_message_id_reused",
    )
    await post(client, bob, group, "hi alice")
    page = await history(client, carol, group)
    assert [(m["seq"], m["sender"]["username"], m["content"]) for m in page["messages"]] == [
        (1, alice.username, "hello all"),
        (2, bob.username, "hi alice"),
    ]
    assert all(m["reactions"] == [] and not m["unsent"] for m in page["messages"])
    for account in (alice, bob, carol):
        assert (await conversation_of(client, account, group))["last_seq"] == 2
    inbox = (await client.get("/conversations", headers=carol.headers)).json()["conversations"]
    assert [(c["id"], c["unread_count"]) for c in inbox] == [(group, 2)]
    assert inbox[0]["last_message"]["content"] == "hi alice"

    # A stranger to the group gets what a conversation that does not exist gets.
    for method, suffix, payload in (
        ("GET", "", None),
        ("GET", "/messages", None),
        ("POST", "/messages", {"content": "x", "client_message_id": "s1"}),
        ("POST", "/read", {"up_to_seq": 1}),
        ("POST", "/accept", None),
        ("PATCH", "", {"name": "mine now"}),
        ("POST", "/members", {"user_ids": [stranger.id]}),
        ("DELETE", "/members", {"user_id": stranger.id}),
    ):
        response = await client.request(
            method, f"/conversations/{group}{suffix}", json=payload, headers=stranger.headers
        )
        assert_error(response, 404, "conversation_not_found")
        missing = await client.request(
            method, f"/conversations/424242{suffix}", json=payload, headers=stranger.headers
        )
        assert (missing.status_code, missing.json()) == (response.status_code, response.json())

    # Sending to a direct conversation by its id continues its sequence.
    sent = await send(client, alice, bob, "just us")
    more = await post(client, bob, sent["conversation_id"], "yes, just us")
    assert (more["conversation_id"], more["seq"]) == (sent["conversation_id"], 2)
    # Nothing to send, or both a text and nothing else wrong.
    assert_error(await post_raw(client, alice, group, None), 422, "validation_error")
    assert_error(await post_raw(client, alice, group, ""), 422, "validation_error")
    assert_error(await post_raw(client, alice, group, "x" * 1001), 422, "validation_error")
    assert_error(await post_raw(client, alice, group, "x", recipient_id=bob.id), 422)


async def test_fifty_concurrent_sends_from_five_members_take_seq_1_to_50(
    client: httpx.AsyncClient,
) -> None:
    people = [await register(client) for _ in range(5)]
    group = (await create_group(client, people[0], people[1:]))["id"]

    async def one(n: int) -> dict[str, Any]:
        return await post(client, people[n % 5], group, f"message {n}")

    answers = await asyncio.gather(*(one(n) for n in range(50)))
    assert {answer["conversation_id"] for answer in answers} == {group}
    assert sorted(answer["seq"] for answer in answers) == list(range(1, 51))
    page = await history(client, people[3], group, after_seq=0, limit=100)
    assert [m["seq"] for m in page["messages"]] == list(range(1, 51))
    assert (page["last_seq"], page["has_more"]) == (50, False)
    stored = {m["seq"]: (m["id"], m["content"]) for m in page["messages"]}
    assert len({message_id for message_id, _ in stored.values()}) == 50
    assert sorted(content for _, content in stored.values()) == sorted(
        f"message {n}" for n in range(50)
    )
    # Each answer names the message stored under its seq, sent by its sender.
    assert all(stored[answer["seq"]][0] == answer["message_id"] for answer in answers)
    by_sender: dict[str, int] = {}
    for m in page["messages"]:
        by_sender[m["sender_id"]] = by_sender.get(m["sender_id"], 0) + 1
    assert by_sender == {person.id: 10 for person in people}


async def test_members_are_added_removed_and_leave_as_notices_in_the_sequence(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob, carol = await trio(client)
    dave, erin, frank = await register(client), await register(client), await register(client)
    group = (await create_group(client, alice, [bob, carol], name="Plans"))["id"]
    await post(client, alice, group, "before dave")

    # Any member adds people (the rules of creating one); those already in are left alone.
    added = await client.post(
        f"/conversations/{group}/members",
        json={"user_ids": [dave.id, carol.id, dave.id]},
        headers=bob.headers,
    )
    assert added.status_code == 200, added.text
    assert member_ids(added.json()) == [alice.id, bob.id, carol.id, dave.id]
    assert added.json()["last_seq"] == 2
    # Dave reads from the notice that added him on; it is his one unread message.
    dave_view = await conversation_of(client, dave, group)
    assert (dave_view["unread_count"], dave_view["folder"]) == (1, "requests")
    page = await history(client, dave, group)
    assert [m["seq"] for m in page["messages"]] == [2]
    assert notices(page) == [(2, "added", [dave.id])]
    assert page["messages"][0]["sender_id"] == bob.id
    assert page["has_more"] is False
    assert [m["seq"] for m in (await history(client, dave, group, before_seq=2))["messages"]] == []
    first_message = (await history(client, alice, group))["messages"][0]["id"]
    hidden = await client.get(f"/messages/{first_message}", headers=dave.headers)
    assert_error(hidden, 404, "message_not_found")
    # Again: nothing changes, no notice.
    again = await client.post(
        f"/conversations/{group}/members", json={"user_ids": [dave.id]}, headers=carol.headers
    )
    assert (again.status_code, again.json()["last_seq"]) == (200, 2)

    # Blocks, as when creating one.
    await block(client, erin, bob)
    refused = await client.post(
        f"/conversations/{group}/members", json={"user_ids": [erin.id]}, headers=bob.headers
    )
    assert_error(refused, 404, "user_not_found")
    await block(client, bob, frank)
    refused = await client.post(
        f"/conversations/{group}/members", json={"user_ids": [frank.id]}, headers=bob.headers
    )
    assert_error(refused, 403, "messaging_blocked")

    # Only the admin removes others; anyone leaves.
    assert_error(await remove(client, carol, group, dave), 403, "not_group_admin")
    assert_error(await remove(client, alice, group, frank), 404, "member_not_found")
    assert (await remove(client, alice, group, dave)).status_code == 204
    for response in (
        await client.get(f"/conversations/{group}", headers=dave.headers),
        await client.get(f"/conversations/{group}/messages", headers=dave.headers),
        await post_raw(client, dave, group, "am I still here?"),
    ):
        assert_error(response, 404, "conversation_not_found")
    assert (await client.get("/conversations", headers=dave.headers)).json()["conversations"] == []
    left = await client.delete(f"/conversations/{group}/members/{bob.id}", headers=bob.headers)
    assert left.status_code == 204, left.text
    assert_error(await client.get(f"/conversations/{group}", headers=bob.headers), 404)
    await post(client, carol, group, "just us two")
    page = await history(client, carol, group)
    assert notices(page) == [
        (2, "added", [dave.id]),
        (3, "removed", [dave.id]),
        (4, "left", [bob.id]),
    ]
    assert [m["sender_id"] for m in page["messages"] if m["system"]] == [bob.id, alice.id, bob.id]
    assert member_ids(await conversation_of(client, carol, group)) == [alice.id, carol.id]
    # The admin leaves: the longest-standing member takes over.
    assert (await remove(client, alice, group, alice)).status_code == 204
    carols = await conversation_of(client, carol, group)
    assert [(m["user"]["id"], m["role"]) for m in carols["members"]] == [(carol.id, "admin")]
    assert carols["last_seq"] == 6

    # Renames: any member; the same name says nothing; null takes it away.
    renamed = await client.patch(
        f"/conversations/{group}", json={"name": "Quiet now"}, headers=carol.headers
    )
    assert (renamed.status_code, renamed.json()["name"]) == (200, "Quiet now"), renamed.text
    same = await client.patch(
        f"/conversations/{group}", json={"name": "Quiet now"}, headers=carol.headers
    )
    assert same.json()["last_seq"] == 7
    cleared = await client.patch(
        f"/conversations/{group}", json={"name": None}, headers=carol.headers
    )
    assert (cleared.json()["name"], cleared.json()["last_seq"]) == (None, 8)
    renames = [m["system"] for m in (await history(client, carol, group))["messages"][-2:]]
    assert renames == [
        {"action": "renamed", "users": [], "name": "Quiet now"},
        {"action": "renamed", "users": [], "name": None},
    ]
    for body in ({"name": "x" * 101}, {}, {"name": "a\nb"}, {"name": 5}):
        response = await client.patch(f"/conversations/{group}", json=body, headers=carol.headers)
        assert_error(response, 422, "validation_error")
    # Seqs stayed gap-free through every change.
    assert [m["seq"] for m in (await history(client, carol, group))["messages"]] == list(
        range(1, 9)
    )

    # A direct conversation has no members to change and no name.
    direct = (await send(client, alice, bob, "hi"))["conversation_id"]
    for method, suffix, body in (
        ("PATCH", "", {"name": "us"}),
        ("POST", "/members", {"user_ids": [carol.id]}),
        ("DELETE", "/members", {"user_id": bob.id}),
    ):
        response = await client.request(
            method, f"/conversations/{direct}{suffix}", json=body, headers=alice.headers
        )
        assert_error(response, 422, "not_a_group")


async def test_a_group_holds_at_most_32_members(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice = await register(client)
    crowd = await many_accounts(server, 32)
    group = await create_group(client, alice, crowd[:31])
    assert len(group["members"]) == 32
    full = await client.post(
        f"/conversations/{group['id']}/members",
        json={"user_ids": [crowd[31].id]},
        headers=alice.headers,
    )
    assert_error(full, 422, "group_full")
    assert (await remove(client, alice, group["id"], crowd[0])).status_code == 204
    added = await client.post(
        f"/conversations/{group['id']}/members",
        json={"user_ids": [crowd[31].id]},
        headers=crowd[5].headers,
    )
    assert added.status_code == 200, added.text
    assert len(added.json()["members"]) == 32
    assert added.json()["last_seq"] == 2  # the removal, then the addition; no trace of the 422


async def test_read_receipts_and_live_events_reach_every_member(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob, carol = await trio(client)
    dave = await register(client)
    group = (await create_group(client, alice, [bob, carol]))["id"]
    async with (
        live(server.base_url, alice) as alice_ws,
        live(server.base_url, bob) as bob_ws,
        live(server.base_url, carol) as carol_ws,
        live(server.base_url, dave) as dave_ws,
    ):
        sent = await post(client, alice, group, "live")
        for ws in (alice_ws, bob_ws, carol_ws):
            event = await next_event(ws, "message")
            assert (event["message"]["id"], event["message"]["seq"]) == (sent["message_id"], 1)
            assert event["message"]["sender"]["username"] == alice.username
        await post(client, bob, group, "me too")
        read = await client.post(
            f"/conversations/{group}/read", json={"up_to_seq": 2}, headers=carol.headers
        )
        assert read.json() == {"read_seq": 2, "unread_count": 0}
        for ws in (alice_ws, bob_ws, carol_ws):
            event = await next_event(ws, "read")
            assert event == {
                "type": "read",
                "conversation_id": group,
                "user_id": carol.id,
                "up_to_seq": 2,
            }
        seen = await conversation_of(client, alice, group)
        assert {m["user"]["id"]: m["read_seq"] for m in seen["members"]} == {
            alice.id: 1,
            bob.id: 2,
            carol.id: 2,
        }
        assert seen["other_read_seq"] == 2
        assert (seen["read_seq"], seen["unread_count"]) == (1, 1)

        # Added: Dave's sockets get the notice; removed: he is told, and hears no more.
        await client.post(
            f"/conversations/{group}/members", json={"user_ids": [dave.id]}, headers=alice.headers
        )
        added = await next_event(dave_ws, "message")
        assert (added["message"]["seq"], added["message"]["system"]["action"]) == (3, "added")
        assert (await remove(client, alice, group, dave)).status_code == 204
        gone = await next_event(dave_ws, "conversation_left")
        assert gone == {"type": "conversation_left", "conversation_id": group, "user_id": dave.id}
        carols = [(await next_event(carol_ws, "message"))["message"] for _ in range(2)]
        assert [(m["seq"], m["system"]["action"]) for m in carols] == [(3, "added"), (4, "removed")]
        await post(client, bob, group, "dave does not see this")
        assert (await next_event(carol_ws, "message"))["message"]["seq"] == 5
        with pytest.raises(TimeoutError):
            await next_event(dave_ws, "message", timeout_s=1.0)

        # Unsend and reactions are live too.
        reacted = await client.put(
            f"/messages/{sent['message_id']}/reaction", json={"emoji": "🔥"}, headers=bob.headers
        )
        assert reacted.status_code == 200, reacted.text
        event = await next_event(alice_ws, "reaction")
        assert event == {
            "type": "reaction",
            "conversation_id": group,
            "message_id": sent["message_id"],
            "user_id": bob.id,
            "emoji": "🔥",
        }
        assert (
            await client.delete(f"/messages/{sent['message_id']}", headers=alice.headers)
        ).status_code == 204
        for ws in (alice_ws, bob_ws, carol_ws):
            event = await next_event(ws, "message_unsent")
            assert event == {
                "type": "message_unsent",
                "conversation_id": group,
                "message_id": sent["message_id"],
                "seq": 1,
            }

    # A new group: its members' sockets are told.
    async with live(server.base_url, carol) as carol_ws:
        made = await create_group(client, alice, [bob, carol])
        event = await next_event(carol_ws, "conversation_added")
        assert event == {"type": "conversation_added", "conversation_id": made["id"]}


async def test_unsend_leaves_a_tombstone_for_everyone(client: httpx.AsyncClient) -> None:
    alice, bob, carol = await trio(client)
    stranger = await register(client)
    group = (await create_group(client, alice, [bob, carol]))["id"]
    shared = await quick_post(client, carol, "a post")
    mine = await post(client, alice, group, "oops", post_id=shared, client_message_id="oops-1")
    theirs = await post(client, bob, group, "reply")
    await client.put(
        f"/messages/{mine['message_id']}/reaction", json={"emoji": "👍"}, headers=bob.headers
    )

    assert_error(
        await client.delete(f"/messages/{theirs['message_id']}", headers=alice.headers),
        403,
        "not_your_message",
    )
    for who, message in ((stranger, mine), (alice, {"message_id": "424242"})):
        assert_error(
            await client.delete(f"/messages/{message['message_id']}", headers=who.headers),
            404,
            "message_not_found",
        )
    assert (
        await client.delete(f"/messages/{mine['message_id']}", headers=alice.headers)
    ).status_code == 204
    assert (
        await client.delete(f"/messages/{mine['message_id']}", headers=alice.headers)
    ).status_code == 204
    for account in (alice, bob, carol):
        page = await history(client, account, group)
        assert [m["seq"] for m in page["messages"]] == [1, 2]
        tombstone = page["messages"][0]
        assert tombstone["unsent"] is True
        assert (tombstone["content"], tombstone["post"], tombstone["media"]) == ("", None, None)
        assert tombstone["reactions"] == []
        assert tombstone["sender_id"] == alice.id
    # A retry of the unsent send is still recognised (it does not come back).
    retry = await client.post(
        f"/conversations/{group}/messages",
        json={"content": "oops", "post_id": shared, "client_message_id": "oops-1"},
        headers=alice.headers,
    )
    assert retry.status_code == 200, retry.text
    assert (await history(client, bob, group))["last_seq"] == 2
    # An unsent message takes no reaction; the next message is 3.
    assert_error(
        await client.put(
            f"/messages/{mine['message_id']}/reaction", json={"emoji": "👍"}, headers=bob.headers
        ),
        422,
        "cannot_react",
    )
    assert (await post(client, carol, group, "next"))["seq"] == 3
    # Direct messages unsend the same way.
    direct = await send(client, alice, bob, "1:1 oops")
    assert (
        await client.delete(f"/messages/{direct['message_id']}", headers=alice.headers)
    ).status_code == 204
    (message,) = (await history(client, bob, direct["conversation_id"]))["messages"]
    assert (message["unsent"], message["content"]) == (True, "")


async def test_one_reaction_per_member_per_message(client: httpx.AsyncClient) -> None:
    alice, bob, carol = await trio(client)
    stranger = await register(client)
    group = (await create_group(client, alice, [bob, carol]))["id"]
    message = (await post(client, alice, group, "react to me"))["message_id"]
    path = f"/messages/{message}/reaction"

    first = await client.put(path, json={"emoji": "❤️"}, headers=bob.headers)
    assert first.json() == {
        "message_id": message,
        "reactions": [{"user_id": bob.id, "emoji": "❤️"}],
    }, first.text
    await client.put(path, json={"emoji": "👍🏽"}, headers=carol.headers)
    replaced = await client.put(path, json={"emoji": "😂"}, headers=bob.headers)
    assert replaced.json()["reactions"] == [
        {"user_id": carol.id, "emoji": "👍🏽"},
        {"user_id": bob.id, "emoji": "😂"},
    ]
    (shown,) = (await history(client, alice, group))["messages"]
    assert shown["reactions"] == replaced.json()["reactions"]
    one = await client.get(f"/messages/{message}", headers=carol.headers)
    assert (one.status_code, one.json()["reactions"]) == (200, replaced.json()["reactions"])
    assert (await client.delete(path, headers=bob.headers)).status_code == 204
    assert (await client.delete(path, headers=bob.headers)).status_code == 204
    (shown,) = (await history(client, alice, group))["messages"]
    assert shown["reactions"] == [{"user_id": carol.id, "emoji": "👍🏽"}]

    # One emoji: a flag, a keycap, a family, a skin tone are one; words, two emoji, an
    # emoji with a combining mark, or too long a sequence are not.
    for emoji in ("🇵🇹", "1️⃣", "👨‍👩‍👧‍👦", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "©️", "🫠"):
        response = await client.put(path, json={"emoji": emoji}, headers=carol.headers)
        assert response.status_code == 200, (emoji, response.text)
    for emoji in ("", "a", "ok", "👍👍", "👍\u0301", "🇵", "1", "\u200d", "❤️" * 9, 5, None):
        response = await client.put(path, json={"emoji": emoji}, headers=carol.headers)
        assert_error(response, 422, "validation_error")
    assert_error(await client.put(path, json={"emoji": "👍"}, headers=stranger.headers), 404)
    assert_error(await client.delete(path, headers=stranger.headers), 404, "message_not_found")
    assert_error(
        await client.put("/messages/424242/reaction", json={"emoji": "👍"}, headers=bob.headers),
        404,
        "message_not_found",
    )
    assert_error(await client.put(path, json={"emoji": "👍"}), 401)


async def test_photos_and_videos_in_messages_are_for_members_only(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    alice, bob, carol = await trio(client)
    stranger = await register(client)
    group = (await create_group(client, alice, [bob, carol]))["id"]
    photo = await upload_image(client, alice, distinct_image(), "image/png")
    before = (await client.get(f"/media/{photo}", headers=alice.headers)).json()
    public_original = before["urls"]["original"]
    sent = await post(client, alice, group, None, media_id=photo, client_message_id="photo-1")
    (message,) = (await history(client, carol, group))["messages"]
    assert (message["content"], message["media"]["id"], message["media"]["type"]) == (
        "",
        photo,
        "image",
    )
    urls = message["media"]["urls"]
    async with httpx.AsyncClient(timeout=30) as raw:
        for url in urls.values():
            fetched = await raw.get(url)
            assert fetched.status_code == 200, url
            assert "private" in fetched.headers.get("cache-control", ""), fetched.headers
        # The file the upload made before it was sent is gone: no lasting link names it.
        assert (await raw.get(public_original)).status_code in (403, 404)
        if server.settings.s3_bucket is None:
            # Embedded: the message's files answer expiring links only, even to a link
            # signed the lasting way for their key.
            key = urls["original"].split("/media/files/", 1)[1].split("?", 1)[0]
            assert key.startswith("private/")
            lasting = server.context.objects.public_url(key, server.base_url)
            assert (await raw.get(lasting)).status_code == 404
            expired = urls["original"].replace("exp=", "exp=1").replace("&sig=", "&sig=0")
            assert (await raw.get(expired)).status_code == 404
    # The owner's own view of the media uses expiring links too.
    own = (await client.get(f"/media/{photo}", headers=alice.headers)).json()
    assert own["urls"]["original"] != public_original
    assert "private/" in own["urls"]["original"]

    # The same media cannot go anywhere else: not a post, a story, another message.
    reused = await client.post("/posts", json={"media_ids": [photo]}, headers=alice.headers)
    assert_error(reused, 422, "media_in_use")
    assert_error(await post_raw(client, alice, group, None, media_id=photo), 422, "media_in_use")
    story = await client.post("/stories", json={"media_id": photo}, headers=alice.headers)
    assert story.status_code in (404, 422), story.text
    # Someone else's media, an unknown id, media not processed yet.
    bobs = await upload_image(client, bob, distinct_image(), "image/png")
    assert_error(await post_raw(client, alice, group, "x", media_id=bobs), 404, "media_not_found")
    assert_error(
        await post_raw(client, alice, group, "x", media_id="424242"), 404, "media_not_found"
    )
    pending = (await start_upload(client, alice, distinct_image(), "image/png"))["media_id"]
    assert_error(
        await post_raw(client, alice, group, "x", media_id=pending), 422, "media_not_ready"
    )
    # A retry of the send answers as the first time (the media is taken, but by it).
    retry = await client.post(
        f"/conversations/{group}/messages",
        json={"media_id": photo, "client_message_id": "photo-1"},
        headers=alice.headers,
    )
    assert (retry.status_code, retry.json()["message_id"]) == (200, sent["message_id"])

    # Not a member: no links at all.
    assert_error(await client.get(f"/messages/{sent['message_id']}", headers=stranger.headers), 404)
    # Unsent: the media and its files are gone for everyone.
    assert (
        await client.delete(f"/messages/{sent['message_id']}", headers=alice.headers)
    ).status_code == 204
    (message,) = (await history(client, bob, group))["messages"]
    assert (message["unsent"], message["media"]) == (True, None)
    async with httpx.AsyncClient(timeout=30) as raw:
        for url in urls.values():
            assert (await raw.get(url)).status_code in (403, 404), url
    assert_error(await client.get(f"/media/{photo}", headers=alice.headers), 404)

    # Photos go in direct messages too (with words).
    again = await upload_image(client, alice, distinct_image(), "image/png")
    direct = await client.post(
        "/messages",
        json={
            "recipient_id": bob.id,
            "media_id": again,
            "content": "look",
            "client_message_id": "d1",
        },
        headers=alice.headers,
    )
    assert direct.status_code == 201, direct.text
    (message,) = (await history(client, bob, direct.json()["conversation_id"]))["messages"]
    assert (message["content"], message["media"]["id"]) == ("look", again)


async def test_a_reported_photo_message_shows_its_photo_to_moderators(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    from tests.integration.test_moderation import make_moderator, queue, report

    alice, bob, carol = await trio(client)
    moderator = await make_moderator(server, client)
    group = (await create_group(client, alice, [bob, carol]))["id"]
    photo = await upload_image(client, alice, distinct_image(), "image/png")
    sent = await post(client, alice, group, "look", media_id=photo)
    reported = await report(client, carol, "message", sent["message_id"], reason="spam")
    assert reported.status_code == 201, reported.text
    (row,) = await queue(client, moderator)
    assert row["preview"]["text"] == "look"
    (media,) = row["preview"]["media"]
    async with httpx.AsyncClient(timeout=30) as raw:
        fetched = await raw.get(media["urls"]["thumb"])
    assert fetched.status_code == 200
    assert "private" in fetched.headers["cache-control"]
