"""64-bit time-sortable ids: 41 bits of milliseconds, 10 bits of node, 12 bits of sequence.

Sorting ids sorts by creation time (to the millisecond; within one node, exactly).
"""

from __future__ import annotations

import random
import threading
import time

# 2024-01-01T00:00:00Z: 41 bits of milliseconds from here last until 2093.
EPOCH_MS = 1_704_067_200_000
NODE_BITS = 10
SEQUENCE_BITS = 12
MAX_NODE = (1 << NODE_BITS) - 1
MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1
TIMESTAMP_SHIFT = NODE_BITS + SEQUENCE_BITS


class IdGenerator:
    """Snowflake-style generator; thread-safe, monotonic even if the wall clock steps back."""

    def __init__(self, node_id: int | None = None) -> None:
        if node_id is None:
            node_id = random.randint(0, MAX_NODE)
        if not 0 <= node_id <= MAX_NODE:
            raise ValueError(f"node_id must be in 0..{MAX_NODE}")
        self.node_id = node_id
        self._lock = threading.Lock()
        self._last_ms = -1
        self._sequence = 0

    def next_id(self) -> int:
        """Return a new id, larger than every id this generator returned before."""
        with self._lock:
            now = max(int(time.time() * 1000) - EPOCH_MS, self._last_ms)
            if now == self._last_ms:
                self._sequence = (self._sequence + 1) & MAX_SEQUENCE
                if self._sequence == 0:
                    now += 1  # sequence exhausted: borrow the next millisecond
            else:
                self._sequence = 0
            self._last_ms = now
            return (now << TIMESTAMP_SHIFT) | (self.node_id << SEQUENCE_BITS) | self._sequence


def id_timestamp_ms(value: int) -> int:
    """Unix milliseconds at which an id was made."""
    return (value >> TIMESTAMP_SHIFT) + EPOCH_MS


def smallest_id_at(unix_ms: int) -> int:
    """The smallest id that could have been made at `unix_ms` (for time-range queries)."""
    return max(unix_ms - EPOCH_MS, 0) << TIMESTAMP_SHIFT
