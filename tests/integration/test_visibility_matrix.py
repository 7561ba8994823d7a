"""The one visibility rule, checked on every read path: endpoint × viewer relation × the
author's privacy, against a table written from the rule in docs/privacy.md.

To cover a new read path (comments, likers, hashtag pages, stories…), add a reader to
READERS and its row to EXPECTED; the world below already has every relation.

Relations, from the viewer's side towards the author:
- owner: the author themselves;
- follower: an approved follower;
- pending: asked to follow the private author, not approved (no such state on a public
  account: following one is accepted at once);
- stranger: signed in, no relation;
- blocked: was a follower, then the author blocked them;
- blocker: was a follower, then blocked the author;
- anonymous: no token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import RunningServer
from tests.factories import Account, approve, block, follow, register, set_private
from tests.integration.test_hybrid_feed import quick_post, whole_feed

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

RELATIONS = ("owner", "follower", "pending", "stranger", "blocked", "blocker", "anonymous")
NA = None  # the relation cannot exist for this author

# Outcome per relation, in the order of RELATIONS: an HTTP status, or for the feed whether
# the author's post is in the viewer's feed ("shown" / "absent").
# fmt: off
EXPECTED: dict[tuple[str, str], tuple[int | str | None, ...]] = {
    #                            owner    follower pending  stranger blocked  blocker  anonymous
    ("profile", "public"):      (200,     200,     NA,      200,     404,     200,     200),
    ("profile", "private"):     (200,     200,     200,     200,     404,     200,     200),
    ("by_username", "public"):  (200,     200,     NA,      200,     404,     200,     200),
    ("by_username", "private"): (200,     200,     200,     200,     404,     200,     200),
    ("grid", "public"):         (200,     200,     NA,      200,     404,     403,     200),
    ("grid", "private"):        (200,     200,     403,     403,     404,     403,     403),
    ("post", "public"):         (200,     200,     NA,      200,     404,     404,     200),
    ("post", "private"):        (200,     200,     404,     404,     404,     404,     404),
    ("followers", "public"):    (200,     200,     NA,      200,     404,     403,     200),
    ("followers", "private"):   (200,     200,     403,     403,     404,     403,     403),
    ("following", "public"):    (200,     200,     NA,      200,     404,     403,     200),
    ("following", "private"):   (200,     200,     403,     403,     404,     403,     403),
    ("feed", "public"):         ("shown", "shown", NA,      "absent", "absent", "absent", 401),
    ("feed", "private"):        ("shown", "shown", "absent", "absent", "absent", "absent", 401),
}
# fmt: on


@dataclass
class World:
    author: Account
    post_id: str
    viewers: dict[str, Account | None]


Reader = Callable[[httpx.AsyncClient, World, Account | None], Awaitable[int | str]]


def _headers(viewer: Account | None) -> dict[str, str]:
    return viewer.headers if viewer else {}


async def _status(client: httpx.AsyncClient, path: str, viewer: Account | None) -> int:
    response = await client.get(path, headers=_headers(viewer))
    if response.status_code >= 400:
        assert set(response.json()) == {"error"}, response.text
    return response.status_code


async def read_feed(client: httpx.AsyncClient, world: World, viewer: Account | None) -> int | str:
    if viewer is None:
        return await _status(client, "/feed", None)
    return "shown" if world.post_id in await whole_feed(client, viewer) else "absent"


READERS: dict[str, Reader] = {
    "profile": lambda c, w, v: _status(c, f"/users/{w.author.id}", v),
    "by_username": lambda c, w, v: _status(c, f"/users/by-username/{w.author.username}", v),
    "grid": lambda c, w, v: _status(c, f"/users/{w.author.id}/posts", v),
    "post": lambda c, w, v: _status(c, f"/posts/{w.post_id}", v),
    "followers": lambda c, w, v: _status(c, f"/users/{w.author.id}/followers", v),
    "following": lambda c, w, v: _status(c, f"/users/{w.author.id}/following", v),
    "feed": read_feed,
}


async def build_world(server: RunningServer, client: httpx.AsyncClient, private: bool) -> World:
    author = await register(client)
    viewers: dict[str, Account | None] = {"owner": author, "anonymous": None}
    for relation in ("follower", "stranger", "blocked", "blocker"):
        viewers[relation] = await register(client)
    if private:
        viewers["pending"] = await register(client)
        await set_private(client, author)
    # The author follows someone too, so that the following list has an entry to show.
    friend = await register(client)
    await follow(client, author, friend)
    for relation in ("follower", "blocked", "blocker", "pending"):
        viewer = viewers.get(relation)
        if viewer is None:
            continue
        await follow(client, viewer, author)
        if private and relation != "pending":
            await approve(client, author, viewer)
    post_id = await quick_post(client, author, "matrix")
    await server.settle()  # the post is in every follower's stored timeline
    blocked, blocker = viewers["blocked"], viewers["blocker"]
    assert blocked is not None
    assert blocker is not None
    await block(client, author, blocked)
    await block(client, blocker, author)
    # No settle: blocks must hide content at once, before timelines are cleaned.
    return World(author, post_id, viewers)


@pytest.mark.parametrize("privacy", ["public", "private"])
async def test_every_read_path_follows_the_one_rule(
    server: RunningServer, client: httpx.AsyncClient, privacy: str
) -> None:
    world = await build_world(server, client, privacy == "private")
    expected, actual = {}, {}
    for endpoint, reader in READERS.items():
        for relation, outcome in zip(RELATIONS, EXPECTED[(endpoint, privacy)], strict=True):
            if outcome is NA:
                continue
            expected[(endpoint, relation)] = outcome
            actual[(endpoint, relation)] = await reader(client, world, world.viewers[relation])
    wrong = {key: (actual[key], want) for key, want in expected.items() if actual[key] != want}
    assert wrong == {}, "(endpoint, relation): (got, expected)"
