"""How a large archive is cut into the parts of an S3 multipart upload."""

from __future__ import annotations

from shutter.stores.objects import MAX_PARTS, part_sizes

MIB = 1024 * 1024
GIB = 1024 * MIB


def test_parts_are_of_the_setting_and_the_last_one_shorter() -> None:
    assert part_sizes(12 * MIB + 1, 5 * MIB) == [5 * MIB, 5 * MIB, 2 * MIB + 1]
    assert part_sizes(10 * MIB, 5 * MIB) == [5 * MIB, 5 * MIB]
    assert sum(part_sizes(4 * GIB, 512 * MIB)) == 4 * GIB
    assert len(part_sizes(4 * GIB, 512 * MIB)) == 8


def test_never_more_parts_than_s3_allows() -> None:
    sizes = part_sizes(100 * GIB, 5 * MIB)
    assert len(sizes) <= MAX_PARTS
    assert sum(sizes) == 100 * GIB
    assert sizes[0] > 5 * MIB  # the parts grew instead
