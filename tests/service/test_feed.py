"""The hybrid home feed (feed/service.py) and the celebrity threshold (feed/tasks.py), on
the in-process timeline store and SQLite."""

from __future__ import annotations

from shutter.context import AppContext
from shutter.events.types import PostCreated, UserFollowed, UserUnfollowed
from shutter.feed import tasks
from shutter.feed.service import chronological_rows
from tests.service.conftest import World


async def _feed(context: AppContext, reader: int, limit: int) -> list[list[int]]:
    """Every page of the reader's hybrid feed, as post ids."""
    pages, cursor = [], None
    async with context.db.read() as conn:
        while True:
            rows, cursor = await chronological_rows(context, conn, reader, cursor, limit)
            pages.append([row["id"] for row in rows])
            if cursor is None:
                return pages


async def test_the_hybrid_merge_interleaves_pushed_and_pulled_posts_newest_first(
    context: AppContext, world: World
) -> None:
    store = context.timelines
    reader, pushed, star, gone = [await world.user(n) for n in ("rea", "pia", "sta", "gus")]
    for author in (pushed, star, gone):
        await world.follow(reader, author)
    await store.begin_rebuild(reader)
    await store.finish_rebuild(reader, [])
    await store.set_pulled(star, True)

    order: list[int] = []
    for n in range(4):
        own = await world.post(reader, f"mine {n}")
        mate = await world.post(pushed, f"pushed {n}")
        celebrity = await world.post(star, f"pulled {n}")
        await store.add(reader, [own, mate])  # pushed: in the reader's timeline
        await store.add_recent(star, celebrity)  # pulled: in the star's recent list only
        order += [own, mate, celebrity]
    stale = await world.post(gone, "from someone unfollowed since")
    deleted = await world.post(pushed, "deleted since")
    await store.add(reader, [stale, deleted])
    await world.unfollow(reader, gone)
    await world.delete_post(deleted)

    pages = await _feed(context, reader, 5)

    assert [post_id for page in pages for post_id in page] == sorted(order, reverse=True)
    assert [len(page) for page in pages] == [5, 5, 2]


async def test_a_missing_timeline_is_served_from_the_database_and_rebuilt(
    context: AppContext, world: World
) -> None:
    reader, author = await world.user("rea"), await world.user("aut")
    await world.follow(reader, author)
    posts = [await world.post(author, str(n)) for n in range(3)]

    async with context.db.read() as conn:
        rows, cursor = await chronological_rows(context, conn, reader, None, 2)

    assert [row["id"] for row in rows] == [posts[2], posts[1]]
    assert cursor == posts[1]


async def _followed(context: AppContext, world: World, follower: int, followee: int) -> None:
    await world.follow(follower, followee)
    event = UserFollowed(follower_id=follower, followee_id=followee, outbox_id=world.next_id())
    await tasks.on_user_followed(context, event)


async def test_an_author_crossing_the_threshold_is_pulled_then_pushed_again(
    context: AppContext, world: World
) -> None:
    store = context.timelines
    author = await world.user("aut")
    fans = [await world.user(f"fan{n}") for n in range(3)]  # the threshold is 3
    for fan in fans:
        await store.begin_rebuild(fan)
        await store.finish_rebuild(fan, [])
    for fan in fans[:2]:
        await _followed(context, world, fan, author)
    assert not await store.is_pulled(author)

    await _followed(context, world, fans[2], author)
    assert await store.is_pulled(author)
    assert await store.push_stopped_since(author) is not None

    # Posted while pulled: no fan-out, readers pull it.
    quiet = await world.post(author, "while pulled")
    await tasks.on_post_created(
        context, PostCreated(post_id=quiet, author_id=author, outbox_id=world.next_id())
    )
    assert await store.holding(fans[:2], quiet) == set()

    await world.unfollow(fans[2], author)
    event = UserUnfollowed(follower_id=fans[2], followee_id=author, outbox_id=world.next_id())
    await tasks.on_user_unfollowed(context, event)

    assert not await store.is_pulled(author)
    assert await store.push_stopped_since(author) is None
    # The post made while pulled reached the remaining followers on the way down.
    assert await store.holding(fans[:2], quiet) == set(fans[:2])
