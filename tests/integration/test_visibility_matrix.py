"""The one visibility rule, checked on every read path: endpoint × viewer relation × the
author's privacy, against a table written from the rule in docs/privacy.md.

To cover a new read path, add a reader to READERS and its rows to EXPECTED; the world
below already has every relation, towards a public and a private author at once (so it
is built once per profile).

Relations, from the viewer's side towards the author:
- owner: the author themselves;
- follower: an approved follower;
- pending: asked to follow the private author, not approved (no such state on a public
  account: following one is accepted at once);
- stranger: signed in, no relation;
- blocked: was a follower, then the author blocked them;
- blocker: was a follower, then blocked the author;
- anonymous: no token.

Most rows say what the viewer gets when reading the author's things: an HTTP status, or
whether the author's post (reel, account) is "in" a list or "out" of it. The rows
named `by_viewer: …` turn it round: the author reads their own likers, comments, story
viewers or like notifications, and the row says whether the viewer's like, comment or
view is in there. Every viewer acted (liked, commented, liked the author's comment, saw
the story, followed)
where they could, before the blocks.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.conftest import RunningServer
from tests.factories import (
    Account,
    approve,
    block,
    comment,
    follow,
    image_bytes,
    like,
    mute,
    pages_of,
    post_reel,
    post_story,
    publish,
    register,
    set_close_friends,
    set_private,
    unmute,
    upload_image,
)
from tests.integration.test_hybrid_feed import whole_feed

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

RELATIONS = ("owner", "follower", "pending", "stranger", "blocked", "blocker", "anonymous")
NA = None  # the relation cannot exist for this author, or the viewer could not act
TAG = "matrix"
PLACE = "Matrix Square"

# Outcome per relation, in the order of RELATIONS.
# fmt: off
EXPECTED: dict[tuple[str, str], tuple[int | str | None, ...]] = {
    #                                       owner  follow pending strang blocked blocker anonymous
    ("profile", "public"):                  (200,   200,   NA,    200,   404,   200,   200),
    ("profile", "private"):                 (200,   200,   200,   200,   404,   200,   200),
    ("by_username", "public"):              (200,   200,   NA,    200,   404,   200,   200),
    ("by_username", "private"):             (200,   200,   200,   200,   404,   200,   200),
    ("grid", "public"):                     (200,   200,   NA,    200,   404,   403,   200),
    ("grid", "private"):                    (200,   200,   403,   403,   404,   403,   403),
    ("post", "public"):                     (200,   200,   NA,    200,   404,   404,   200),
    ("post", "private"):                    (200,   200,   404,   404,   404,   404,   404),
    ("comments", "public"):                 (200,   200,   NA,    200,   404,   404,   200),
    ("comments", "private"):                (200,   200,   404,   404,   404,   404,   404),
    ("replies", "public"):                  (200,   200,   NA,    200,   404,   404,   200),
    ("replies", "private"):                 (200,   200,   404,   404,   404,   404,   404),
    ("likers", "public"):                   (200,   200,   NA,    200,   404,   404,   200),
    ("likers", "private"):                  (200,   200,   404,   404,   404,   404,   404),
    ("followers", "public"):                (200,   200,   NA,    200,   404,   403,   200),
    ("followers", "private"):               (200,   200,   403,   403,   404,   403,   403),
    ("following", "public"):                (200,   200,   NA,    200,   404,   403,   200),
    ("following", "private"):               (200,   200,   403,   403,   404,   403,   403),
    ("feed", "public"):                     ("in",  "in",  NA,    "out", "out", "out", 401),
    ("feed", "private"):                    ("in",  "in",  "out", "out", "out", "out", 401),
    # The home feed of a viewer following the author's hashtag: it brings public posts only,
    # never across a block (a private account's come through an approved follow alone).
    ("tag feed", "public"):                 ("in",  "in",  NA,    "in",  "out", "out", 401),
    ("tag feed", "private"):                ("in",  "in",  "out", "out", "out", "out", 401),
    ("hashtag", "public"):                  ("in",  "in",  NA,    "in",  "out", "out", "in"),
    ("hashtag", "private"):                 ("in",  "in",  "out", "out", "out", "out", "out"),
    ("location", "public"):                 ("in",  "in",  NA,    "in",  "out", "out", "in"),
    ("location", "private"):                ("in",  "in",  "out", "out", "out", "out", "out"),
    # A hashtag or a place named only by the author's post: found, counted and shown only
    # where the post is readable (a private account's places and tags stay private).
    ("hashtag search", "public"):           ("in",  "in",  NA,    "in",  "out", "out", "in"),
    ("hashtag search", "private"):          ("in",  "in",  "out", "out", "out", "out", "out"),
    ("place search", "public"):             ("in",  "in",  NA,    "in",  "out", "out", "in"),
    ("place search", "private"):            ("in",  "in",  "out", "out", "out", "out", "out"),
    # Nearby places have a position only from public posts: a private account's place
    # is never listed by distance, not even to its owner.
    ("places nearby", "public"):            ("in",  "in",  NA,    "in",  "out", "out", "in"),
    ("places nearby", "private"):           ("out", "out", "out", "out", "out", "out", "out"),
    ("post search", "public"):              ("in",  "in",  NA,    "in",  "out", "out", "in"),
    ("post search", "private"):             ("in",  "in",  "out", "out", "out", "out", "out"),
    ("place page", "public"):               (200,   200,   NA,    200,   404,   404,   200),
    ("place page", "private"):              (200,   200,   404,   404,   404,   404,   404),
    # Private accounts are found (their profile is public); their posts are not.
    ("search", "public"):                   ("in",  "in",  NA,    "in",  "out", "out", "in"),
    ("search", "private"):                  ("in",  "in",  "in",  "in",  "out", "out", "in"),
    # Explore leaves out your own posts and those of accounts you follow.
    ("explore", "public"):                  ("out", "out", NA,    "in",  "out", "out", "in"),
    ("explore", "private"):                 ("out", "out", "out", "out", "out", "out", "out"),
    # Reels (the author's video post): the followed accounts' reels, then popular ones
    # from accounts not followed; never your own.
    ("reels", "public"):                    ("out", "in",  NA,    "in",  "out", "out", 401),
    ("reels", "private"):                   ("out", "in",  "out", "out", "out", "out", 401),
    ("stories", "public"):                  (200,   200,   NA,    200,   404,   403,   401),
    ("stories", "private"):                 (200,   200,   403,   403,   404,   403,   401),
    ("tray", "public"):                     ("in",  "in",  NA,    "out", "out", "out", 401),
    ("tray", "private"):                    ("in",  "in",  "out", "out", "out", "out", 401),
    ("story_viewers", "public"):            (200,   403,   NA,    403,   404,   404,   401),
    ("story_viewers", "private"):           (200,   403,   404,   404,   404,   404,   401),
    # The viewer's own saves of the author's post ("All saved" and a collection of theirs):
    # the viewer saved it wherever they could, before the blocks.
    ("saved", "public"):                    ("in",  "in",  NA,    "in",  "out", "out", 401),
    ("saved", "private"):                   ("in",  "in",  NA,    NA,    "out", "out", 401),
    ("collection", "public"):               ("in",  "in",  NA,    "in",  "out", "out", 401),
    ("collection", "private"):              ("in",  "in",  NA,    NA,    "out", "out", 401),
    ("by_viewer: like", "public"):          ("in",  "in",  NA,    "in",  "out", "out", NA),
    ("by_viewer: like", "private"):         ("in",  "in",  NA,    NA,    "out", "out", NA),
    ("by_viewer: comment", "public"):       ("in",  "in",  NA,    "in",  "out", "out", NA),
    ("by_viewer: comment", "private"):      ("in",  "in",  NA,    NA,    "out", "out", NA),
    ("by_viewer: story view", "public"):    (NA,    "in",  NA,    "in",  "out", "out", NA),
    ("by_viewer: story view", "private"):   (NA,    "in",  NA,    NA,    "out", "out", NA),
    # Blocked likers neither show in nor push others out of "a, b and 1 other liked…".
    ("by_viewer: notification", "public"):  (NA,    "in",  NA,    "in",  "out", "out", NA),
    ("by_viewer: notification", "private"): (NA,    "in",  NA,    NA,    "out", "out", NA),
    # Liking the author's comment (a write, idempotent): only where the comment is shown.
    ("comment like", "public"):             (200,   200,   NA,    200,   404,   404,   401),
    ("comment like", "private"):            (200,   200,   404,   404,   404,   404,   401),
    # Blocked likers of the author's comment are neither shown nor counted in "… liked your
    # comment" (every viewer liked it where they could, before the blocks).
    ("by_viewer: comment like", "public"):  (NA,    "in",  NA,    "in",  "out", "out", NA),
    ("by_viewer: comment like", "private"): (NA,    "in",  NA,    NA,    "out", "out", NA),
}
# fmt: on

SHOWN = {True: "in", False: "out"}


@dataclass
class Author:
    """An author and what they made: a post (with a hashtag and a place others use too),
    a comment on it with a reply, a story, a second post with a hashtag and a place of
    its own, and a reel (a video post)."""

    account: Account
    post_id: str
    location_id: str
    comment_id: str
    story_id: str
    own_tag: str
    own_place: str
    own_location_id: str
    reel_id: str
    own_post_id: str


@dataclass
class World:
    authors: dict[str, Author]  # by privacy
    viewers: dict[str, Account | None]  # by relation, but the owner (the author)


Reader = Callable[[httpx.AsyncClient, Author, Account | None], Awaitable[int | str]]


def _headers(viewer: Account | None) -> dict[str, str]:
    return viewer.headers if viewer else {}


async def _get(client: httpx.AsyncClient, path: str, viewer: Account | None) -> httpx.Response:
    response = await client.get(path, headers=_headers(viewer))
    if response.status_code >= 400:
        assert set(response.json()) == {"error"}, response.text
    return response


async def _status(client: httpx.AsyncClient, path: str, viewer: Account | None) -> int:
    return (await _get(client, path, viewer)).status_code


def _ids(body: Any) -> set[str]:
    """Every "id" anywhere in a JSON body (posts, users, authors, actors…)."""
    if isinstance(body, dict):
        found = {body["id"]} if isinstance(body.get("id"), str) else set()
        return found.union(*(_ids(value) for value in body.values()))
    if isinstance(body, list):
        return set().union(*(_ids(item) for item in body))
    return set()


def _listing(path: str, wanted: Callable[[Author], str]) -> Reader:
    """A reader: is `wanted(author)` in the first page at `path` (or the error status)?"""

    async def read(client: httpx.AsyncClient, author: Author, viewer: Account | None) -> int | str:
        response = await _get(client, path.format(a=author), viewer)
        if response.status_code != 200:
            return response.status_code
        return SHOWN[wanted(author) in _ids(response.json())]

    return read


def _by_viewer(path: str) -> Reader:
    """A reader of the author's own list at `path`: is the viewer in it?"""

    async def read(client: httpx.AsyncClient, author: Author, viewer: Account | None) -> int | str:
        assert viewer is not None
        response = await _get(client, path.format(a=author), author.account)
        assert response.status_code == 200, response.text
        return SHOWN[viewer.id in _ids(response.json())]

    return read


async def read_feed(client: httpx.AsyncClient, author: Author, viewer: Account | None) -> int | str:
    if viewer is None:
        return await _status(client, "/feed", None)
    return SHOWN[author.post_id in await whole_feed(client, viewer)]


async def read_tag_feed(
    client: httpx.AsyncClient, author: Author, viewer: Account | None
) -> int | str:
    """The viewer's home feed while following the hashtag of the author's post (the
    follow is undone after the read: it takes effect at once both ways)."""
    if viewer is None:
        return await _status(client, "/feed", None)
    followed = await client.post(f"/hashtags/{TAG}/follow", headers=viewer.headers)
    assert followed.status_code == 200, followed.text
    try:
        return SHOWN[author.post_id in await whole_feed(client, viewer)]
    finally:
        await client.delete(f"/hashtags/{TAG}/follow", headers=viewer.headers)


async def read_explore(
    client: httpx.AsyncClient, author: Author, viewer: Account | None
) -> int | str:
    pages = await pages_of(client, "/explore", _headers(viewer), 50)
    return SHOWN[any(author.post_id in page for page in pages)]


async def read_reels(
    client: httpx.AsyncClient, author: Author, viewer: Account | None
) -> int | str:
    if viewer is None:
        return await _status(client, "/reels", None)
    pages = await pages_of(client, "/reels", viewer.headers, 50)
    return SHOWN[any(author.reel_id in page for page in pages)]


async def read_like_notification(
    client: httpx.AsyncClient, author: Author, viewer: Account | None
) -> int | str:
    """Is the viewer among the actors shown in the author's "… liked your post"?"""
    assert viewer is not None
    response = await _get(client, "/notifications?limit=50", author.account)
    likes = [item for item in response.json()["notifications"] if item["type"] == "like"]
    return SHOWN[any(viewer.id in _ids(item["actors"]) for item in likes)]


async def like_the_comment(
    client: httpx.AsyncClient, author: Author, viewer: Account | None
) -> int | str:
    """The status of liking the author's comment; where it is allowed, the like shows on
    the comment in the list the viewer reads."""
    response = await client.post(f"/comments/{author.comment_id}/like", headers=_headers(viewer))
    if response.status_code != 200:
        assert set(response.json()) == {"error"}, response.text
        return response.status_code
    listed = await _get(client, f"/posts/{author.post_id}/comments?limit=50", viewer)
    (shown,) = [c for c in listed.json()["comments"] if c["id"] == author.comment_id]
    assert shown["liked_by_me"] is True, shown
    assert shown["like_count"] >= 1, shown
    return response.status_code


async def read_comment_like_notification(
    client: httpx.AsyncClient, author: Author, viewer: Account | None
) -> int | str:
    """Is the viewer among the actors shown in the author's "… liked your comment"?"""
    assert viewer is not None
    response = await _get(client, "/notifications?limit=50", author.account)
    likes = [item for item in response.json()["notifications"] if item["type"] == "comment_like"]
    return SHOWN[any(viewer.id in _ids(item["actors"]) for item in likes)]


async def read_hashtag_search(
    client: httpx.AsyncClient, author: Author, viewer: Account | None
) -> int | str:
    response = await _get(client, f"/search?type=hashtags&q={author.own_tag}", viewer)
    assert response.status_code == 200, response.text
    return SHOWN[author.own_tag in [item["name"] for item in response.json()["hashtags"]]]


async def read_collection(
    client: httpx.AsyncClient, author: Author, viewer: Account | None
) -> int | str:
    """Is the author's post in the viewer's own collection (the first they have)?"""
    if viewer is None:
        return await _status(client, "/collections/1", None)
    listed = await _get(client, "/collections", viewer)
    assert listed.status_code == 200, listed.text
    (collection,) = listed.json()["collections"]
    return await _listing(f"/collections/{collection['id']}?limit=50", _post_id)(
        client, author, viewer
    )


def _own_location_id(author: Author) -> str:
    return author.own_location_id


def _post_id(author: Author) -> str:
    return author.post_id


def _own_post_id(author: Author) -> str:
    return author.own_post_id


def _account_id(author: Author) -> str:
    return author.account.id


READERS: dict[str, Reader] = {
    "profile": lambda c, a, v: _status(c, f"/users/{a.account.id}", v),
    "by_username": lambda c, a, v: _status(c, f"/users/by-username/{a.account.username}", v),
    "grid": lambda c, a, v: _status(c, f"/users/{a.account.id}/posts", v),
    "post": lambda c, a, v: _status(c, f"/posts/{a.post_id}", v),
    "comments": lambda c, a, v: _status(c, f"/posts/{a.post_id}/comments", v),
    "replies": lambda c, a, v: _status(c, f"/comments/{a.comment_id}/replies", v),
    "likers": lambda c, a, v: _status(c, f"/posts/{a.post_id}/likes", v),
    "followers": lambda c, a, v: _status(c, f"/users/{a.account.id}/followers", v),
    "following": lambda c, a, v: _status(c, f"/users/{a.account.id}/following", v),
    "feed": read_feed,
    "tag feed": read_tag_feed,
    "hashtag": _listing(f"/hashtags/{TAG}/posts?limit=50", _post_id),
    "location": _listing("/locations/{a.location_id}/posts?limit=50", _post_id),
    "search": _listing("/search?type=users&limit=50&q={a.account.username}", _account_id),
    "hashtag search": read_hashtag_search,
    "place search": _listing("/search?type=locations&q={a.own_place}", _own_location_id),
    "places nearby": _listing(
        "/locations/nearby?lat=1.5&lng=2.5&radius_km=1&limit=50", _own_location_id
    ),
    "post search": _listing("/search?type=posts&q={a.own_tag}", _own_post_id),
    "place page": lambda c, a, v: _status(c, f"/locations/{a.own_location_id}/posts", v),
    "explore": read_explore,
    "reels": read_reels,
    "stories": lambda c, a, v: _status(c, f"/users/{a.account.id}/stories", v),
    "tray": _listing("/stories/feed", _account_id),
    "story_viewers": lambda c, a, v: _status(c, f"/stories/{a.story_id}/viewers", v),
    "saved": _listing("/users/me/saved?limit=50", _post_id),
    "collection": read_collection,
    "by_viewer: like": _by_viewer("/posts/{a.post_id}/likes?limit=50"),
    "by_viewer: comment": _by_viewer("/posts/{a.post_id}/comments?limit=50"),
    "by_viewer: story view": _by_viewer("/stories/{a.story_id}/viewers?limit=50"),
    "by_viewer: notification": read_like_notification,
    "comment like": like_the_comment,
    "by_viewer: comment like": read_comment_like_notification,
}


async def make_content(client: httpx.AsyncClient, account: Account) -> Author:
    media_id = await upload_image(client, account, image_bytes((8, 8)))
    response = await publish(client, account, [media_id], f"#{TAG} hello", location={"name": PLACE})
    assert response.status_code == 201, response.text
    post = response.json()["post"]
    thread = await comment(client, account, post["id"], "first")
    await comment(client, account, post["id"], "a reply", thread["id"])
    await like(client, account, post["id"])
    story = await post_story(client, account)
    own_tag, own_place = f"own{account.id}", f"Own Place {account.id}"
    media_id = await upload_image(client, account, image_bytes((9, 9)))
    own_location = {"name": own_place, "lat": 1.5, "lng": 2.5}
    response = await publish(client, account, [media_id], f"#{own_tag}", location=own_location)
    assert response.status_code == 201, response.text
    own_location_id = response.json()["post"]["location"]["id"]
    own_post_id = response.json()["post"]["id"]
    await save_in_collection(client, account, post["id"])
    reel_id = await post_reel(client, account, "a reel")
    return Author(
        account,
        post["id"],
        post["location"]["id"],
        thread["id"],
        story["id"],
        own_tag,
        own_place,
        own_location_id,
        reel_id,
        own_post_id,
    )


async def save_in_collection(client: httpx.AsyncClient, viewer: Account, post_id: str) -> None:
    """Save the post into the viewer's collection (made on the first save)."""
    listed = await client.get("/collections", headers=viewer.headers)
    assert listed.status_code == 200, listed.text
    found = listed.json()["collections"]
    if found:
        collection_id = found[0]["id"]
    else:
        made = await client.post("/collections", json={"name": "mine"}, headers=viewer.headers)
        assert made.status_code == 201, made.text
        collection_id = made.json()["collection"]["id"]
    added = await client.post(
        f"/collections/{collection_id}/posts/{post_id}", headers=viewer.headers
    )
    assert added.status_code == 200, added.text


async def act_on(client: httpx.AsyncClient, viewer: Account, author: Author) -> None:
    """Everything a viewer can do to an author's things: like, comment, see the story,
    save the post (into a collection, which saves it)."""
    await like(client, viewer, author.post_id)
    await save_in_collection(client, viewer, author.post_id)
    await comment(client, viewer, author.post_id, f"from {viewer.username}")
    liked = await client.post(f"/comments/{author.comment_id}/like", headers=viewer.headers)
    assert liked.status_code == 200, liked.text
    seen = await client.post(f"/stories/{author.story_id}/seen", headers=viewer.headers)
    assert seen.status_code == 204, seen.text


async def build_world(server: RunningServer, client: httpx.AsyncClient) -> World:
    public, private = await register(client), await register(client)
    await set_private(client, private)
    viewers: dict[str, Account | None] = {"anonymous": None}
    for relation in ("follower", "pending", "stranger", "blocked", "blocker"):
        viewers[relation] = await register(client)
    friend = await register(client)  # so that the following lists have an entry to show
    # ... and the shared hashtag and place a post everyone may read (their pages exist).
    media_id = await upload_image(client, friend, image_bytes((7, 7)))
    shared = await publish(client, friend, [media_id], f"#{TAG}", location={"name": PLACE})
    assert shared.status_code == 201, shared.text
    authors: dict[str, Author] = {}
    for privacy, account in (("public", public), ("private", private)):
        await follow(client, account, friend)
        for relation in ("follower", "blocked", "blocker"):
            viewer = viewers[relation]
            assert viewer is not None
            await follow(client, viewer, account)
            if account is private:
                await approve(client, private, viewer)
        authors[privacy] = await make_content(client, account)
    pending, blocked, blocker = viewers["pending"], viewers["blocked"], viewers["blocker"]
    assert pending is not None
    assert blocked is not None
    assert blocker is not None
    await follow(client, pending, private)
    for privacy, author in authors.items():
        actors = ("follower", "stranger", "blocked", "blocker")
        for relation in actors if privacy == "public" else actors[:1] + actors[2:]:
            viewer = viewers[relation]
            assert viewer is not None
            await act_on(client, viewer, author)
    await server.settle()  # posts in every timeline, notifications written
    for author in authors.values():
        await block(client, author.account, blocked)
        await block(client, blocker, author.account)
    # No settle: blocks must hide content at once, before handlers tidy up.
    return World(authors, viewers)


async def test_every_read_path_follows_the_one_rule(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    world = await build_world(server, client)
    expected, actual = {}, {}
    for endpoint, reader in READERS.items():
        for privacy, author in world.authors.items():
            outcomes = EXPECTED[(endpoint, privacy)]
            for relation, outcome in zip(RELATIONS, outcomes, strict=True):
                if outcome is NA:
                    continue
                viewer = author.account if relation == "owner" else world.viewers[relation]
                key = (endpoint, privacy, relation)
                expected[key] = outcome
                actual[key] = await reader(client, author, viewer)
    wrong = {key: (actual[key], want) for key, want in expected.items() if actual[key] != want}
    assert wrong == {}, "(endpoint, privacy, relation): (got, expected)"


# Moderation (docs/moderation.md): what a removal of the author's post, comment and story
# changes, for every relation; everything else stays as in EXPECTED.
REMOVED: dict[str, int | str] = {
    "post": 404,
    "comments": 404,
    "replies": 404,
    "likers": 404,
    "feed": "out",
    "tag feed": "out",
    "hashtag": "out",
    "location": "out",
    "explore": "out",
    "reels": "out",
    "tray": "out",
    "story_viewers": 404,
    "saved": "out",
    "collection": "out",
    "comment like": 404,
}
# Archived by its author (docs/privacy.md rule 10): the post's read paths, for everyone
# but the author (who sees everything as before); stories are not archived here.
ARCHIVED: dict[str, int | str] = {
    endpoint: want
    for endpoint, want in REMOVED.items()
    if endpoint not in ("tray", "story_viewers")
}
# Endpoints that list the author's things ("in"/"out"); all others answer a status.
LISTINGS = {
    "feed",
    "tag feed",
    "hashtag",
    "location",
    "search",
    "hashtag search",
    "place search",
    "places nearby",
    "post search",
    "explore",
    "reels",
    "tray",
    "saved",
    "collection",
}
# Endpoints that need a signed-in viewer (401 anonymous, whatever the author's state).
SIGNED_IN = {
    "feed",
    "tag feed",
    "reels",
    "stories",
    "tray",
    "story_viewers",
    "saved",
    "collection",
    "comment like",
}


def moderated_expectation(endpoint: str, relation: str, want: int | str, state: str) -> int | str:
    """What `relation` gets at `endpoint` once the author's content is removed, the
    author's post archived, or the author suspended: a suspended account is gone for
    everyone else (404, "out"); removed content for everyone, its author included; an
    archived post for all but its author."""
    if want == 401:
        return 401
    if state == "archived":
        return want if relation == "owner" else ARCHIVED.get(endpoint, want)
    if state == "suspended":
        if endpoint in SIGNED_IN and relation == "anonymous":
            return 401
        return "out" if endpoint in LISTINGS else 404
    return REMOVED.get(endpoint, want)


async def _moderator(server: RunningServer, client: httpx.AsyncClient) -> Account:
    from shutter.moderation import service

    account = await register(client)
    async with server.context.db.write() as uow:
        await service.set_role(server.context, uow.conn, account.username, "moderator")
    return account


async def _act(
    client: httpx.AsyncClient, moderator: Account, action: str, target: str, target_id: str
) -> None:
    body = {"action": action, "target_type": target, "target_id": target_id, "reason": "test"}
    response = await client.post("/admin/actions", json=body, headers=moderator.headers)
    assert response.status_code == 201, response.text


async def _observe(
    client: httpx.AsyncClient, world: World, *, state: str | None
) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """(expected, actual) over READERS but the by_viewer rows, in the given state."""
    expected, actual = {}, {}
    for endpoint, reader in READERS.items():
        if endpoint.startswith("by_viewer"):
            continue
        for privacy, author in world.authors.items():
            for relation, want in zip(RELATIONS, EXPECTED[(endpoint, privacy)], strict=True):
                if want is NA or (state == "suspended" and relation == "owner"):
                    continue  # a suspended owner cannot sign in (test_moderation.py)
                if state is not None:
                    want = moderated_expectation(endpoint, relation, want, state)
                viewer = author.account if relation == "owner" else world.viewers[relation]
                key = (endpoint, privacy, relation)
                expected[key] = want
                actual[key] = await reader(client, author, viewer)
    return expected, actual


def _wrong(pair: tuple[dict[Any, Any], dict[Any, Any]]) -> dict[Any, Any]:
    expected, actual = pair
    return {key: (actual[key], want) for key, want in expected.items() if actual[key] != want}


async def test_removed_content_is_hidden_on_every_read_path_and_restore_brings_it_back(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    world = await build_world(server, client)
    moderator = await _moderator(server, client)
    for author in world.authors.values():
        await _act(client, moderator, "remove", "post", author.post_id)
        await _act(client, moderator, "remove", "post", author.reel_id)
        await _act(client, moderator, "remove", "comment", author.comment_id)
        await _act(client, moderator, "remove", "story", author.story_id)
    # No settle: the rule hides removed content at once, before handlers tidy up.
    assert _wrong(await _observe(client, world, state="removed")) == {}
    for author in world.authors.values():
        for target, target_id in (
            ("post", author.post_id),
            ("post", author.reel_id),
            ("comment", author.comment_id),
            ("story", author.story_id),
        ):
            await _act(client, moderator, "restore", target, target_id)
    await server.settle()
    assert _wrong(await _observe(client, world, state=None)) == {}


async def test_an_archived_post_is_seen_by_its_author_alone_and_a_restore_brings_it_back(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    world = await build_world(server, client)
    for author in world.authors.values():
        for post_id in (author.post_id, author.reel_id):
            response = await client.post(
                f"/posts/{post_id}/archive", headers=author.account.headers
            )
            assert response.status_code == 200, response.text
    # No settle: the rule hides an archived post at once.
    assert _wrong(await _observe(client, world, state="archived")) == {}
    for author in world.authors.values():
        for post_id in (author.post_id, author.reel_id):
            response = await client.delete(
                f"/posts/{post_id}/archive", headers=author.account.headers
            )
            assert response.status_code == 200, response.text
    await server.settle()
    assert _wrong(await _observe(client, world, state=None)) == {}


async def test_a_suspended_author_is_hidden_on_every_read_path_and_unsuspension_undoes_it(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    world = await build_world(server, client)
    moderator = await _moderator(server, client)
    for author in world.authors.values():
        await _act(client, moderator, "suspend", "user", author.account.id)
    assert _wrong(await _observe(client, world, state="suspended")) == {}
    for author in world.authors.values():
        await _act(client, moderator, "unsuspend", "user", author.account.id)
        login = await client.post(
            "/auth/login",
            json={"login": author.account.username, "password": author.account.password},
        )
        assert login.status_code == 200, login.text
        author.account.token = login.json()["access_token"]
    await server.settle()
    assert _wrong(await _observe(client, world, state=None)) == {}


async def test_a_deactivated_author_reaches_nobody(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    """Deletion requested (its grace period running): the rule treats the author like a
    block from everyone, so each reader gives what a blocked viewer gets (anonymous
    readers of signed-in-only paths still get 401)."""
    world = await build_world(server, client)
    for author in world.authors.values():
        gone = await client.request(
            "DELETE",
            "/users/me",
            json={"password": author.account.password},
            headers=author.account.headers,
        )
        assert gone.status_code == 202, gone.text
    blocked_column = RELATIONS.index("blocked")
    expected, actual = {}, {}
    for endpoint, reader in READERS.items():
        if endpoint.startswith("by_viewer"):  # the author can no longer sign in to read
            continue
        for privacy, author in world.authors.items():
            outcomes = EXPECTED[(endpoint, privacy)]
            for relation in ("follower", "stranger", "anonymous"):
                outcome = outcomes[RELATIONS.index(relation)]
                if outcome is NA:
                    continue
                key = (endpoint, privacy, relation)
                expected[key] = outcome if outcome == 401 else outcomes[blocked_column]
                actual[key] = await reader(client, author, world.viewers[relation])
    wrong = {key: (actual[key], want) for key, want in expected.items() if actual[key] != want}
    assert wrong == {}, "(endpoint, privacy, relation): (got, expected)"


# Mutes (rule 7): the follower mutes the author's posts and stories. Only the home feed,
# Reels and the tray change for the muter; every path opened directly stays as in EXPECTED, and
# the author reads nothing new (they are not told).
MUTED: dict[str, int | str] = {"feed": "out", "tag feed": "out", "reels": "out", "tray": "out"}


async def _observe_relation(
    client: httpx.AsyncClient, world: World, relation: str, changes: dict[str, int | str]
) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """(expected, actual) for one relation over READERS but the by_viewer rows: EXPECTED
    with `changes` applied."""
    expected, actual = {}, {}
    column = RELATIONS.index(relation)
    for endpoint, reader in READERS.items():
        if endpoint.startswith("by_viewer"):
            continue
        for privacy, author in world.authors.items():
            want = EXPECTED[(endpoint, privacy)][column]
            if want is NA:
                continue
            key = (endpoint, privacy, relation)
            expected[key] = changes.get(endpoint, want)
            actual[key] = await reader(client, author, world.viewers[relation])
    return expected, actual


async def test_a_mute_hides_feed_and_tray_only_and_an_unmute_brings_them_back(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    world = await build_world(server, client)
    follower = world.viewers["follower"]
    assert follower is not None
    for author in world.authors.values():
        muted = await mute(client, follower, author.account)
        assert muted == {"muting": {"posts": True, "stories": True}}
    # No settle: read-time filters, the stored timelines still hold the posts.
    assert _wrong(await _observe_relation(client, world, "follower", MUTED)) == {}
    for author in world.authors.values():
        theirs = (await _get(client, f"/users/{author.account.id}", follower)).json()
        assert theirs["relationship"]["muting"] == {"posts": True, "stories": True}
        # The muted account is not told: its view of the muter is unchanged.
        mine = (await _get(client, f"/users/{follower.id}", author.account)).json()
        assert mine["relationship"]["muting"] == {"posts": False, "stories": False}
    listed = (await _get(client, "/users/me/muted", follower)).json()["muted"]
    assert {item["user"]["id"] for item in listed} == {
        author.account.id for author in world.authors.values()
    }
    # Stories only: the posts come back to the feed and Reels, the stories stay out of the tray.
    for author in world.authors.values():
        await mute(client, follower, author.account, posts=False, stories=True)
    assert _wrong(await _observe_relation(client, world, "follower", {"tray": "out"})) == {}
    for author in world.authors.values():
        await unmute(client, follower, author.account)
    assert _wrong(await _observe_relation(client, world, "follower", {})) == {}
    # A followed hashtag never brings a muted author's post either, and an unmute lets it in.
    stranger = world.viewers["stranger"]
    assert stranger is not None
    public = world.authors["public"]
    await mute(client, stranger, public.account, posts=True, stories=False)
    assert await read_tag_feed(client, public, stranger) == "out"
    await unmute(client, stranger, public.account)
    assert await read_tag_feed(client, public, stranger) == "in"


# Close friends (rule 8): each author also posts a close-friends story, and keeps a
# highlight of both stories. Viewers: "close friend" is an approved follower on the
# author's list; "follower" follows but is not on it; the blocked and blocker viewers were
# put on the list before the blocks (a block still wins). Outcomes for the close-friends
# story on every story read path.
CF_RELATIONS = ("owner", "close friend", "follower", "stranger", "blocked", "blocker")
# fmt: off
CF_EXPECTED: dict[tuple[str, str], tuple[int | str | None, ...]] = {
    #                                     owner  close  follow strang blocked blocker
    ("tray", "public"):                   ("in",  "in",  "out", "out", "out", "out"),
    ("tray", "private"):                  ("in",  "in",  "out", "out", "out", "out"),
    ("user stories", "public"):           ("in",  "in",  "out", "out", 404,   403),
    ("user stories", "private"):          ("in",  "in",  "out", 403,   404,   403),
    ("story", "public"):                  (200,   200,   404,   404,   404,   404),
    ("story", "private"):                 (200,   200,   404,   404,   404,   404),
    ("viewers", "public"):                (200,   403,   404,   404,   404,   404),
    ("viewers", "private"):               (200,   403,   404,   404,   404,   404),
    ("reply", "public"):                  (NA,    201,   404,   404,   404,   404),
    ("reply", "private"):                 (NA,    201,   404,   404,   404,   404),
    ("highlight", "public"):              ("in",  "in",  "out", "out", 404,   404),
    ("highlight", "private"):             ("in",  "in",  "out", 404,   404,   404),
    ("user highlights", "public"):        ("in",  "in",  "out", "out", 404,   403),
    ("user highlights", "private"):       ("in",  "in",  "out", 403,   404,   403),
}
# fmt: on


@dataclass
class CloseFriendsStory:
    author: Author
    story_id: str
    highlight_id: str


CfReader = Callable[[httpx.AsyncClient, CloseFriendsStory, Account], Awaitable[int | str]]


def _cf_listing(path: str) -> CfReader:
    async def read(client: httpx.AsyncClient, cf: CloseFriendsStory, viewer: Account) -> int | str:
        response = await _get(client, path.format(cf=cf, a=cf.author), viewer)
        if response.status_code != 200:
            return response.status_code
        return SHOWN[cf.story_id in _ids(response.json())]

    return read


async def _cf_reply(client: httpx.AsyncClient, cf: CloseFriendsStory, viewer: Account) -> int | str:
    body = {"content": "so nice", "client_message_id": uuid.uuid4().hex}
    response = await client.post(f"/stories/{cf.story_id}/reply", json=body, headers=viewer.headers)
    return response.status_code


CF_READERS: dict[str, CfReader] = {
    "tray": _cf_listing("/stories/feed"),
    "user stories": _cf_listing("/users/{a.account.id}/stories"),
    "story": lambda c, cf, v: _status(c, f"/stories/{cf.story_id}", v),
    "viewers": lambda c, cf, v: _status(c, f"/stories/{cf.story_id}/viewers", v),
    "reply": _cf_reply,
    "highlight": _cf_listing("/highlights/{cf.highlight_id}"),
    "user highlights": _cf_listing("/users/{a.account.id}/highlights"),
}


async def _close_friends_world(
    server: RunningServer, client: httpx.AsyncClient
) -> tuple[World, dict[str, CloseFriendsStory], Account]:
    from shutter.db.tables import close_friends
    from shutter.timeutil import utcnow

    world = await build_world(server, client)
    friend = await register(client)
    stories: dict[str, CloseFriendsStory] = {}
    for privacy, author in world.authors.items():
        await follow(client, friend, author.account)
        if privacy == "private":
            await approve(client, author.account, friend)
        await set_close_friends(client, author.account, [friend])
        async with server.context.db.write() as uow:  # listed before the blocks came
            for relation in ("blocked", "blocker"):
                viewer = world.viewers[relation]
                assert viewer is not None
                await uow.conn.execute(
                    close_friends.insert().values(
                        owner_id=int(author.account.id),
                        friend_id=int(viewer.id),
                        created_at=utcnow(),
                    )
                )
        story = await post_story(client, author.account, audience="close_friends")
        assert story["close_friends"] is True
        highlight = await client.post(
            "/highlights",
            json={"title": "both", "story_ids": [author.story_id, story["id"]]},
            headers=author.account.headers,
        )
        assert highlight.status_code == 201, highlight.text
        stories[privacy] = CloseFriendsStory(
            author, story["id"], highlight.json()["highlight"]["id"]
        )
    return world, stories, friend


async def _observe_close_friends(
    client: httpx.AsyncClient,
    world: World,
    stories: dict[str, CloseFriendsStory],
    friend: Account,
    friend_expected: str = "close friend",
) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """(expected, actual) over CF_READERS; the friend reads as `friend_expected` says."""
    expected, actual = {}, {}
    for endpoint, reader in CF_READERS.items():
        for privacy, cf in stories.items():
            outcomes = CF_EXPECTED[(endpoint, privacy)]
            for relation, want in zip(CF_RELATIONS, outcomes, strict=True):
                if want is NA:
                    continue
                if relation == "close friend":
                    viewer: Account | None = friend
                    want = outcomes[CF_RELATIONS.index(friend_expected)]
                    if want is NA:
                        continue
                elif relation == "owner":
                    viewer = cf.author.account
                else:
                    viewer = world.viewers[relation]
                assert viewer is not None
                key = (endpoint, privacy, relation)
                expected[key] = want
                actual[key] = await reader(client, cf, viewer)
    return expected, actual


async def test_a_close_friends_story_reaches_the_list_only_on_every_story_path(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    world, stories, friend = await _close_friends_world(server, client)
    assert _wrong(await _observe_close_friends(client, world, stories, friend)) == {}
    # The tray marks the story and its reel (the green ring).
    tray = (await _get(client, "/stories/feed", friend)).json()["tray"]
    reels = [reel for reel in tray if reel["user"]["id"] != friend.id]
    assert reels
    assert all(reel["close_friends"] for reel in reels)
    # Off the list: the follower's view at once (the list is read with the story).
    for cf in stories.values():
        await set_close_friends(client, cf.author.account, [])
    assert _wrong(await _observe_close_friends(client, world, stories, friend, "follower")) == {}


# Group conversations (docs/messages.md): what each relation to a group gets from it. A
# block between two members hides nothing of the group, which is nobody's own: both stay
# in it (either may leave); the rule of direct conversations (hidden while a block
# stands) is for a conversation of two.
GROUP_RELATIONS = ("member", "stranger", "removed", "left", "blocked", "blocker", "anonymous")
# fmt: off
GROUP_EXPECTED: dict[str, tuple[int | str, ...]] = {
    #                   member stranger removed left  blocked blocker anonymous
    "conversation":     (200,  404,     404,    404,  200,    200,    401),
    "history":          (200,  404,     404,    404,  200,    200,    401),
    "message":          (200,  404,     404,    404,  200,    200,    401),
    "inbox":            ("in", "out",   "out",  "out", "in",  "in",   401),
    "send":             (201,  404,     404,    404,  201,    201,    401),
    "read":             (200,  404,     404,    404,  200,    200,    401),
    "react":            (200,  404,     404,    404,  200,    200,    401),
    "add member":       (200,  404,     404,    404,  200,    200,    401),
}
# fmt: on


@dataclass
class Group:
    id: str
    message_id: str
    newcomer: Account  # someone every member may add


GroupReader = Callable[[httpx.AsyncClient, Group, Account | None], Awaitable[int | str]]


async def _inbox(client: httpx.AsyncClient, group: Group, viewer: Account | None) -> int | str:
    if viewer is None:
        return await _status(client, "/conversations", None)
    ids: set[str] = set()
    for folder in ("inbox", "requests"):
        response = await _get(client, f"/conversations?folder={folder}&limit=50", viewer)
        ids |= {c["id"] for c in response.json()["conversations"]}
    return SHOWN[group.id in ids]


def _write(method: str, path: str, body: Callable[[Group], Any]) -> GroupReader:
    async def act(client: httpx.AsyncClient, group: Group, viewer: Account | None) -> int:
        response = await client.request(
            method, path.format(g=group), json=body(group), headers=_headers(viewer)
        )
        if response.status_code >= 400:
            assert set(response.json()) == {"error"}, response.text
        return response.status_code

    return act


GROUP_READERS: dict[str, GroupReader] = {
    "conversation": lambda c, g, v: _status(c, f"/conversations/{g.id}", v),
    "history": lambda c, g, v: _status(c, f"/conversations/{g.id}/messages", v),
    "message": lambda c, g, v: _status(c, f"/messages/{g.message_id}", v),
    "inbox": _inbox,
    "send": _write(
        "POST",
        "/conversations/{g.id}/messages",
        lambda g: {"content": "hi", "client_message_id": uuid4().hex},
    ),
    "read": _write("POST", "/conversations/{g.id}/read", lambda g: {"up_to_seq": 1}),
    "react": _write("PUT", "/messages/{g.message_id}/reaction", lambda g: {"emoji": "👍"}),
    "add member": _write(
        "POST", "/conversations/{g.id}/members", lambda g: {"user_ids": [g.newcomer.id]}
    ),
}


async def test_group_conversations_reach_their_members_only(client: httpx.AsyncClient) -> None:
    admin = await register(client)
    viewers: dict[str, Account | None] = {"anonymous": None}
    for relation in GROUP_RELATIONS[:-1]:
        viewers[relation] = await register(client)
    newcomer = await register(client)
    in_group = [viewers[r] for r in ("member", "removed", "left", "blocked", "blocker")]
    made = await client.post(
        "/conversations",
        json={"member_ids": [v.id for v in in_group if v is not None]},
        headers=admin.headers,
    )
    assert made.status_code == 201, made.text
    group_id = made.json()["id"]
    sent = await client.post(
        f"/conversations/{group_id}/messages",
        json={"content": "welcome", "client_message_id": "m1"},
        headers=admin.headers,
    )
    assert sent.status_code == 201, sent.text
    removed, left = viewers["removed"], viewers["left"]
    blocked, blocker = viewers["blocked"], viewers["blocker"]
    assert removed is not None
    assert left is not None
    assert blocked is not None
    assert blocker is not None
    gone = await client.delete(
        f"/conversations/{group_id}/members/{removed.id}", headers=admin.headers
    )
    assert gone.status_code == 204, gone.text
    gone = await client.delete(f"/conversations/{group_id}/members/{left.id}", headers=left.headers)
    assert gone.status_code == 204, gone.text
    await block(client, admin, blocked)
    await block(client, blocker, admin)
    group = Group(group_id, sent.json()["message_id"], newcomer)

    expected, actual = {}, {}
    for reader_name, reader in GROUP_READERS.items():
        for relation, want in zip(GROUP_RELATIONS, GROUP_EXPECTED[reader_name], strict=True):
            key = (reader_name, relation)
            expected[key] = want
            actual[key] = await reader(client, group, viewers[relation])
    wrong = {key: (actual[key], want) for key, want in expected.items() if actual[key] != want}
    assert wrong == {}, "(reader, relation): (got, expected)"
