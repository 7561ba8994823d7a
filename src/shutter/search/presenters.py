"""Search results, hashtags and places to the wire shapes of search/schemas.py."""

from __future__ import annotations

from typing import TypedDict

from shutter.posts.presenters import PostOutDict
from shutter.search.repository import HashtagCount, PlaceRow
from shutter.users.presenters import ProfileOutDict

# Published coordinates of a place are rounded to 3 decimals (about 100 m).
PLACE_PRECISION = 3


class HashtagOutDict(TypedDict):
    name: str
    post_count: int


class HashtagHeaderDict(HashtagOutDict):
    """A hashtag page's header: the counts, and whether the reader follows the hashtag."""

    following: bool


class PlaceOutDict(TypedDict):
    id: str
    name: str
    lat: float | None
    lng: float | None
    post_count: int


class NearbyPlaceOutDict(PlaceOutDict):
    distance_km: float


class NearbyResultsDict(TypedDict):
    locations: list[NearbyPlaceOutDict]


class UserResultsDict(TypedDict):
    users: list[ProfileOutDict]


class HashtagResultsDict(TypedDict):
    hashtags: list[HashtagOutDict]


class PlaceResultsDict(TypedDict):
    locations: list[PlaceOutDict]


SearchResultsDict = UserResultsDict | HashtagResultsDict | PlaceResultsDict


class HashtagPageDict(TypedDict):
    hashtag: HashtagHeaderDict
    posts: list[PostOutDict]
    next_cursor: str | None


class PlacePageDict(TypedDict):
    location: PlaceOutDict
    posts: list[PostOutDict]
    next_cursor: str | None


def present_hashtag(row: HashtagCount) -> HashtagOutDict:
    return {"name": row.tag, "post_count": row.post_count}


def present_location(row: PlaceRow) -> PlaceOutDict:
    """A place as the reader may see it: the number of its posts they may read, and
    coordinates averaged over public posts only."""
    return {
        "id": str(row.id),
        "name": row.name,
        "lat": None if row.lat is None else round(row.lat, PLACE_PRECISION),
        "lng": None if row.lng is None else round(row.lng, PLACE_PRECISION),
        "post_count": row.post_count,
    }
