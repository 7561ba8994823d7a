"""Assertions about responses that many tests share."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is `status` with the error envelope (and `code`, if given); returns it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert isinstance(error.get("code"), str), body
    assert error["code"], body
    assert isinstance(error.get("message"), str), body
    assert error["message"], body
    if code is not None:
        assert error["code"] == code, body
    return error


async def eventually(
    check: Callable[[], Awaitable[bool]], timeout_s: float = 30.0, every_s: float = 0.1
) -> None:
    """Poll `check` until it is true; fail after `timeout_s` (a bound, not a timing claim)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, f"not true within {timeout_s} s"
        await asyncio.sleep(every_s)
