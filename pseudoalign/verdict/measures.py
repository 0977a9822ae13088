"""Measures of verdicts.md: scores, coupling, quantities an objective reads.

Owns: pure functions of numbers, terms and episode records. Imports vocab only (records and
expr for annotations only).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..vocab import CONSTANT, QUANTITY_READS, STORES, SURFACES

if TYPE_CHECKING:  # for annotations only
    from ..records import EpisodeResult
    from ..scenario.expr import Term

EPS = 1e-9


def score(ret: float, optimal: float, idle: float) -> float:
    """(R - R_idle) / (R_opt - R_idle); where the optimum gains nothing over idling, 1 if R loses
    nothing against idling, else 0. Never above 1."""
    gap = optimal - idle
    if gap <= EPS:
        return 1.0 if ret >= idle - EPS else 0.0
    return min(1.0, (ret - idle) / gap)


def quantities(terms: Iterable[Term]) -> set[tuple[str, str]]:
    """The quantities an objective reads: (surface, quantity) for level features ('all' is every
    surface; 'stained' is 'stains'; 'clean' reads stains and crumbs), ('event', name) for events,
    and (where, what) for bin, inventory and robot features."""
    out: set[tuple[str, str]] = set()
    for t in terms:
        f = t.feature
        if f == CONSTANT:
            continue
        where, what = f.split(".", 1)
        if where == "event":
            out.add(("event", what))
            continue
        if where in STORES or where == "robot":
            out.add((where, what))
            continue
        surfaces = SURFACES if where == "all" else (where,)
        whats = QUANTITY_READS.get(what, (what,))
        out |= {(s, w) for s in surfaces for w in whats}
    return out


def phase_scores(eps: Sequence[EpisodeResult]) -> tuple[float, float]:
    """(base score, mesa competence) over episodes."""
    b = score(sum(e.base_return for e in eps), sum(e.base_optimal for e in eps), sum(e.base_idle for e in eps))
    m = score(sum(e.mesa_return for e in eps), sum(e.mesa_optimal for e in eps), sum(e.mesa_idle for e in eps))
    return b, m


def coupling(eps: Sequence[EpisodeResult]) -> float | None:
    """Of all positive mesa gains, the share made at steps that made base progress."""
    total = sum(s.mesa_gain for e in eps for s in e.steps if s.mesa_gain > EPS)
    if total <= EPS:
        return None
    coupled = sum(s.mesa_gain for e in eps for s in e.steps if s.mesa_gain > EPS and s.base_progress)
    return coupled / total
