"""What lies where: the full state of a household as plain values, for drawing, replays
and the robot's model of the world.

Owns: Contents (frozen). Imports vocab only.
"""

from __future__ import annotations

from attrs import field, frozen

Cell = tuple[int, int]


def _sorted(d) -> dict:
    return dict(sorted(dict(d).items()))


def _nonzero(d) -> dict:
    return {k: v for k, v in sorted(dict(d).items()) if v}


@frozen
class Contents:
    """Every quantity of one state. Mugs are kept even when empty; other zero entries are dropped."""

    robot: Cell
    stain: dict = field(factory=dict, converter=_nonzero)
    crumb: dict = field(factory=dict, converter=_nonzero)
    cookie: dict = field(factory=dict, converter=_nonzero)
    mug: dict = field(factory=dict, converter=_sorted)  # cell -> coffee units (an empty mug stays)
    dish: dict = field(factory=dict, converter=_nonzero)
    object: dict = field(factory=dict, converter=_nonzero)  # (x, y, kind, color) -> n
    bin: int = 0
    inventory: dict = field(factory=dict, converter=_nonzero)  # kind -> n

    def key(self) -> tuple:
        return (self.robot, tuple(self.stain.items()), tuple(self.crumb.items()), tuple(self.cookie.items()),
                tuple(self.mug.items()), tuple(self.dish.items()), tuple(self.object.items()), self.bin,
                tuple(self.inventory.items()))

    def without(self, items=(), kinds=(), cells=()) -> "Contents":
        """A copy with the named items, object kinds and cells removed (what a robot is unaware of)."""
        items, kinds, cells = set(items), set(kinds), set(cells)

        def keep(d, name):
            return {} if name in items else {c: v for c, v in d.items() if c not in cells}

        objects = {} if "object" in items else {
            k: v for k, v in self.object.items() if k[2] not in kinds and (k[0], k[1]) not in cells}
        return Contents(
            robot=self.robot,
            stain=keep(self.stain, "stain"),
            crumb=keep(self.crumb, "crumb"),
            cookie=keep(self.cookie, "cookie"),
            mug=keep(self.mug, "mug"),
            dish=keep(self.dish, "dish"),
            object=objects,
            bin=0 if "crumb" in items else self.bin,
            inventory={} if "object" in items else {k: v for k, v in self.inventory.items() if k not in kinds},
        )
