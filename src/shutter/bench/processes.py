"""The measured stack as real processes: `shutter serve` and `shutter worker`."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from shutter.bench.http import HttpConnection

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def child_environment(settings: dict[str, str]) -> dict[str, str]:
    """The parent's environment without its SHUTTER_* variables, plus the bench's own."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("SHUTTER_")}
    env.update({f"SHUTTER_{name.upper()}": value for name, value in settings.items()})
    return env


class ShutterProcess:
    """One `python -m shutter.cli <command>` child, logging into a file."""

    def __init__(self, command: list[str], settings: dict[str, str], workdir: Path, name: str):
        self.port = free_port()
        self.command = [sys.executable, "-m", "shutter.cli", *command, "--port", str(self.port)]
        self.env = child_environment(settings)
        self.workdir = workdir
        self.log_path = workdir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            # cwd is the bench's scratch directory: no developer .env file leaks in.
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                self.command, cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    async def wait_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.command[3]} exited with {self.process.returncode}; see {self.log_path}"
                )
            connection = HttpConnection("127.0.0.1", self.port)
            try:
                if (await connection.request("GET", "/healthz")).status == 200:
                    return
            except OSError:
                pass
            finally:
                await connection.close()
            await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.command[3]} did not answer /healthz; see {self.log_path}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Stack:
    """`shutter serve` plus, for the distributed profile, `shutter worker` processes."""

    def __init__(
        self,
        settings: dict[str, str],
        workdir: Path,
        *,
        api_processes: int = 1,
        workers: int = 0,
        name: str = "serve",
    ) -> None:
        serve = ["serve"] + (["--workers", str(api_processes)] if api_processes > 1 else [])
        self.api = ShutterProcess(serve, settings, workdir, name)
        self.workers = [
            ShutterProcess(["worker"], settings, workdir, f"{name}-worker{n}")
            for n in range(workers)
        ]

    @property
    def port(self) -> int:
        return self.api.port

    async def start(self) -> None:
        for process in [self.api, *self.workers]:
            process.start()
        for process in [self.api, *self.workers]:
            await process.wait_healthy()

    def stop(self) -> None:
        for process in [self.api, *self.workers]:
            process.stop()
