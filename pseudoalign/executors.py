"""Where work runs: in this process, in local worker processes, or on an existing Dask cluster.

Owns: the one process pool of pseudoalign (``engine.run(jobs=N)`` and sweeps both get theirs
here), what its workers do at start (ignore Ctrl-C, end with their parent), stopping it at once
when the caller fails or is interrupted, and the Dask executor, whose package is imported only
when it is asked for. Imports errors only.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, TypeVar

from .errors import ExecutorError

if TYPE_CHECKING:  # concurrent.futures is imported when a pool is made, not with the engine
    from concurrent.futures import Executor, ProcessPoolExecutor

DASK_EXTRA = "the dask executor needs the dask extra: pip install 'pseudoalign[dask]'"

T = TypeVar("T")
R = TypeVar("R")


def parse_executor(spec: str) -> str | None:
    """``local`` -> None; ``dask://HOST:PORT`` -> the scheduler address ``tcp://HOST:PORT``."""
    if spec == "local":
        return None
    m = re.fullmatch(r"dask://([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})", spec)
    if not m or not 0 < int(m.group(2)) < 65536:
        raise ExecutorError(f"{spec!r} is no executor: use local or dask://HOST:PORT (e.g. dask://127.0.0.1:8786)")
    return f"tcp://{m.group(1)}:{m.group(2)}"


# -- local processes ----------------------------------------------------------------------

def _worker_init(parent: int) -> None:  # pragma: no cover - runs in the worker processes
    """A local worker ignores Ctrl-C (the process that started it handles it) and ends when
    that process is gone (killed with kill -9, it cannot stop its workers itself)."""
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="pseudoalign-parent-watch", daemon=True).start()


def _ready() -> bool:  # pragma: no cover - runs in the worker processes
    return True


def _stop_now(pool: ProcessPoolExecutor) -> None:
    """Cancel the tasks not started and end the workers at once, running tasks and all.

    Python 3.14 has ``terminate_workers()`` for this. Before it, concurrent.futures has no
    public way: ``shutdown(cancel_futures=True)`` leaves running tasks to finish (a sweep's
    point or an engine's episode can take minutes, and the interpreter waits for them at
    exit), and it forgets the workers (it sets ``_processes`` to None). So this function,
    the one place pseudoalign reads private attributes, does what 3.14's method does: it
    reads the workers from ``_processes`` first. It also joins the pool's manager thread
    (``_executor_manager_thread``), holding the pool meanwhile: were the pool collected
    before that thread has dropped the tasks not started, the thread would fail on the
    futures their owner cancelled (InvalidStateError in ``terminate_broken``, CPython
    gh-107219, which Python 3.11 has) and print a traceback after a Ctrl-C.
    """
    stop = getattr(pool, "terminate_workers", None)
    if stop is not None:  # Python 3.14 and later
        stop()
        return
    workers = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in workers:
        with suppress(OSError, ValueError):  # already gone
            proc.terminate()
    if manager is not None:
        manager.join(timeout=10)


@contextmanager
def local_processes(jobs: int) -> Iterator[ProcessPoolExecutor]:
    """A ProcessPoolExecutor of ``jobs`` workers, every one started before this yields.

    The platform's start method is used. The workers start here, before the caller starts
    any thread of its own (a progress bar), which matters where that method is fork. On an
    exception in the block (Ctrl-C, a failed task) the pool is stopped at once; otherwise
    it is shut down waiting for its tasks.
    """
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init, initargs=(os.getpid(),))
    try:
        for f in [pool.submit(_ready) for _ in range(jobs)]:
            f.result()
        yield pool
    except BaseException:
        _stop_now(pool)
        raise
    pool.shutdown(wait=True)


def map_in_order(fn: Callable[[T], R], items: Sequence[T], jobs: int = 1) -> list[R]:
    """``[fn(x) for x in items]``, in local processes when ``jobs`` > 1 (at most one per item).

    The results come in the items' order whatever the number of processes, so they are the
    same for any ``jobs``; the first exception in that order is raised, and the workers are
    stopped at once. ``fn`` and the items must pickle.
    """
    workers = min(jobs, len(items))
    if workers <= 1:
        return [fn(x) for x in items]
    with local_processes(workers) as pool:
        return list(pool.map(fn, items))


# -- a Dask cluster -------------------------------------------------------------------------

@contextmanager
def dask_cluster(address: str, *, connect_timeout: float = 10.0) -> Iterator[Executor]:
    """``distributed.Client(address).get_executor()``; dask is imported only here.

    Raises ExecutorError when the dask extra is missing or the scheduler cannot be reached.
    On an exception in the block the points not yet started are cancelled.
    """
    try:
        from distributed import Client
    except ImportError:
        raise ExecutorError(DASK_EXTRA) from None
    try:
        client = Client(address, timeout=connect_timeout, set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {e}") from None
    try:
        ex = client.get_executor()
        try:
            yield ex
        except BaseException:
            ex.shutdown(wait=False)
            raise
        ex.shutdown(wait=True)
    finally:
        client.close()


@contextmanager
def executor(spec: str = "local", jobs: int = 1, *, connect_timeout: float = 10.0) -> Iterator[Executor | None]:
    """An Executor for ``spec`` (``local`` or ``dask://HOST:PORT``), or None (run in this
    process) for local with one job: ``local_processes(jobs)`` or ``dask_cluster(address)``."""
    address = parse_executor(spec)
    if address is None:
        if jobs <= 1:
            yield None
        else:
            with local_processes(jobs) as pool:
                yield pool
        return
    with dask_cluster(address, connect_timeout=connect_timeout) as ex:
        yield ex
