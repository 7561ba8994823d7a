"""Trust and safety over HTTP, on both profiles: reports, the queue, actions and their
effects, the audit log, suspensions and appeals."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.assertions import assert_error, eventually
from tests.conftest import PROFILES, RunningServer
from tests.factories import (
    Account,
    comment,
    create_post,
    follow,
    image_bytes,
    publish,
    register,
    upload_image,
)
from tests.integration.test_hybrid_feed import whole_feed
from tests.integration.test_realtime import (
    _free_port,
    live,
    read_until_closed,
    start_api,
    wait_healthy,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


async def make_moderator(server: RunningServer, client: httpx.AsyncClient) -> Account:
    """An account with the moderator role (given as `shutter admin grant` gives it)."""
    from shutter.moderation import service

    account = await register(client)
    async with server.context.db.write() as uow:
        await service.set_role(server.context, uow.conn, account.username, "moderator")
    return account


async def report(
    client: httpx.AsyncClient, reporter: Account, target_type: str, target_id: str, **extra: Any
) -> httpx.Response:
    body = {"target_type": target_type, "target_id": target_id, "reason": "spam", **extra}
    return await client.post("/reports", json=body, headers=reporter.headers)


async def act(
    client: httpx.AsyncClient,
    moderator: Account,
    action: str,
    target_type: str,
    target_id: str,
    **extra: Any,
) -> dict[str, Any]:
    body = {"action": action, "target_type": target_type, "target_id": target_id, **extra}
    response = await client.post("/admin/actions", json=body, headers=moderator.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()["action"]
    return result


async def queue(client: httpx.AsyncClient, moderator: Account, status: str = "open") -> Any:
    response = await client.get(f"/admin/reports?status={status}", headers=moderator.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_reports_are_grouped_by_target_and_a_repeat_answers_the_open_one(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, moderator = await register(client), await make_moderator(server, client)
    reporters = [await register(client) for _ in range(3)]
    post = await create_post(client, author, "buy followers")
    first = await report(client, reporters[0], "post", post["id"], comment="scam link")
    assert first.status_code == 201, first.text
    again = await report(client, reporters[0], "post", post["id"], reason="hate")
    assert again.status_code == 200, again.text
    assert again.json()["report"]["id"] == first.json()["report"]["id"]
    for reporter in reporters[1:]:
        sent = await report(client, reporter, "post", post["id"], reason="scam")
        assert sent.status_code == 201, sent.text

    # (Three distinct reporters also flag the author's account: the anti-spam signal.)
    rows = {row["target_type"]: row for row in await queue(client, moderator)}
    assert set(rows) == {"post", "user"}
    row = rows["post"]
    assert row["target_id"] == post["id"]
    assert row["report_count"] == 3
    assert row["reasons"] == {"spam": 1, "scam": 2}
    assert row["preview"]["text"] == "buy followers"
    assert row["preview"]["media"][0]["urls"]["thumb"]

    mine = await client.get("/reports", headers=reporters[0].headers)
    assert [item["status"] for item in mine.json()["reports"]] == ["open"]
    # The reported author learns nothing of it: no notification names a reporter.
    notes = await client.get("/notifications", headers=author.headers)
    assert notes.json()["notifications"] == []


async def test_bad_reports_are_refused_and_store_nothing(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, reporter = await register(client), await register(client)
    moderator = await make_moderator(server, client)
    post = await create_post(client, author)
    assert_error(await report(client, reporter, "post", "123456789"), 404, "post_not_found")
    assert_error(await report(client, reporter, "post", post["id"], reason="boring"), 422)
    assert_error(await report(client, reporter, "planet", post["id"]), 422)
    long = await report(client, reporter, "post", post["id"], comment="x" * 1001)
    assert_error(long, 422)
    assert_error(await report(client, reporter, "message", "42"), 404, "message_not_found")
    assert_error(await client.post("/reports", json={}), 401)
    assert await queue(client, moderator) == []


async def test_only_moderators_see_the_queue_and_act(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    user = await register(client)
    post = await create_post(client, user)
    for path in ("/admin/reports", "/admin/audit", "/admin/appeals"):
        assert_error(await client.get(path, headers=user.headers), 403, "forbidden")
    body = {"action": "remove", "target_type": "post", "target_id": post["id"]}
    assert_error(await client.post("/admin/actions", json=body, headers=user.headers), 403)
    assert (await client.get(f"/posts/{post['id']}")).status_code == 200


async def test_removal_hides_the_post_everywhere_notifies_the_author_and_restore_undoes_it(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, follower = await register(client), await register(client)
    moderator = await make_moderator(server, client)
    await follow(client, follower, author)
    post = await create_post(client, author, "#rulebreak")
    await server.settle()
    assert post["id"] in await whole_feed(client, follower)
    filed = await report(client, follower, "post", post["id"])
    report_id = filed.json()["report"]["id"]

    action = await act(client, moderator, "remove", "post", post["id"], reason="spam links")
    assert action["actor"]["username"] == moderator.username
    # At once, before any handler ran: gone from the post page, the feed, the grid, tags.
    assert_error(await client.get(f"/posts/{post['id']}", headers=follower.headers), 404)
    assert post["id"] not in await whole_feed(client, follower)
    grid = await client.get(f"/users/{author.id}/posts")
    assert [p["id"] for p in grid.json()["posts"]] == []
    tagged = await client.get("/hashtags/rulebreak/posts")
    assert tagged.status_code == 404 or post["id"] not in tagged.text
    like = await client.post(f"/posts/{post['id']}/like", headers=follower.headers)
    assert like.status_code == 404
    # The report is resolved; the reporter sees it so.
    mine = (await client.get("/reports", headers=follower.headers)).json()["reports"]
    assert [(r["id"], r["status"]) for r in mine] == [(report_id, "resolved")]
    assert await queue(client, moderator) == []
    # The author is told why and may appeal.
    notes = (await client.get("/notifications", headers=author.headers)).json()
    (note,) = [n for n in notes["notifications"] if n["type"].startswith("moderation")]
    assert note["type"] == "moderation_removed"
    assert "spam links" in note["text"]
    assert note["action"]["appealable"] is True
    await server.settle()
    assert (
        int(post["id"]) not in (await server.context.timelines.page(int(follower.id), None, 50)).ids
    )

    await act(client, moderator, "restore", "post", post["id"], reason="on second look")
    assert (await client.get(f"/posts/{post['id']}")).status_code == 200
    await server.settle()
    assert post["id"] in await whole_feed(client, follower)


async def test_suspension_refuses_login_hides_the_account_and_revokes_its_token(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, follower = await register(client), await register(client)
    moderator = await make_moderator(server, client)
    await follow(client, follower, author)
    post = await create_post(client, author)
    await server.settle()
    await act(client, moderator, "suspend", "user", author.id, reason="spam network")

    assert_error(await client.get("/users/me", headers=author.headers), 401)
    login = await client.post(
        "/auth/login", json={"login": author.username, "password": author.password}
    )
    error = assert_error(login, 403, "account_suspended")
    assert error["details"] == [{"suspended_until": None}]
    assert_error(await client.get(f"/users/{author.id}", headers=follower.headers), 404)
    assert_error(await client.get(f"/posts/{post['id']}", headers=follower.headers), 404)
    assert post["id"] not in await whole_feed(client, follower)
    search = await client.get(f"/search?type=users&q={author.username}")
    assert author.id not in [user["id"] for user in search.json()["users"]]

    await act(client, moderator, "unsuspend", "user", author.id, reason="appeal granted")
    login = await client.post(
        "/auth/login", json={"login": author.username, "password": author.password}
    )
    assert login.status_code == 200, login.text
    assert (await client.get(f"/posts/{post['id']}", headers=follower.headers)).status_code == 200


async def test_a_timed_suspension_names_its_end_and_ends(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    from shutter.moderation.tasks import lift_ended_suspensions

    author, moderator = await register(client), await make_moderator(server, client)
    past = await client.post(
        "/admin/actions",
        json={
            "action": "suspend",
            "target_type": "user",
            "target_id": author.id,
            "until": "2001-01-01T00:00:00Z",
        },
        headers=moderator.headers,
    )
    assert_error(past, 422)
    await act(client, moderator, "suspend", "user", author.id, until="2999-01-01T00:00:00Z")
    login = await client.post(
        "/auth/login", json={"login": author.username, "password": author.password}
    )
    error = assert_error(login, 403, "account_suspended")
    assert error["details"][0]["suspended_until"].startswith("2999-01-01T00:00:00")
    assert await lift_ended_suspensions(server.context) == 0  # not yet


async def test_comment_removal_and_a_warning_and_an_appeal(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, commenter = await register(client), await register(client)
    moderator = await make_moderator(server, client)
    post = await create_post(client, author)
    rude = await comment(client, commenter, post["id"], "you are awful")
    assert (
        await report(client, author, "comment", rude["id"], reason="harassment")
    ).status_code == 201
    removal = await act(client, moderator, "remove", "comment", rude["id"], reason="harassment")
    listed = await client.get(f"/posts/{post['id']}/comments")
    assert [c["id"] for c in listed.json()["comments"]] == []
    await act(client, moderator, "warn", "user", commenter.id, reason="be kind")
    notes = (await client.get("/notifications", headers=commenter.headers)).json()
    assert {n["type"] for n in notes["notifications"]} == {
        "moderation_removed",
        "moderation_warning",
    }

    body = {"action_id": removal["id"], "text": "It was a joke between friends."}
    assert_error(await client.post("/appeals", json=body, headers=author.headers), 404)
    appealed = await client.post("/appeals", json=body, headers=commenter.headers)
    assert appealed.status_code == 201, appealed.text
    assert_error(
        await client.post("/appeals", json=body, headers=commenter.headers), 422, "already_appealed"
    )
    listed = (await client.get("/admin/appeals", headers=moderator.headers)).json()["appeals"]
    assert [(a["id"], a["action"]["id"]) for a in listed] == [
        (appealed.json()["appeal"]["id"], removal["id"])
    ]
    await act(client, moderator, "restore", "comment", rude["id"], reason="appeal granted")
    granted = (await client.get("/admin/appeals?status=granted", headers=moderator.headers)).json()
    assert [a["id"] for a in granted["appeals"]] == [appealed.json()["appeal"]["id"]]

    audit = (await client.get("/admin/audit", headers=moderator.headers)).json()["actions"]
    assert [a["action"] for a in audit][:3] == ["restore", "warn", "remove"]


async def test_concurrent_actions_on_one_target_end_consistent_and_are_all_audited(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author = await register(client)
    first, second = await make_moderator(server, client), await make_moderator(server, client)
    post = await create_post(client, author)
    await asyncio.gather(
        act(client, first, "remove", "post", post["id"], reason="a"),
        act(client, second, "remove", "post", post["id"], reason="b"),
    )
    assert_error(await client.get(f"/posts/{post['id']}"), 404)
    audit = (await client.get("/admin/audit", headers=first.headers)).json()["actions"]
    assert sorted(a["reason"] for a in audit if a["target_id"] == post["id"]) == ["a", "b"]


async def test_an_account_reported_by_several_people_is_flagged(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    spammer, moderator = await register(client), await make_moderator(server, client)
    posts = [await create_post(client, spammer) for _ in range(3)]
    for post in posts:
        reporter = await register(client)
        assert (await report(client, reporter, "post", post["id"])).status_code == 201
    flagged = [row for row in await queue(client, moderator) if row["target_type"] == "user"]
    assert [row["target_id"] for row in flagged] == [spammer.id]
    assert flagged[0]["sources"] == ["spam"]


async def test_a_message_is_reported_by_a_party_only(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    sender, recipient, outsider = [await register(client) for _ in range(3)]
    moderator = await make_moderator(server, client)
    await follow(client, recipient, sender)
    sent = await client.post(
        "/messages",
        json={"recipient_id": recipient.id, "content": "send me money", "client_message_id": "m1"},
        headers=sender.headers,
    )
    assert sent.status_code in (200, 201), sent.text
    message_id = sent.json()["message_id"]
    assert_error(await report(client, outsider, "message", message_id), 404)
    assert (
        await report(client, recipient, "message", message_id, reason="scam")
    ).status_code == 201
    (row,) = await queue(client, moderator)
    assert row["preview"] == {"exists": True, "text": "send me money"}


async def test_role_changes_are_audited(server: RunningServer, client: httpx.AsyncClient) -> None:
    moderator = await make_moderator(server, client)
    audit = (await client.get("/admin/audit", headers=moderator.headers)).json()["actions"]
    assert [(a["action"], a["target_owner"]["username"]) for a in audit] == [
        ("grant_role", moderator.username)
    ]
    me = await client.get("/users/me", headers=moderator.headers)
    assert me.json()["role"] == "moderator"


@pytest.mark.parametrize("profile", PROFILES[1:])
async def test_suspension_closes_a_socket_and_revokes_the_token_on_another_api_process(
    server: RunningServer, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    from shutter.auth.sessions import TTL_S

    author, moderator = await register(client), await make_moderator(server, client)
    port = _free_port()
    other = start_api(server.settings, port, tmp_path / "api2.log")
    other_url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(other_url, other)
        async with httpx.AsyncClient(base_url=f"{other_url}/api/v1", timeout=30) as other_api:
            me = await other_api.get("/users/me", headers=author.headers)
            assert me.status_code == 200, me.text  # the other process now remembers the token
            async with live(other_url, author) as ws:
                await act(client, moderator, "suspend", "user", author.id, reason="spam")
                _, closed = await read_until_closed(ws)
                assert closed.rcvd is not None
                assert closed.rcvd.code == 4401

            async def refused() -> bool:
                answer = await other_api.get("/users/me", headers=author.headers)
                return answer.status_code == 401

            # The documented bound (auth/sessions.py) plus slack for a busy machine.
            await eventually(refused, timeout_s=TTL_S + 10)
    finally:
        other.terminate()
        other.wait(30)


async def test_posting_the_same_picture_and_caption_again_and_again_flags_the_account(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    spammer, moderator = await register(client), await make_moderator(server, client)
    for _ in range(4):
        await create_post(client, spammer, "cheap followers at example.com")
    assert await queue(client, moderator) == []
    await create_post(client, spammer, "cheap followers at example.com")
    (row,) = await queue(client, moderator)
    assert (row["target_type"], row["target_id"], row["sources"]) == ("user", spammer.id, ["spam"])
    signals = orjson.loads(row["reports"][0]["comment"])
    assert (signals["same_caption"], signals["same_media"]) == (5, 5)


async def test_the_files_of_removed_content_are_not_served_until_it_is_restored(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    """Issue 16 item 4, on both profiles: once a post is removed its files answer 404 at
    the URLs handed out for it (the embedded file route refuses them at once; on S3 a
    handler moves them out of reach of the bucket's pre-signed URLs, soon after); a
    moderator's preview still shows them, by expiring links; a restore serves them again."""
    author, reporter = await register(client), await register(client)
    moderator = await make_moderator(server, client)
    post = await create_post(client, author, "a picture")
    urls = post["media"][0]["urls"]
    assert (await client.get(urls["thumb"])).status_code == 200
    await report(client, reporter, "post", post["id"])

    async def answers(status: int) -> bool:
        got = {(await client.get(url)).status_code for url in {urls["thumb"], urls["original"]}}
        return got == {status}

    await act(client, moderator, "remove", "post", post["id"], reason="nudity")
    await eventually(lambda: answers(404))
    (item,) = await queue(client, moderator, "resolved")
    preview = item["preview"]["media"][0]["urls"]["thumb"]
    assert preview != urls["thumb"]
    assert (await client.get(preview)).status_code == 200

    await act(client, moderator, "restore", "post", post["id"], reason="on second look")
    await eventually(lambda: answers(200))


async def test_a_removed_comment_no_longer_lists_its_post_under_its_hashtags(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, commenter, reader = [await register(client) for _ in range(3)]
    moderator = await make_moderator(server, client)
    tag = f"dusk{author.id[-6:]}"
    post = await create_post(client, author, "no tags in the caption")
    remark = await comment(client, commenter, post["id"], f"what light #{tag}")
    path = f"/hashtags/{tag}/posts"

    async def listed() -> list[str]:
        answer = await client.get(path, headers=reader.headers)
        return [item["id"] for item in answer.json()["posts"]] if answer.status_code == 200 else []

    assert await listed() == [post["id"]]
    await act(client, moderator, "remove", "comment", remark["id"], reason="spam")
    assert await listed() == []
    await act(client, moderator, "restore", "comment", remark["id"], reason="on second look")
    assert await listed() == [post["id"]]


async def picture_post(client: httpx.AsyncClient, author: Account, picture: bytes) -> Any:
    media_id = await upload_image(client, author, picture)
    response = await publish(client, author, [media_id], "a picture")
    assert response.status_code == 201, response.text
    return response.json()["post"]


async def test_the_files_of_removed_posts_are_deleted_when_their_retention_ends(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    """Issue 16 item 4: a removed post's files are kept, withheld, while a restore may be
    asked for (SHUTTER_MODERATION_REMOVED_MEDIA_RETENTION_SECONDS, 30 days); then the
    media lifecycle job deletes them and a restore answers 409 `media_purged`."""
    from shutter.media.service import collect_garbage
    from shutter.timeutil import utcnow

    author, reporter = await register(client), await register(client)
    moderator = await make_moderator(server, client)
    kept, purged = [
        await picture_post(client, author, image_bytes(color=color))
        for color in ((10, 200, 10), (10, 10, 200))
    ]
    for post in (kept, purged):
        await report(client, reporter, "post", post["id"])
        await act(client, moderator, "remove", "post", post["id"], reason="nudity")

    async def queued_media() -> list[Any]:
        rows = await queue(client, moderator, "resolved")
        (item,) = [row for row in rows if row["target_id"] == purged["id"]]
        media: list[Any] = item["preview"]["media"]
        return media

    await server.settle()  # on S3 the files have moved out of reach
    await collect_garbage(server.context, now=utcnow() + timedelta(days=29))
    preview = (await queued_media())[0]["urls"]["thumb"]
    assert (await client.get(preview)).status_code == 200
    await act(client, moderator, "restore", "post", kept["id"], reason="on second look")
    await server.settle()  # on S3 its files are back in reach

    await collect_garbage(server.context, now=utcnow() + timedelta(days=31))
    assert await queued_media() == []
    assert (await client.get(preview)).status_code == 404  # the files are gone
    refused = await client.post(
        "/admin/actions",
        json={
            "action": "restore",
            "target_type": "post",
            "target_id": purged["id"],
            "reason": "late",
        },
        headers=moderator.headers,
    )
    assert_error(refused, 409, "media_purged")
    # The restored post kept its files.
    shown = (await client.get(f"/posts/{kept['id']}", headers=author.headers)).json()["post"]
    assert (await client.get(shown["media"][0]["urls"]["thumb"])).status_code == 200
