"""The synthetic network: a Zipf follower graph with a few celebrities and a post history,
written in bulk with SQLAlchemy Core (not through the API: seeding must take seconds),
and around it the rest of the network: many more accounts, followed by nobody in the
graph, posting over the same week (`seed_network`, COPY on PostgreSQL).

What the app would have done on the way (the celebrities' switch to pull) happens through
its own event handlers: the seed writes one `user.followed` outbox event per celebrity,
and the server drains it like any other.
"""

from __future__ import annotations

import bisect
import itertools
import random
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rich.progress import Progress
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from shutter.db.database import Database
from shutter.db.tables import follows, media, posts, users
from shutter.events.types import UserFollowed
from shutter.ids import SEQUENCE_BITS, IdGenerator, id_timestamp_ms, smallest_id_at

CHUNK = 5000
HISTORY_DAYS = 7
ZIPF_EXPONENT = 0.9
PROBE_MEDIA = 8  # ready media per probe author, one per probe post


@dataclass(frozen=True)
class Scale:
    """How big the graph is and how long each measurement runs."""

    name: str
    users: int
    avg_followees: int
    posts: int
    ordinary_followers: int  # the post-to-visible probe author
    celebrity_threshold: int
    celebrities: int  # made explicitly; the Zipf tail may add a few more
    active_readers: int
    heavy_readers: int  # readers following `heavy_followees` accounts (pull vs hybrid)
    heavy_followees: int
    step_s: float
    max_steps: int
    refine_steps: int
    start_rps: float
    steady_s: float
    # Heavy readers' pages, hybrid then pull: a rate at which a pull page (tens of ms of
    # CPU in a large network) keeps well under a core, so neither side is in overload.
    compare_rps: float
    compare_s: float
    visibility_sample: int
    fanout_timelines: int
    memory_timelines: int
    zadd_requests: int
    # The rest of the network: accounts nobody in the graph follows, and their posts over
    # the same week. A heavy reader's 1,000 followees are a small slice of who posts.
    network_users: int
    network_posts: int


SCALES = {
    "smoke": Scale(
        "smoke", 300, 15, 900, 120, 150, 2, 60, 2, 80, 0.6, 2, 0, 20, 0.6, 10, 0.6, 8, 300, 10,
        5_000, 2_000, 10_000,
    ),
    "quick": Scale(
        "quick", 12_000, 30, 36_000, 10_000, 10_500, 3, 600, 20, 1_000, 2.5, 7, 1, 50,
        4.0, 5, 12.0, 40, 10_000, 200, 100_000, 200_000, 1_000_000,
    ),
    "full": Scale(
        "full", 30_000, 200, 300_000, 10_000, 20_000, 5, 10_000, 50, 1_000, 8.0, 8, 3, 100,
        20.0, 10, 40.0, 300, 100_000, 1_000, 1_000_000, 600_000, 3_000_000,
    ),
}  # fmt: skip


@dataclass
class Graph:
    user_ids: list[int]
    edges: list[tuple[int, int]]  # (follower, followee)
    celebrities: list[int]
    ordinary_author: int
    heavy_readers: list[int]
    active_readers: list[int]
    uploader: int
    follower_counts: Counter[int] = field(default_factory=Counter)
    probe_media: dict[int, list[int]] = field(default_factory=dict)
    posts: int = 0

    def followers_of(self, author_id: int) -> set[int]:
        return {a for a, b in self.edges if b == author_id}


def _ids_in_past(count: int, node: int, rng: random.Random) -> list[int]:
    """`count` distinct time-sortable ids spread over the last HISTORY_DAYS, ascending."""
    now_ms = int(time.time() * 1000) - 60_000
    span = HISTORY_DAYS * 86_400_000
    stamps = sorted(rng.randrange(now_ms - span, now_ms) for _ in range(count))
    out = []
    for n, stamp in enumerate(stamps):
        out.append(smallest_id_at(stamp) | (node << SEQUENCE_BITS) | (n & 0xFFF))
    return sorted(set(out))


def build_graph(scale: Scale, rng: random.Random) -> Graph:
    """Who follows whom: each user follows about `avg_followees` accounts chosen with Zipf
    popularity; `celebrities` accounts get more followers than the threshold; one
    ordinary author gets exactly `ordinary_followers`."""
    user_ids = _ids_in_past(scale.users, 1, rng)
    while len(user_ids) < scale.users:  # two stamps in one millisecond and sequence
        user_ids = _ids_in_past(scale.users, 1, rng)
    user_ids = user_ids[: scale.users]
    order = user_ids[:]
    rng.shuffle(order)
    celebrities = order[: scale.celebrities]
    ordinary = order[scale.celebrities]
    heavy = order[scale.celebrities + 1 : scale.celebrities + 1 + scale.heavy_readers]
    uploader = order[scale.celebrities + 1 + scale.heavy_readers]
    special = {*celebrities, ordinary, uploader, *heavy}
    regulars = [user for user in order if user not in special]
    cumulative = list(
        itertools.accumulate(1 / (rank + 1) ** ZIPF_EXPONENT for rank in range(len(regulars)))
    )
    total = cumulative[-1]
    followees: dict[int, set[int]] = {}
    for user in user_ids:
        if user in heavy:
            chosen = set(rng.sample(regulars, min(len(regulars), scale.heavy_followees)))
        else:
            want = rng.randint(max(1, scale.avg_followees // 2), scale.avg_followees * 3 // 2)
            chosen = {
                regulars[bisect.bisect_left(cumulative, rng.random() * total)] for _ in range(want)
            }
        chosen.discard(user)
        followees[user] = chosen
    others = list(user_ids)
    for celebrity in celebrities:
        size = rng.randint(
            scale.celebrity_threshold, max(scale.celebrity_threshold, scale.users - 2)
        )
        for follower in rng.sample(others, min(size + 1, len(others))):
            if follower != celebrity:
                followees[follower].add(celebrity)
    for follower in rng.sample([u for u in user_ids if u != ordinary], scale.ordinary_followers):
        followees[follower].add(ordinary)
    edges = [(a, b) for a, chosen in followees.items() for b in chosen]
    counts = Counter(b for _, b in edges)
    # Every account above the threshold is a celebrity, made or grown by Zipf.
    pulled = sorted(user for user, n in counts.items() if n >= scale.celebrity_threshold)
    pool = [u for u in user_ids if u not in {*celebrities, ordinary}]
    active = rng.sample(pool, min(scale.active_readers, len(pool)))
    return Graph(
        user_ids=user_ids,
        edges=edges,
        celebrities=pulled,
        ordinary_author=ordinary,
        heavy_readers=heavy,
        active_readers=active,
        uploader=uploader,
        follower_counts=counts,
    )


def _chunks(
    rows: Sequence[dict[str, Any]], size: int = CHUNK
) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def _insert(
    db: Database, table: Table, rows: Sequence[dict[str, Any]], progress: Progress, label: str
) -> None:
    task = progress.add_task(label, total=len(rows))
    for chunk in _chunks(rows):
        async with db.write() as uow:
            await uow.conn.execute(table.insert(), list(chunk))
        progress.advance(task, len(chunk))


async def seed_graph(
    db: Database, graph: Graph, scale: Scale, password_hash: str, rng: random.Random
) -> None:
    """Write users, follows, posts, probe media and the celebrities' events."""
    now = datetime.now(UTC)
    post_ids = _ids_in_past(scale.posts, 2, rng)
    # Authors post in proportion to their popularity, and everyone a little.
    authors = [b for _, b in rng.sample(graph.edges, min(len(graph.edges), len(post_ids)))]
    authors += rng.choices(graph.user_ids, k=max(0, len(post_ids) - len(authors)))
    rng.shuffle(authors)
    post_counts = Counter(authors[: len(post_ids)])
    following = Counter(a for a, _ in graph.edges)
    user_rows = [
        {
            "id": user,
            "username": f"b{n}",
            "email": f"b{n}@bench.invalid",
            "password_hash": password_hash,
            "display_name": f"Bench {n}",
            "follower_count": graph.follower_counts[user],
            "following_count": following[user],
            "post_count": post_counts[user],
            "created_at": now,
            "updated_at": now,
        }
        for n, user in enumerate(graph.user_ids)
    ]
    follow_ids = IdGenerator(3)
    follow_rows = [
        {
            "follower_id": a,
            "followee_id": b,
            "id": follow_ids.next_id(),
            "status": "accepted",
            "created_at": now,
        }
        for a, b in graph.edges
    ]
    post_rows = [
        {
            "id": post_id,
            "author_id": author,
            "caption": f"history post {n}",
            "created_at": _created_at(post_id),
        }
        for n, (post_id, author) in enumerate(zip(post_ids, authors, strict=False))
    ]
    media_ids = IdGenerator(4)
    media_rows = []
    for owner in [graph.ordinary_author, *graph.celebrities]:
        graph.probe_media[owner] = []
        for _ in range(PROBE_MEDIA):
            media_id = media_ids.next_id()
            graph.probe_media[owner].append(media_id)
            media_rows.append(
                {
                    "id": media_id,
                    "owner_id": owner,
                    "kind": "image",
                    "content_type": "image/jpeg",
                    "size_bytes": 1000,
                    "status": "ready",
                    "upload_key": f"uploads/{media_id}",
                    "original_key": f"originals/bench/{media_id}.jpg",
                    "width": 1080,
                    "height": 1080,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    graph.posts = len(post_rows)
    with Progress() as progress:
        await _insert(db, users, user_rows, progress, "users")
        await _insert(db, follows, follow_rows, progress, "follows")
        await _insert(db, posts, post_rows, progress, "posts")
        await _insert(db, media, media_rows, progress, "probe media")
    async with db.write() as uow:
        for celebrity in graph.celebrities:
            follower = next(a for a, b in graph.edges if b == celebrity)
            await uow.record(UserFollowed(follower_id=follower, followee_id=celebrity))


# Node bits of the network's ids (the graph's users and posts use 1 and 2, follows 3 and
# media 4): no id can collide.
NETWORK_USER_NODE = 5
NETWORK_POST_NODE = 6


async def seed_network(
    db: Database, scale: Scale, password_hash: str, rng: random.Random
) -> tuple[int, int]:
    """The rest of the network: `network_users` accounts that nobody in the graph follows,
    posting `network_posts` posts spread over the same week as the graph's history
    (authors drawn uniformly). No stored timeline would hold these posts (fan-out reaches
    followers only), so they can be written after the timelines are built. COPY on
    PostgreSQL, one executemany transaction on SQLite. Returns (users, posts) written."""
    user_ids = _network_ids(scale.network_users, NETWORK_USER_NODE, rng)
    post_ids = _network_ids(scale.network_posts, NETWORK_POST_NODE, rng)
    authors = rng.choices(user_ids, k=len(post_ids))
    counts = Counter(authors)
    # SQLite stores SQLAlchemy's DateTime as text, which a raw insert must write itself.
    stamp: Any = _sqlite_stamp if db.is_sqlite else _created_at
    now = stamp(user_ids[-1])
    user_rows = [
        (user, f"n{n}", f"n{n}@net.bench.invalid", password_hash, counts[user], now, now)
        for n, user in enumerate(user_ids)
    ]
    post_rows = [
        (post_id, author, "", stamp(post_id))
        for post_id, author in zip(post_ids, authors, strict=True)
    ]
    user_columns = (
        "id", "username", "email", "password_hash", "post_count", "created_at", "updated_at",
    )  # fmt: skip
    post_columns = ("id", "author_id", "caption", "created_at")
    tables: list[tuple[str, Sequence[str], list[tuple[Any, ...]]]] = [
        ("users", user_columns, user_rows),
        ("posts", post_columns, post_rows),
    ]
    with Progress() as progress:
        async with db.write() as uow:
            if db.is_sqlite:  # the indexes' random-order inserts need more than 2 MB of cache
                await uow.conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_SEED_CACHE_KB}")
            for table, columns, rows in tables:
                task = progress.add_task(f"network {table}", total=len(rows))
                for start in range(0, len(rows), BULK_CHUNK):
                    chunk = rows[start : start + BULK_CHUNK]
                    await _bulk(uow.conn, table, columns, chunk)
                    progress.advance(task, len(chunk))
    return len(user_rows), len(post_rows)


def _network_ids(count: int, node: int, rng: random.Random) -> list[int]:
    """Like `_ids_in_past`, for millions: ascending distinct ids over HISTORY_DAYS."""
    high = int(time.time() * 1000) - 60_000
    span = HISTORY_DAYS * 86_400_000
    low = high - span
    stamps = sorted(int(low + rng.random() * span) for _ in range(count))
    tail = node << SEQUENCE_BITS
    return sorted({smallest_id_at(stamp) | tail | (n & 0xFFF) for n, stamp in enumerate(stamps)})


def _created_at(post_id: int) -> datetime:
    return datetime.fromtimestamp(id_timestamp_ms(post_id) / 1000, UTC)


def _sqlite_stamp(row_id: int) -> str:
    """SQLAlchemy's SQLite text form of a DateTime (UTC, no offset)."""
    naive = datetime.fromtimestamp(id_timestamp_ms(row_id) / 1000, UTC).replace(tzinfo=None)
    return naive.isoformat(" ", "microseconds")


BULK_CHUNK = 50_000
SQLITE_SEED_CACHE_KB = 262_144


async def _bulk(
    conn: AsyncConnection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Rows as tuples in `columns` order: COPY on PostgreSQL, executemany on SQLite."""
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - our own names
        await conn.exec_driver_sql(statement, list(rows))
    else:
        raw = await conn.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table, records=rows, columns=list(columns)
        )
