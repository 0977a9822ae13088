"""The words of the household: actions, items, surfaces, events, features.

Owns: every name the file format and the physics share, and the check of a feature's name.
The names of items, actions, events and quantities are those of the tables in
``pseudoalign.household``, in their order. Imports household; ``feature_problem`` imports
errors (for its guess) when it is called.
"""

from __future__ import annotations

from . import household as _h

#: Actions in their fixed order of preference for breaking ties.
ACTIONS: tuple[str, ...] = tuple(a.name for a in _h.ACTIONS)
ACTION_INDEX = {a: i for i, a in enumerate(ACTIONS)}
WAIT = ACTION_INDEX["wait"]
MOVES: dict[str, tuple[int, int]] = {a.name: a.step for a in _h.ACTIONS if a.step is not None}

SURFACES: tuple[str, ...] = ("floor", "table", "counter", "cupboard")
GLYPHS = {".": "floor", "T": "table", "=": "counter", "%": "cupboard", "R": "floor"}
WALL = "#"
START = "R"

ITEMS: tuple[str, ...] = tuple(i.name for i in _h.ITEMS)

#: Event features every step records (``event.pick.KIND`` and ``event.pick.COLOR`` come on top).
EVENTS: tuple[str, ...] = tuple(e.name for e in _h.EVENTS)
TAGGED_EVENTS: tuple[str, ...] = tuple(e.name for e in _h.EVENTS if e.tagged)

WHERE: tuple[str, ...] = ("table", "floor", "counter", "cupboard", "all")
QUANTITIES: tuple[str, ...] = tuple(q.name for q in _h.QUANTITIES)
#: the summed quantities each quantity is read from ('stained' reads 'stains', 'clean' 'stains' and 'crumbs')
QUANTITY_READS: dict[str, tuple[str, ...]] = {q: _h.reads(q) for q in QUANTITIES}
STORES: tuple[str, ...] = tuple(s.name for s in _h.STORES)
#: 1.1: what the cameras show of their watched surfaces: camera.stains, camera.stained,
#: camera.crumbs, camera.clean
CAMERA = "camera"
CAMERA_QUANTITIES: tuple[str, ...] = ("stains", "stained", "crumbs", "clean")

CONSTANT = "1"  # the internal name of a bare number in an expression

DEFAULT_CRUMBS_PER_COOKIE = 4


def feature_problem(name: str) -> str | None:
    """None when ``name`` is a feature of the format, else what is wrong with it (with a guess)."""
    from .errors import did_you_mean

    parts = name.split(".")
    if parts[0] == "event":
        if len(parts) == 2 and parts[1] in EVENTS:
            return None
        if len(parts) == 3 and parts[1] in TAGGED_EVENTS and parts[2]:
            return None
        guess = did_you_mean(name, [f"event.{e}" for e in EVENTS])
        return f"unknown event feature '{name}'" + (f"; {guess}" if guess else "")
    if len(parts) == 3 and parts[0] in WHERE and parts[1] == "objects" and parts[2]:
        return None  # 1.1: WHERE.objects.NAME, objects of a kind or colour lying there
    if len(parts) == 2:
        where, what = parts
        if where in WHERE and what in QUANTITIES:
            return None
        store = _h.STORE.get(where)
        if store is not None and (what in store.what if store.what else bool(what)):
            return None
        if where == "robot" and what in ("x", "y"):
            return None
        if where == CAMERA and what in CAMERA_QUANTITIES:
            return None
    known = [f"{w}.{q}" for w in WHERE for q in QUANTITIES]
    known += [f"{s.name}.{w}" for s in _h.STORES for w in s.what] + ["robot.x", "robot.y"]
    known += [f"{CAMERA}.{q}" for q in CAMERA_QUANTITIES]
    known += [f"event.{e}" for e in EVENTS]
    guess = did_you_mean(name, known)
    return f"unknown feature '{name}'" + (f"; {guess}" if guess else "")


def is_event(name: str) -> bool:
    return name.startswith("event.")
