"""In-process caches for the parts of a post object that hardly ever change.

- The media of a post change only when its author edits the post (alt texts): they are
  kept, least-recently-used first out, with no expiry, under the post's version (its
  `edited_at`), so that an edit made through any process makes every process's copy miss.
- Author fields (username, display name, avatar) change when their owner edits the
  profile: this process forgets its copy at once; other processes keep theirs for at most
  AUTHOR_TTL_S seconds.
Both save the hydration of a feed page two database queries.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:  # the row types only: stores/ does not depend on the features at run time
    from shutter.media.repository import MediaRow
    from shutter.users.repository import AuthorRow

AUTHOR_TTL_S = 30.0
V = TypeVar("V")


class Lru(Generic[V]):
    """Least recently used first out, past `capacity`; entries older than `ttl_s` miss."""

    def __init__(self, capacity: int, ttl_s: float | None) -> None:
        self.capacity = capacity
        self.ttl_s = ttl_s
        self._items: OrderedDict[int, tuple[float, V]] = OrderedDict()

    def get_many(self, keys: Iterable[int]) -> tuple[dict[int, V], list[int]]:
        found: dict[int, V] = {}
        missing: list[int] = []
        now = time.monotonic()
        for key in keys:
            item = self._items.get(key)
            if item is None or (self.ttl_s is not None and now - item[0] > self.ttl_s):
                missing.append(key)
                continue
            self._items.move_to_end(key)
            found[key] = item[1]
        return found, missing

    def get(self, key: int) -> tuple[float, V] | None:
        """The value and when it was put (`time.monotonic()`), unless missing or too old."""
        item = self._items.get(key)
        if item is None or (self.ttl_s is not None and time.monotonic() - item[0] > self.ttl_s):
            return None
        self._items.move_to_end(key)
        return item

    def put_many(self, values: dict[int, V]) -> None:
        now = time.monotonic()
        for key, value in values.items():
            self._items[key] = (now, value)
            self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def forget(self, key: int) -> None:
        self._items.pop(key, None)


class HydrationCache:
    """Rows are kept as the plain dicts of strings, numbers and times the repositories
    return (AuthorRow, MediaRow), which the garbage collector does not track (a RowMapping
    and its Row are tracked objects): a full collection walks one or two objects per
    cached entry instead of four or five."""

    def __init__(self, max_posts: int = 100_000, max_authors: int = 50_000) -> None:
        self.media: Lru[tuple[datetime | None, Sequence[MediaRow]]] = Lru(max_posts, None)
        self.authors: Lru[AuthorRow] = Lru(max_authors, AUTHOR_TTL_S)

    def keep_authors(self, rows: dict[int, AuthorRow]) -> None:
        self.authors.put_many(rows)

    def media_of(
        self, versions: Mapping[int, datetime | None]
    ) -> tuple[dict[int, Sequence[MediaRow]], list[int]]:
        """The cached media of these posts ({post id: edited_at}) and the ids missed (never
        cached, or cached for an earlier version of the post)."""
        cached, missing = self.media.get_many(versions)
        found = {}
        for post_id, (version, rows) in cached.items():
            if version == versions[post_id]:
                found[post_id] = rows
            else:
                missing.append(post_id)
        return found, missing

    def keep_media(
        self, rows: dict[int, list[MediaRow]], versions: Mapping[int, datetime | None]
    ) -> None:
        self.media.put_many({key: (versions[key], tuple(items)) for key, items in rows.items()})
