"""Automatic screening in the media worker, on both profiles: the verdicts with the fake
classifier (picked by colour), a classifier that crashes, screening off, and the real
model off the request path."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shutter.media.screening import FakeClassifier
from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import Account, follow, image_bytes, publish, register, upload_image
from tests.integration.test_moderation import make_moderator, queue

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

EXPLICIT = (252, 0, 0)  # the fake's score: red / 255 = 0.99, above the remove threshold
DOUBTFUL = (200, 0, 0)  # 0.78: between the review and the remove thresholds
BENIGN = (20, 120, 200)  # 0.08


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"moderation": "on"}


async def post_picture(
    client: httpx.AsyncClient, author: Account, color: tuple[int, int, int]
) -> dict[str, Any]:
    media_id = await upload_image(client, author, image_bytes((64, 48), color=color))
    response = await publish(client, author, [media_id], "a picture")
    assert response.status_code == 201, response.text
    post: dict[str, Any] = response.json()["post"]
    return post


async def test_verdicts_remove_blur_or_pass_and_queue_for_review(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    object.__setattr__(server.context, "classifier", FakeClassifier())
    author, viewer = await register(client), await register(client)
    moderator = await make_moderator(server, client)

    removed = await post_picture(client, author, EXPLICIT)
    assert removed["removed"] is True
    assert_error(await client.get(f"/posts/{removed['id']}", headers=viewer.headers), 404)
    notes = (await client.get("/notifications", headers=author.headers)).json()
    (note,) = notes["notifications"]
    assert note["type"] == "moderation_removed"
    assert note["action"]["appealable"] is True
    appealed = await client.post(
        "/appeals",
        json={"action_id": note["action"]["id"], "text": "It is a painting."},
        headers=author.headers,
    )
    assert appealed.status_code == 201, appealed.text

    doubtful = await post_picture(client, author, DOUBTFUL)
    assert (doubtful.get("removed", False), doubtful["sensitive"]) == (False, True)
    shown = await client.get(f"/posts/{doubtful['id']}", headers=viewer.headers)
    assert shown.json()["post"]["sensitive"] is True

    benign = await post_picture(client, author, BENIGN)
    assert (benign.get("removed", False), benign["sensitive"]) == (False, False)

    rows = {row["target_id"]: row for row in await queue(client, moderator)}
    assert set(rows) == {removed["id"], doubtful["id"]}
    assert rows[removed["id"]]["sources"] == ["screening"]
    assert rows[removed["id"]]["preview"]["removed"] is True
    assert rows[removed["id"]]["preview"]["media"][0]["screening"] == "removed"
    assert rows[doubtful["id"]]["preview"]["media"][0]["screening"] == "sensitive"


async def share_story(
    client: httpx.AsyncClient, author: Account, color: tuple[int, int, int]
) -> dict[str, Any]:
    media_id = await upload_image(client, author, image_bytes((64, 48), color=color))
    response = await client.post("/stories", json={"media_id": media_id}, headers=author.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_stories_are_screened_too(server: RunningServer, client: httpx.AsyncClient) -> None:
    """An explicit story is taken down at once (its author told, in the answer and by a
    notification; nobody else sees it) and queued; a doubtful one shows and is queued."""
    object.__setattr__(server.context, "classifier", FakeClassifier())
    author, follower = await register(client), await register(client)
    moderator = await make_moderator(server, client)
    await follow(client, follower, author)

    removed = await share_story(client, author, EXPLICIT)
    doubtful = await share_story(client, author, DOUBTFUL)
    clean = await share_story(client, author, BENIGN)

    assert removed["removed"] is True
    assert ("removed" in doubtful, "removed" in clean) == (False, False)
    reel = (await client.get(f"/users/{author.id}/stories", headers=follower.headers)).json()
    assert [item["id"] for item in reel["items"]] == [doubtful["story"]["id"], clean["story"]["id"]]
    missing = await client.get(f"/stories/{removed['story']['id']}", headers=follower.headers)
    assert_error(missing, 404)
    notes = (await client.get("/notifications", headers=author.headers)).json()
    kinds = [note["type"] for note in notes["notifications"]]
    assert kinds.count("moderation_removed") == 1, kinds

    rows = {row["target_id"]: row for row in await queue(client, moderator)}
    assert set(rows) == {removed["story"]["id"], doubtful["story"]["id"]}
    assert {row["target_type"] for row in rows.values()} == {"story"}
    assert rows[removed["story"]["id"]]["preview"]["removed"] is True


async def test_a_crashing_classifier_keeps_the_upload_and_queues_it(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    object.__setattr__(server.context, "classifier", FakeClassifier(crash=True))
    author, moderator = await register(client), await make_moderator(server, client)
    post = await post_picture(client, author, EXPLICIT)
    assert (post.get("removed", False), post["sensitive"]) == (False, False)
    (row,) = await queue(client, moderator)
    assert row["target_id"] == post["id"]
    assert row["preview"]["media"][0]["screening"] == "failed"


async def test_a_sensitive_post_by_its_author(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    object.__setattr__(server.context, "classifier", FakeClassifier())
    author = await register(client)
    media_id = await upload_image(client, author, image_bytes(color=BENIGN))
    body = {"media_ids": [media_id], "caption": "spoilers", "sensitive": True}
    response = await client.post("/posts", json=body, headers=author.headers)
    assert response.status_code == 201, response.text
    post_id = response.json()["post"]["id"]
    assert (await client.get(f"/posts/{post_id}")).json()["post"]["sensitive"] is True


@pytest.mark.parametrize("settings_overrides", [{"moderation": "off"}])
async def test_screening_off_screens_nothing(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    fake = FakeClassifier()
    object.__setattr__(server.context, "classifier", fake)
    author = await register(client)
    post = await post_picture(client, author, EXPLICIT)
    assert (post.get("removed", False), post["sensitive"]) == (False, False)
    assert fake.calls == 0


async def test_the_real_model_screens_in_the_worker(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    """NudeNet in the media worker process: the upload's completion answers at once
    (202 processing), the media becomes ready, screened clean."""
    author = await register(client)
    post = await post_picture(client, author, BENIGN)
    assert (post.get("removed", False), post["sensitive"]) == (False, False)
    from shutter.moderation import repository

    async with server.context.db.read() as conn:
        items = await repository.media_of(conn, "post", int(post["id"]))
    assert [(item["screening"], item["screening_score"] < 0.2) for item in items] == [
        ("clean", True)
    ]
