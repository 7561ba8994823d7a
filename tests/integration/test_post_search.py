"""Post search (`GET /search?type=posts`) as people use it, on both profiles: a word of a
caption finds the post, stemmed; the most relevant come first, then the most liked and
commented; a scroll never repeats a post; only posts the reader may read are found.

Backends: PostgreSQL searches `to_tsvector('english', caption)` (the English snowball
stemmer; English stop words such as "the" are never found), SQLite an FTS5 table with
the porter tokenizer (an English stemmer too; stop words are found). Both stem
"running", "runs" and "run" to one word, so the stemming asserted here holds on both.
The visibility matrix (test_visibility_matrix.py) has post search as a read path too."""

from __future__ import annotations

import httpx
import pytest

from tests.assertions import assert_error
from tests.factories import (
    Account,
    approve,
    block,
    comment,
    follow,
    like,
    pages_of,
    register,
    set_private,
)
from tests.integration.test_hybrid_feed import quick_post

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


def unique_word(account: Account) -> str:
    """A word no other test's caption holds: letters only (digits and stemming aside)."""
    return "zq" + "".join("bcdfghjklm"[int(digit)] for digit in account.id[-9:])


async def found(
    client: httpx.AsyncClient, query: str, reader: Account | None = None, limit: int = 50
) -> list[str]:
    """The ids of every post the search finds, scrolling page by page, in order."""
    headers = reader.headers if reader else {}
    pages = await pages_of(client, "/search", headers, limit, params={"q": query, "type": "posts"})
    return [post_id for page in pages for post_id in page]


async def test_a_word_of_a_caption_finds_the_post_whatever_its_form(
    client: httpx.AsyncClient,
) -> None:
    author = await register(client)
    word = unique_word(author)
    runs = await quick_post(client, author, f"She runs along the {word} every morning")
    run = await quick_post(client, author, f"A long run by the {word.upper()}")
    other = await quick_post(client, author, f"Swimming in the {word}")

    # Stemming on both backends: running, runs and run are one word.
    assert set(await found(client, f"running {word}")) == {runs, run}
    assert set(await found(client, f"RUN {word}")) == {runs, run}
    # Every word must be there; one word alone finds all its posts.
    assert set(await found(client, word)) == {runs, run, other}
    assert await found(client, f"{word} cycling") == []
    # Punctuation and query syntax are plain text, never an error.
    assert set(await found(client, f'"{word}" * (-')) == {runs, run, other}
    assert await found(client, "!!! ???") == []
    # The post objects are the usual ones.
    response = await client.get("/search", params={"q": f"swim {word}", "type": "posts"})
    (post,) = response.json()["posts"]
    assert post["id"] == other
    assert post["caption"] == f"Swimming in the {word}"
    assert post["author"]["username"] == author.username


async def test_most_relevant_first_then_most_engaging_and_no_repeats_across_pages(
    client: httpx.AsyncClient,
) -> None:
    author, fan, critic = await register(client), await register(client), await register(client)
    word = unique_word(author)
    plain = await quick_post(client, author, f"{word} at dusk")
    liked = await quick_post(client, author, f"{word} at dawn")
    commented = await quick_post(client, author, f"{word} at noon")
    emphatic = await quick_post(client, author, f"{word} {word} {word} at last")
    await like(client, fan, liked)
    await comment(client, critic, commented, "lovely")
    await comment(client, fan, commented, "agreed")

    # The caption that says it three times is the most relevant; among equally relevant
    # captions, two comments (counting twice) beat one like, which beats nothing.
    assert await found(client, word, fan) == [emphatic, commented, liked, plain]
    pages = await pages_of(client, "/search", fan.headers, 3, params={"q": word, "type": "posts"})
    assert pages == [[emphatic, commented, liked], [plain]]
    # A new match arriving mid-scroll neither repeats nor shifts the scroll.
    first = await client.get(
        "/search", params={"q": word, "type": "posts", "limit": 2}, headers=fan.headers
    )
    await quick_post(client, author, f"{word} {word} {word} {word} again")
    second = await client.get(
        "/search",
        params={"q": word, "type": "posts", "limit": 2, "cursor": first.json()["next_cursor"]},
        headers=fan.headers,
    )
    assert [p["id"] for p in first.json()["posts"] + second.json()["posts"]] == [
        emphatic,
        commented,
        liked,
        plain,
    ]
    assert second.json()["next_cursor"] is None


async def test_only_posts_the_reader_may_read_are_found(client: httpx.AsyncClient) -> None:
    public, private, follower, stranger, blocked = [await register(client) for _ in range(5)]
    word = unique_word(public)
    await set_private(client, private)
    await follow(client, follower, private)
    await approve(client, private, follower)
    open_post = await quick_post(client, public, f"open {word}")
    closed_post = await quick_post(client, private, f"closed {word}")
    gone = await quick_post(client, public, f"gone {word}")
    await client.delete(f"/posts/{gone}", headers=public.headers)
    await block(client, public, blocked)

    assert set(await found(client, word, follower)) == {open_post, closed_post}
    assert await found(client, word, private) == [closed_post, open_post]
    assert await found(client, word, stranger) == [open_post]
    assert await found(client, word) == [open_post]  # anonymous
    # Blocked (and the blocker, the other way round) find nothing of the other.
    assert await found(client, word, blocked) == []
    await block(client, stranger, public)
    assert await found(client, word, stranger) == []


async def test_a_block_after_the_first_page_hides_the_rest_of_the_scroll(
    client: httpx.AsyncClient,
) -> None:
    author, reader = await register(client), await register(client)
    word = unique_word(author)
    posts = [await quick_post(client, author, f"{word} number {i}") for i in range(3)]
    first = await client.get(
        "/search", params={"q": word, "type": "posts", "limit": 1}, headers=reader.headers
    )
    assert [p["id"] for p in first.json()["posts"]] == [posts[2]]
    await block(client, author, reader)
    rest = await client.get(
        "/search",
        params={"q": word, "type": "posts", "limit": 5, "cursor": first.json()["next_cursor"]},
        headers=reader.headers,
    )
    assert rest.status_code == 200, rest.text
    assert rest.json()["posts"] == []


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", None),
        ("   ", None),
        ("x" * 101, None),
        ("bad\x00byte", None),
    ],
)
async def test_a_query_without_words_or_too_long_or_not_text_is_refused(
    client: httpx.AsyncClient, query: str, code: str | None
) -> None:
    response = await client.get("/search", params={"q": query, "type": "posts"})
    assert_error(response, 422, code)


async def test_a_cursor_the_server_did_not_hand_out_is_refused(client: httpx.AsyncClient) -> None:
    for cursor in ("nonsense", "e123_0", "s1_0"):
        response = await client.get(
            "/search", params={"q": "anything", "type": "posts", "cursor": cursor}
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] in {"invalid_cursor", "cursor_expired"}
