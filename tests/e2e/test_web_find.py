"""Finding things in the web client, in a real headless Chromium against a real
`shutter serve`: the Posts tab of Search (a word of a caption, in another form, finds the
post; a blocked author's post is not found), and places nearby (from the browser's
position, and from coordinates typed in when the position is not shared), with axe."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, Browsing
from tests.e2e.test_serve import ServeProcess, _upload
from tests.e2e.test_web import _api, _jpeg, _name, _photo_post, _user_id
from tests.e2e.test_web_a11y import _settled, _violations, axe_path  # noqa: F401 - a fixture

pytestmark = pytest.mark.xdist_group("browser")

# A harbour on the coast of Norway, and a point about 2 km from it.
HARBOUR = (62.4722, 6.1495)
NEARBY_POINT = {"latitude": 62.4722, "longitude": 6.1900}


def _word() -> str:
    """A made-up word that only this test's captions use (letters only)."""
    return "zx" + "".join("bcdfghjklm"[int(d)] for d in _name("")[-6:] if d.isdigit())


def _post_at(web: ServeProcess, token: str, name: str) -> str:
    with _api(web, token) as api:
        media_id = _upload(api, token, _jpeg((64, 48)))["id"]
        location = {"name": name, "lat": HARBOUR[0], "lng": HARBOUR[1]}
        response = api.post("/posts", json={"media_ids": [media_id], "location": location})
    assert response.status_code == 201, response.text
    location_id: str = response.json()["post"]["location"]["id"]
    return location_id


def test_the_posts_tab_finds_a_caption_word_but_not_a_blocked_authors_post(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    author, blocked, reader = _name("kari"), _name("lars"), _name("mona")
    author_token, blocked_token, reader_token = (
        register(author),
        register(blocked),
        register(reader),
    )
    word = _word()
    found = _photo_post(web, author_token, f"Running along the {word} at dawn")
    hidden = _photo_post(web, blocked_token, f"I run by the {word} too")
    with _api(web, reader_token) as api:
        assert api.post(f"/users/{_user_id(web, blocked)}/block").status_code == 200

    page = browsing.page(token=reader_token)
    page.goto("/search")
    page.get_by_role("tab", name="Posts", exact=True).click()
    page.get_by_label("Search people, tags, places and posts").fill(f"runs {word}")
    results = page.get_by_label("Posts found")
    tile = results.locator(".tile")
    expect(tile).to_have_count(1)
    assert tile.first.get_attribute("href") == f"/p/{found}"
    expect(results.locator(f'a[href="/p/{hidden}"]')).to_have_count(0)
    # The tab and the query are in the address: a reload shows the same results.
    page.reload()
    expect(page.get_by_label("Posts found").locator(".tile")).to_have_count(1)
    tile = page.get_by_label("Posts found").locator(".tile").first
    tile.click()
    page.wait_for_url(f"**/p/{found}")
    assert page.console_errors == []


def test_nearby_lists_a_place_from_the_browsers_position_or_typed_coordinates(
    browsing: Browsing, register: Callable[[str], str], web: ServeProcess
) -> None:
    author, reader = _name("nils"), _name("olga")
    author_token, reader_token = register(author), register(reader)
    place = f"Harbour {_word()}"
    location_id = _post_at(web, author_token, place)

    # The position shared: the place is listed with its distance; "Nearby" on Search.
    page = browsing.page(token=reader_token, geolocation=NEARBY_POINT)
    page.goto("/search?type=locations")
    page.get_by_role("link", name="Nearby", exact=True).click()
    places = page.get_by_role("list", name="Places nearby")
    row = places.get_by_role("link", name=place)
    expect(row).to_be_visible()
    expect(row).to_contain_text("km")
    row.click()
    page.wait_for_url(f"**/explore/locations/{location_id}")
    page.get_by_role("heading", name=place).wait_for()

    # The position not shared: coordinates typed in instead.
    refused = browsing.page(token=reader_token)
    refused.goto(f"/explore/locations/{location_id}")
    refused.get_by_role("link", name="Nearby", exact=True).click()
    refused.get_by_role("button", name="Enter coordinates").click()
    refused.get_by_label("Latitude").fill(str(HARBOUR[0]))
    refused.get_by_label("Longitude").fill(str(HARBOUR[1] + 0.01))
    refused.get_by_role("button", name="Show places").click()
    expect(
        refused.get_by_role("list", name="Places nearby").get_by_role("link", name=place)
    ).to_be_visible()
    assert page.console_errors == []
    assert refused.console_errors == []


def test_the_finding_screens_pass_axe(
    browsing: Browsing,
    register: Callable[[str], str],
    web: ServeProcess,
    axe_path: Path,  # noqa: F811 - the fixture of test_web_a11y.py
) -> None:
    author, reader = _name("pia"), _name("rolf")
    author_token, reader_token = register(author), register(reader)
    word = _word()
    _photo_post(web, author_token, f"Waves over the {word}")
    place = f"Pier {word}"
    _post_at(web, author_token, place)
    problems: dict[str, list[str]] = {}
    for viewport, scheme in ((PHONE, "light"), (DESKTOP, "dark")):
        page = browsing.page(
            token=reader_token,
            viewport=viewport,
            color_scheme=scheme,
            bypass_csp=True,
            geolocation=NEARBY_POINT,
        )
        where = f"{viewport['width']} {scheme}"
        page.goto(f"/search?q={word}&type=posts")
        page.get_by_label("Posts found").locator(".tile").first.wait_for()
        problems[f"post search {where}"] = _violations(page, axe_path)
        page.goto("/explore/locations/nearby")
        page.get_by_role("list", name="Places nearby").get_by_role("link", name=place).wait_for()
        page.get_by_role("button", name="Enter coordinates").click()
        _settled(page)
        problems[f"nearby {where}"] = _violations(page, axe_path)
        assert page.console_errors == []
    failing = {screen: found for screen, found in problems.items() if found}
    assert failing == {}, failing
