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
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import evolve, field, frozen

from ..errors import Problem, ScenarioError, SweepError
from .document import locate, set_value
from .vary import MAX_POINTS, Vary, parse_vary, show_json, show_value

if TYPE_CHECKING:
    from ..scenario.model import Scenario


#: A grid point's values: ((key, value), ...).
PointValues = tuple[tuple[str, Any], ...]


@frozen
class Point:
    """One point of the grid: its index in grid order, the values by key, and its store key.

    ``scenario`` is the point's loaded Scenario (None until ``plan`` has loaded it); it is what
    runs, in this process or another (it pickles in a few kilobytes).
    """

    index: int
    values: PointValues  # in --vary order
    key: str = ""
    digest: str = ""
    scenario: Scenario | None = field(default=None, eq=False, repr=False)

    def describe(self) -> str:
        return ", ".join(f"{k}={show_value(v)}" for k, v in self.values)

    def values_dict(self) -> dict[str, Any]:
        return dict(self.values)


def point_key(digest: str, values: Iterable[tuple[str, Any]], version: str | None = None) -> str:
    """sha256 of the point's scenario content, its values and the engine version."""
    if version is None:
        from .. import __version__ as version
    blob = json.dumps({"scenario": digest, "values": [[k, v] for k, v in values], "engine": version},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def point_document(doc: dict[str, Any], varies: Iterable[Vary], values: PointValues) -> dict[str, Any]:
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
    doc: dict[str, Any]
    varies: tuple[Vary, ...]  # with paths as the document spells them
    points: tuple[Point, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(v.key for v in self.varies)

    def document(self, point: Point) -> dict[str, Any]:
        """The scenario document of ``point``: a deep copy with its values put in."""
        return point_document(self.doc, self.varies, point.values)


def grid(varies: Sequence[Vary]) -> Iterator[PointValues]:
    """The points' values in grid order: the first --vary varies slowest."""
    for combo in itertools.product(*(v.values for v in varies)):
        yield tuple((v.key, x) for v, x in zip(varies, combo))


def read_scenario(source: str) -> tuple[Path, str, dict[str, Any], str]:
    """(path, text, document, default name) of a scenario file or bundled name, read and parsed
    as the loader does (a bounded read of a regular file; the same refusals). Raises ScenarioError."""
    from ..scenario.load import parse_document, read_file, resolve

    path = resolve(str(source))
    text, doc = parse_document(read_file(path), str(path))
    return path, text, doc, path.name.removesuffix(".toml")


def plan(source: str, varies: Iterable[Vary | str], *, max_points: int = MAX_POINTS,
         progress: Callable[[int, int], None] | None = None) -> Plan:
    """Read the scenario, check every key and load every grid point: all errors come before
    anything runs. ``varies`` are Vary values or ``KEY=VALUES`` strings. Each point is loaded
    here, once, and keeps its Scenario for the run. ``progress``, when given, is called with
    (points checked, points in all) as each is loaded: a large grid takes a while."""
    from ..scenario.load import load_document, too_deep

    given = [parse_vary(v) if isinstance(v, str) else v for v in varies]
    if not given:
        raise SweepError("nothing to vary: give at least one --vary KEY=VALUES")
    path, text, doc, default = read_scenario(source)
    checked: list[Vary] = []
    for v in given:
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
    refused = 0
    first: tuple[Point, ScenarioError] | None = None
    name = default
    for index, values in enumerate(grid(checked)):
        if progress is not None:
            progress(index + 1, total)
        pt = Point(index, values)
        try:
            try:
                scn = load_document(point_document(doc, checked, values), str(path), default, text=text)
            except RecursionError:  # copying or checking a document nested near the reader's limit
                raise too_deep(str(path)) from None
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
