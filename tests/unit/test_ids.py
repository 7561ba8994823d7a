"""64-bit time-sortable ids: unique, increasing, and carrying their creation time."""

from __future__ import annotations

import itertools
import sys
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from shutter import ids
from shutter.ids import (
    EPOCH_MS,
    MAX_NODE,
    SEQUENCE_BITS,
    IdGenerator,
    id_timestamp_ms,
    smallest_id_at,
)


def frozen_clock(monkeypatch: pytest.MonkeyPatch, unix_ms: list[int]) -> None:
    """Make the generator read its wall clock from `unix_ms[0]`, which the test moves."""
    monkeypatch.setattr(ids, "time", SimpleNamespace(time=lambda: unix_ms[0] / 1000))


def test_ids_increase_strictly_and_fit_a_signed_bigint() -> None:
    generator = IdGenerator(node_id=7)

    made = [generator.next_id() for _ in range(20_000)]

    assert all(a < b for a, b in itertools.pairwise(made))
    assert made[0] > 0
    assert made[-1] < 2**63  # PostgreSQL BIGINT


@pytest.fixture
def eager_thread_switching() -> Iterator[None]:
    """Switch threads as often as the interpreter can, so that races show up."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


@pytest.mark.usefixtures("eager_thread_switching")
def test_ids_are_unique_and_increasing_per_thread_under_contention() -> None:
    generator = IdGenerator(node_id=3)
    results: list[list[int]] = [[] for _ in range(8)]
    start = threading.Barrier(8)

    def make(out: list[int]) -> None:
        start.wait()
        out.extend(generator.next_id() for _ in range(2_500))

    threads = [threading.Thread(target=make, args=(out,)) for out in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    every = [value for out in results for value in out]
    assert len(every) == len(set(every)) == 20_000
    for out in results:
        assert out == sorted(out)


def test_an_id_decodes_to_the_time_it_was_made() -> None:
    generator = IdGenerator(node_id=1)

    before = int(time.time() * 1000)
    value = generator.next_id()
    after = int(time.time() * 1000)

    assert before <= id_timestamp_ms(value) <= after
    assert (value >> SEQUENCE_BITS) & MAX_NODE == 1


def test_ids_from_different_nodes_sort_by_creation_time() -> None:
    early_node, late_node = IdGenerator(node_id=MAX_NODE), IdGenerator(node_id=0)

    early = early_node.next_id()
    time.sleep(0.003)
    late = late_node.next_id()

    assert early < late  # the node field never outweighs a millisecond
    assert id_timestamp_ms(early) < id_timestamp_ms(late)


def test_a_clock_stepping_back_never_makes_a_smaller_id(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [EPOCH_MS + 10_000_000]
    frozen_clock(monkeypatch, clock)
    generator = IdGenerator(node_id=5)
    first = generator.next_id()

    clock[0] -= 5_000  # NTP steps the clock back five seconds
    second = generator.next_id()
    clock[0] += 20_000
    third = generator.next_id()

    assert first < second < third
    assert id_timestamp_ms(third) == clock[0]


def test_more_ids_than_a_millisecond_holds_borrow_the_next_millisecond(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [EPOCH_MS + 10_000_000]
    frozen_clock(monkeypatch, clock)
    generator = IdGenerator(node_id=9)
    per_ms = 1 << SEQUENCE_BITS

    made = [generator.next_id() for _ in range(3 * per_ms)]

    assert len(set(made)) == len(made)
    assert all(a < b for a, b in itertools.pairwise(made))
    assert id_timestamp_ms(made[0]) == clock[0]
    assert id_timestamp_ms(made[per_ms]) == clock[0] + 1
    assert id_timestamp_ms(made[-1]) == clock[0] + 2
    clock[0] += 1  # the real clock catches up but is still behind the borrowed time
    assert generator.next_id() > made[-1]


def test_smallest_id_at_bounds_the_ids_of_a_millisecond() -> None:
    generator = IdGenerator(node_id=MAX_NODE)
    value = generator.next_id()
    made_at = id_timestamp_ms(value)

    assert smallest_id_at(made_at) <= value < smallest_id_at(made_at + 1)
    assert id_timestamp_ms(smallest_id_at(made_at)) == made_at
    assert smallest_id_at(EPOCH_MS - 1000) == 0


@pytest.mark.parametrize("node_id", [-1, MAX_NODE + 1, 4096])
def test_a_node_id_outside_ten_bits_is_refused(node_id: int) -> None:
    with pytest.raises(ValueError, match="node_id"):
        IdGenerator(node_id=node_id)


def test_without_a_node_id_one_is_picked_within_range() -> None:
    picked = {IdGenerator().node_id for _ in range(50)}

    assert all(0 <= node <= MAX_NODE for node in picked)
    assert len(picked) > 1
