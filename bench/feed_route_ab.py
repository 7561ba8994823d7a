"""GET /feed's lean handler against FastAPI's own handler of the same route, in one process.

    .venv/bin/python bench/feed_route_ab.py [--rounds 30] [--requests 200]

Serves feed pages (embedded profile, a scratch data directory, one reader with an empty
feed: what differs between the two handlers is the request's parsing, not the feed) through
the ASGI app with httpx's in-process transport, alternating the route's handler between
`LeanFeedRoute`'s and the one FastAPI would build (`APIRoute.get_route_handler`), and
prints the median and least CPU per request of each (process time, the in-process client
included: the difference is the figure, the absolute values are not the server's).
Alternating rounds in one process cancels most of a shared machine's drift.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time

import httpx
from fastapi.routing import APIRoute, request_response

from shutter.app import create_app
from shutter.feed.api import LeanFeedRoute
from shutter.settings import Settings

SECRET = "feed-route-ab-secret-not-for-production-0123456789"  # noqa: S105 - scratch data


async def main(rounds: int, requests: int) -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(Settings(data_dir=data_dir, secret_key=SECRET, rate_limits="off"))
        (route,) = [r for r in app.router.routes if isinstance(r, LeanFeedRoute)]
        handlers = {
            "lean": route.app,
            "fastapi": request_response(APIRoute.get_route_handler(route)),
        }
        spent: dict[str, list[float]] = {name: [] for name in handlers}
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench/api/v1"
            ) as client,
        ):
            account = {"username": "reader", "email": "reader@example.com"}
            registered = await client.post(
                "/auth/register", json={**account, "password": "correct horse battery"}
            )
            headers = {"Authorization": f"Bearer {registered.json()['access_token']}"}
            for _ in range(rounds):
                for name, handler in handlers.items():
                    route.app = handler
                    start = time.process_time()
                    for _ in range(requests):
                        response = await client.get("/feed?limit=20", headers=headers)
                        assert response.status_code == 200, response.text
                    spent[name].append((time.process_time() - start) / requests * 1000)
    for name, values in spent.items():
        print(
            f"{name}: median {statistics.median(values):.3f}, least {min(values):.3f} ms CPU "
            f"a page (with client), {rounds} rounds of {requests}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--requests", type=int, default=200)
    options = parser.parse_args()
    asyncio.run(main(options.rounds, options.requests))
