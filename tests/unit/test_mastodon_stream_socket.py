"""A Mastodon stream's socket on the bus, without a network: it receives the timeline
events Shutter's own sockets are spared, closes when its token or app is revoked (not
another's), when the password changes, and when it cannot keep up; a followed pulled
author's watch passes on that author's own posts and nothing else."""

from __future__ import annotations

from shutter.mastodon.streaming import PulledAuthorWatch, StreamSocket
from shutter.oauth.service import Grant
from shutter.realtime.bus import (
    CLOSE_SLOW_CONSUMER,
    CLOSE_UNAUTHENTICATED,
    InProcessBus,
    Socket,
)
from shutter.realtime.events import home_post, oauth_revoked, posts_removed, sessions_revoked
from tests.unit.test_realtime_bus import drained

GRANT = Grant(token_id=10, app_id=20, user_id=1, scopes=("read",), token_version=3)


async def test_timeline_events_reach_streams_and_not_the_native_gateway() -> None:
    bus = InProcessBus()
    native, stream = Socket(1, 8), StreamSocket(GRANT, 1, 8)
    for socket in (native, stream):
        await bus.attach(socket)
    await bus.publish([1], home_post(5, 2))
    await bus.publish([1], posts_removed([5, 6]))
    await bus.publish([1], {"type": "notification", "kind": "like", "unread_count": 1})
    assert drained(stream) == [
        {"type": "home_post", "post_id": "5", "author_id": "2"},
        {"type": "posts_removed", "post_ids": ["5", "6"]},
        {"type": "notification", "kind": "like", "unread_count": 1},
    ]
    assert drained(native) == [{"type": "notification", "kind": "like", "unread_count": 1}]


async def test_revoking_its_token_or_app_closes_a_stream_and_no_other() -> None:
    bus = InProcessBus()
    stream = StreamSocket(GRANT, 1, 8)
    native = Socket(1, 8)
    await bus.attach(stream)
    await bus.attach(native)
    await bus.publish([1], oauth_revoked(token_ids=[11], app_ids=[21]))
    assert not stream.closing.done()
    assert not native.closing.done()
    await bus.publish([1], oauth_revoked(app_ids=[20]))
    assert stream.closing.result() == (CLOSE_UNAUTHENTICATED, "the access token was revoked")
    assert not native.closing.done()

    by_token = StreamSocket(GRANT, 1, 8)
    await bus.attach(by_token)
    await bus.publish([1], oauth_revoked(token_ids=[10]))
    assert by_token.closing.result()[0] == CLOSE_UNAUTHENTICATED
    assert drained(by_token) == []


async def test_a_password_change_and_a_full_queue_close_a_stream() -> None:
    bus = InProcessBus()
    older = StreamSocket(GRANT, 1, 8)
    await bus.attach(older)
    await bus.publish([1], sessions_revoked(3))  # the version its token carries: stays
    assert not older.closing.done()
    await bus.publish([1], sessions_revoked(4))
    assert older.closing.result()[0] == CLOSE_UNAUTHENTICATED

    slow = StreamSocket(Grant(10, 20, 1, ("read",), 4), 1, 2)
    await bus.attach(slow)
    for post_id in range(3):
        await bus.publish([1], home_post(post_id, 2))
    assert slow.closing.result()[0] == CLOSE_SLOW_CONSUMER


async def test_a_pulled_authors_watch_passes_on_only_that_authors_own_posts() -> None:
    bus = InProcessBus()
    stream = StreamSocket(GRANT, 1, 8)
    await bus.attach(stream)
    await bus.attach(PulledAuthorWatch(2, stream))
    await bus.publish([2], home_post(7, 2))  # the author's own post: heard
    await bus.publish([2], home_post(8, 3))  # someone the author follows: not
    await bus.publish([2], {"type": "notification", "kind": "like", "unread_count": 1})
    await bus.publish([2], sessions_revoked(99))  # the author's password, not the reader's
    await bus.publish([2], oauth_revoked(token_ids=[10]))
    await bus.publish([2], posts_removed([9]))
    assert not stream.closing.done()
    assert drained(stream) == [{"type": "home_post", "post_id": "7", "author_id": "2"}]
