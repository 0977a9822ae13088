"""One grid point run: a loaded Scenario in, the figures a sweep keeps of it out.

Owns: ``figures`` (the one place that says what a sweep keeps of a run's report),
``learn_figures`` (what ``--learn`` keeps of a point's search) and ``run_point`` (pure and
module-level, so that it runs in any process or on a Dask worker). Imports errors, report,
engine and, for ``--learn``, pseudoalign.learn.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..errors import PseudoalignError
from ..report import rounded

if TYPE_CHECKING:
    from ..learn.result import LearnResult
    from ..plan.settings import PlanSettings
    from ..report import Report
    from ..scenario.model import Scenario


def figures(report: Report) -> dict[str, Any]:
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


def learn_figures(result: LearnResult) -> dict[str, Any]:
    """What ``sweep --learn`` keeps of a point's search: the space and survivors, the prior mass of
    each label among the survivors (every label, 0 where none earns it) and the expected deploy
    base score."""
    from ..labels import Label

    return {"space": result.space_size, "survivors": result.survivors, "classes": result.classes,
            "base_class_size": result.base_class_size,
            "label_mass": {lab.value: rounded(result.mass(lab)) for lab in Label},
            "expected_deploy_base_score": rounded(result.expected_deploy_base_score)}


def run_point(scenario: Scenario, max_states: int, settings: PlanSettings | None = None,
              learn: bool = False) -> dict[str, Any]:
    """Run one point's loaded Scenario; return its figures, or ``{"error": message}``.

    Takes the Scenario that ``plan`` loaded (it is not loaded again) and returns plain values
    only: pseudoalign's exceptions may not pickle everywhere, so they come back as text.
    ``settings``, a PlanSettings (None: the defaults), says how to plan (never the figures).
    ``learn`` also runs the search of ``pseudoalign.learn`` and keeps ``learn_figures`` of it
    under "learn".
    """
    from ..engine import run
    from ..plan.settings import DEFAULT

    t0 = time.perf_counter()
    try:
        result = figures(run(scenario, max_states=max_states, jobs=1, settings=settings or DEFAULT))
        result["tolerance"] = scenario.classify.tolerance  # the deploy base score a robust run needs
        if learn:
            from ..learn import search

            result["learn"] = learn_figures(search(scenario, max_states=max_states, settings=settings or DEFAULT))
    except PseudoalignError as err:
        return {"error": str(err)}
    result["seconds"] = round(time.perf_counter() - t0, 3)
    return result
