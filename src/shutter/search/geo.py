"""Distances on the Earth for places nearby: a bounding box for the SQL prefilter (cheap,
indexed on posts (location_lat, location_lng)) and the haversine distance that decides."""

from __future__ import annotations

import math
from typing import NamedTuple

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_KM / 180


class BoundingBox(NamedTuple):
    """Latitudes south..north, and one or two longitude ranges (two when the box crosses
    the antimeridian), each (west, east) with west <= east."""

    south: float
    north: float
    longitudes: tuple[tuple[float, float], ...]


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The great-circle distance between two points, in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lng: float, radius_km: float) -> BoundingBox:
    """A box holding every point within `radius_km` of (lat, lng), a little larger."""
    dlat = radius_km / KM_PER_DEGREE_LAT
    south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    # The widest the circle gets in longitude is at the latitude nearest a pole.
    widest = max(abs(south), abs(north))
    cos_lat = math.cos(math.radians(widest))
    if cos_lat < 1e-9 or radius_km / (KM_PER_DEGREE_LAT * cos_lat) >= 180:
        return BoundingBox(south, north, ((-180.0, 180.0),))
    dlng = radius_km / (KM_PER_DEGREE_LAT * cos_lat)
    west, east = lng - dlng, lng + dlng
    if west < -180:
        return BoundingBox(south, north, ((west + 360, 180.0), (-180.0, east)))
    if east > 180:
        return BoundingBox(south, north, ((west, 180.0), (-180.0, east - 360)))
    return BoundingBox(south, north, ((west, east),))
