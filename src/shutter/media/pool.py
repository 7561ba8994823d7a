"""Where media CPU work runs: a pool of worker processes (SHUTTER_MEDIA_PROCESSES, default
1), so that decoding a 12-megapixel photo or transcoding a video never holds the API's
event loop or its GIL; with 0 processes, a worker thread instead.

One pool per OS process, started on first use and shared by every app in it (tests start
many); processes are spawned (not forked: the parent runs threads and an event loop).
They run at a lower CPU priority (nice NICENESS): on a machine short of cores, a burst of
uploads then takes the CPU the API and the databases leave, instead of slowing feed reads.

Each job has a wall-clock limit (SHUTTER_MEDIA_JOB_TIMEOUT_SECONDS). The pipeline checks
it itself between decoded frames; a job stuck anywhere else (inside a decoder) is stopped
from here: its worker process is killed, its scratch directory removed, and a fresh process
takes its place for the next job. Each worker is a process of its own with a pipe to the
parent (not a ProcessPoolExecutor, which can neither kill one job nor name its process).

Each worker ends with the process that started it, however that one ends (SIGTERM,
SIGKILL, a crash): a watcher thread in the worker notices the parent is gone, and on Linux
the kernel also sends it SIGKILL (PR_SET_PDEATHSIG) when it was started from the parent's
main thread (the signal follows the starting *thread*, so a worker started from a
short-lived thread must not ask for it). multiprocessing's resource tracker then reads
end-of-file on its pipe, whose last writers were these processes and the parent, and exits.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import multiprocessing
import os
import pickle
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import structlog

from shutter.media.images import Rendition
from shutter.media.pipeline import Limits, process_upload

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from shutter.context import AppContext

log = structlog.get_logger("shutter.media")


class WorkerCrashed(Exception):
    """The worker process died while processing (a crashing decoder, the OOM killer)."""


class JobTimedOut(Exception):
    """The job overran its wall-clock limit: its worker process was killed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"media job still running after {seconds:g} s; its process was killed")
        self.seconds = seconds


NICENESS = 10
# The pipeline gives up by itself at the deadline; the kill comes this much later, for
# work that never reaches one of its checks.
KILL_GRACE_S = 2.0


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
PARENT_POLL_S = 1.0


def initialize_worker(parent_pid: int, death_signal: bool) -> None:
    """Run first in each worker process: end with the parent; media work yields the CPU
    to request handling."""
    _end_with_parent(parent_pid, death_signal)
    os.nice(NICENESS)


def _end_with_parent(parent_pid: int, death_signal: bool) -> None:
    if death_signal and sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the line above took effect
        os._exit(1)
    threading.Thread(
        target=_watch_parent, args=(parent_pid,), name="parent-watch", daemon=True
    ).start()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_S)
    os._exit(1)


def _serve(conn: Connection, scratch: str, parent_pid: int, death_signal: bool) -> None:
    """A worker process: run each `(function, args)` received, answer `("ok", result)` or
    `("error", exception)`; stop at None or when the parent is gone."""
    initialize_worker(parent_pid, death_signal)
    tempfile.tempdir = scratch  # the parent removes it if it has to kill this process
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        function, args = job
        try:
            answer: tuple[str, Any] = ("ok", function(*args))
        except Exception as exc:  # handed back to the caller, which raises it
            answer = ("error", exc)
        try:
            conn.send(answer)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            conn.send(("error", RuntimeError(f"unpicklable result: {exc!r}")))


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.scratch = tempfile.mkdtemp(prefix="shutter-media-")
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=_serve,
            args=(child, self.scratch, os.getpid(), _in_main_thread()),
            name="shutter-media",
            daemon=True,
        )
        self.process.start()
        child.close()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def call(
        self, function: Callable[..., Any], args: tuple[Any, ...], timeout_s: float | None
    ) -> Any:
        """Run one job and return `(status, value)`; raises JobTimedOut or WorkerCrashed
        (the process is then killed and cleaned up: never reuse this worker after that)."""
        try:
            self.conn.send((function, args))
            ready = self.conn.poll(timeout_s)
            if not ready:
                self.kill()
                raise JobTimedOut(timeout_s or 0.0)
            return self.conn.recv()
        except (EOFError, OSError) as exc:
            self.process.join(1)
            code = self.process.exitcode
            self.kill()
            raise WorkerCrashed(f"the media worker process ended (exit code {code})") from exc

    def kill(self) -> None:
        """Stop the process now (SIGKILL: it may be stuck in C code) and remove its files.
        Safe from any thread, and more than once."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        shutil.rmtree(self.scratch, ignore_errors=True)

    def stop(self) -> None:
        """Ask an idle process to end; kill it if it does not."""
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(2)
        self.kill()
        self.conn.close()


class _Job:
    """One call's claim on a worker, so that a cancelled caller can stop its work."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.abandoned = False
        self.worker: _Worker | None = None

    def abandon(self) -> None:
        with self.lock:
            self.abandoned = True
            worker = self.worker
        if worker is not None:
            worker.process.kill()  # the thread waiting on it sees the pipe close, cleans up


class _Pool:
    """At most `size` jobs at once, each in a worker process of its own."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._closed = False

    def warm(self) -> None:
        with self._lock:
            while not self._closed and len(self._idle) < self.size:
                self._idle.append(_Worker())

    def run(
        self,
        function: Callable[..., Any],
        args: tuple[Any, ...],
        timeout_s: float | None,
        job: _Job,
    ) -> Any:
        """Blocking: run `function(*args)` in a worker process (called in a thread)."""
        with self._slots:
            worker = self._take()
            with job.lock:
                job.worker = worker
                abandoned = job.abandoned
            if abandoned:
                self._give_back(worker)
                raise WorkerCrashed("the caller gave up before the job started")
            status, value = worker.call(function, args, timeout_s)  # kills on failure
            self._give_back(worker)
        if status == "error":
            raise value
        return value

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.process.is_alive():
                    return worker
                worker.kill()
        return _Worker()

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed and worker.process.is_alive():
                self._idle.append(worker)
                return
        worker.stop()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()


_lock = threading.Lock()
_pool: _Pool | None = None


def _get_pool(size: int) -> _Pool:
    global _pool
    with _lock:
        if _pool is None or _pool.size != size:
            if _pool is not None:
                _pool.close()
            _pool = _Pool(size)
        return _pool


@atexit.register
def _shutdown() -> None:
    if _pool is not None:
        _pool.close()


def warm(context: AppContext) -> None:
    """Start the pool's processes now rather than on the first upload: spawning one (a
    Python interpreter importing the decoders) costs a second or two of CPU, which would
    otherwise land in the middle of traffic. The imports run in the new processes."""
    processes = context.settings.media_processes
    if processes > 0:
        _get_pool(processes).warm()


async def call(
    processes: int, function: Callable[..., Any], *args: Any, timeout_s: float | None
) -> Any:
    """`function(*args)` in one of `processes` worker processes, killed (and replaced) if
    it runs longer than `timeout_s`: raises JobTimedOut, WorkerCrashed, or what the
    function raised. The function and its arguments must pickle."""
    pool = _get_pool(processes)
    job = _Job()
    try:
        return await anyio.to_thread.run_sync(
            pool.run, function, args, timeout_s, job, abandon_on_cancel=True
        )
    except asyncio.CancelledError:
        job.abandon()  # the caller is gone (shutdown): the work is not left running
        raise


async def run(context: AppContext, data: bytes, declared_type: str, limits: Limits) -> Rendition:
    """Run the pipeline on `data` off the event loop; raises MediaRejected, JobTimedOut or
    WorkerCrashed. In threads (0 processes) only the pipeline's own deadline applies."""
    processes = context.settings.media_processes
    if processes == 0:
        return await anyio.to_thread.run_sync(process_upload, data, declared_type, limits)
    timeout_s = None if limits.job_timeout_s is None else limits.job_timeout_s + KILL_GRACE_S
    rendition: Rendition = await call(
        processes, process_upload, data, declared_type, limits, timeout_s=timeout_s
    )
    return rendition
