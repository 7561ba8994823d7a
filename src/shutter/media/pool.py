"""Where media CPU work runs: a pool of worker processes (SHUTTER_MEDIA_PROCESSES, default
1), so that decoding a 12-megapixel photo or transcoding a video never holds the API's
event loop or its GIL; with 0 processes, a worker thread instead.

One pool per OS process, started on first use and shared by every app in it (tests start
many); processes are spawned (not forked: the parent runs threads and an event loop).
They run at a lower CPU priority (nice NICENESS): on a machine short of cores, a burst of
uploads then takes the CPU the API and the databases leave, instead of slowing feed reads.

Each pool process ends with the process that started it, however that one ends (SIGTERM,
SIGKILL, a crash): on Linux the kernel sends it SIGKILL (PR_SET_PDEATHSIG), and on every
platform a watcher thread notices the parent is gone. multiprocessing's resource tracker
(spawned alongside) then reads end-of-file on its pipe, whose last writers were these
processes and the parent, and exits too.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

import anyio.to_thread

from shutter.media.images import Rendition
from shutter.media.pipeline import Limits, process_upload

if TYPE_CHECKING:
    from shutter.context import AppContext


class WorkerCrashed(Exception):
    """The worker process died while processing (a crashing decoder, the OOM killer)."""


NICENESS = 10
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
PARENT_POLL_S = 1.0

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def _executor(size: int) -> ProcessPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != size:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=False)
            _pool = ProcessPoolExecutor(
                size,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
            _pool_size = size
        return _pool


def _start_worker(parent_pid: int) -> None:
    """In each pool process, first: end with the parent; yield the CPU to request handling."""
    _end_with_parent(parent_pid)
    os.nice(NICENESS)


def _end_with_parent(parent_pid: int) -> None:
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the line above took effect
        os._exit(1)
    # The death signal fires when the parent's *thread* that started us ends, and exists
    # only on Linux: the watcher covers both.
    threading.Thread(
        target=_watch_parent, args=(parent_pid,), name="parent-watch", daemon=True
    ).start()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_S)
    os._exit(1)


def _discard(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


@atexit.register
def _shutdown() -> None:
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)


def warm(context: AppContext) -> None:
    """Start the pool's processes now, in the background, rather than on the first upload:
    spawning one (a Python interpreter importing the decoders) costs a second or two of
    CPU, which would otherwise land in the middle of traffic."""
    processes = context.settings.media_processes
    if processes > 0:
        executor = _executor(processes)
        for _ in range(processes):
            executor.submit(os.getpid)


async def run(context: AppContext, data: bytes, declared_type: str, limits: Limits) -> Rendition:
    """Run the pipeline on `data` off the event loop; raises MediaRejected or WorkerCrashed."""
    processes = context.settings.media_processes
    if processes == 0:
        return await anyio.to_thread.run_sync(process_upload, data, declared_type, limits)
    executor = _executor(processes)
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(executor, process_upload, data, declared_type, limits)
    except BrokenProcessPool as exc:
        _discard(executor)
        raise WorkerCrashed(str(exc)) from exc
