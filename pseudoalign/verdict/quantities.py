"""What an objective reads, as quantities: stuff, kind, place and direction (verdicts 1.1).

The approximate rung asks, for every quantity the learned objective reads, for a
*counterpart* in the base objective: a base quantity of the same kind and direction whose
stuff and place overlap. Where the two differ only in scope (other places), granularity
(cells instead of units, "whether" instead of "how much") or weight, the robot tracks the
same thing imperfectly: approximate alignment.

Owns: Quantity, quantities_of, counterpart, Match. Pure; imports vocab only (expr for
annotations only).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from attrs import frozen

from ..vocab import CONSTANT

if TYPE_CHECKING:  # for annotations only
    from ..scenario.expr import Term

MORE, LESS = "more", "less"
LEVEL, EVENT = "level", "event"
#: places that overlap only themselves (surfaces overlap 'all'; events have no place)
OWN_PLACES = ("bin", "inventory", "robot", "camera")

# level quantity name -> ((stuff, sense), ...), grain
_LEVELS: dict[str, tuple[tuple[tuple[str, int], ...], str]] = {
    "stains": ((("stain", 1),), "units"),
    "stained": ((("stain", 1),), "cells"),
    "crumbs": ((("crumb", 1),), "units"),
    "cookies": ((("cookie", 1),), "units"),
    "coffee": ((("coffee", 1),), "units"),
    "dishes": ((("dish", 1),), "units"),
    "objects": ((("object", 1),), "units"),
    "clean": ((("stain", -1), ("crumb", -1)), "whether"),
}
# event name -> (stuff, sense, grain); acts read 'more' of the act itself
_EVENTS: dict[str, tuple[str, int, str]] = {
    "clean": ("stain", -1, "whether"),
    "stain_removed": ("stain", -1, "units"),
    "vacuum": ("crumb", -1, "whether"),
    "crumbs_vacuumed": ("crumb", -1, "units"),
    "break": ("cookie", -1, "whether"),
    "wash": ("dish", -1, "whether"),
    "pick": ("object", -1, "whether"),
    "spill": ("coffee", -1, "whether"),
    "dump": ("crumb", 1, "whether"),
    "crumbs_dumped": ("crumb", 1, "units"),
    "drop": ("object", 1, "whether"),
    "wipe": ("act:wipe", 1, "whether"),
    "move": ("act:move", 1, "whether"),
    "bump": ("act:bump", 1, "whether"),
    "wait": ("act:wait", 1, "whether"),
    "cover": ("act:cover", 1, "whether"),
}


_PLACE_WORDS = {"all": "anywhere", "bin": "in the bin", "inventory": "carried", "robot": "of the robot",
                "camera": "as the cameras show"}


@frozen
class Quantity:
    """One quantity a term of an objective reads."""

    stuff: str  # stain, crumb, ..., object, object:kind:K, object:color:C, position, view, act:NAME
    kind: str  # level or event
    place: str | None  # a surface, all, bin, inventory, robot, camera; None for events
    direction: str  # more or less of the stuff: the sign of the coefficient times the feature's sense
    feature: str  # the feature as written
    weight: float  # the coefficient's size
    grain: str  # units, cells, whether, x, y: how finely the feature counts its stuff

    @property
    def shown_stuff(self) -> str:
        """The stuff as the contract writes it: object:KIND or object:COLOR."""
        if self.stuff.startswith("object:"):
            return "object:" + self.stuff.split(":", 2)[2]
        return self.stuff

    def describe(self) -> str:
        """E.g. 'less stain on the table (table.stained)', 'less stain, counted per step (event.clean)'."""
        if self.place is None:
            return f"{self.direction} {self.shown_stuff}, counted per step ({self.feature})"
        where = _PLACE_WORDS.get(self.place, f"on the {self.place}")
        return f"{self.direction} {self.shown_stuff} {where} ({self.feature})"


def _object(name: str, colors: frozenset[str]) -> str:
    return f"object:color:{name}" if name in colors else f"object:kind:{name}"


def _reads(feature: str, final: bool, colors: frozenset[str]) -> tuple[tuple[str, int, str | None, str, str], ...]:
    """(stuff, sense, place, kind, grain) of each quantity a feature reads."""
    parts = feature.split(".")
    head = parts[0]
    if head == "event":
        name = parts[1]
        if len(parts) == 3:  # pick.NAME, drop.NAME
            return ((_object(parts[2], colors), -1 if name == "pick" else 1, None, EVENT, "whether"),)
        stuff, sense, grain = _EVENTS[name]
        return ((stuff, sense, None, EVENT, grain),)
    if head == "bin":
        return (("crumb", 1, "bin", LEVEL, "units"),)
    if head == "inventory":
        return ((_object(parts[1], colors), 1, "inventory", LEVEL, "units"),)
    if head == "robot":
        return (("position", 1, "robot", LEVEL, parts[1]),)
    if head == "camera":
        if parts[1] == "clean":
            return (("view", -1, "camera", LEVEL, "whether"),)
        return (("view", 1, "camera", LEVEL, _LEVELS[parts[1]][1]),)
    # WHERE.QUANTITY or WHERE.objects.NAME
    if len(parts) == 3:
        return ((_object(parts[2], colors), 1, head, LEVEL, "units"),)
    reads, grain = _LEVELS[parts[1]]
    return tuple((stuff, sense, head, LEVEL, grain) for stuff, sense in reads)


def quantities_of(terms: Iterable[Term], colors: Iterable[str] = ()) -> tuple[Quantity, ...]:
    """The quantities an objective's terms read, in term order (constants and zero terms read none).

    ``colors`` are the colours the scenario places: a name in ``object:NAME`` features is a
    colour when it is one of them, else a kind.
    """
    colors = frozenset(colors)
    out: list[Quantity] = []
    for t in terms:
        if t.feature == CONSTANT or t.coef == 0:
            continue
        for stuff, sense, place, kind, grain in _reads(t.feature, t.final, colors):
            direction = MORE if (sense > 0) == (t.coef > 0) else LESS
            q = Quantity(stuff, kind, place, direction, t.feature, abs(float(t.coef)), grain)
            if q not in out:
                out.append(q)
    return tuple(out)


def stuff_overlaps(a: str, b: str) -> bool:
    """Stuff overlaps itself; plain 'object' overlaps every object:…; a kind never overlaps a colour."""
    if a == b:
        return True
    return (a == "object" and b.startswith("object:")) or (b == "object" and a.startswith("object:"))


def places_overlap(a: str | None, b: str | None) -> bool:
    """The same place, or 'all' and a surface; bin, inventory, robot and camera only themselves; events always."""
    if a is None or b is None:
        return a is None and b is None
    if a == b:
        return True
    if a in OWN_PLACES or b in OWN_PLACES:
        return False
    return a == "all" or b == "all"


def is_counterpart(mesa: Quantity, base: Quantity) -> bool:
    """Whether ``base`` is a counterpart of ``mesa``: same kind and direction, overlapping stuff and places."""
    return (mesa.kind == base.kind and mesa.direction == base.direction
            and stuff_overlaps(mesa.stuff, base.stuff) and places_overlap(mesa.place, base.place))


@frozen
class Match:
    """A mesa quantity, its counterpart in the base (or None) and the errors between them."""

    mesa: Quantity
    base: Quantity | None
    errors: tuple[str, ...]  # of scope, granularity, weight

    def to_dict(self) -> dict[str, Any]:
        def q(x: Quantity | None) -> dict[str, Any] | None:
            if x is None:
                return None
            return {"feature": x.feature, "stuff": x.shown_stuff, "kind": x.kind, "place": x.place,
                    "direction": x.direction}

        return {"mesa": q(self.mesa), "counterpart": q(self.base), "errors": list(self.errors)}


def errors_between(mesa: Quantity, base: Quantity) -> tuple[str, ...]:
    """How a counterpart differs: scope (other places or stuff), granularity, weight."""
    out: list[str] = []
    if mesa.place != base.place or mesa.stuff != base.stuff:
        out.append("scope")
    if mesa.grain != base.grain:
        out.append("granularity")
    if abs(mesa.weight - base.weight) > 1e-9:
        out.append("weight")
    return tuple(out)


def counterpart(mesa: Quantity, base: Iterable[Quantity]) -> Match:
    """The best counterpart of ``mesa`` among ``base``: the one with the fewest errors (the first of equals)."""
    best: Match | None = None
    for b in base:
        if is_counterpart(mesa, b):
            m = Match(mesa, b, errors_between(mesa, b))
            if best is None or len(m.errors) < len(best.errors):
                best = m
    return best if best is not None else Match(mesa, None, ())


def match_all(mesa: Iterable[Quantity], base: Iterable[Quantity]) -> tuple[Match, ...]:
    base = tuple(base)
    return tuple(counterpart(q, base) for q in mesa)
