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
from pseudoalign.cli.sweep import sweep as sweep_cmd

from pseudoalign import sweeps as sw
from pseudoalign.sweeps import driver, store as store_module

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
def counted(monkeypatch):
    calls = []
    real = sw.run_point

    def run_point(scenario, *rest):
        calls.append(scenario)
        return real(scenario, *rest)

    monkeypatch.setattr(driver, "run_point", run_point)
    return calls


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
