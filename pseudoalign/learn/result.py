"""What ``learn`` found: a typed, frozen result with its JSON and its notebook view.

Owns: LearnRow (one survivor), LearnResult (the space, the survivors, the classes, the verdicts
weighed by the prior) and their to_dict/to_json/_repr_html_. Imports labels, report (rounded), scenario.model and learn.space for annotations.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from attrs import frozen

from ..labels import Label
from ..report import rounded

if TYPE_CHECKING:
    from ..scenario.model import Scenario
    from .space import Space


@frozen
class LearnRow:
    """One survivor of training: its objective (a reward expression), its number of terms, its
    prior weight (over the whole space), its train and deploy base scores, the label the ladder
    gives it, its behaviour class (from 1) and why it is in the space ("space", "base", "mesa")."""

    objective: str
    terms: int
    prior: float
    train_base_score: float
    deploy_base_score: float
    label: Label
    behaviour_class: int
    origin: str = "space"

    def to_dict(self) -> dict[str, Any]:
        return {"objective": self.objective, "terms": self.terms, "prior": rounded(self.prior),
                "train_base_score": rounded(self.train_base_score),
                "deploy_base_score": rounded(self.deploy_base_score), "label": self.label.value,
                "class": self.behaviour_class, "origin": self.origin}


@frozen
class LearnResult:
    """The search of one scenario (learn.md): ``space_size`` candidates over ``features``; the
    ``survivors`` (rows, in the space's order: the base first); their behaviour ``classes`` and
    the base objective's (None when the base does not survive training); the prior mass of each
    label among the survivors (renormalised over them), their counts, and the expected deploy
    base score under that prior (None without survivors)."""

    scenario: str
    space_size: int
    features: tuple[str, ...]
    derived_features: bool
    weights: tuple[float, ...]
    max_terms: int
    prior: str
    tolerance: float
    classes: int
    base_class: int | None
    rows: tuple[LearnRow, ...]
    label_mass: tuple[tuple[Label, float], ...]
    label_counts: tuple[tuple[Label, int], ...]
    expected_deploy_base_score: float | None
    deploy_takes_candidate: bool = True  # False: the file's deploy agent drifted and keeps its objective
    #: every candidate's (objective, train base score), in the space's order (not in the JSON: a
    #: space may hold 100,000)
    train_scores: tuple[tuple[str, float], ...] = ()

    @classmethod
    def of(cls, scn: Scenario, space: Space, classes: int, base_class: int | None, rows: tuple[LearnRow, ...],
           tolerance: float, train_scores: Sequence[float], deploy_takes_candidate: bool) -> LearnResult:
        total = math.fsum(r.prior for r in rows)
        mass: dict[Label, float] = {}
        counts: dict[Label, int] = {}
        for r in rows:
            mass[r.label] = mass.get(r.label, 0.0) + r.prior
            counts[r.label] = counts.get(r.label, 0) + 1
        order = [lab for lab in Label if lab in counts]
        expected = math.fsum(r.prior * r.deploy_base_score for r in rows) / total if rows else None
        return cls(scn.name, len(space.candidates), space.features, space.derived, space.weights, space.max_terms,
                   space.prior, tolerance, classes, base_class, rows,
                   tuple((lab, mass[lab] / total) for lab in order), tuple((lab, counts[lab]) for lab in order),
                   expected, deploy_takes_candidate,
                   tuple((c.text, float(x)) for c, x in zip(space.candidates, train_scores)))

    @property
    def survivors(self) -> int:
        return len(self.rows)

    @property
    def base_class_size(self) -> int:
        """How many survivors training cannot tell from the base (its class, the base included)."""
        return sum(1 for r in self.rows if self.base_class is not None and r.behaviour_class == self.base_class)

    def mass(self, label: Label | str) -> float:
        """The prior mass of ``label`` among the survivors (0 where none earns it)."""
        return dict(self.label_mass).get(Label(label), 0.0)

    def simplest(self, n: int = 10) -> tuple[LearnRow, ...]:
        """The ``n`` survivors of highest prior weight (fewest terms, smallest coefficients), in the
        space's order among equals."""
        return tuple(sorted(self.rows, key=lambda r: -r.prior)[:n])

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "space": {"size": self.space_size, "features": list(self.features), "derived": self.derived_features,
                      "weights": list(self.weights), "max_terms": self.max_terms, "prior": self.prior},
            "tolerance": self.tolerance,
            "survivors": self.survivors,
            "classes": self.classes,
            "base_class": self.base_class,
            "base_class_size": self.base_class_size,
            "deploy_takes_candidate": self.deploy_takes_candidate,
            "label_mass": {lab.value: rounded(m) for lab, m in self.label_mass},
            "label_counts": {lab.value: n for lab, n in self.label_counts},
            "expected_deploy_base_score": rounded(self.expected_deploy_base_score),
            "rows": [r.to_dict() for r in self.rows],
        }

    def to_json(self) -> str:
        """The JSON of ``to_dict``: keys sorted, no NaN, the same bytes for the same search."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)

    def _repr_html_(self) -> str:
        e = html.escape
        head = (f"<p><b>{e(self.scenario)}</b>: {self.space_size:,} candidate objectives over "
                f"{len(self.features)} features; {self.survivors:,} survive training in {self.classes:,} "
                f"behaviour classes")
        if self.base_class is not None:
            head += f"; training cannot tell {self.base_class_size - 1:,} of them from the base"
        head += ".</p>"
        mass = "".join(f"<tr><td>{e(lab.value)}</td><td>{m:.3f}</td><td>{dict(self.label_counts)[lab]}</td></tr>"
                       for lab, m in self.label_mass)
        rows = "".join(f"<tr><td><code>{e(r.objective)}</code></td><td>{r.prior:.4f}</td>"
                       f"<td>{r.train_base_score:.3f}</td><td>{r.deploy_base_score:.3f}</td>"
                       f"<td>{e(r.label.value)}</td><td>{r.behaviour_class}</td></tr>" for r in self.simplest())
        exp = "n/a" if self.expected_deploy_base_score is None else f"{self.expected_deploy_base_score:.3f}"
        return (head + "<table><tr><th>label</th><th>prior mass</th><th>survivors</th></tr>" + mass + "</table>"
                + f"<p>expected deploy base score: {exp}</p>"
                + "<table><tr><th>objective</th><th>prior</th><th>train</th><th>deploy</th><th>label</th>"
                + "<th>class</th></tr>" + rows + "</table>")
