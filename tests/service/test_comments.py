"""Comments as their readers see them: the comment presenter, the page tail, the pin
that opens the first page, and the filter's `hidden` mark."""

from __future__ import annotations

from shutter.comments import service
from shutter.comments.schemas import CommentOut, CommentPage
from shutter.context import AppContext
from tests.service.conftest import World
from tests.service.test_posts import URLS


async def _comment(context: AppContext, author_id: int, post_id: int, text: str) -> int:
    async with context.db.write() as uow:
        comment = await service.create_comment(context, uow, author_id, post_id, text, None, URLS)
    CommentOut.model_validate(comment)
    return int(comment["id"])


async def test_comments_come_a_page_at_a_time_oldest_first(
    context: AppContext, world: World
) -> None:
    ada, bob = await world.user("ada"), await world.user("bob")
    post = await world.post(ada, "lake")
    ids = [await _comment(context, bob, post, f"nice #lake{n} @ada") for n in range(3)]
    async with context.db.read() as conn:
        first = await service.list_comments(conn, ada, post, None, 2, URLS)
        assert first["next_cursor"] is not None
        rest = await service.list_comments(conn, ada, post, int(first["next_cursor"]), 2, URLS)

    assert [c["id"] for c in first["comments"]] == [str(ids[0]), str(ids[1])]
    assert [c["id"] for c in rest["comments"]] == [str(ids[2])]
    assert rest["next_cursor"] is None
    shown = first["comments"][0]
    assert shown["author"]["username"] == "bob"
    assert (shown["hashtags"], shown["mentions"]) == (["lake0"], ["ada"])
    assert (shown["hidden"], shown["pinned"], shown["liked_by_me"]) == (False, False, False)
    CommentPage.model_validate(first)
    CommentPage.model_validate(rest)


async def test_the_pinned_comment_opens_the_first_page_and_no_other(
    context: AppContext, world: World
) -> None:
    ada, bob = await world.user("ada"), await world.user("bob")
    post = await world.post(ada, "lake")
    ids = [await _comment(context, bob, post, f"comment {n}") for n in range(3)]
    async with context.db.write() as uow:
        assert await service.pin_comment(uow.conn, ada, ids[2]) == {"pinned": True}
    async with context.db.read() as conn:
        first = await service.list_comments(conn, bob, post, None, 2, URLS)
        assert first["next_cursor"] is not None
        rest = await service.list_comments(conn, bob, post, int(first["next_cursor"]), 2, URLS)

    assert [(c["id"], c["pinned"]) for c in first["comments"]] == [
        (str(ids[2]), True),
        (str(ids[0]), False),
    ]
    assert [c["id"] for c in rest["comments"]] == [str(ids[1])]


async def test_a_filtered_comment_is_marked_hidden_for_the_post_author_alone(
    context: AppContext, world: World
) -> None:
    ada, bob = await world.user("ada"), await world.user("bob")
    post = await world.post(ada, "the finale")
    async with context.db.write() as uow:
        filters = await service.put_filters(uow.conn, ada, ["Spoiler", "spoiler"], False)
    assert filters == {"words": ["spoiler"], "followers_only": False}
    await _comment(context, bob, post, "SPOILER: it ends")
    async with context.db.read() as conn:
        for_ada = await service.list_comments(conn, ada, post, None, 10, URLS)
        for_bob = await service.list_comments(conn, bob, post, None, 10, URLS)

    assert [c["hidden"] for c in for_ada["comments"]] == [True]
    assert [c["hidden"] for c in for_bob["comments"]] == [False]
