"""The SQLite file of a sweep: one row per point, keyed by the point's key.

Owns: the database's schema and application id (their format is fixed: a database written
by an earlier version keeps working and resuming), reading and writing points, and checking
what it reads: a file that is not a sweep database, a damaged row, a full disk or a read-only
file is a SweepError of one line, never a sqlite3 or json exception. Imports errors only.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import urllib.parse
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Self

from ..errors import SweepError

APPLICATION_ID = 0x70736177  # 'psaw': marks a pseudoalign sweep database
SCHEMA = """
CREATE TABLE IF NOT EXISTS points (
    key TEXT PRIMARY KEY,        -- sha256 of the scenario's content, the values and the engine version
    scenario TEXT NOT NULL,      -- the scenario's name
    path TEXT NOT NULL,          -- the file it was read from
    engine TEXT NOT NULL,        -- pseudoalign.__version__
    point_values TEXT NOT NULL,  -- JSON object: key -> value, in --vary order
    label TEXT,
    result TEXT NOT NULL,        -- JSON object: the figures of the run
    stored_at TEXT NOT NULL
)
"""


COLUMNS = ("key", "scenario", "path", "engine", "point_values", "label", "result", "stored_at")
DAMAGED = "; delete it or use another --db"


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def result_problem(result: object) -> str | None:
    """What is wrong with a stored result (the figures ``run.figures`` makes), or None.

    Checks what readers of a result rely on: the label, the train and deploy scores, the
    coupling and the probes, with their JSON types; other keys may be missing (a database
    written by an earlier version) or extra.
    """
    if not isinstance(result, dict):
        return f"its result is a JSON {type(result).__name__}, not an object"
    if not isinstance(result.get("label"), str):
        return "its result has no label" if "label" not in result else "its result's label is not a string"
    for phase in ("train", "deploy"):
        scores = result.get(phase)
        if not isinstance(scores, dict):
            return f"its result has no {phase} scores"
        if not _is_number(scores.get("base_score")):
            return f"its result's {phase}.base_score is not a number"
        if not (scores.get("mesa_competence") is None or _is_number(scores.get("mesa_competence"))):
            return f"its result's {phase}.mesa_competence is not a number"
    for key in ("coupling", "tolerance"):
        if result.get(key) is not None and not _is_number(result[key]):
            return f"its result's {key} is not a number"
    probes = result.get("probes")
    if not isinstance(probes, dict) or not isinstance(probes.get("approximate"), dict) \
            or not isinstance(probes.get("suboptimality"), list):
        return "its result has no probes (suboptimality, a list, and approximate, an object)"
    if not all(isinstance(p, dict) and isinstance(p.get("lifted"), str) for p in probes["suboptimality"]):
        return "its result's probes.suboptimality holds an item that is not an object with 'lifted'"
    return None


def _disk_full(path: str, err: sqlite3.Error) -> bool:
    """SQLite's SQLITE_FULL, or an I/O error where the disk has no space left (as when the
    ``-shm`` file cannot be made)."""
    name = getattr(err, "sqlite_errorname", "")
    if name == "SQLITE_FULL" or "disk is full" in str(err):
        return True
    if not name.startswith("SQLITE_IOERR") and "disk I/O error" not in str(err):
        return False
    try:
        st = os.statvfs(os.path.dirname(os.path.abspath(path)))
    except OSError:
        return False
    return st.f_bavail == 0


def _read_only(err: sqlite3.Error) -> bool:
    name = getattr(err, "sqlite_errorname", "")
    text = str(err)
    return name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")) or "readonly" in text \
        or "unable to open database file" in text


def _damaged(err: sqlite3.Error) -> bool:
    name = getattr(err, "sqlite_errorname", "")
    return name.startswith("SQLITE_CORRUPT") or "malformed" in str(err)


class Store:
    """The SQLite file of a sweep: one row per point, keyed by its point key; WAL; commit per row.

    Only the process that drives the sweep writes to it. ``create=False`` opens an existing
    database read-only (to show it). A database that cannot be written (a read-only file or
    mount) is opened read-only: ``read_only`` is then True, and reading works. Every failure
    is a SweepError of one line that names the file: not a sweep database, a damaged point,
    a full disk, a read-only file.
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = str(path)
        self.read_only = False
        self.conn: sqlite3.Connection | None = None
        existed = os.path.lexists(self.path)
        if not create and not Path(self.path).is_file():
            raise SweepError(f"{self.path}: no such sweep database")
        if not create:
            self._open_read_only()
            return
        try:
            self.conn = sqlite3.connect(self.path, timeout=30.0)
            if not self._check():
                self._create()
            elif self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as e:
            self._close()
            if existed and _read_only(e) and not _disk_full(self.path, e) and _size(self.path) > 0:
                self._open_read_only()  # every point may be stored: reading is enough then
                return
            if not existed:
                _remove_if_empty(self.path)
            raise self._error(e, "cannot create the sweep database" if not existed else "cannot open it") from None
        except BaseException:
            self._close()
            if not existed:
                _remove_if_empty(self.path)
            raise

    def _open_read_only(self) -> None:
        """Open for reading only: ``mode=ro``, or, where even that cannot be had (a WAL
        database on a read-only mount, whose ``-shm`` file cannot be made), ``immutable``."""
        uri = "file:" + urllib.parse.quote(os.path.abspath(self.path)) + "?mode=ro"
        for extra in ("", "&immutable=1"):
            try:
                self.conn = sqlite3.connect(uri + extra, uri=True, timeout=30.0)
                tables = self._check()
            except sqlite3.Error as e:
                self._close()
                if extra or not _read_only(e):
                    raise self._error(e, "cannot read it") from None
                continue
            except BaseException:
                self._close()
                raise
            if not tables:
                self._close()
                raise SweepError(f"{self.path}: an empty database: no sweep was stored in it")
            self.read_only = True
            return

    def _check(self) -> bool:
        """Whether the database holds a sweep (False: it is new, or empty); a SweepError if
        it holds anything else: another application's tables, or a points table of other columns."""
        assert self.conn is not None
        app = self.conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and app != APPLICATION_ID:
            raise SweepError(f"{self.path}: not a pseudoalign sweep database (it holds other tables: "
                             f"{', '.join(sorted(tables))})")
        if not tables:
            return False
        if "points" not in tables:
            raise SweepError(f"{self.path}: not a sweep database (it has no table points; its tables: "
                             f"{', '.join(sorted(tables))})")
        info = self.conn.execute("PRAGMA table_info(points)").fetchall()
        cols = tuple(r[1] for r in info)
        if cols != COLUMNS or [r[1] for r in info if r[5]] != ["key"]:
            raise SweepError(f"{self.path}: not a sweep database (its table points has the columns "
                             f"{', '.join(cols)}; a sweep's are {', '.join(COLUMNS)}, keyed by key)")
        return True

    def _create(self) -> None:
        assert self.conn is not None
        self.conn.execute("PRAGMA journal_mode = WAL")
        with self.conn:
            self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.conn.execute(SCHEMA)

    def _error(self, err: sqlite3.Error, doing: str) -> SweepError:
        """One line for what SQLite said: a full disk, a damaged or foreign file, a read-only one."""
        if _disk_full(self.path, err):
            return SweepError(f"{self.path}: {doing}: the disk is full ({err}); free some space, "
                              "or use another --db, and run the same command again")
        if _damaged(err):
            return SweepError(f"{self.path}: the database is damaged ({err}){DAMAGED}")
        if getattr(err, "sqlite_errorname", "") == "SQLITE_NOTADB" or "not a database" in str(err):
            return SweepError(f"{self.path}: not a sweep database ({err})")
        if _read_only(err):
            return SweepError(f"{self.path}: {doing}: it cannot be written ({err})")
        return SweepError(f"{self.path}: {doing}: {err}")

    def writable(self) -> bool:
        """Whether points can be stored: the database is open for writing and SQLite may write
        it (a file opened for writing may still be read-only to this process: it tries)."""
        if self.read_only or self.conn is None:
            return False
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            finally:
                self.conn.rollback()
        except sqlite3.Error as e:
            if _read_only(e):
                return False
            raise self._error(e, "cannot write it") from None
        return True

    def stored(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """key -> stored row (as ``rows`` gives it) for the keys that are stored."""
        keys = list(keys)
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = f"SELECT rowid, * FROM points WHERE key IN ({','.join('?' * len(chunk))})"
            for row in self._query(q, chunk):
                out[row["key"]] = row
        return out

    def put(self, key: str, values: Iterable[tuple[str, Any]] | dict[str, Any], result: dict[str, Any], *,
            scenario: str = "",
            path: str = "", engine: str | None = None) -> bool:
        """Store one point and commit; a key already stored is left as it is. True if it was new.

        A point that cannot be stored (a full disk, a read-only file) is not stored at all
        (its transaction is rolled back) and is a SweepError.
        """
        if engine is None:
            from .. import __version__ as engine
        if self.read_only or self.conn is None:
            raise SweepError(f"{self.path}: cannot store a point: the database is open read-only")
        values = dict(values)
        row = (key, scenario, path, engine, json.dumps(values, ensure_ascii=False), result.get("label"),
               json.dumps(result, ensure_ascii=False), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        try:
            with self.conn:
                cur = self.conn.execute(
                    "INSERT OR IGNORE INTO points (key, scenario, path, engine, point_values, label, result, stored_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
        except sqlite3.Error as e:
            raise self._error(e, "cannot store a point") from None
        return cur.rowcount == 1

    def rows(self, scenario: str | None = None) -> list[dict[str, Any]]:
        """Every stored point in the order stored: key, scenario, path, engine, values, result, stored_at."""
        if scenario is None:
            return self._query("SELECT rowid, * FROM points ORDER BY rowid", ())
        return self._query("SELECT rowid, * FROM points WHERE scenario = ? ORDER BY rowid", (scenario,))

    def count(self) -> int:
        assert self.conn is not None
        try:
            return int(self.conn.execute("SELECT COUNT(*) FROM points").fetchone()[0])
        except sqlite3.Error as e:
            raise self._error(e, "cannot read it") from None

    def _query(self, q: str, args: Iterable[Any]) -> list[dict[str, Any]]:
        assert self.conn is not None
        try:
            cur = self.conn.execute(q, list(args))
            names = [c[0] for c in cur.description]
            fetched = cur.fetchall()
        except sqlite3.Error as e:
            raise self._error(e, "cannot read it") from None
        return [self._row(dict(zip(names, r))) for r in fetched]

    def _row(self, d: dict) -> dict:
        """A stored row, checked: its values and result decoded, or a SweepError naming the point
        (its rowid: 1 for the first point stored)."""
        n = d.pop("rowid")

        def damaged(why: str) -> SweepError:
            return SweepError(f"{self.path}: point {n} is damaged ({why}){DAMAGED}")

        for col in ("key", "scenario", "path", "engine", "stored_at"):
            if not isinstance(d[col], str):
                raise damaged(f"its {col} is not text")
        for col, what in (("point_values", "values are"), ("result", "result is")):
            try:
                d[col] = json.loads(d[col])
            except (ValueError, TypeError, RecursionError) as e:
                raise damaged(f"its {what} not JSON: {str(e)[:80]}") from None
        d["values"] = d.pop("point_values")
        if not isinstance(d["values"], dict):
            raise damaged("its values are not a JSON object")
        problem = result_problem(d["result"])
        if problem is not None:
            raise damaged(problem)
        return d

    def _close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _remove_if_empty(path: str) -> None:
    """After a failed creation: no 0-byte database (nor its 0-byte journal files) is left behind."""
    for p in (path, path + "-journal", path + "-wal"):
        try:
            if os.path.isfile(p) and not os.path.islink(p) and os.path.getsize(p) == 0:
                os.remove(p)
        except OSError:
            pass
    try:
        if not os.path.exists(path) and os.path.isfile(path + "-shm"):
            os.remove(path + "-shm")
    except OSError:
        pass
