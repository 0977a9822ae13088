"""Issue 16, reliability of the sweep store and of the executors: full disks, foreign and
damaged databases, read-only files and mounts, Ctrl-C to a process group, a port that is no
Dask scheduler, a cluster without workers and a scheduler killed mid-sweep.

Full disks are real ones where this process may mount a small tmpfs (as root); elsewhere
those tests are skipped and the simulated full database (SQLite's max_page_count) still runs.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from pseudoalign import sweeps as sw
from pseudoalign.cli.sweep import sweep as sweep_cmd
from pseudoalign.sweeps import store as store_module

EPISODES = ["crumb-vacuum", "--vary", "deploy.episodes=1..4"]  # four quick points


def invoke(*args):
    return CliRunner().invoke(sweep_cmd, [str(a) for a in args], catch_exceptions=False)


def keys_stored(db) -> list[str]:
    with closing(sqlite3.connect(db)) as conn:
        return [r[0] for r in conn.execute("SELECT key FROM points ORDER BY rowid")]


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]




@pytest.fixture
def tmpfs(tmp_path):
    """A 512 KiB tmpfs of its own (root only), unmounted after the test."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mnt)], capture_output=True, check=False)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode(errors='replace').strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(folder: Path, leave: int = 0) -> Path:
    """Fill the file system of ``folder`` (a small tmpfs) until ``leave`` bytes are free."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for _ in range(100_000):  # bounded: the tmpfs holds 128 pages
            try:
                os.write(fd, b"\0" * 4096)
            except OSError:
                break
    finally:
        os.close(fd)
    if leave:
        os.truncate(filler, max(0, os.path.getsize(filler) - leave))
    return filler


# -- a full disk ------------------------------------------------------------------------------

def test_a_full_tmpfs_stops_the_sweep_with_one_line_and_loses_no_point(tmpfs, counted):
    db = tmpfs / "s.db"
    assert invoke(*EPISODES[:2], "deploy.episodes=1..2", "--db", db).exit_code == 0
    first = keys_stored(db)
    assert len(first) == 2
    filler = fill(tmpfs, leave=32 * 1024)  # room for SQLite's -shm file, none for a new row
    r = invoke(*EPISODES, "--db", db)
    assert r.exit_code == 1
    line = one_line(r.stderr)
    assert line.startswith(f"{db}: ") and "the disk is full" in line, line
    assert keys_stored(db) == first
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    filler.unlink()
    counted.clear()
    r = invoke(*EPISODES, "--db", db)
    assert r.exit_code == 0, r.stderr
    keys = keys_stored(db)
    assert keys[:2] == first and len(keys) == len(set(keys)) == 4
    assert len(counted) == 2  # only the points not stored before ran


def test_a_disk_too_full_to_make_the_store_says_so_and_leaves_no_file(tmpfs):
    filler = fill(tmpfs)
    db = tmpfs / "new.db"
    r = invoke(*EPISODES, "--db", db)
    assert r.exit_code == 1
    line = one_line(r.stderr)
    assert line.startswith(f"{db}: cannot create the sweep database: the disk is full"), line
    assert sorted(p.name for p in tmpfs.iterdir()) == ["filler"]
    filler.unlink()


def test_a_full_database_stops_the_sweep_with_one_line_and_loses_no_point(tmp_path, monkeypatch, counted):
    """The same without a tmpfs: SQLite's max_page_count makes the database full (SQLITE_FULL)
    once the store has as many pages as it had when opened."""
    db = tmp_path / "s.db"
    assert invoke(*EPISODES[:2], "deploy.episodes=1..2", "--db", db).exit_code == 0
    first = keys_stored(db)
    real = sqlite3.connect

    def connect(*a, **k):
        conn = real(*a, **k)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {max(pages, 1)}")
        return conn

    many = ["crumb-vacuum", "--vary", "deploy.episodes=1..2", "--vary", "deploy.seed=1..10"]
    monkeypatch.setattr(store_module.sqlite3, "connect", connect)
    r = invoke(*many, "--db", db)
    monkeypatch.setattr(store_module.sqlite3, "connect", real)
    assert r.exit_code == 1
    line = one_line(r.stderr)
    assert line.startswith(f"{db}: cannot store a point: the disk is full (database or disk is full)"), line
    kept = keys_stored(db)
    assert kept[:2] == first and len(kept) < 22 and len(set(kept)) == len(kept)
    counted.clear()
    r = invoke(*many, "--db", db)
    assert r.exit_code == 0, r.stderr
    keys = keys_stored(db)
    assert keys[:len(kept)] == kept and len(keys) == len(set(keys)) == 22
    assert len(counted) == 22 - len(kept)


# -- foreign and damaged databases ----------------------------------------------------------------

def _psaw(db: Path, schema: str, *rows: tuple) -> None:
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(f"PRAGMA application_id = {sw.APPLICATION_ID}")
        conn.execute(schema)
        for row in rows:
            conn.execute(f"INSERT INTO points VALUES ({','.join('?' * len(row))})", row)


def test_our_application_id_with_other_columns_is_not_a_sweep_database(tmp_path, counted):
    db = tmp_path / "f.db"
    _psaw(db, "CREATE TABLE points (key TEXT PRIMARY KEY, value TEXT)", ("k", "v"))
    for args in (EPISODES, ["--show"]):
        r = invoke(*args, "--db", db)
        assert r.exit_code == 1
        line = one_line(r.stderr)
        assert line.startswith(f"{db}: not a sweep database (its table points has the columns key, value;"), line
    _psaw(tmp_path / "g.db", "CREATE TABLE other (x)")
    r = invoke(*EPISODES, "--db", tmp_path / "g.db")
    assert r.exit_code == 1 and "not a sweep database (it has no table points" in one_line(r.stderr)
    assert counted == []


def _stored_with(tmp_path, column: str, value) -> Path:
    """A sweep database of two real points whose second has ``column`` replaced by ``value``."""
    db = tmp_path / f"d{abs(hash((column, str(value))))}.db"
    assert invoke(*EPISODES[:2], "deploy.episodes=1..2", "--db", db).exit_code == 0
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(f"UPDATE points SET {column} = ? WHERE rowid = 2", (value,))
    return db


def _real_result(db: Path) -> dict:
    with closing(sqlite3.connect(db)) as conn:
        return json.loads(conn.execute("SELECT result FROM points WHERE rowid = 1").fetchone()[0])


@pytest.mark.parametrize("column, damage, why", [
    ("result", "{not json", "its result is not JSON"),
    ("result", b"\xff\xfe", "its result is not JSON"),
    ("result", 7, "its result is a JSON int, not an object"),
    ("result", "[1, 2]", "its result is a JSON list, not an object"),
    ("result", "[" * 100_000, "its result is not JSON"),
    ("result", {"drop": "train"}, "its result has no train scores"),
    ("result", {"drop": "label"}, "its result has no label"),
    ("result", {"set": ("train", "high")}, "its result has no train scores"),
    ("result", {"set": ("coupling", "x")}, "its result's coupling is not a number"),
    ("result", {"set": ("probes", [])}, "its result has no probes"),
    ("point_values", "[1, 2]", "its values are not a JSON object"),
    ("point_values", "nan(", "its values are not JSON"),
    ("engine", b"\x01\x02", "its engine is not text"),  # a TEXT column turns a number into text
])
def test_a_damaged_point_is_one_line_naming_it(tmp_path, counted, column, damage, why):
    db = _stored_with(tmp_path, column, "{}")
    if isinstance(damage, dict):
        result = _real_result(db)
        if "drop" in damage:
            del result[damage["drop"]]
        else:
            result[damage["set"][0]] = damage["set"][1]
        damage = json.dumps(result)
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(f"UPDATE points SET {column} = ? WHERE rowid = 2", (damage,))
    counted.clear()
    for args in (EPISODES, ["--show"], ["--show", "--json"]):
        r = invoke(*args, "--db", db)
        assert r.exit_code == 1, r.stdout
        line = one_line(r.stderr)
        assert line.startswith(f"{db}: point 2 is damaged ({why}"), line
        assert line.endswith("; delete it or use another --db"), line
    assert counted == []  # found before anything ran


def test_a_malformed_page_is_one_line(tmp_path):
    db = tmp_path / "m.db"
    many = ["crumb-vacuum", "--vary", "deploy.episodes=1..2", "--vary", "deploy.seed=1..6"]
    assert invoke(*many, "--db", db).exit_code == 0
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        assert conn.execute("PRAGMA page_count").fetchone()[0] >= 3
    raw = bytearray(db.read_bytes())
    raw[page + 8:2 * page] = bytes(range(256)) * ((page - 8) // 256) + bytes((page - 8) % 256)
    db.write_bytes(bytes(raw))
    for args in (many, ["--show"]):
        r = invoke(*args, "--db", db)
        assert r.exit_code == 1
        line = one_line(r.stderr)
        assert line.startswith(f"{db}: "), line
        assert "damaged" in line or "not a sweep database" in line, line


# -- read-only files and mounts -------------------------------------------------------------------

@pytest.fixture
def read_only(tmp_path):
    """Make a folder and the files in it read-only: a read-only tmpfs as root (root writes
    through file modes), modes 0555 and 0444 otherwise. Yields (folder, make_read_only)."""
    if os.geteuid() == 0:
        mnt = tmp_path / "ro"
        mnt.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], capture_output=True,
                           check=False)
        if r.returncode != 0:
            pytest.skip("as root, a read-only folder needs a read-only mount, and mount failed")

        def freeze() -> None:
            subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)

        try:
            yield mnt, freeze
        finally:
            subprocess.run(["umount", "-l", str(mnt)], check=False)
        return
    folder = tmp_path / "ro"
    folder.mkdir()

    def freeze_modes() -> None:
        for p in folder.iterdir():
            p.chmod(0o444)
        folder.chmod(0o555)

    try:
        yield folder, freeze_modes
    finally:
        folder.chmod(0o755)


def test_a_read_only_database_that_holds_every_point_still_sweeps_and_shows(read_only, counted):
    folder, freeze = read_only
    db = folder / "s.db"
    first = invoke(*EPISODES, "--db", db, "--json")
    assert first.exit_code == 0
    freeze()
    counted.clear()
    r = invoke(*EPISODES, "--db", db, "--json")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == first.stdout and counted == []
    assert one_line(r.stderr) == f"{db}: 0 points run and stored, 4 already stored"
    shown = invoke("--db", db, "--show", "--json")
    assert shown.exit_code == 0, shown.stderr
    assert len(shown.stdout.splitlines()) == 4
    r = invoke("crumb-vacuum", "--vary", "deploy.episodes=1..5", "--db", db)
    assert r.exit_code == 1
    line = one_line(r.stderr)
    assert line.startswith(f"{db}: 1 of the 5 points are not stored in it, and it cannot be written"), line
    assert counted == []  # refused before anything ran


def test_show_of_an_empty_or_missing_database_is_one_line(tmp_path):
    (tmp_path / "empty.db").write_bytes(b"")
    r = invoke("--db", tmp_path / "empty.db", "--show")
    assert r.exit_code == 1 and one_line(r.stderr).endswith("an empty database: no sweep was stored in it")
    assert (tmp_path / "empty.db").read_bytes() == b""  # --show writes nothing


# -- Ctrl-C to the process group of run --jobs 2 --------------------------------------------------

MAIN = "from pseudoalign.cli.main import main; main()"


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the worker processes in /proc")
def test_ctrl_c_to_the_process_group_of_run_jobs_2_ends_it_at_once_with_one_line(tmp_path):
    """Twenty Ctrl-Cs, each at another moment of a run with two workers (their start, their
    first episodes, later ones): every one ends the run within a few seconds, status 130, the
    one line of the command on stderr, no traceback from the process or its workers."""
    from pseudoalign import resolve

    text = resolve("crumb-vacuum").read_text()  # the installed bundled file, not a path of the source tree
    long_run = tmp_path / "long.toml"
    long_run.write_text(text.replace("episodes = 8", "episodes = 600"))
    results = []
    for attempt in range(20):
        proc = subprocess.Popen([sys.executable, "-X", "faulthandler", "-c", MAIN, "run", str(long_run), "--jobs", "2"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            # the first tries land while the workers start, the later ones while they work
            while len(_children(proc.pid)) < (1 if attempt < 5 else 2) and proc.poll() is None:
                assert time.monotonic() < deadline, "the workers did not start"
                time.sleep(0.001)
            time.sleep(attempt * 0.002 if attempt < 5 else (attempt % 5) * 0.15)
            assert proc.poll() is None, f"try {attempt}: the run ended before Ctrl-C"
            sent = time.monotonic()
            os.killpg(proc.pid, signal.SIGINT)
            try:
                _out, err = proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGABRT)  # faulthandler prints where each thread is
                _out, err = proc.communicate(timeout=15)
                pytest.fail(f"try {attempt}: still running 15 s after Ctrl-C:\n{err.decode(errors='replace')}")
            took = time.monotonic() - sent
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        results.append((attempt, proc.returncode, err.decode(errors="replace"), took))
    bad = [r for r in results if r[1] != 130 or r[2].strip() != "pseudoalign: interrupted" or r[3] > 5]
    assert bad == [], "\n".join(f"try {a}: status {rc}, {t:.1f} s, stderr {e!r}" for a, rc, e, t in bad)


# -- Dask: a port that is no scheduler, a cluster without workers, a scheduler killed ------------

@pytest.fixture
def http_port():
    """A tiny HTTP server on 127.0.0.1: it answers TCP, and is no Dask scheduler."""
    import http.server
    import threading

    class Quiet(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_a_port_that_is_no_dask_scheduler_is_one_message_within_the_connect_timeout(http_port):
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    import threading

    from pseudoalign import executors

    got: list[BaseException] = []

    def connect() -> None:
        try:
            with executors.executor(f"dask://127.0.0.1:{http_port}", connect_timeout=1):
                pass
        except BaseException as e:  # noqa: BLE001 - looked at below
            got.append(e)

    thread = threading.Thread(target=connect, daemon=True)  # bounded: joined with a timeout
    thread.start()
    thread.join(15)
    assert not thread.is_alive(), "still waiting for the handshake 15 s later"
    assert len(got) == 1 and type(got[0]).__name__ == "ExecutorError", got
    assert str(got[0]).startswith(f"127.0.0.1:{http_port}: no Dask scheduler answered within 1 s")


@pytest.mark.slow
def test_sweep_on_a_port_that_is_no_dask_scheduler_ends_with_one_line(http_port, tmp_path):
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    try:
        r = subprocess.run([sys.executable, "-c", MAIN, "sweep", *EPISODES, "--executor", f"dask://127.0.0.1:{http_port}"],
                           capture_output=True, text=True, timeout=40, cwd=tmp_path, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("the sweep still waits 40 s later (the connect timeout is 10 s)")
    assert r.returncode == 1
    assert one_line(r.stderr).startswith(f"127.0.0.1:{http_port}: no Dask scheduler answered within 10 s")


@pytest.mark.slow
def test_a_cluster_without_workers_stops_the_sweep_with_a_message():
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    from pseudoalign import executors
    from pseudoalign.errors import ExecutorError

    plan = sw.plan("crumb-vacuum", ["deploy.episodes=1..2"])
    with distributed.LocalCluster(n_workers=0, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        t0 = time.monotonic()
        with pytest.raises(ExecutorError) as info, \
                executors.dask_cluster(cluster.scheduler_address, no_worker_timeout=1) as ex:
            list(sw.sweep(plan, ex))
        assert time.monotonic() - t0 < 20
    address = cluster.scheduler_address.split("://", 1)[1]
    assert str(info.value).startswith(f"{address}: the Dask cluster has had no worker for 1 s: the sweep stopped")


CLUSTER = """
import sys, time
from distributed import LocalCluster
with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                  dashboard_address=None) as c:
    print(c.scheduler_address, flush=True)
    time.sleep(300)
"""


@pytest.mark.slow
def test_a_scheduler_killed_mid_sweep_gives_our_one_line_and_nothing_of_distributed(tmp_path):
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    cluster = subprocess.Popen([sys.executable, "-c", CLUSTER], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, cwd=tmp_path)
    sweep = None
    try:
        address = cluster.stdout.readline().strip().split("://", 1)[1]  # the cluster ends after 300 s
        assert address.startswith("127.0.0.1:"), address
        args = ["crumb-vacuum", "--vary", "deploy.episodes=1..20", "--vary", "deploy.seed=1..30",
                "--executor", f"dask://{address}", "--json"]
        sweep = subprocess.Popen([sys.executable, "-c", MAIN, "sweep", *args], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, cwd=tmp_path)
        assert sweep.stdout.readline().startswith("{")  # a point is done: the sweep runs on the cluster
        cluster.kill()
        cluster.wait(timeout=30)
        t0 = time.monotonic()
        try:
            _out, err = sweep.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("the sweep still waits 60 s after its scheduler was killed")
        assert time.monotonic() - t0 < 40
    finally:
        for proc in (cluster, sweep):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    assert sweep.returncode == 1
    assert one_line(err) == (f"{address}: the Dask scheduler stopped answering: the sweep stopped; the points "
                             "finished are kept (with --db): run the same command to resume")
