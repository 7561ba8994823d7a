"""Limits on requests and connections, over real sockets, on both profiles: bodies larger
than their route class takes are refused with 413 before being read (declared) or while
streaming (chunked); an upload within its ticket still goes through; a client that stalls
in the middle of a body gets 408, and one that never finishes its request head is
disconnected, while other clients are served all along."""

from __future__ import annotations

import asyncio
import io
import random
from typing import Any

import httpx
import orjson
import pytest
from PIL import Image

from tests.conftest import RunningServer
from tests.factories import register, upload_image

BODY_MAX = 4096
LIMITS = {
    "body_max_bytes": BODY_MAX,
    "body_read_timeout_seconds": 0.5,
    "header_read_timeout_seconds": 0.5,
}
pytestmark = pytest.mark.parametrize("settings_overrides", [LIMITS])
CLOSE_TIMEOUT_S = 10.0


async def _connect(server: RunningServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = server.base_url.removeprefix("http://").split(":")
    return await asyncio.open_connection(host, int(port))


async def _response(reader: asyncio.StreamReader) -> tuple[int, dict[str, Any]]:
    """Read one response to the end (the server closes the connection after it)."""
    raw = await asyncio.wait_for(reader.read(), CLOSE_TIMEOUT_S)
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, orjson.loads(body)


async def test_a_declared_oversized_body_is_refused_before_it_is_sent(
    server: RunningServer,
) -> None:
    reader, writer = await _connect(server)
    # Only the head: the server must answer without waiting for the 200 MB it announces.
    writer.write(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 209715200\r\n\r\n"
    )
    await writer.drain()
    status, body = await _response(reader)
    writer.close()
    assert status == 413
    assert body["error"]["code"] == "body_too_large"


async def test_a_chunked_oversized_body_is_refused_while_streaming(server: RunningServer) -> None:
    reader, writer = await _connect(server)
    writer.write(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"x" * 1024
    for _ in range(BODY_MAX // len(chunk) + 2):  # a little more than the limit, then stall
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    await writer.drain()
    status, body = await _response(reader)
    writer.close()
    assert status == 413
    assert body["error"]["code"] == "body_too_large"


async def test_bodies_within_the_limit_and_uploads_within_their_ticket_pass(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)  # a JSON body under the limit
    # A photo larger than the JSON limit: the upload's own limit is its ticket's size.
    rng = random.Random(3)
    noise = Image.frombytes("RGB", (96, 96), bytes(rng.randrange(256) for _ in range(96 * 96 * 3)))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    assert len(out.getvalue()) > BODY_MAX
    await upload_image(client, account, out.getvalue(), "image/png")


async def test_a_stalled_body_gets_408_and_a_stalled_head_is_cut_off_while_others_are_served(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    body_reader, body_writer = await _connect(server)
    body_writer.write(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"login":'
    )
    head_reader, head_writer = await _connect(server)
    head_writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # no blank line: never ends
    silent_reader, silent_writer = await _connect(server)  # sends nothing at all
    await asyncio.gather(body_writer.drain(), head_writer.drain())

    assert (await client.get("/users/me")).status_code == 401  # others are served meanwhile

    status, body = await _response(body_reader)
    assert status == 408
    assert body["error"]["code"] == "body_timeout"
    # The server closes both connections (EOF) once the header timeout has passed.
    assert await asyncio.wait_for(head_reader.read(), CLOSE_TIMEOUT_S) == b""
    assert await asyncio.wait_for(silent_reader.read(), CLOSE_TIMEOUT_S) == b""
    for writer in (body_writer, head_writer, silent_writer):
        writer.close()
    assert (await client.get("/users/me")).status_code == 401
