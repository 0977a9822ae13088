"""A checked sweep: the scenario file, its varied keys and every grid point, loaded once.

Owns: Point and its store key, Plan, the grid and its order, reading the scenario file,
and ``plan``, which checks every key and loads every point before anything runs (each point
keeps its loaded Scenario, so that running it does not load it again). Imports errors,
scenario.load, scenario.model, vary, document.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import evolve, field, frozen

from ..errors import Problem, ScenarioError, SweepError
from .document import locate, set_value
from .vary import MAX_POINTS, Vary, parse_vary, show_json, show_value

if TYPE_CHECKING:
    from ..scenario.model import Scenario


@frozen
class Point:
    """One point of the grid: its index in grid order, the values by key, and its store key.

    ``scenario`` is the point's loaded Scenario (None until ``plan`` has loaded it); it is what
    runs, in this process or another (it pickles in a few kilobytes).
    """

    index: int
    values: tuple  # ((key, value), ...) in --vary order
    key: str = ""
    digest: str = ""
    scenario: Scenario | None = field(default=None, eq=False, repr=False)

    def describe(self) -> str:
        return ", ".join(f"{k}={show_value(v)}" for k, v in self.values)

    def values_dict(self) -> dict:
        return dict(self.values)


def point_key(digest: str, values, version: str | None = None) -> str:
    """sha256 of the point's scenario content, its values and the engine version."""
    if version is None:
        from .. import __version__ as version
    blob = json.dumps({"scenario": digest, "values": [[k, v] for k, v in values], "engine": version},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def point_document(doc: dict, varies: Iterable[Vary], values: tuple) -> dict:
    """A deep copy of ``doc`` with a point's values put in (``varies`` with checked paths)."""
    out = copy.deepcopy(doc)
    for v, (_k, value) in zip(varies, values):
        set_value(out, v.path, value)
    return out


@frozen(eq=False)
class Plan:
    """A checked sweep: the scenario file and every grid point, each already loaded once."""

    path: str
    name: str  # the scenario's name (the file's 'name', else its stem)
    default_name: str
    text: str
    doc: dict
    varies: tuple[Vary, ...]  # with paths as the document spells them
    points: tuple[Point, ...]

    @property
    def keys(self) -> tuple:
        return tuple(v.key for v in self.varies)

    def document(self, point: Point) -> dict:
        """The scenario document of ``point``: a deep copy with its values put in."""
        return point_document(self.doc, self.varies, point.values)


def grid(varies) -> Iterator[tuple]:
    """The points' values in grid order: the first --vary varies slowest."""
    for combo in itertools.product(*(v.values for v in varies)):
        yield tuple((v.key, x) for v, x in zip(varies, combo))


def read_scenario(source: str) -> tuple[Path, str, dict, str]:
    """(path, text, document, default name) of a scenario file or bundled name. Raises ScenarioError."""
    from ..scenario.load import loads, resolve

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
    anything runs. ``varies`` are Vary values or ``KEY=VALUES`` strings. Each point is loaded
    here, once, and keeps its Scenario for the run."""
    from ..scenario.load import load_document

    varies = [parse_vary(v) if isinstance(v, str) else v for v in varies]
    if not varies:
        raise SweepError("nothing to vary: give at least one --vary KEY=VALUES")
    path, text, doc, default = read_scenario(source)
    checked: list[Vary] = []
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
    points: list[Point] = []
    refused, first = 0, None
    name = default
    for index, values in enumerate(grid(checked)):
        pt = Point(index, values)
        try:
            scn = load_document(point_document(doc, checked, values), str(path), default, text=text)
        except ScenarioError as err:
            refused += 1
            if first is None:
                first = (pt, err)
            continue
        name = scn.name
        points.append(evolve(pt, key=point_key(scn.digest, values), digest=scn.digest, scenario=scn))
    if first is not None:
        raise _refused(str(path), first[0], first[1], refused, total)
    return Plan(str(path), name, default, text, doc, tuple(checked), tuple(points))


def _refused(path: str, pt: Point, err: ScenarioError, refused: int, total: int) -> ScenarioError:
    varied: dict[str, Any] = dict(pt.values)
    problems = []
    for p in err.problems:
        if p.key in varied:
            what = f"the value {show_json(varied[p.key])} is refused: "
        else:
            what = f"with {pt.describe()}: "
        problems.append(evolve(p, problem=what + p.problem))
    if refused > 1:
        problems.append(Problem(problem=f"{refused} of the {total} points are refused (the first is shown); "
                                        "nothing was run"))
    return ScenarioError(path, problems)
