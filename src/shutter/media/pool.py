"""Where media CPU work runs: a pool of worker processes (SHUTTER_MEDIA_PROCESSES, default
1), so that decoding a 12-megapixel photo or transcoding a video never holds the API's
event loop or its GIL; with 0 processes, a worker thread instead.

One pool per OS process, started on first use and shared by every app in it (tests start
many); processes are spawned (not forked: the parent runs threads and an event loop).
They run at a lower CPU priority (nice NICENESS): on a machine short of cores, a burst of
uploads then takes the CPU the API and the databases leave, instead of slowing feed reads.
"""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import os
import threading
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
                size, mp_context=multiprocessing.get_context("spawn"), initializer=_lower_priority
            )
            _pool_size = size
        return _pool


def _lower_priority() -> None:
    """In each pool process: media work yields the CPU to request handling."""
    os.nice(NICENESS)


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
