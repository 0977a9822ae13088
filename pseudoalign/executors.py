"""Where work runs: in this process, in local worker processes, or on an existing Dask cluster.

Owns: the one process pool of pseudoalign (``engine.run(jobs=N)`` and sweeps both get theirs
here), what its workers do at start (ignore Ctrl-C, end with their parent), holding Ctrl-C back
while a pool runs (raised where the caller polls, never inside the pool's locks), stopping it at
once when the caller fails or is interrupted, and the Dask executor, whose package is imported
only when it is asked for: a handshake bounded in time, distributed's logging silenced, a
watch for a cluster with no worker or no scheduler. Imports errors only.
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
    from concurrent.futures import Executor, Future, ProcessPoolExecutor

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
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked while it started: see local_processes

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


def _block_ctrl_c() -> bool:
    """Block SIGINT in this thread (the main one) if it is not blocked; True if it was done."""
    import signal
    import threading

    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        return False
    return signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


class _CtrlC:
    """Ctrl-C held back while a pool runs: the handler only notes it, and the main thread
    raises KeyboardInterrupt where it polls (``raise_if_interrupted``), never inside the
    pool's locks. Python raises KeyboardInterrupt at any bytecode: raised in the middle of a
    ``queue.put`` or of a lock's ``with`` in concurrent.futures, it left a lock held, and
    the pool's manager thread, and with it the exit of the interpreter, waited for ever."""

    def __init__(self) -> None:
        import threading

        self.hit = threading.Event()
        self.depth = 0
        self.previous: object = None

    def handler(self, signum: int, frame: object) -> None:
        self.hit.set()

    @contextmanager
    def held(self) -> Iterator[None]:
        import signal
        import threading

        if threading.current_thread() is not threading.main_thread():
            yield  # only the main thread has signal handlers
            return
        if self.depth == 0:
            if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
                yield  # someone else's handler (or SIG_IGN): left as it is
                return
            self.hit.clear()
            self.previous = signal.signal(signal.SIGINT, self.handler)
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
            if self.depth == 0:
                signal.signal(signal.SIGINT, self.previous)  # type: ignore[arg-type]
                if self.hit.is_set():
                    self.hit.clear()
                    raise KeyboardInterrupt


_ctrl_c = _CtrlC()
POLL = 0.1  # seconds between looks at a held-back Ctrl-C while waiting for a result


def raise_if_interrupted() -> None:
    """Raise the KeyboardInterrupt held back while a local pool runs (see local_processes);
    nothing if there is none. Code that waits for the pool's futures waits in slices of
    POLL seconds and calls this between them."""
    if _ctrl_c.hit.is_set():
        _ctrl_c.hit.clear()
        raise KeyboardInterrupt


def result_of(fut: Future[R]) -> R:
    """``fut.result()``, waiting in slices so that a held-back Ctrl-C is raised within POLL s."""
    while True:
        raise_if_interrupted()
        try:
            return fut.result(timeout=POLL)
        except TimeoutError:
            if fut.done():
                raise  # the task itself raised TimeoutError


@contextmanager
def local_processes(jobs: int) -> Iterator[ProcessPoolExecutor]:
    """A ProcessPoolExecutor of ``jobs`` workers, every one started before this yields.

    The platform's start method is used. The workers start here, before the caller starts
    any thread of its own (a progress bar), which matters where that method is fork. On an
    exception in the block (Ctrl-C, a failed task) the pool is stopped at once; otherwise
    it is shut down waiting for its tasks.

    In the main thread, Ctrl-C is held back while the pool lives (where Python's own handler
    is in place): it is raised as KeyboardInterrupt where the block calls
    ``raise_if_interrupted`` (``result_of`` and the sweep's driver do, every POLL seconds),
    or at the block's end, and never inside the pool's own code.
    """
    import signal
    from concurrent.futures import ProcessPoolExecutor

    with _ctrl_c.held():
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init, initargs=(os.getpid(),))
        try:
            # Ctrl-C is blocked while the workers are made (they are made in these submits): a
            # worker then starts with it blocked, and ignores it before it unblocks it, so that
            # a Ctrl-C at that moment gives no traceback in a worker that had not yet ignored it.
            blocked = _block_ctrl_c()
            try:
                readies = [pool.submit(_ready) for _ in range(jobs)]
            finally:
                if blocked:
                    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            for f in readies:
                result_of(f)
            yield pool
            raise_if_interrupted()
        except BaseException:
            _stop_now(pool)
            raise
        pool.shutdown(wait=True)


def map_in_order(fn: Callable[[T], R], items: Sequence[T], jobs: int = 1,
                 progress: Callable[[int, int], None] | None = None) -> list[R]:
    """``[fn(x) for x in items]``, in local processes when ``jobs`` > 1 (at most one per item).

    The results come in the items' order whatever the number of processes, so they are the
    same for any ``jobs``; the first exception in that order is raised, and the workers are
    stopped at once. ``fn`` and the items must pickle. ``progress``, when given, is called
    with (results so far, len(items)) as each result comes, in order.
    """
    workers = min(jobs, len(items))
    out: list[R] = []

    def collect(results: Iterator[R]) -> list[R]:
        for r in results:
            out.append(r)
            if progress is not None:
                progress(len(out), len(items))
        return out

    if workers <= 1:
        return collect(fn(x) for x in items)
    with local_processes(workers) as pool:
        futures = []
        for x in items:
            raise_if_interrupted()  # a held-back Ctrl-C, raised here rather than inside the pool's locks
            futures.append(pool.submit(fn, x))
        return collect(result_of(f) for f in futures)


# -- a Dask cluster -------------------------------------------------------------------------

NO_WORKER_TIMEOUT = 60.0  # seconds a Dask cluster may have no worker before a sweep on it stops
QUIET = ("distributed", "tornado", "asyncio")  # the loggers silenced while a Dask executor runs


@contextmanager
def _quiet_dask() -> Iterator[None]:
    """distributed (and tornado and asyncio under it) log nothing while our executor runs: a
    scheduler that dies prints some 35 lines and two tracebacks before the sweep's own one
    line. Their loggers' state is restored after."""
    import logging

    names = {n for n in list(logging.root.manager.loggerDict) if n.split(".")[0] in QUIET} | set(QUIET)
    loggers = [logging.getLogger(n) for n in sorted(names)]
    saved = [(lg, lg.disabled, lg.level) for lg in loggers]
    for lg in loggers:
        lg.disabled = True
        if lg.name in QUIET:
            lg.setLevel(logging.CRITICAL + 1)  # for the loggers made later, under these
    try:
        yield
    finally:
        for lg, disabled, level in saved:
            lg.disabled = disabled
            lg.setLevel(level)


def _dask_handshake(address: str, timeout: float) -> str | None:
    """None if a Dask scheduler answers at ``address`` within ``timeout`` seconds (the TCP
    connection, distributed's handshake and one request), else what happened instead.

    distributed's Client bounds the TCP connection only: a port that answers and is no Dask
    scheduler (an HTTP server) keeps it waiting for ever. This asks the scheduler who it is
    on an event loop of its own, in a thread of its own, all within ``timeout``.
    """
    import asyncio
    import threading

    out: dict[str, object] = {}

    async def ask() -> object:
        from distributed.comm import connect

        comm = await connect(address, timeout=timeout)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    def run() -> None:
        try:
            out["reply"] = asyncio.run(asyncio.wait_for(ask(), timeout))
        except BaseException as e:  # noqa: BLE001 - reported to the caller below
            out["error"] = e

    thread = threading.Thread(target=run, name="pseudoalign-dask-handshake", daemon=True)
    thread.start()
    thread.join(timeout + 5)
    reply, error = out.get("reply"), out.get("error")
    if isinstance(reply, dict) and reply.get("type") == "Scheduler":
        return None
    if reply is not None:
        return f"it answered as {str(reply.get('type') if isinstance(reply, dict) else type(reply).__name__)[:40]}"
    if error is None or isinstance(error, TimeoutError):
        return None if error is None and "reply" in out else "no answer"
    return f"{type(error).__name__}: {error}"


class _DaskExecutor:
    """A Dask client's executor that watches the cluster from a thread of its own: with no
    worker for ``no_worker_timeout`` seconds, or the scheduler gone for ``lost_timeout``
    seconds, ``check()`` (which the sweep's driver calls while it waits) raises an
    ExecutorError that says so, instead of a sweep that waits in silence."""

    def __init__(self, client: object, shown: str, no_worker_timeout: float, lost_timeout: float) -> None:
        import threading

        self.client, self.shown = client, shown
        self.no_worker_timeout, self.lost_timeout = no_worker_timeout, lost_timeout
        self.inner = client.get_executor()  # type: ignore[attr-defined]
        self.failure: ExecutorError | None = None
        self._done = threading.Event()
        self._watch = threading.Thread(target=self._watch_cluster, name="pseudoalign-dask-watch", daemon=True)
        self._watch.start()

    def submit(self, fn: Callable[..., R], /, *args: object, **kwargs: object) -> Future[R]:
        self.check()
        return self.inner.submit(fn, *args, **kwargs)

    def check(self) -> None:
        """Raise the ExecutorError of a cluster that cannot go on (no worker, no scheduler)."""
        if self.failure is not None:
            raise self.failure

    def connected(self) -> bool:
        return getattr(self.client, "status", "running") == "running"

    def lost_failure(self) -> ExecutorError:
        return ExecutorError(f"{self.shown}: the Dask scheduler stopped answering: the sweep stopped; the points "
                             "finished are kept (with --db): run the same command to resume")

    def _workers(self) -> int | None:
        try:
            return len(self.client.scheduler_info(n_workers=1).get("workers", {}))  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - a scheduler gone is seen by the client's status
            return None

    def _watch_cluster(self) -> None:
        no_worker = lost = None
        step = min(1.0, max(min(self.no_worker_timeout, self.lost_timeout) / 4, 0.05))
        while not self._done.wait(step):
            now = time.monotonic()
            if not self.connected():
                lost = now if lost is None else lost
                if now - lost >= self.lost_timeout:
                    self.failure = self.lost_failure()
                    return
                continue
            lost = None
            n = self._workers()
            if n != 0:
                no_worker = None
                continue
            no_worker = now if no_worker is None else no_worker
            if now - no_worker >= self.no_worker_timeout:
                self.failure = ExecutorError(
                    f"{self.shown}: the Dask cluster has had no worker for {self.no_worker_timeout:g} s: the sweep "
                    "stopped; start workers and run the same command to resume")
                return

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._done.set()
        if self.failure is None and self.connected():  # with no scheduler, cancelling would wait for it
            self.inner.shutdown(wait=wait and not cancel_futures)


@contextmanager
def dask_cluster(address: str, *, connect_timeout: float = 10.0,
                 no_worker_timeout: float = NO_WORKER_TIMEOUT) -> Iterator[Executor]:
    """``distributed.Client(address).get_executor()``; dask is imported only here.

    Raises ExecutorError when the dask extra is missing or no Dask scheduler answers at
    ``address`` within ``connect_timeout`` seconds (a closed port, or one that answers and
    is no scheduler). While the block runs, distributed logs nothing, and the executor's
    ``check()`` raises an ExecutorError once the cluster has had no worker for
    ``no_worker_timeout`` seconds or no scheduler for ``connect_timeout`` seconds. On an exception in the block the points not yet started are cancelled.
    """
    try:
        from distributed import Client
    except ImportError:
        raise ExecutorError(DASK_EXTRA) from None
    shown = address.split("://", 1)[-1]
    with _quiet_dask():
        why = _dask_handshake(address, connect_timeout)
        if why is not None:
            raise ExecutorError(f"{shown}: no Dask scheduler answered within {connect_timeout:g} s ({why})")
        try:
            client = Client(address, timeout=connect_timeout, set_as_default=False)
        except (OSError, TimeoutError) as e:
            raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {e}") from None
        try:
            ex = _DaskExecutor(client, shown, no_worker_timeout, lost_timeout=connect_timeout)
            try:
                yield ex  # type: ignore[misc]
            except ExecutorError:
                ex.shutdown(wait=False)
                if ex.failure is None and not ex.connected():  # the client closed: it cancelled the points
                    raise ex.lost_failure() from None
                raise
            except BaseException:
                ex.shutdown(wait=False)
                raise
            ex.shutdown(wait=True)
        finally:
            with suppress(Exception):  # a scheduler gone: closing gives up after connect_timeout
                client.close(timeout=connect_timeout)


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
