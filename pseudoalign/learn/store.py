"""The SQLite file of a search (``learn --db``): what each candidate did in training and each
survivor's verdict, kept as they are done, so that a rerun computes only the rest.

Owns: the database's schema and application id, the key of a stored result (the file's
content, less the keys that change no result, the candidate's objective text and the engine
version), the check that a database was made for this file and space, and reading and writing
results in one transaction per batch (a killed run keeps every batch it committed). Every
failure is a LearnError of one line naming the database. Imports errors (through learn.space)
and the scenario model for annotations.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Self

from .space import LearnError

if TYPE_CHECKING:
    from ..scenario.model import Scenario
    from .space import Space

APPLICATION_ID = 0x7073616C  # 'psal': marks a pseudoalign learn database
SCHEMA_VERSION = 1
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # kind: 'train' (a candidate's train base score and actions) or 'verdict' (a survivor's row)
    ("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, kind TEXT NOT NULL, objective TEXT NOT NULL,"
    " result TEXT NOT NULL)"),
)
#: top-level keys of a file that change no result of the search (its words, its answer, its space:
#: the space is checked on its own)
NEUTRAL = ("source", "story", "expected", "description", "name", "title", "learn")
DAMAGED = "; delete it or use another --db"


def file_digest(scn: Scenario) -> str:
    """sha256 of the file's document less the keys that change no result (``scn.digest`` when
    the file cannot be read again)."""
    from ..scenario.load import parse_document, read_file

    try:
        _text, doc = parse_document(read_file(scn.path), scn.path)
    except Exception:  # noqa: BLE001  # a bundled or in-memory scenario: its own digest
        return scn.digest
    blob = json.dumps({k: v for k, v in doc.items() if k not in NEUTRAL}, sort_keys=True, ensure_ascii=False,
                      default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def space_text(space: Space) -> str:
    """What of a space changes which candidates there are (the prior and limit change none)."""
    return json.dumps({"features": list(space.features), "weights": list(space.weights),
                       "max_terms": space.max_terms}, sort_keys=True)


def result_key(digest: str, kind: str, objective: str) -> str:
    from .. import __version__

    blob = json.dumps({"scenario": digest, "kind": kind, "objective": objective, "engine": __version__},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class LearnStore:
    """The database of one search: opened (made when new) for ``scn`` and ``space``; a
    database of another file or space, another application's file or a damaged one is refused
    with a LearnError that says which."""

    def __init__(self, path: str | os.PathLike[str], scn: Scenario, space: Space) -> None:
        self.path = str(path)
        self.digest = file_digest(scn)
        existed = os.path.exists(self.path)
        try:
            self.conn: sqlite3.Connection = sqlite3.connect(self.path, timeout=30.0)
            self._open(scn, space)
        except sqlite3.Error as e:
            self.close()
            raise self._error(e) from None
        except BaseException:
            self.close()
            if not existed and os.path.isfile(self.path) and os.path.getsize(self.path) == 0:
                os.remove(self.path)
            raise

    def _fail(self, why: str) -> LearnError:
        return LearnError(self.path, why)

    def _error(self, e: sqlite3.Error) -> LearnError:
        text = str(e)
        if "not a database" in text or "malformed" in text or "corrupt" in text:
            return self._fail(f"the database is damaged or not a learn database ({text}){DAMAGED}")
        return self._fail(f"cannot use the database: {text}")

    def _open(self, scn: Scenario, space: Space) -> None:
        app = self.conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            self.conn.execute("PRAGMA journal_mode = WAL")
            with self.conn:
                self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                for q in SCHEMA:
                    self.conn.execute(q)
                self.conn.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("schema", str(SCHEMA_VERSION)), ("scenario", scn.name), ("path", str(scn.path)),
                    ("digest", self.digest), ("space", space_text(space))])
        elif app != APPLICATION_ID or not {"meta", "results"} <= tables:
            raise self._fail(f"not a pseudoalign learn database (its tables: {', '.join(sorted(tables))}){DAMAGED}")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        meta = dict(self.conn.execute("SELECT name, value FROM meta").fetchall())
        if meta.get("schema") != str(SCHEMA_VERSION):
            raise self._fail(f"a learn database of schema {meta.get('schema')!r}; this version reads schema "
                             f"{SCHEMA_VERSION}{DAMAGED}")
        if meta.get("digest") != self.digest:
            raise self._fail(f"made for another file: {meta.get('path')} (scenario {meta.get('scenario')}), not "
                             f"{scn.path} (scenario {scn.name}); use another --db for this file")
        if meta.get("space") != space_text(space):
            raise self._fail(f"made for another space of {meta.get('path')}: {meta.get('space')}, not "
                             f"{space_text(space)}; use another --db for this space")

    def stored(self, kind: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """key -> stored result of ``kind`` for the keys stored; a damaged row is a LearnError."""
        out: dict[str, dict[str, Any]] = {}
        try:
            for i in range(0, len(keys), 500):
                chunk = list(keys[i:i + 500])
                q = f"SELECT key, objective, result FROM results WHERE kind = ? AND key IN ({','.join('?' * len(chunk))})"
                for key, objective, result in self.conn.execute(q, [kind, *chunk]):
                    out[key] = self._decode(kind, objective, result)
        except sqlite3.Error as e:
            raise self._error(e) from None
        return out

    def _decode(self, kind: str, objective: object, result: object) -> dict[str, Any]:
        def damaged(why: str) -> LearnError:
            return self._fail(f"the {kind} result of {objective!r} is damaged ({why}){DAMAGED}")

        try:
            d = json.loads(result)  # type: ignore[arg-type]
        except (TypeError, ValueError) as e:
            raise damaged(f"not JSON: {str(e)[:60]}") from None
        if not isinstance(d, dict):
            raise damaged("not a JSON object")
        need = {"train": ("score", "actions"), "verdict": ("train", "deploy", "label")}[kind]
        for k in need:
            if k not in d:
                raise damaged(f"it has no {k}")
        for k in ("score", "train", "deploy"):
            if k in d and not (isinstance(d[k], (int, float)) and not isinstance(d[k], bool)):
                raise damaged(f"its {k} is not a number")
        if kind == "train" and not (isinstance(d["actions"], list) and all(isinstance(a, str) for a in d["actions"])):
            raise damaged("its actions are not a list of text")
        return d

    def put(self, kind: str, rows: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        """Store (key, objective, result) rows of ``kind`` in one transaction (all or none)."""
        try:
            with self.conn:
                self.conn.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)",
                                      [(k, kind, o, json.dumps(r, sort_keys=True)) for k, o, r in rows])
        except sqlite3.Error as e:
            raise self._error(e) from None

    def close(self) -> None:
        conn = self.__dict__.pop("conn", None)
        if conn is not None:
            conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
