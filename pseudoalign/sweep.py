"""Sweeps: one scenario run over a grid of values put into its TOML document.

Owns: parsing ``KEY=VALUES`` specs, finding and setting keys of a document (errors name the
key, with "did you mean"), the grid and its order, the key of a point, ``run_point`` (pure,
runs in any process), the SQLite store and the ``sweep`` driver. Executors (local processes
or a Dask cluster) are pseudoalign.executors. Never prints; no click, no rich.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import re
import sqlite3
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from attrs import evolve, frozen

from .errors import ExecutorError, Problem, PseudoalignError, ScenarioError, SweepError, did_you_mean
from .executors import DASK_EXTRA, executor, parse_executor  # noqa: F401  (the sweep's executors)

MAX_POINTS = 100_000


# -- --vary specs --------------------------------------------------------------------------

_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][+-]?\d+)?")
_RANGE = re.compile(r"([+-]?\d+)\s*\.\.\s*([+-]?\d+)")


@frozen
class Vary:
    """One ``--vary``: the key as written, its path (ints for list indices) and its values."""

    key: str
    path: tuple
    values: tuple


def parse_value(text: str) -> Any:
    """A value of a comma list: an int, a float, true/false, else a string ("quotes" force a string)."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "\"'":
        return t[1:-1]
    if _INT.fullmatch(t):
        return int(t)
    if _FLOAT.fullmatch(t):
        return float(t)
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    return t


def parse_values(text: str, key: str = "") -> tuple:
    """``0,1,2,4`` or ``0..8`` (inclusive), or a comma list whose items may be ranges."""
    where = f"--vary {key}: " if key else ""
    if not text.strip():
        raise SweepError(f"{where}no values after '=' (e.g. {key or 'KEY'}=0,1,2 or {key or 'KEY'}=0..8)", key)
    out: list = []
    for item in text.split(","):
        if not item.strip():
            raise SweepError(f"{where}an empty value in the list {text!r}", key)
        m = _RANGE.fullmatch(item.strip())
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if lo > hi:
                raise SweepError(f"{where}the range {item.strip()} is empty (write it low..high, e.g. {hi}..{lo})", key)
            if hi - lo + 1 > MAX_POINTS:
                raise SweepError(f"{where}the range {item.strip()} has {hi - lo + 1:,} values, over the limit of {MAX_POINTS:,}", key)
            out.extend(range(lo, hi + 1))
        elif ".." in item and not (item.strip()[0] in "\"'"):
            raise SweepError(f"{where}{item.strip()!r} is not an integer range (a range is LOW..HIGH of integers, e.g. 0..8)", key)
        else:
            out.append(parse_value(item))
    seen = set()
    for v in out:
        tag = (type(v).__name__, repr(v))
        if tag in seen:
            raise SweepError(f"{where}the value {_show(v)} is given twice", key)
        seen.add(tag)
    return tuple(out)


def split_key(key: str) -> tuple:
    """``deploy.place.1.units`` -> ('deploy', 'place', 1, 'units')."""
    if not key or any(not p for p in key.split(".")):
        raise SweepError(f"--vary {key}: a key is a dotted path like deploy.episodes or deploy.place.1.count", key)
    return tuple(int(p) if p.isdigit() else p for p in key.split("."))


def parse_vary(spec: str) -> Vary:
    """``KEY=VALUES`` -> Vary (the key is not yet checked against a document)."""
    key, sep, values = spec.partition("=")
    key = key.strip()
    if not sep or not key:
        raise SweepError(f"--vary {spec}: expected KEY=VALUES, e.g. deploy.episodes=1,2,4 or deploy.place.1.count=0..8",
                         key)
    return Vary(key, split_key(key), parse_values(values, key))


def _show(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False) if isinstance(v, (str, bool)) or v is None else repr(v)


def show_value(v: Any) -> str:
    """A value as a person writes it on the command line: 4, 0.5, true, map."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


# -- keys of a document ----------------------------------------------------------------------

def _fmt_path(parts) -> str:
    return ".".join(str(p) for p in parts)


def locate(doc: dict, vary_key: str, path: tuple) -> tuple:
    """Check that ``path`` names a value of the document (or a key of the format in a table it
    has) and return it as the document spells it (quoted keys with dots joined back).

    Raises SweepError naming the key, with "did you mean" where a close key exists.
    """
    from .scenario import keys as K

    node: Any = doc
    t: K.Type | None = K.SCENARIO  # the format's type of node; None where the format is silent
    out: list = []
    i = 0
    while i < len(path):
        part = path[i]
        here = _fmt_path(out) or "the document"
        if isinstance(node, list):
            if not isinstance(part, int):
                raise SweepError(f"--vary {vary_key}: {here} is a list; index it with a number "
                                 f"(0..{len(node) - 1})" if node else f"--vary {vary_key}: {here} is an empty list", vary_key)
            if part >= len(node):
                raise SweepError(f"--vary {vary_key}: {here} has {len(node)} item{'s' if len(node) != 1 else ''}"
                                 f" (indices from 0 to {len(node) - 1})" if node else
                                 f"--vary {vary_key}: {here} is an empty list", vary_key)
            node, t = node[part], t.child(part) if t else None
            out.append(part)
            i += 1
            continue
        if node is not None and not isinstance(node, dict):
            raise SweepError(f"--vary {vary_key}: {here} is a single value ({_show(node)}), so it has no key {part!r}",
                             vary_key)
        table = node if isinstance(node, dict) else {}
        name = str(part)
        # a quoted key of the document may hold dots: take the longest run of parts that it names
        for j in range(len(path), i, -1):
            joined = _fmt_path(path[i:j])
            if joined in table:
                name, i_next = joined, j
                break
        else:
            i_next = i + 1
        declared = t.names() if t else ()
        if name in table:
            node = table[name]
        else:
            if name not in declared:
                close = did_you_mean(name, set(table) | set(declared))
                if close:
                    fixed = close.split("'")[1]
                    close = f" (did you mean '{_fmt_path(out + [fixed] + list(path[i + 1:]))}'?)"
                what = f"no key {name!r} in {here}" if out else f"no top-level key {name!r}"
                raise SweepError(f"--vary {vary_key}: {what}{close}", vary_key)
            node = None  # a key of the format that the file leaves out: the sweep puts it in
        t = t.child(name) if t else None
        out.append(name)
        i = i_next
    if isinstance(node, dict):
        inner = ", ".join(sorted(node)) or "nothing"
        raise SweepError(f"--vary {vary_key}: {_fmt_path(out)} is a table (holding {inner}); vary one of its values",
                         vary_key)
    return tuple(out)


def set_value(doc: dict, path: tuple, value: Any) -> None:
    """Put ``value`` at ``path`` (as returned by ``locate``), making missing tables on the way."""
    node = doc
    for part in path[:-1]:
        if isinstance(node, list):
            node = node[part]
        else:
            node = node.setdefault(part, {})
    node[path[-1]] = value


# -- the grid --------------------------------------------------------------------------------

@frozen
class Point:
    """One point of the grid: its index in grid order, the values by key, and its store key."""

    index: int
    values: tuple  # ((key, value), ...) in --vary order
    key: str = ""
    digest: str = ""

    def describe(self) -> str:
        return ", ".join(f"{k}={show_value(v)}" for k, v in self.values)

    def values_dict(self) -> dict:
        return dict(self.values)


def point_key(digest: str, values, version: str | None = None) -> str:
    """sha256 of the point's scenario content, its values and the engine version."""
    if version is None:
        from . import __version__ as version
    blob = json.dumps({"scenario": digest, "values": [[k, v] for k, v in values], "engine": version},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@frozen(eq=False)
class Plan:
    """A checked sweep: the scenario file and every grid point, each already loaded once."""

    path: str
    name: str  # the scenario's name (the file's 'name', else its stem)
    default_name: str
    text: str
    doc: dict
    varies: tuple  # Vary, with paths as the document spells them
    points: tuple  # Point

    @property
    def keys(self) -> tuple:
        return tuple(v.key for v in self.varies)

    def document(self, point: Point) -> dict:
        """The scenario document of ``point``: a deep copy with its values put in."""
        doc = copy.deepcopy(self.doc)
        for v, (_k, value) in zip(self.varies, point.values):
            set_value(doc, v.path, value)
        return doc


def grid(varies) -> Iterator[tuple]:
    """The points' values in grid order: the first --vary varies slowest."""
    for combo in itertools.product(*(v.values for v in varies)):
        yield tuple((v.key, x) for v, x in zip(varies, combo))


def read_scenario(source: str) -> tuple[Path, str, dict, str]:
    """(path, text, document, default name) of a scenario file or bundled name. Raises ScenarioError."""
    from .scenario.load import loads, resolve

    path = resolve(str(source))
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ScenarioError(str(path), [Problem(problem=f"cannot read the file: {e.strerror or e}")]) from None
    default = path.name.removesuffix(".toml")
    try:
        text = data.decode("utf-8")
        doc = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        loads(data, str(path), default_name=default)  # raises the loader's message for the fault
        raise  # pragma: no cover - loads always raises here
    return path, text, doc, default


def plan(source: str, varies, *, max_points: int = MAX_POINTS) -> Plan:
    """Read the scenario, check every key and load every grid point: all errors come before
    anything runs. ``varies`` are Vary values or ``KEY=VALUES`` strings."""
    from .scenario.load import load_document

    varies = [parse_vary(v) if isinstance(v, str) else v for v in varies]
    if not varies:
        raise SweepError("nothing to vary: give at least one --vary KEY=VALUES")
    path, text, doc, default = read_scenario(source)
    checked = []
    for v in varies:
        spelled = locate(doc, v.key, v.path)
        for w in checked:
            a, b = w.path, spelled
            if a[:len(b)] == b or b[:len(a)] == a:
                same = a == b
                raise SweepError(f"--vary {v.key}: " + ("the key is given twice" if same else
                                 f"overlaps --vary {w.key} (one is inside the other)"), v.key)
        checked.append(evolve(v, path=spelled))
    total = 1
    for v in checked:
        total *= len(v.values)
    if total > max_points:
        raise SweepError(f"the grid has {total:,} points, over the limit of {max_points:,}; vary fewer values")
    draft = Plan(str(path), default, default, text, doc, tuple(checked), ())
    points, refused, first = [], 0, None
    name = default
    for index, values in enumerate(grid(checked)):
        pt = Point(index, values)
        try:
            scn = load_document(draft.document(pt), str(path), default, text=text)
        except ScenarioError as err:
            refused += 1
            if first is None:
                first = (pt, err)
            continue
        name = scn.name
        points.append(evolve(pt, key=point_key(scn.digest, values), digest=scn.digest))
    if first is not None:
        raise _refused(str(path), first[0], first[1], refused, total)
    return Plan(str(path), name, default, text, doc, tuple(checked), tuple(points))


def _refused(path: str, pt: Point, err: ScenarioError, refused: int, total: int) -> ScenarioError:
    varied = dict(pt.values)
    problems = []
    for p in err.problems:
        if p.key in varied:
            what = f"the value {_show(varied[p.key])} is refused: "
        else:
            what = f"with {pt.describe()}: "
        problems.append(evolve(p, problem=what + p.problem))
    if refused > 1:
        problems.append(Problem(problem=f"{refused} of the {total} points are refused (the first is shown); "
                                        "nothing was run"))
    return ScenarioError(path, problems)


# -- one point ------------------------------------------------------------------------------

def figures(report_dict: dict) -> dict:
    """The figures a sweep keeps of a run's JSON report: plain JSON values."""
    d = report_dict
    v = d["verdict"]
    return {
        "label": v["label"],
        "expected": v["expected"],
        "reason": v["reason"],
        "episodes_agreeing": v["episodes_agreeing"],
        "episodes": v["episodes"],
        "train": {"base_score": d["train"]["base_score"], "mesa_competence": d["train"]["mesa_competence"]},
        "deploy": {"base_score": d["deploy"]["base_score"], "mesa_competence": d["deploy"]["mesa_competence"]},
        "coupling": d["probes"]["coupling"],
        "probes": {"suboptimality": d["probes"]["suboptimality"], "approximate": d["probes"]["approximate"]},
        "states": max(d["train"]["states"], d["deploy"]["states"]),
    }


def run_point(doc: dict, path: str, default_name: str, text: str | None, max_states: int) -> dict:
    """Load and run one point's document; return its figures, or ``{"error": message}``.

    Pure and module-level, so that it runs in another process or on a Dask worker; takes and
    returns plain values only (pseudoalign's exceptions do not pickle, so they come back as text).
    """
    from .engine import run
    from .scenario.load import load_document

    t0 = time.perf_counter()
    try:
        scn = load_document(doc, path, default_name, text=text)
        result = figures(run(scn, max_states=max_states, jobs=1).to_dict())
        result["tolerance"] = scn.classify.tolerance  # the deploy base score a robust run needs
    except PseudoalignError as err:
        return {"error": str(err)}
    result["seconds"] = round(time.perf_counter() - t0, 3)
    return result


# -- the store ------------------------------------------------------------------------------

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

    def __init__(self, path: str | Path, *, create: bool = True):
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

    def stored(self, keys) -> dict:
        """key -> stored row (as ``rows`` gives it) for the keys that are stored."""
        keys = list(keys)
        out = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = f"SELECT * FROM points WHERE key IN ({','.join('?' * len(chunk))})"
            for row in self._query(q, chunk):
                out[row["key"]] = row
        return out

    def put(self, key: str, values, result: dict, *, scenario: str = "", path: str = "", engine: str | None = None) -> bool:
        """Store one point and commit; a key already stored is left as it is. True if it was new."""
        if engine is None:
            from . import __version__ as engine
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

    def _query(self, q: str, args) -> list[dict]:
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

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# -- the driver -----------------------------------------------------------------------------

@frozen
class Outcome:
    """One grid point done: its figures (or an error), and whether they came from the store."""

    point: Point
    result: dict | None
    error: str | None = None
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    def record(self, scenario: str = "") -> dict:
        """The point as one JSON object (``--json`` prints one per line)."""
        head = {"point": self.point.index, "scenario": scenario, "values": self.point.values_dict(),
                "key": self.point.key}
        if self.error is not None:
            return dict(head, error=self.error)
        return dict(head, **{k: v for k, v in self.result.items() if k != "seconds"})


def sweep(plan: Plan, executor=None, *, store: Store | None = None, max_states: int | None = None) -> Iterator[Outcome]:
    """Run every point of ``plan`` and yield an Outcome per point, in grid order.

    ``executor`` is any concurrent.futures.Executor (a process pool, a Dask client's executor),
    or None to run each point in this process when the next one is asked for. With a ``store``,
    points already stored are not run (their stored figures are yielded, ``cached``), and each
    new result is stored and committed as soon as it is back (out of grid order when an
    executor finishes a later point first), before it is yielded: a sweep stopped at any moment
    resumes where it stopped, with nothing it finished lost. A failed point (a limit exceeded)
    is yielded with its error and is not stored. Closing the generator early cancels the
    points not yet started.
    """
    from concurrent.futures import FIRST_COMPLETED, wait

    if max_states is None:
        from .engine import DEFAULT_MAX_STATES as max_states
    done = store.stored(p.key for p in plan.points) if store is not None else {}

    def args(p: Point):
        return (plan.document(p), plan.path, plan.default_name, plan.text, max_states)

    def finish(p: Point, result: dict) -> Outcome:
        if "error" in result:
            return Outcome(p, None, result["error"])
        if store is not None:
            store.put(p.key, p.values, result, scenario=plan.name, path=plan.path)
        return Outcome(p, result)

    def collect(p: Point, fut) -> Outcome:
        try:
            result = fut.result()
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as e:
            raise ExecutorError(f"point {p.index} ({p.describe()}): the executor failed: "
                                f"{type(e).__name__}: {e}") from e
        return finish(p, result)

    futures: dict = {}  # future -> point, of the points submitted and not yet collected
    ready: dict = {}  # point index -> Outcome, collected (and stored) ahead of grid order
    try:
        if executor is not None:
            for p in plan.points:
                if p.key not in done:
                    futures[executor.submit(run_point, *args(p))] = p
        for p in plan.points:
            if p.key in done:
                yield Outcome(p, done[p.key]["result"], cached=True)
                continue
            if executor is None:
                yield finish(p, run_point(*args(p)))
                continue
            while p.index not in ready:
                finished, _pending = wait(list(futures), return_when=FIRST_COMPLETED)
                failure = None
                for fut in sorted(finished, key=lambda f: futures[f].index):
                    q = futures.pop(fut)
                    try:
                        ready[q.index] = collect(q, fut)
                    except BaseException as e:  # noqa: BLE001 - store every result back before giving up
                        failure = failure or e
                if failure is not None:
                    raise failure
            yield ready.pop(p.index)
    finally:
        for fut in futures:
            fut.cancel()
