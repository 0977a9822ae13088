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
from typing import Union

from .errors import LimitError, PseudoalignError, ScenarioError, SettingError
from .labels import Label
from .plan.settings import PlanSettings
from .records import EpisodeResult, StepRecord, Trace
from .report import Report
from .scenario.load import bundled_names, load, loads, resolve
from .scenario.model import Scenario

__version__ = "0.1.0"

#: What ``run`` and ``trace`` take: a loaded Scenario, a path to a file, or a bundled name.
Source = Union[Scenario, str, "os.PathLike[str]"]

__all__ = [
    "EpisodeResult", "Label", "LimitError", "PlanSettings", "PseudoalignError", "Report", "Scenario",
    "ScenarioError", "SettingError", "Source", "StepRecord", "Trace", "__version__", "bundled_names", "load",
    "loads", "resolve", "run", "trace",
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
    from .engine import DEFAULT_MAX_STATES, run as _run

    return _run(_scenario(scenario), max_states=DEFAULT_MAX_STATES if max_states is None else max_states, jobs=jobs,
                settings=settings or PlanSettings())


def trace(scenario: Source, phase: str = "deploy", episode: int = 1, policy: str = "agent", *,
          max_states: int | None = None, settings: PlanSettings | None = None) -> Trace:
    """One episode step by step, for replays: ``phase`` "train" or "deploy", ``episode`` from 1,
    ``policy`` "agent" (the robot), "base" or "mesa" (that objective's exact optimum)."""
    from .engine import DEFAULT_MAX_STATES, trace as _trace

    return _trace(_scenario(scenario), phase, episode, policy,
                  max_states=DEFAULT_MAX_STATES if max_states is None else max_states, settings=settings or PlanSettings())
