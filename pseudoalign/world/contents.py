"""What lies where: the full state of a household as plain values, for drawing, replays
and the robot's model of the world.

Owns: Contents (frozen). Imports household only (the items, in their order, and the stores).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from attrs import field, frozen

from ..household import ITEM, ITEMS, STORE

Cell = tuple[int, int]


def _sorted(d: Mapping[Any, int]) -> dict[Any, int]:
    return dict(sorted(dict(d).items()))


def _nonzero(d: Mapping[Any, int]) -> dict[Any, int]:
    return {k: v for k, v in sorted(dict(d).items()) if v}


@frozen
class Contents:
    """Every quantity of one state: a field per item of household.ITEMS (in its order), cell ->
    units (tagged items: (x, y, *tag) -> units, an object's tag being its kind and colour), and
    a field per store. Items kept when empty (mugs) keep their zero entries; other zero
    entries are dropped."""

    robot: Cell
    stain: dict = field(factory=dict, converter=_nonzero)
    crumb: dict = field(factory=dict, converter=_nonzero)
    cookie: dict = field(factory=dict, converter=_nonzero)
    mug: dict = field(factory=dict, converter=_sorted)  # cell -> coffee units (an empty mug stays)
    dish: dict = field(factory=dict, converter=_nonzero)
    object: dict = field(factory=dict, converter=_nonzero)  # (x, y, kind, color) -> n
    camera: dict = field(factory=dict, converter=_sorted)  # (x, y, watches) -> 1 watching, 0 covered (1.1)
    bin: int = 0
    inventory: dict = field(factory=dict, converter=_nonzero)  # kind -> n

    def of(self, item: str) -> dict:
        """The units of one item (by its household name), by cell (tagged items: by (x, y, *tag))."""
        return getattr(self, item)

    def at(self, item: str, cell: Cell) -> int | None:
        """The units of ``item`` on ``cell`` (summed over tags), or None when there is none
        (an item kept when empty is there at 0)."""
        d = self.of(item)
        if ITEM[item].tags:
            on = [v for k, v in d.items() if k[:2] == cell]
            n = sum(on)
            return n if n or (on and ITEM[item].keep_empty) else None
        return d.get(cell)

    def key(self) -> tuple:
        return (self.robot, *(tuple(self.of(i.name).items()) for i in ITEMS), self.bin,
                tuple(self.inventory.items()))

    def without(self, items: Iterable[str] = (), kinds: Iterable[str] = (), cells: Iterable[Cell] = ()) -> Contents:
        """A copy with the named items, object kinds and cells removed (what a robot is unaware of).
        A store is emptied with the item it holds (no crumbs, no bin)."""
        items, kinds, cells = set(items), set(kinds), set(cells)
        kept: dict[str, dict] = {}
        for item in ITEMS:
            d = self.of(item.name)
            if item.name in items:
                kept[item.name] = {}
            elif item.tags:  # an object's kind is its first tag
                kept[item.name] = {k: v for k, v in d.items()
                                   if (item.name != "object" or k[2] not in kinds) and k[:2] not in cells}
            else:
                kept[item.name] = {c: v for c, v in d.items() if c not in cells}
        bin_ = 0 if STORE["bin"].holds in items else self.bin
        inventory = {} if STORE["inventory"].holds in items else {k: v for k, v in self.inventory.items()
                                                                   if k not in kinds}
        return Contents(robot=self.robot, bin=bin_, inventory=inventory, **kept)
