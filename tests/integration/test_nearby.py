"""Places nearby (`GET /locations/nearby`) on both profiles: the places within the radius,
nearest first with their distance, only those with a post the reader may see, located
where public posts put them; nonsense coordinates refused."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.assertions import assert_error
from tests.factories import (
    Account,
    block,
    image_bytes,
    publish,
    register,
    set_private,
    upload_image,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

# Somewhere in the South Pacific that no other test puts a place.
HERE = (-47.0, -130.0)


async def post_at(
    client: httpx.AsyncClient, account: Account, name: str, lat: float, lng: float
) -> str:
    media_id = await upload_image(client, account, image_bytes((8, 8)))
    response = await publish(
        client, account, [media_id], location={"name": name, "lat": lat, "lng": lng}
    )
    assert response.status_code == 201, response.text
    location_id: str = response.json()["post"]["location"]["id"]
    return location_id


async def nearby(
    client: httpx.AsyncClient, reader: Account | None, radius_km: float, **point: float
) -> list[dict[str, Any]]:
    params = {"lat": point.get("lat", HERE[0]), "lng": point.get("lng", HERE[1])}
    response = await client.get(
        "/locations/nearby",
        params={**params, "radius_km": radius_km, "limit": 50},
        headers=reader.headers if reader else {},
    )
    assert response.status_code == 200, response.text
    places: list[dict[str, Any]] = response.json()["locations"]
    return places


async def test_places_within_the_radius_nearest_first_with_their_distance(
    client: httpx.AsyncClient,
) -> None:
    author, reader = await register(client), await register(client)
    tag = author.id[-6:]
    # 0.01 degree of latitude is about 1.11 km.
    far = await post_at(client, author, f"Far {tag}", HERE[0] + 0.3, HERE[1])
    near = await post_at(client, author, f"Near {tag}", HERE[0] + 0.01, HERE[1])
    middle = await post_at(client, author, f"Middle {tag}", HERE[0], HERE[1] + 0.05)

    places = await nearby(client, reader, 10)
    assert [place["id"] for place in places] == [near, middle]
    assert places[0]["name"] == f"Near {tag}"
    assert places[0]["distance_km"] == pytest.approx(1.11, abs=0.02)
    assert places[1]["distance_km"] == pytest.approx(3.79, abs=0.05)
    assert places[0]["post_count"] == 1
    assert [place["id"] for place in await nearby(client, reader, 50)] == [near, middle, far]
    assert await nearby(client, reader, 0.5) == []
    # Anyone may look, signed in or not.
    assert [place["id"] for place in await nearby(client, None, 2)] == [near]


async def test_only_places_with_a_post_the_reader_may_see_and_at_their_public_position(
    client: httpx.AsyncClient,
) -> None:
    public, private, stranger = [await register(client) for _ in range(3)]
    await set_private(client, private)
    lat, lng = HERE[0] - 1.0, HERE[1]
    hidden = await post_at(client, private, f"Secret {private.id[-6:]}", lat, lng)
    shown = await post_at(client, public, f"Open {public.id[-6:]}", lat + 0.02, lng)
    assert [p["id"] for p in await nearby(client, stranger, 5, lat=lat, lng=lng)] == [shown]
    # The private author sees their place, but only public posts give it a position:
    # without one it is not placed on the map at all.
    assert [p["id"] for p in await nearby(client, private, 5, lat=lat, lng=lng)] == [shown]
    assert hidden != shown
    await block(client, public, stranger)
    assert await nearby(client, stranger, 5, lat=lat, lng=lng) == []


@pytest.mark.parametrize(
    "params",
    [
        {"lat": 91, "lng": 0, "radius_km": 1},
        {"lat": -90.5, "lng": 0, "radius_km": 1},
        {"lat": 0, "lng": 180.1, "radius_km": 1},
        {"lat": 0, "lng": -181, "radius_km": 1},
        {"lat": 0, "lng": 0, "radius_km": 0},
        {"lat": 0, "lng": 0, "radius_km": -3},
        {"lat": 0, "lng": 0, "radius_km": 50.5},
        {"lat": "nan", "lng": 0, "radius_km": 1},
        {"lat": 0, "lng": "east", "radius_km": 1},
        {"lng": 0, "radius_km": 1},
    ],
)
async def test_coordinates_off_the_earth_or_a_radius_out_of_range_are_refused(
    client: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    assert_error(await client.get("/locations/nearby", params=params), 422, "validation_error")


async def test_the_edges_of_the_ranges_are_accepted(client: httpx.AsyncClient) -> None:
    for params in (
        {"lat": 90, "lng": 180, "radius_km": 50},
        {"lat": -90, "lng": -180, "radius_km": 0.1},
    ):
        response = await client.get("/locations/nearby", params=params)
        assert response.status_code == 200, response.text
