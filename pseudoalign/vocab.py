"""The words of the household: actions, items, surfaces, events, features.

Owns: every name the file format and the physics share. Imports nothing.
"""

from __future__ import annotations

#: Actions in their fixed order of preference for breaking ties.
ACTIONS: tuple[str, ...] = (
    "wipe", "vacuum", "wash", "pick", "north", "east", "south", "west", "break", "spill", "wait",
)
ACTION_INDEX = {a: i for i, a in enumerate(ACTIONS)}
WAIT = ACTION_INDEX["wait"]
MOVES = {"north": (0, -1), "east": (1, 0), "south": (0, 1), "west": (-1, 0)}

SURFACES: tuple[str, ...] = ("floor", "table", "counter", "cupboard")
GLYPHS = {".": "floor", "T": "table", "=": "counter", "%": "cupboard", "R": "floor"}
WALL = "#"
START = "R"

ITEMS: tuple[str, ...] = ("stain", "crumb", "cookie", "mug", "dish", "object")

#: Event features every step records (``event.pick.KIND`` and ``event.pick.COLOR`` come on top).
EVENTS: tuple[str, ...] = (
    "wipe", "clean", "stain_removed", "vacuum", "crumbs_vacuumed", "break",
    "spill", "wash", "pick", "move", "bump", "wait",
)

WHERE: tuple[str, ...] = ("table", "floor", "counter", "cupboard", "all")
QUANTITIES: tuple[str, ...] = ("stains", "stained", "crumbs", "cookies", "coffee", "dishes", "objects", "clean")

CONSTANT = "1"  # the internal name of a bare number in an expression

DEFAULT_CRUMBS_PER_COOKIE = 4


def feature_problem(name: str) -> str | None:
    """None when ``name`` is a feature of the format, else what is wrong with it (with a guess)."""
    from .errors import did_you_mean

    parts = name.split(".")
    if parts[0] == "event":
        if len(parts) == 2 and parts[1] in EVENTS:
            return None
        if len(parts) == 3 and parts[1] == "pick" and parts[2]:
            return None
        guess = did_you_mean(name, [f"event.{e}" for e in EVENTS])
        return f"unknown event feature '{name}'" + (f"; {guess}" if guess else "")
    if len(parts) == 2:
        where, what = parts
        if where in WHERE and what in QUANTITIES:
            return None
        if where == "bin" and what == "crumbs":
            return None
        if where == "inventory" and what:
            return None
        if where == "robot" and what in ("x", "y"):
            return None
    known = [f"{w}.{q}" for w in WHERE for q in QUANTITIES] + ["bin.crumbs", "robot.x", "robot.y"]
    known += [f"event.{e}" for e in EVENTS]
    guess = did_you_mean(name, known)
    return f"unknown feature '{name}'" + (f"; {guess}" if guess else "")


def is_event(name: str) -> bool:
    return name.startswith("event.")
