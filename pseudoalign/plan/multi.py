"""Plans of many objectives on one graph: what ``learn`` asks of each training episode.

Owns: plan_many. Imports kernels (plan_values and its cache), settings.

``plan_many`` leaves each objective's values in the graph's plan cache exactly as
``plan_values(..., keep_values=True)`` would, so a Robot built afterwards on that graph with
any of those objectives plans nothing again. This first version is the reference: one pass
per objective. A fused kernel (the values of K objectives in one pass over the successor
table) may replace its body; it must leave bit-identical values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..scenario.expr import Term
from .graph import Graph
from .kernels import plan_values
from .settings import DEFAULT, PlanSettings


def plan_many(graph: Graph, objectives: Sequence[Sequence[Term]], steps: int, gamma: float = 1.0,
              allowed: np.ndarray | None = None, with_final: bool = True, *,
              settings: PlanSettings = DEFAULT) -> None:
    """Plan every objective of ``objectives`` on ``graph`` (``steps`` steps, discount ``gamma``,
    ``allowed`` actions, final terms on the last step when ``with_final``), keeping the values of
    each in the graph's plan cache: afterwards ``plan_values(graph, terms, steps, gamma, allowed,
    with_final, keep_values=True)`` of any of them is a cache hit."""
    for terms in objectives:
        plan_values(graph, terms, steps, gamma, allowed, with_final, keep_values=True, settings=settings)
