"""Notification aggregation: actors on the same thing group into one notification, which
says who (the two most recent by name, then a count) and moves to the top when it grows."""

from __future__ import annotations

from datetime import timedelta

from shutter.context import AppContext
from shutter.notifications import repository, service
from shutter.notifications.schemas import NotificationPage
from tests.service.conftest import NOW, World
from tests.service.test_posts import URLS


async def _like(context: AppContext, recipient: int, post_id: int, actor: int, minute: int) -> bool:
    async with context.db.write() as uow:
        conn = uow.conn
        return await repository.add_actor(
            conn,
            context.ids,
            recipient,
            "like",
            f"like:{post_id}",
            actor,
            NOW + timedelta(minutes=minute),
            post_id=post_id,
        )


async def test_likes_of_one_post_become_one_notification(context: AppContext, world: World) -> None:
    ada = await world.user("ada")
    fans = [await world.user(name) for name in ("bob", "cy", "dee")]
    post_id = await world.post(ada, "hello", with_image=True)
    for minute, fan in enumerate(fans):
        assert await _like(context, ada, post_id, fan, minute)
    assert not await _like(context, ada, post_id, fans[0], 9)  # a redelivered event

    async with context.db.read() as conn:
        page = await service.list_notifications(conn, ada, None, 20, URLS)

    NotificationPage.model_validate(page)
    (notification,) = page["notifications"]
    assert notification["type"] == "like"
    assert notification["actor_count"] == 3
    assert [actor["username"] for actor in notification["actors"]] == ["dee", "cy"]
    assert notification["text"] == "dee, cy and 1 other liked your post."
    assert notification["post"] is not None
    assert notification["post"]["id"] == str(post_id)
    assert notification["read"] is False
    assert page["unread_count"] == 1


async def test_new_activity_moves_a_group_to_the_top(context: AppContext, world: World) -> None:
    ada, bob, cy = await world.user("ada"), await world.user("bob"), await world.user("cy")
    first, second = await world.post(ada, "1"), await world.post(ada, "2")
    await _like(context, ada, first, bob, 0)
    await _like(context, ada, second, bob, 1)
    await _like(context, ada, first, cy, 2)

    async with context.db.read() as conn:
        page = await service.list_notifications(conn, ada, None, 1, URLS)
        rest = await service.list_notifications(conn, ada, int(page["next_cursor"] or 0), 1, URLS)

    assert [n["post"]["id"] for n in page["notifications"] if n["post"]] == [str(first)]
    assert [n["post"]["id"] for n in rest["notifications"] if n["post"]] == [str(second)]
    assert rest["next_cursor"] is None


async def test_a_deleted_post_takes_its_notifications_with_it(
    context: AppContext, world: World
) -> None:
    ada, bob = await world.user("ada"), await world.user("bob")
    post_id = await world.post(ada, "soon gone")
    await _like(context, ada, post_id, bob, 0)
    await world.delete_post(post_id)

    async with context.db.read() as conn:
        page = await service.list_notifications(conn, ada, None, 20, URLS)

    assert page["notifications"] == []
