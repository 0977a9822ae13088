"""The space of candidate objectives that ``learn`` searches (format 1.2, ``[learn]``).

Owns: the derived default features, the enumeration of candidates (sums of 1..max_terms
terms over distinct features, coefficients from the weights, positive multiples merged), the
prior, and the refusal of a space over its limit. Imports scenario (model, expr), vocab,
errors. Pure: nothing here plans.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from fractions import Fraction

from attrs import frozen

from ..errors import PseudoalignError
from ..scenario.expr import Term
from ..scenario.model import Distribution, ItemSpec, LearnSpec, Scenario
from ..vocab import CONSTANT, SURFACES, feature_problem

#: Each item's level quantity (what ``WHERE.QUANTITY`` counts of it); cameras have none.
LEVEL = {"stain": "stains", "crumb": "crumbs", "cookie": "cookies", "mug": "coffee", "dish": "dishes",
         "object": "objects"}
#: The events that remove each item (the contract's removal events of placed stuff).
REMOVAL = {"stain": ("event.clean", "event.stain_removed"), "crumb": ("event.vacuum", "event.crumbs_vacuumed"),
           "cookie": ("event.break",), "dish": ("event.wash",)}
#: the most sums a space's count enumerates; beyond, a space over its limit is refused by a bound
ENUMERATED = 2_000_000


class LearnError(PseudoalignError):
    """A ``[learn]`` space that cannot be searched: over its limit, or asking for what cannot be."""

    def __init__(self, path: str, message: str) -> None:
        self.path, self.message = str(path), message
        super().__init__(f"{path}: learn: {message}")

    def __reduce__(self) -> tuple[type[LearnError], tuple[str, str]]:
        return type(self), (self.path, self.message)


@frozen
class Candidate:
    """One candidate objective: its terms, the text a file can hold, and its prior weight
    (normalised over the space). ``origin`` says why it is in the space: "space", "base" or
    "mesa" (the last two are always in it)."""

    terms: tuple[Term, ...]
    text: str
    weight: float
    origin: str = "space"

    @property
    def size(self) -> int:
        """Its number of terms that read something (a constant reads nothing)."""
        return sum(1 for t in self.terms if t.feature != CONSTANT)


@frozen
class Space:
    """The candidates in order (the base first, the file's mesa objective next unless it is the
    base, then the space's own in enumeration order), and what made them."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    max_terms: int
    prior: str
    candidates: tuple[Candidate, ...]
    derived: bool  # the features were derived from what the file places


def text_of(terms: Sequence[Term]) -> str:
    """A sum of terms as a reward expression: ``2*a - b + final(c)``; parse(text_of(t)) == t."""
    out = ""
    for i, t in enumerate(terms):
        body = t.text()
        if t.feature != CONSTANT and t.coef == -1:
            body = "-" + body[len("-1*"):]
        if i == 0:
            out = body
        elif body.startswith("-"):
            out += " - " + body[1:]
        else:
            out += " + " + body
    return out or "0"


def _surfaces_of(dist: Distribution, spec_place: tuple[str, ...] | None, at: tuple[tuple[int, int], ...] | None,
                 layout_surface: object) -> list[str]:
    if spec_place is not None:
        return list(spec_place)
    out = []
    for x, y in at or ():
        idx = int(layout_surface[y, x])  # type: ignore[index]
        if idx >= 0:
            out.append(SURFACES[idx])
    return out


def placed(scn: Scenario) -> list[tuple[ItemSpec, list[str]]]:
    """Every item spec the file puts anywhere (legend, both distributions, their variants), with
    the surfaces it lies on, in file order."""
    out: list[tuple[ItemSpec, list[str]]] = []
    for surface, items in scn.legend.values():
        out += [(spec, [surface]) for spec in items]
    for dist in (scn.train, scn.deploy):
        shapes = [(dist.layout, dist.place)] + [(v.layout, v.place) for v in dist.variants]
        for layout, places in shapes:
            for p in places:
                out.append((p.spec, _surfaces_of(dist, p.on, p.at, layout.surface)))
    return out


def derived_features(scn: Scenario) -> tuple[str, ...]:
    """The default features of the contract, from what the file places, in a fixed order: level
    features (item by item, surface by surface, then ``all``), ``WHERE.clean``, ``bin.crumbs``,
    ``inventory.KIND``/``COLOR``, removal events, ``camera.clean``, ``robot.x``, ``robot.y``."""
    things = placed(scn)
    items = {spec.item for spec, _s in things}
    order = [i for i in ("stain", "crumb", "cookie", "mug", "dish", "object", "camera") if i in items]
    feats: list[str] = []
    for item in order:
        if item not in LEVEL:
            continue
        where = {s for spec, surfaces in things if spec.item == item for s in surfaces}
        feats += [f"{s}.{LEVEL[item]}" for s in SURFACES if s in where] + [f"all.{LEVEL[item]}"]
    dirty = {s for spec, surfaces in things if spec.item in ("stain", "crumb") for s in surfaces}
    feats += [f"{s}.clean" for s in SURFACES if s in dirty]
    if items & {"crumb", "cookie"}:
        feats.append("bin.crumbs")
    objects = [spec for spec, _s in things if spec.item == "object"]
    kinds = sorted({s.kind for s in objects if s.kind})
    colors = sorted({s.color for s in objects if s.color and s.color != "none"})
    feats += [f"inventory.{k}" for k in kinds] + [f"inventory.{c}" for c in colors]
    for item in order:
        feats += REMOVAL.get(item, ())
    if "object" in items:
        feats += [f"event.pick.{k}" for k in kinds] + [f"event.pick.{c}" for c in colors]
    if "camera" in items:
        feats.append("camera.clean")
    feats += ["robot.x", "robot.y"]
    return tuple(dict.fromkeys(feats))


def merge_key(terms: Sequence[Term]) -> tuple[tuple[str, bool, Fraction], ...]:
    """What two objectives share when one is a positive multiple of the other plus a constant:
    their non-constant terms, like ones added, zeros dropped, scaled so the first is +-1."""
    acc: dict[tuple[str, bool], Fraction] = {}
    for t in terms:
        if t.feature == CONSTANT:
            continue
        k = (t.feature, t.final)
        acc[k] = acc.get(k, Fraction(0)) + Fraction(repr(float(t.coef)))
    items = sorted((f, fin, c) for (f, fin), c in acc.items() if c != 0)
    if not items:
        return ()
    scale = abs(items[0][2])
    return tuple((f, fin, c / scale) for f, fin, c in items)


def simplicity(terms: Sequence[Term]) -> float:
    """2^-(terms) x prod 1/|c| over the terms that read something (before normalising)."""
    reading = [t for t in terms if t.feature != CONSTANT and t.coef != 0]
    return 2.0 ** -len(reading) * math.prod(1.0 / abs(t.coef) for t in reading)


def count_raw(n_features: int, n_weights: int, max_terms: int) -> int:
    """Sums of 1..max_terms distinct features, each coefficient a weight: before merging."""
    return sum(math.comb(n_features, k) * n_weights ** k for k in range(1, max_terms + 1))


def space_of(scn: Scenario, spec: LearnSpec | None = None) -> Space:
    """The candidates of ``spec`` (the file's ``[learn]``, or the defaults) for ``scn``.

    Refused (LearnError, before anything plans) when the space holds more than ``spec.limit``
    candidates, with the count and what to change."""
    spec = spec or scn.learn or LearnSpec()
    derived = spec.features is None
    features = derived_features(scn) if spec.features is None else tuple(dict.fromkeys(spec.features))
    weights = tuple(float(w) for w in spec.weights)
    if not 1 <= spec.max_terms <= 4:
        raise LearnError(scn.path, f"[learn] max_terms is {spec.max_terms}; it must be 1 to 4")
    if any(w == 0 for w in weights) or not weights:
        raise LearnError(scn.path, "[learn] weights must be non-zero numbers (a weight of 0 has no direction)")
    for f in features:
        problem = feature_problem(f)
        if problem:
            raise LearnError(scn.path, f"[learn] features: {problem}")
    raw = count_raw(len(features), len(weights), spec.max_terms)
    fix = ("lower [learn] max_terms, use fewer features or weights, or raise [learn] limit "
           f"(now {spec.limit:,})")
    # merging positive multiples keeps at least one of every len(weights): a space far over its
    # limit is refused without enumerating it (up to ENUMERATED sums are counted exactly)
    if raw > max(spec.limit * len(weights), ENUMERATED):
        raise LearnError(scn.path, f"the space holds at least {-(-raw // len(weights)):,} candidates "
                                   f"({raw:,} sums before merging positive multiples), over the [learn] limit "
                                   f"of {spec.limit:,}; {fix}")
    rank = {w: i for i, w in enumerate(weights)}
    best: dict[tuple[tuple[str, bool, Fraction], ...], tuple[tuple[float, tuple[int, ...]], int, tuple[Term, ...]]] = {}
    n = 0
    for k in range(1, spec.max_terms + 1):
        for combo in itertools.combinations(features, k):
            for coefs in itertools.product(weights, repeat=k):
                terms = tuple(Term(c, f) for c, f in zip(coefs, combo))
                key = merge_key(terms)
                order = (sum(abs(c) for c in coefs), tuple(rank[c] for c in coefs))
                old = best.get(key)
                if old is None:
                    best[key] = (order, n, terms)
                    n += 1
                elif order < old[0]:  # the smallest coefficients, then by the order of weights
                    best[key] = (order, old[1], terms)
    found = [terms for _o, _n, terms in sorted(best.values(), key=lambda v: v[1])]
    fixed: list[tuple[tuple[Term, ...], str]] = [(scn.base.reward, "base")]
    if merge_key(scn.learned.reward) != merge_key(scn.base.reward):
        fixed.append((scn.learned.reward, "mesa"))
    fixed_keys = {merge_key(t) for t, _o in fixed}
    listed = fixed + [(t, "space") for t in found if merge_key(t) not in fixed_keys]
    if len(listed) > spec.limit:
        raise LearnError(scn.path, f"the space holds {len(listed):,} candidates, over the [learn] limit of "
                                   f"{spec.limit:,}; {fix}")
    raw_w = [simplicity(t) if spec.prior == "simplicity" else 1.0 for t, _o in listed]
    total = math.fsum(raw_w)
    candidates = tuple(Candidate(tuple(t), text_of(t), w / total, origin) for (t, origin), w in zip(listed, raw_w))
    return Space(features, weights, spec.max_terms, spec.prior, candidates, derived)
