"""A burst of anonymous logins against `shutter serve`, while a signed-in user reads
(hardening issue 14, finding 1): what the burst gets, whether the signed-in read is still
served and how fast, and the server's peak memory.

    .venv/bin/python bench/login_burst.py [--logins 200] [--python .venv/bin/python]

Starts `shutter serve` (embedded profile, a fresh data dir, rate limits off so that every
login reaches the password check) as a separate process, registers one reader, then sends
`--logins` concurrent logins for unknown names and, 0.3 s into the burst, one signed-in
`GET /users/{id}`. `--python` picks the interpreter, so the same burst can be aimed at
another checkout's code. Prints one line; nothing is written.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _wait_until_up(client: httpx.AsyncClient, base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if (await client.get(f"{base}/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("shutter serve did not start within 60 s")


def _peak_rss(pid: int) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return line.split(":", 1)[1].strip()
    return "unknown"


async def burst(port: int, server_pid: int, logins: int) -> str:
    """Run the burst against the server on `port`; returns the line to print."""
    base = f"http://127.0.0.1:{port}"
    limits = httpx.Limits(max_connections=logins + 50)
    async with httpx.AsyncClient(base_url=f"{base}/api/v1", timeout=120, limits=limits) as c:
        await _wait_until_up(c, base)
        password = "correct horse 1"  # noqa: S105 - a throwaway account of the bench
        registered = await c.post(
            "/auth/register",
            json={"username": "reader", "email": "r@example.com", "password": password},
        )
        reader = registered.json()
        headers = {"Authorization": f"Bearer {reader['access_token']}"}
        attempts = [
            asyncio.create_task(
                c.post("/auth/login", json={"login": f"ghost{n}", "password": "x" * 12})
            )
            for n in range(logins)
        ]
        await asyncio.sleep(0.3)  # the burst is under way: now the signed-in read
        started = time.perf_counter()
        read = await c.get(f"/users/{reader['user']['id']}", headers=headers)
        read_ms = (time.perf_counter() - started) * 1000
        answers = await asyncio.gather(*attempts)
    statuses = dict(sorted(collections.Counter(a.status_code for a in answers).items()))
    return (
        f"logins: {statuses}; signed-in read during the burst: {read.status_code} in "
        f"{read_ms:.0f} ms; server peak memory {_peak_rss(server_pid)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="shutter-login-burst-") as data_dir:
        env = {
            **os.environ,
            "SHUTTER_DATA_DIR": data_dir,
            "SHUTTER_RATE_LIMITS": "off",
            "SHUTTER_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(  # noqa: S603
            [args.python, "-m", "shutter.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            print(asyncio.run(burst(port, server.pid, args.logins)))
        finally:
            server.terminate()
            server.wait(20)


if __name__ == "__main__":
    main()
