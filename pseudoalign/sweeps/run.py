"""One grid point run: a loaded Scenario in, the figures a sweep keeps of it out.

Owns: ``figures`` (the one place that says what a sweep keeps of a run's report) and
``run_point`` (pure and module-level, so that it runs in any process or on a Dask worker).
Imports errors, report and engine.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ..errors import PseudoalignError
from ..report import rounded

if TYPE_CHECKING:
    from ..report import Report
    from ..plan.settings import PlanSettings
    from ..scenario.model import Scenario


def figures(report: Report) -> dict:
    """The figures a sweep keeps of a run: plain JSON values, as the JSON report rounds them."""
    v, probes = report.verdict, report.probes.to_dict()
    return {
        "label": str(v.label),
        "expected": None if v.expected is None else str(v.expected),
        "reason": v.reason,
        "episodes_agreeing": v.episodes_agreeing,
        "episodes": len(v.episodes),
        "train": {"base_score": rounded(report.train.base_score),
                  "mesa_competence": rounded(report.train.mesa_competence)},
        "deploy": {"base_score": rounded(report.deploy.base_score),
                   "mesa_competence": rounded(report.deploy.mesa_competence)},
        "coupling": rounded(report.probes.coupling),
        "probes": {"suboptimality": probes["suboptimality"], "approximate": probes["approximate"]},
        "states": max(report.train.states, report.deploy.states),
    }


def run_point(scenario: Scenario, max_states: int, settings: PlanSettings | None = None) -> dict:
    """Run one point's loaded Scenario; return its figures, or ``{"error": message}``.

    Takes the Scenario that ``plan`` loaded (it is not loaded again) and returns plain values
    only: pseudoalign's exceptions may not pickle everywhere, so they come back as text.
    ``settings``, a PlanSettings (None: the defaults), says how to plan (never the figures).
    """
    from ..engine import run
    from ..plan.settings import DEFAULT

    t0 = time.perf_counter()
    try:
        result = figures(run(scenario, max_states=max_states, jobs=1, settings=settings or DEFAULT))
        result["tolerance"] = scenario.classify.tolerance  # the deploy base score a robust run needs
    except PseudoalignError as err:
        return {"error": str(err)}
    result["seconds"] = round(time.perf_counter() - t0, 3)
    return result
