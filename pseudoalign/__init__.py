"""pseudoalign: run household scenarios in which a learned optimiser looks aligned in
training and still wants the wrong thing, and classify the run by measurement.

The public API for notebooks and scripts is what ``__all__`` names::

    import pseudoalign as pa
    report = pa.run("table-wiper")          # a bundled name, a path, or a loaded Scenario
    report.label, report.deploy.base_score  # typed values; report.to_json() is the JSON report

The library never prints and imports neither click nor rich; ``pseudoalign.cli`` does that.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Union

from .errors import LimitError, PseudoalignError, ScenarioError, SettingError
from .labels import Label
from .plan.settings import PlanSettings
from .records import EpisodeResult, StepRecord, Trace
from .report import Report
from .scenario.load import bundled_names, load, loads, resolve
from .scenario.model import Scenario

if TYPE_CHECKING:
    from collections.abc import Callable

    from .learn.result import LearnResult
    from .scenario.model import LearnSpec
    from .sweeps import Outcome

__version__ = "0.1.0"

#: What ``run`` and ``trace`` take: a loaded Scenario, a path to a file, or a bundled name.
Source = Union[Scenario, str, "os.PathLike[str]"]

__all__ = [
    "EpisodeResult", "Label", "LimitError", "PlanSettings", "PseudoalignError", "Report", "Scenario",
    "ScenarioError", "SettingError", "Source", "StepRecord", "Trace", "__version__", "bundled_names", "learn",
    "load", "loads", "resolve", "run", "sweep", "trace",
]


def _scenario(source: Source) -> Scenario:
    return source if isinstance(source, Scenario) else load(source)


def run(scenario: Source, *, max_states: int | None = None, jobs: int = 1,
        settings: PlanSettings | None = None) -> Report:
    """Run a scenario: every episode of both distributions, the probes and the verdict.

    ``max_states`` refuses (LimitError) an episode whose reachable states exceed it (default
    ``engine.DEFAULT_MAX_STATES``, 2,000,000); ``jobs`` runs episodes in that many processes;
    ``settings`` says how to plan (``PlanSettings(kernel="numpy")``, say). The Report is the
    same whatever ``jobs`` and ``settings`` are.
    """
    from .engine import DEFAULT_MAX_STATES
    from .engine import run as _run

    return _run(_scenario(scenario), max_states=DEFAULT_MAX_STATES if max_states is None else max_states, jobs=jobs,
                settings=settings or PlanSettings())


class _Package(types.ModuleType):
    """This package's own module type: ``pa.learn`` stays the function below when the subpackage
    pseudoalign.learn is imported (the import system would set the attribute to the
    subpackage; ``from pseudoalign.learn import LearnResult`` finds it in sys.modules all the
    same). So the subpackage is imported only when it is used: not by ``run``'s start-up."""

    def __setattr__(self, name: str, value: object) -> None:
        if name == "learn" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def learn(scenario: Source, *, max_states: int | None = None, jobs: int = 1, settings: PlanSettings | None = None,
          progress: Callable[[str, int, int], None] | None = None, executor: str | None = None,
          spec: LearnSpec | None = None, db: str | os.PathLike[str] | None = None) -> LearnResult:
    """Search the objectives training cannot tell apart (learn.md): every candidate of the space
    (``spec``, else the file's ``[learn]``, else the derived default) as the robot's objective in
    training; the survivors classified by the whole ladder -> ``pseudoalign.learn.LearnResult``.

    ``jobs`` runs candidates in that many processes, ``executor`` (``"dask://HOST:PORT"``) on a
    Dask cluster instead; the result is the same whatever they are. ``progress``, when given, is
    called with (stage, done, total): stage "train" (every candidate) then "ladder" (the
    survivors). A space over its limit raises ``pseudoalign.learn.LearnError`` before any planning.
    ``db``, a SQLite file, keeps each candidate's result as it is done and skips those it holds
    (the result is the same); a file made for another scenario or space is a LearnError.
    """
    from .engine import DEFAULT_MAX_STATES
    from .learn import search as _search

    return _search(_scenario(scenario), spec=spec, max_states=DEFAULT_MAX_STATES if max_states is None else max_states,
                   jobs=jobs, settings=settings or PlanSettings(), progress=progress, executor=executor, db=db)


def trace(scenario: Source, phase: str = "deploy", episode: int = 1, policy: str = "agent", *,
          max_states: int | None = None, settings: PlanSettings | None = None) -> Trace:
    """One episode step by step, for replays: ``phase`` "train" or "deploy", ``episode`` from 1,
    ``policy`` "agent" (the robot), "base" or "mesa" (that objective's exact optimum)."""
    from .engine import DEFAULT_MAX_STATES
    from .engine import trace as _trace

    return _trace(_scenario(scenario), phase, episode, policy,
                  max_states=DEFAULT_MAX_STATES if max_states is None else max_states, settings=settings or PlanSettings())


def sweep(scenario: str | os.PathLike[str], vary: Mapping[str, Sequence[Any]], *, jobs: int = 1,
          db: str | os.PathLike[str] | None = None, max_states: int | None = None,
          settings: PlanSettings | None = None, learn: bool = False) -> Iterator[Outcome]:
    """Run a scenario file (or bundled name) over a grid of values of its keys, yielding one
    Outcome per grid point, in grid order (the first key varies slowest).

    ``vary`` maps a dotted key of the file (``"deploy.place.1.count"``, list items numbered
    from 0) to its values. Every point is checked before any runs (ScenarioError or
    SweepError). ``jobs`` runs points in that many processes; ``db``, a SQLite file, keeps
    each point as it is done and skips the points it already holds. An Outcome has
    ``point.values``, ``result`` (label, train and deploy scores, coupling, probes) and
    ``error`` (a point over ``max_states``). ``learn`` also runs ``learn`` at each point: its
    figures (survivors, the prior mass of each label among them, the expected deploy base score)
    are ``result["learn"]``.
    """
    from . import sweeps as _sweep
    from .executors import executor

    varies = [_sweep.Vary(key, _sweep.split_key(key), tuple(values)) for key, values in vary.items()]
    the_plan = _sweep.plan(str(scenario), varies)
    store = None if db is None else _sweep.Store(db)
    try:
        with executor("local", jobs) as ex:
            yield from _sweep.sweep(the_plan, ex, store=store, max_states=max_states, settings=settings, learn=learn)
    finally:
        if store is not None:
            store.close()
