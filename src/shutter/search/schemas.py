"""Response models of search, hashtag pages and place pages."""

from __future__ import annotations

from pydantic import BaseModel

from shutter.posts.schemas import PostOut, PostPage
from shutter.users.schemas import UserOut


class HashtagOut(BaseModel):
    name: str
    post_count: int


class HashtagHeader(HashtagOut):
    following: bool


class PlaceOut(BaseModel):
    id: str
    name: str
    lat: float | None
    lng: float | None
    post_count: int


class NearbyPlaceOut(PlaceOut):
    distance_km: float


class NearbyPlaces(BaseModel):
    locations: list[NearbyPlaceOut]


class UserResults(BaseModel):
    users: list[UserOut]


class HashtagResults(BaseModel):
    hashtags: list[HashtagOut]


class PlaceResults(BaseModel):
    locations: list[PlaceOut]


SearchResults = UserResults | HashtagResults | PlaceResults | PostPage


class HashtagPage(BaseModel):
    hashtag: HashtagHeader
    posts: list[PostOut]
    next_cursor: str | None


class PlacePage(BaseModel):
    location: PlaceOut
    posts: list[PostOut]
    next_cursor: str | None
