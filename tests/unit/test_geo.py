"""Distances and the bounding box of places nearby (search/geo.py)."""

from __future__ import annotations

import pytest

from shutter.search.geo import bounding_box, haversine_km


def _inside(box_lat: float, box_lng: float, radius: float, lat: float, lng: float) -> bool:
    box = bounding_box(box_lat, box_lng, radius)
    return box.south <= lat <= box.north and any(w <= lng <= e for w, e in box.longitudes)


def test_haversine_knows_real_distances() -> None:
    # London (Trafalgar Square) to Paris (Notre-Dame): about 341 km.
    assert haversine_km(51.508, -0.128, 48.853, 2.350) == pytest.approx(341, abs=3)
    assert haversine_km(10.0, 20.0, 10.0, 20.0) == 0.0
    # One degree of latitude is about 111.2 km everywhere.
    assert haversine_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(111.2, abs=0.1)


@pytest.mark.parametrize(
    ("lat", "lng", "radius"),
    [(51.5, -0.12, 5.0), (0.0, 179.99, 50.0), (-33.9, -179.95, 20.0), (89.9, 10.0, 50.0)],
)
def test_the_box_holds_every_point_within_the_radius(lat: float, lng: float, radius: float) -> None:
    """Points on the circle in eight directions (just inside) are all in the box, even
    across the antimeridian and near a pole."""
    for bearing_lat, bearing_lng in [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1)]:
        # Walk out until just inside the radius.
        step = 0.0001
        point_lat, point_lng = lat, lng
        while True:
            next_lat = max(-90.0, min(90.0, point_lat + bearing_lat * step))
            next_lng = (point_lng + bearing_lng * step + 180) % 360 - 180
            if haversine_km(lat, lng, next_lat, next_lng) > radius * 0.999:
                break
            point_lat, point_lng = next_lat, next_lng
            step *= 1.5
        assert _inside(lat, lng, radius, point_lat, point_lng), (point_lat, point_lng)


def test_a_box_crossing_the_antimeridian_is_split_in_two() -> None:
    box = bounding_box(0.0, 179.9, 50.0)
    assert len(box.longitudes) == 2
    assert _inside(0.0, 179.9, 50.0, 0.0, -179.9)
    assert not _inside(0.0, 179.9, 50.0, 0.0, 0.0)
