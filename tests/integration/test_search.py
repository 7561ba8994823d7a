"""Search, hashtag and location pages: best matches first, typos forgiven, privacy kept,
and no query, however hostile, breaks the server."""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.assertions import assert_error
from tests.conftest import RunningServer
from tests.factories import (
    Account,
    approve,
    block_row,
    comment,
    follow,
    image_bytes,
    pages_of,
    register,
    set_private,
    upload_image,
)
from tests.integration.test_hybrid_feed import quick_post


async def _search(client: httpx.AsyncClient, q: str, kind: str = "users") -> list[str]:
    response = await client.get("/search", params={"q": q, "type": kind})
    assert response.status_code == 200, response.text
    key = {"users": "username", "hashtags": "name", "locations": "name"}[kind]
    return [item[key] for item in response.json()[kind]]


async def test_people_are_found_exact_first_then_by_prefix_then_despite_typos(
    client: httpx.AsyncClient,
) -> None:
    stem = f"marg{(await register(client)).id[-6:]}"
    exact = await register(client, stem)
    longer = await register(client, f"{stem}ot")
    named = await register(client)
    await client.patch(
        "/users/me", json={"display_name": f"{stem.title()} Smith"}, headers=named.headers
    )
    assert (await _search(client, stem))[:3] == [exact.username, longer.username, named.username]
    assert (await _search(client, f"@{stem.upper()}"))[0] == exact.username
    # One letter swapped still finds the account.
    typo = stem[:2] + stem[3] + stem[2] + stem[4:]
    assert exact.username in await _search(client, typo)
    assert await _search(client, "zzzzqqqq-nobody") == []


async def test_hashtag_pages_are_newest_first_case_insensitive_and_counted(
    client: httpx.AsyncClient,
) -> None:
    author, private, stranger = [await register(client) for _ in range(3)]
    tag = f"Sunset{author.id[-6:]}"
    older = await quick_post(client, author, f"#{tag} over the sea")
    newer = await quick_post(client, author, f"again #{tag.lower()} #{tag.upper()}")
    await set_private(client, private)
    hidden = await quick_post(client, private, f"#{tag} for friends only")
    untagged = await quick_post(client, author, f"no tag here {tag}")

    path = f"/hashtags/{tag.lower()}/posts"
    assert await pages_of(client, path, stranger.headers, 1) == [[newer], [older]]
    body = (await client.get(f"/hashtags/%23{tag}/posts", headers=private.headers)).json()
    assert body["hashtag"] == {"name": tag.lower(), "post_count": 3, "following": False}
    assert [p["id"] for p in body["posts"]] == [hidden, newer, older]
    assert untagged not in [p["id"] for p in body["posts"]]
    assert (await _search(client, f"#{tag[:5]}", "hashtags")).count(tag.lower()) == 1

    await client.delete(f"/posts/{newer}", headers=author.headers)
    after = (await client.get(path, headers=stranger.headers)).json()
    # The stranger's count is of what the stranger may read: not the private post.
    assert after["hashtag"]["post_count"] == 1
    assert [p["id"] for p in after["posts"]] == [older]

    assert_error(await client.get("/hashtags/no-such!tag/posts"), 422, "invalid_hashtag")
    assert_error(await client.get("/hashtags/neverusedtag12345/posts"), 404, "hashtag_not_found")


async def test_too_many_hashtags_are_refused(client: httpx.AsyncClient) -> None:
    author = await register(client)
    media_id = await upload_image(client, author, image_bytes((8, 8)))
    caption = " ".join(f"#t{i}" for i in range(31))
    response = await client.post(
        "/posts", json={"media_ids": [media_id], "caption": caption}, headers=author.headers
    )
    assert_error(response, 422)
    thirty = " ".join(f"#t{i}" for i in range(30))
    ok = await client.post(
        "/posts", json={"media_ids": [media_id], "caption": thirty}, headers=author.headers
    )
    assert ok.status_code == 201, ok.text


async def test_places_are_searchable_and_list_their_posts(client: httpx.AsyncClient) -> None:
    author = await register(client)
    place = f"Brighton Pier {author.id[-6:]}"
    media_id = await upload_image(client, author, image_bytes((8, 8)))
    created = await client.post(
        "/posts",
        json={"media_ids": [media_id], "location": {"name": place, "lat": 50.8, "lng": -0.1}},
        headers=author.headers,
    )
    location = created.json()["post"]["location"]
    found = (
        await client.get("/search", params={"q": "pier " + author.id[-6:], "type": "locations"})
    ).json()
    assert [item["id"] for item in found["locations"]] == [location["id"]]
    page = (await client.get(f"/locations/{location['id']}/posts")).json()
    assert page["location"]["name"] == place
    assert page["location"]["post_count"] == 1
    assert [p["id"] for p in page["posts"]] == [created.json()["post"]["id"]]
    assert_error(await client.get("/locations/1/posts"), 404, "location_not_found")


async def test_search_refuses_nonsense_types_and_empty_queries(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/search", params={"q": "a", "type": "videos"}), 422)
    assert_error(await client.get("/search", params={"q": ""}), 422)
    assert_error(await client.get("/search", params={"q": "x" * 101}), 422)
    refused = await client.get("/search", params={"q": "nul\x00byte"})
    assert "q" in assert_error(refused, 422, "validation_error")["message"]
    assert await _search(client, "@") == []
    assert await _search(client, "#", "hashtags") == []


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    query=st.text(min_size=1, max_size=100),
    kind=st.sampled_from(["users", "hashtags", "locations", "posts"]),
)
async def test_any_query_gets_an_answer_never_a_crash(
    server: RunningServer, query: str, kind: str
) -> None:
    async with httpx.AsyncClient(base_url=f"{server.base_url}/api/v1", timeout=30) as http:
        response = await http.get("/search", params={"q": query, "type": kind})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert {"code", "message"} <= set(response.json()["error"])


async def _post_at(
    client: httpx.AsyncClient, account: Account, place: str, lat: float, lng: float, caption: str
) -> dict[str, Any]:
    media_id = await upload_image(client, account, image_bytes((8, 8)))
    body = {
        "media_ids": [media_id],
        "caption": caption,
        "location": {"name": place, "lat": lat, "lng": lng},
    }
    response = await client.post("/posts", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    post: dict[str, Any] = response.json()["post"]
    return post


async def _found(
    client: httpx.AsyncClient, q: str, kind: str, viewer: Account | None
) -> list[dict[str, Any]]:
    headers = viewer.headers if viewer else {}
    response = await client.get("/search", params={"q": q, "type": kind}, headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()[kind]
    return found


async def test_a_private_accounts_places_and_hashtags_stay_private(
    client: httpx.AsyncClient,
) -> None:
    """A place and a hashtag named only by a private account's post: nobody but the
    account and its followers finds them, their counts or the post's coordinates; once a
    public post names them too, everyone sees that one post counted, and coordinates that
    come from public posts only (the private post's position never shows)."""
    private, follower, stranger, public = [await register(client) for _ in range(4)]
    await set_private(client, private)
    await follow(client, follower, private)
    await approve(client, private, follower)
    suffix = private.id[-6:]
    place, tag = f"Home Street {suffix}", f"home{suffix}"
    home = await _post_at(client, private, place, 51.501234, -0.141234, f"#{tag}")
    location_id = home["location"]["id"]

    for viewer in (stranger, None):
        assert await _found(client, place, "locations", viewer) == []
        assert await _found(client, tag, "hashtags", viewer) == []
        headers = viewer.headers if viewer else {}
        page = await client.get(f"/locations/{location_id}/posts", headers=headers)
        assert_error(page, 404, "location_not_found")
        assert_error(await client.get(f"/hashtags/{tag}/posts", headers=headers), 404)
    (seen,) = await _found(client, place, "locations", follower)
    # Even to a follower, a place's coordinates are never the private post's.
    assert (seen["post_count"], seen["lat"], seen["lng"]) == (1, None, None)
    assert await _found(client, tag, "hashtags", follower) == [{"name": tag, "post_count": 1}]

    # A public post at the same place, somewhere else in it: it is what everyone counts,
    # and the coordinates are its own (rounded), not those of the first post.
    await _post_at(client, public, place.upper(), 51.507000, -0.128000, f"#{tag.upper()}")
    for viewer in (stranger, None):
        (listed,) = await _found(client, place, "locations", viewer)
        assert listed == {
            "id": location_id,
            "name": place,
            "lat": 51.507,
            "lng": -0.128,
            "post_count": 1,
        }
        headers = viewer.headers if viewer else {}
        body = (await client.get(f"/locations/{location_id}/posts", headers=headers)).json()
        assert body["location"] == listed
        assert home["id"] not in [post["id"] for post in body["posts"]]
        assert "51.501" not in str(body)
        assert await _found(client, tag, "hashtags", viewer) == [{"name": tag, "post_count": 1}]
    (to_follower,) = await _found(client, place, "locations", follower)
    assert (to_follower["post_count"], to_follower["lat"]) == (2, 51.507)


async def test_hashtags_in_comments_list_the_post_until_the_comment_goes(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author, fan, reader = [await register(client) for _ in range(3)]
    tag = f"Golden{author.id[-6:]}"
    post_id = await quick_post(client, author, "no tags in the caption")
    remark = await comment(client, fan, post_id, f"what light #{tag}")
    path = f"/hashtags/{tag.lower()}/posts"

    body = (await client.get(path, headers=reader.headers)).json()
    assert body["hashtag"] == {"name": tag.lower(), "post_count": 1, "following": False}
    assert [post["id"] for post in body["posts"]] == [post_id]
    assert await _found(client, tag, "hashtags", None) == [{"name": tag.lower(), "post_count": 1}]
    # Someone the commenter blocked does not see the comment, nor what it tags.
    await block_row(server.context, fan, reader)
    assert_error(await client.get(path, headers=reader.headers), 404, "hashtag_not_found")

    deleted = await client.delete(f"/comments/{remark['id']}", headers=fan.headers)
    assert deleted.status_code == 204, deleted.text
    assert_error(await client.get(path), 404, "hashtag_not_found")
    assert await _found(client, tag, "hashtags", None) == []
