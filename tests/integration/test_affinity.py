"""The ranked feed's affinity from real interactions, on both profiles: a post of an
author the reader liked, commented on, messaged or whose profile they visited ranks
above a newer post of an author they did nothing with; a reader who did nothing sees
the newest first (so the effect is the interactions')."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import RunningServer
from tests.factories import comment, follow, like, register
from tests.integration.test_hybrid_feed import quick_post
from tests.integration.test_messages import send
from tests.integration.test_ranked_feed import ranked_scroll

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


async def test_interactions_lift_an_author_in_the_ranked_feed(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    reader, bystander = await register(client), await register(client)
    liked, commented, messaged, visited, untouched = [await register(client) for _ in range(5)]
    for author in (liked, commented, messaged, visited, untouched):
        await follow(client, reader, author)
        await follow(client, bystander, author)
    # Older posts to interact with (so that the newer posts' own counts stay at zero).
    await like(client, reader, await quick_post(client, liked, "old"))
    await comment(client, reader, await quick_post(client, commented, "old"), "nice")
    await send(client, reader, messaged, "hello there")
    visit = await client.get(f"/users/{visited.id}", headers=reader.headers)
    assert visit.status_code == 200, visit.text
    fresh = {
        author.id: await quick_post(client, author, "new")
        for author in (liked, commented, messaged, visited)
    }
    newest = await quick_post(client, untouched, "newest of all")
    await server.settle()

    ranked = await ranked_scroll(client, reader, limit=20)
    for post_id in fresh.values():
        assert ranked.index(post_id) < ranked.index(newest), (post_id, ranked)
    control = await ranked_scroll(client, bystander, limit=20)
    for post_id in fresh.values():
        assert control.index(newest) < control.index(post_id), (post_id, control)
