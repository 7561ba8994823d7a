"""GET /feed is served by its own lean handler (feed/api.py, `LeanFeedRoute`), not by
FastAPI's dependency solving: it must answer every request exactly as FastAPI's handler
of the same route does, good queries and bad, signed in or not."""

from __future__ import annotations

import httpx
from fastapi.routing import APIRoute, request_response

from shutter.feed.api import LeanFeedRoute
from tests.conftest import RunningServer
from tests.factories import publish, register, unsigned, upload_image

QUERIES = [
    "",
    "?limit=1",
    "?limit=1&cursor={cursor}",
    "?mode=ranked&limit=2",
    "?limit=5&limit=1",  # the last of a repeated parameter, as FastAPI reads it
    "?cursor=",
    "?unknown=1",
    "?limit=0",
    "?limit=51",
    "?limit=abc",
    "?limit=",
    "?mode=sideways",
    "?mode=",
    "?cursor=" + "9" * 65,
    "?cursor=abc",
    "?limit=0&mode=sideways",  # both errors, in FastAPI's order
]


async def test_the_lean_feed_route_answers_as_fastapis_own_handler_would(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    author = await register(client)
    for caption in ("first", "second"):
        response = await publish(client, author, [await upload_image(client, author)], caption)
        assert response.status_code == 201, response.text
    first_page = (await client.get("/feed?limit=1", headers=author.headers)).json()
    cursor = first_page["next_cursor"]
    assert [post["caption"] for post in first_page["posts"]] == ["second"]
    assert cursor

    (route,) = [r for r in server.app.router.routes if isinstance(r, LeanFeedRoute)]
    lean = route.app
    fastapis = request_response(APIRoute.get_route_handler(route))
    callers = {
        "signed in": author.headers,
        "anonymous": {},
        "bad token": {"Authorization": "Bearer not-a-token"},
    }
    differences = []
    for caller, headers in callers.items():
        for query in QUERIES:
            path = "/feed" + query.format(cursor=cursor)
            answers = []
            for handler in (lean, fastapis):
                route.app = handler
                try:
                    response = await client.get(path, headers=headers)
                finally:
                    route.app = lean
                answers.append((response.status_code, unsigned(response.json())))
            if answers[0] != answers[1]:
                differences.append(f"{caller} {path}: lean {answers[0]} != FastAPI {answers[1]}")
    assert differences == []
    # What a reader sees through it: the second page after the cursor is the older post.
    second_page = await client.get(f"/feed?limit=1&cursor={cursor}", headers=author.headers)
    assert [post["caption"] for post in second_page.json()["posts"]] == ["first"]
