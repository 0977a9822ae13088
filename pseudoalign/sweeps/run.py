"""One grid point run: a loaded Scenario in, the figures a sweep keeps of it out.

Owns: ``figures`` (the one place that says what a sweep keeps of a run's report),
``learn_figures`` (what ``--learn`` keeps of a point's search) and ``run_point`` (module-level,
so that it runs in any process or on a Dask worker; the episodes it shares with other points
are kept in ``Known``). Imports errors, report, engine and, for ``--learn``, pseudoalign.learn.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from ..errors import PseudoalignError
from ..report import rounded

if TYPE_CHECKING:
    from ..learn.result import LearnResult
    from ..plan.settings import PlanSettings
    from ..records import EpisodeResult
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


class Known(OrderedDict[tuple[object, ...], "EpisodeResult"]):
    """Episode results by ``engine.result_key``, shared by the points of a sweep (their train
    phase, when only deploy keys vary), the first stored dropped past ``size``."""

    def __init__(self, size: int = 512) -> None:
        super().__init__()
        self.size = size

    def __setitem__(self, key: tuple[object, ...], value: EpisodeResult) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


#: The results a worker process (a local pool's, a Dask worker's) keeps between the points it
#: runs; results are the same for equal keys in any process, so it only saves their work.
WORKER_KNOWN = Known()


def run_point(scenario: Scenario, max_states: int, settings: PlanSettings | None = None,
              learn: bool = False, known: Known | None = None) -> dict[str, Any]:
    """Run one point's loaded Scenario; return its figures, or ``{"error": message}``.

    Takes the Scenario that ``plan`` loaded (it is not loaded again) and returns plain values
    only: pseudoalign's exceptions may not pickle everywhere, so they come back as text.
    ``settings``, a PlanSettings (None: the defaults), says how to plan (never the figures).
    ``learn`` also runs the search of ``pseudoalign.learn`` and keeps ``learn_figures`` of it
    under "learn".
    Episodes already run for another point (the same ``engine.result_key``) are taken from
    ``known`` (None: this process's ``WORKER_KNOWN``), unless ``settings.reuse`` is off.
    """
    from ..engine import run
    from ..plan.settings import DEFAULT

    t0 = time.perf_counter()
    settings = settings or DEFAULT
    try:
        result = figures(run(scenario, max_states=max_states, jobs=1, settings=settings,
                             known=(WORKER_KNOWN if known is None else known) if settings.reuse else None))
        result["tolerance"] = scenario.classify.tolerance  # the deploy base score a robust run needs
        if learn:
            from ..learn import search

            result["learn"] = learn_figures(search(scenario, max_states=max_states, settings=settings or DEFAULT))
    except PseudoalignError as err:
        return {"error": str(err)}
    result["seconds"] = round(time.perf_counter() - t0, 3)
    return result
