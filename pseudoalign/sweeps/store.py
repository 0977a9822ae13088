"""The SQLite file of a sweep: one row per point, keyed by the point's key.

Owns: the database's schema and application id (their format is fixed: a database written
by an earlier version keeps working and resuming), reading and writing points.
Imports errors only.
"""

from __future__ import annotations

import json
import sqlite3
import time
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


class Store:
    """The SQLite file of a sweep: one row per point, keyed by its point key; WAL; commit per row.

    Only the process that drives the sweep writes to it.
    """

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = str(path)
        if not create and not Path(self.path).is_file():
            raise SweepError(f"{self.path}: no such sweep database")
        try:
            self.conn = sqlite3.connect(self.path, timeout=30.0)
        except sqlite3.Error as e:
            raise SweepError(f"{self.path}: cannot open the database: {e}") from None
        try:
            app = self.conn.execute("PRAGMA application_id").fetchone()[0]
            tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and app != APPLICATION_ID:
                raise SweepError(f"{self.path}: not a pseudoalign sweep database (it holds other tables: "
                                 f"{', '.join(sorted(tables))})")
            if create:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
                with self.conn:
                    self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    self.conn.execute(SCHEMA)
            elif not tables:
                raise SweepError(f"{self.path}: an empty database: no sweep was stored in it")
        except sqlite3.DatabaseError as e:
            self.conn.close()
            raise SweepError(f"{self.path}: not a sweep database ({e})") from None
        except SweepError:
            self.conn.close()
            raise

    def stored(self, keys: Iterable[str]) -> dict[str, dict]:
        """key -> stored row (as ``rows`` gives it) for the keys that are stored."""
        keys = list(keys)
        out = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = f"SELECT * FROM points WHERE key IN ({','.join('?' * len(chunk))})"
            for row in self._query(q, chunk):
                out[row["key"]] = row
        return out

    def put(self, key: str, values: Iterable[tuple[str, Any]] | dict, result: dict, *, scenario: str = "",
            path: str = "", engine: str | None = None) -> bool:
        """Store one point and commit; a key already stored is left as it is. True if it was new."""
        if engine is None:
            from .. import __version__ as engine
        values = dict(values)
        with self.conn:
            cur = self.conn.execute(
                "INSERT OR IGNORE INTO points (key, scenario, path, engine, point_values, label, result, stored_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (key, scenario, path, engine, json.dumps(values, ensure_ascii=False), result.get("label"),
                 json.dumps(result, ensure_ascii=False),
                 time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())))
        return cur.rowcount == 1

    def rows(self, scenario: str | None = None) -> list[dict]:
        """Every stored point in the order stored: key, scenario, path, engine, values, result, stored_at."""
        if scenario is None:
            return self._query("SELECT * FROM points ORDER BY rowid", ())
        return self._query("SELECT * FROM points WHERE scenario = ? ORDER BY rowid", (scenario,))

    def count(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM points").fetchone()[0]

    def _query(self, q: str, args: Iterable[Any]) -> list[dict]:
        try:
            cur = self.conn.execute(q, list(args))
        except sqlite3.DatabaseError as e:
            raise SweepError(f"{self.path}: cannot read the database: {e}") from None
        names = [c[0] for c in cur.description]
        out = []
        for r in cur.fetchall():
            d = dict(zip(names, r))
            d["values"] = json.loads(d.pop("point_values"))
            d["result"] = json.loads(d["result"])
            out.append(d)
        return out

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
