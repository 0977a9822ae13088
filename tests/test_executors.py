"""pseudoalign.executors: the one process pool of the engine and of sweeps, and Dask's executor."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from pseudoalign import executors
from pseudoalign.errors import ExecutorError, SweepError


def _square(x: int) -> int:
    return x * x


def _fails_on_even(x: int) -> int:
    if x % 2 == 0:
        time.sleep(0.2 if x == 2 else 0)  # the later failure comes back first
        raise ValueError(f"item {x}")
    return x


def _worker_settings(_x: int) -> tuple[bool, int]:
    return signal.getsignal(signal.SIGINT) == signal.SIG_IGN, os.getppid()


def _report_and_sleep(path: str) -> None:
    Path(path).write_text(str(os.getpid()))
    time.sleep(60)


def _alive(pid: int) -> bool:
    """A process that exists and is no zombie (terminated, waiting to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_results_come_in_the_items_order_for_any_jobs(jobs):
    items = list(range(7))
    assert executors.map_in_order(_square, items, jobs) == [x * x for x in items]
    assert executors.map_in_order(_square, [], jobs) == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_first_failure_in_the_items_order_is_raised(jobs):
    with pytest.raises(ValueError, match="item 2"):
        executors.map_in_order(_fails_on_even, [1, 2, 3, 4], jobs)


def test_local_workers_ignore_ctrl_c_and_know_their_parent():
    """Ctrl-C is the driver's to handle (status 130); a worker whose parent is gone ends."""
    got = executors.map_in_order(_worker_settings, [0, 1], 2)
    assert got == [(True, os.getpid())] * 2


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_an_exception_in_the_block_ends_running_workers_at_once(tmp_path):
    """Ctrl-C during a sweep or a run --jobs does not wait for the points running."""
    files = [tmp_path / f"w{i}" for i in range(2)]
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt), executors.local_processes(2) as pool:
        for f in files:
            pool.submit(_report_and_sleep, str(f))
        deadline = time.monotonic() + 30
        while not all(f.exists() and f.read_text() for f in files):
            assert time.monotonic() < deadline, "the workers did not start their tasks"
            time.sleep(0.02)
        raise KeyboardInterrupt
    pids = [int(f.read_text()) for f in files]
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids), "the workers still run their 60-second tasks"
    assert time.monotonic() - t0 < 40


def test_local_with_one_job_runs_in_this_process():
    with executors.executor("local", 1) as ex:
        assert ex is None


@pytest.mark.parametrize("spec", ["ray://x", "dask://h", "dask://h:0", "dask://h:70000", "dask:/h:1", "Local"])
def test_an_executor_is_local_or_dask_host_port(spec):
    with pytest.raises(ExecutorError, match="is no executor: use local or dask://HOST:PORT"):
        executors.parse_executor(spec)
    assert executors.parse_executor("dask://10.0.0.2:8786") == "tcp://10.0.0.2:8786"
    assert executors.parse_executor("dask://[::1]:8786") == "tcp://[::1]:8786"


def test_dask_is_imported_only_when_asked_for_and_its_absence_is_one_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now raises ImportError
    with executors.executor("local", 1):
        pass
    with pytest.raises(ExecutorError) as info, executors.executor("dask://127.0.0.1:8786"):
        pytest.fail("no executor without dask")
    assert str(info.value) == "the dask executor needs the dask extra: pip install 'pseudoalign[dask]'"
    assert isinstance(info.value, SweepError)  # what a sweep's caller catches


def _sleep(x: float) -> float:
    time.sleep(x)
    return x


def test_stopping_a_pool_whose_owner_cancelled_its_futures_is_silent(monkeypatch):
    """The sweep's driver and Executor.map cancel their futures before the pool is stopped;
    the pool's manager thread must not then fail on them (as it does on Python 3.11 when the
    pool is collected first) and print a traceback after a Ctrl-C."""
    import gc
    import threading

    failures = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failures.append(args.exc_value))
    for _ in range(3):
        with pytest.raises(KeyboardInterrupt), executors.local_processes(2) as pool:
            futures = [pool.submit(_sleep, 0.05) for _ in range(50)]
            futures[0].result()
            for f in futures:
                f.cancel()
            raise KeyboardInterrupt
        del pool, futures
        gc.collect()
    time.sleep(0.5)
    assert failures == []
