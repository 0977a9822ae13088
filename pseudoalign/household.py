"""The household, declared once: every item, action, event, quantity and store of the format.

Owns: the tables ITEMS, ACTIONS, EVENTS, QUANTITIES and STORES (each in the format's order),
the rule of every action (one numpy kernel over a batch of states: ``world.env``'s scalar
and vectorised steppers both run ``apply``), the slots a world has and the quantities they
can reach (``lay_out``, from ``slot_cells`` and ``reachable``), and what the stores off the
map hold (``share``). Imports numpy and attrs only, nothing of the package. ``vocab`` takes its
names from here, ``world.env`` lays out states and steps with these rules,
``world.contents`` and ``world.draw`` lay items out by them, ``limits`` bounds with them,
the schema (``scenario.keys``, ``scenario.load``) and the map renderer (``cli.render``)
show them.

An item's behaviour is its ``Item`` (what it is, the slot it fills, how a map shows it, its
words) and the ``Action`` that acts on it (``acts_on``; what it ``takes``, ``makes`` and
``uses``; its events) with that action's rule. Adding an action is one ``Action``, its
``Event`` entries and, unless an existing rule does, one rule function below; adding an
item is one ``Item`` (and its field of ``world.contents.Contents``, which a test checks).

Every rule acts on the robot's cell only: it reads and changes the slots of that cell (and
the stores, which are derived), never another cell's. ``limits`` relies on it.

1.1: an action may be ``optional``: ``dump`` and ``drop`` exist only where ``[world] actions``
names them, ``cover`` only where a camera is placed (``has_actions``); an action that puts a
store back on the map names it in ``takes_from``, and ``lay_out`` then gives its kind a slot
on every cell an action can reach. The derived stores stay right: what is put back is on the
map again. ``BASIC`` are format 1's eleven actions, ``ADDABLE`` what ``[world] actions`` takes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any, NamedTuple, Protocol

import numpy as np
from attrs import frozen

# -- items ---------------------------------------------------------------------------------


@frozen
class Tag:
    """A key of a placement that tells apart units of one item on one cell (an object's kind)."""

    key: str
    doc: str  # the schema's words, e.g. "object kind"
    required: bool = False
    default: str | None = None
    example: str = ""  # for the error when a required tag is missing


@frozen
class Over:
    """How an item is drawn when another item lies under it on the same cell."""

    under: str  # the item beneath
    glyph: str
    style: str
    legend: str


@frozen
class Item:
    """Something that lies on a cell, ``units`` of it, placed by ``item = NAME``."""

    name: str
    slot: str  # the kind of slot its units fill (a mug's units are coffee)
    glyph: str  # on the map, followed by the count
    style: str  # rich style of the glyph
    rank: int  # of several items on a cell the map shows the lowest rank
    units: str  # what its units are, plural: the schema's and the map legend's words
    legend: str = ""  # the legend's words where they are not ``units``
    placed: str = "{n} {units}"  # a placement in words, n the units
    total: str = ""  # its word in the totals under a map
    always_total: bool = False  # shown in the totals even when there is none
    here: str = "{name} {n}"  # on the robot's cell, in words
    keep_empty: bool = False  # kept on its cell at 0 units (a mug, once empty)
    tags: tuple[Tag, ...] = ()  # placement keys that split its units into slots of their own
    over: Over | None = None
    fixed: bool = False  # placed on fixed cells only (``at`` or a legend glyph), one a cell, no units (1.1)
    off: Over | None = None  # how a map draws it at 0 units (a covered camera), when not as at 1
    off_here: str = ""  # on the robot's cell at 0 units, in words


ITEMS: tuple[Item, ...] = (
    Item("stain", "stain", "s", "bold red", rank=2, units="stain units", total="stain", always_total=True),
    Item("crumb", "crumb", ":", "bold yellow", rank=3, units="crumbs", total="crumbs", always_total=True),
    Item("cookie", "cookie", "c", "bold dark_orange", rank=1, units="cookies", total="cookies"),
    Item("mug", "coffee", "m", "bold blue", rank=0, units="coffee units", legend="mug (coffee units)",
         placed="a mug with {n} coffee units", total="coffee", here="mug with {n} coffee", keep_empty=True,
         over=Over("stain", "M", "bold white on red3", "mug on a stain")),
    Item("dish", "dish", "d", "bold cyan", rank=4, units="dishes", placed="{n} dirty dishes", total="dishes"),
    Item("object", "object", "o", "bold magenta", rank=5, units="objects", total="objects",
         tags=(Tag("kind", "object kind", required=True, example="soap"),
               Tag("color", "object colour", default="none"))),
    # 1.1: a camera on a fixed cell, 1 while it watches and 0 once covered; its tag is the
    # surface it watches (``camera.*`` features read that surface through it)
    Item("camera", "camera", "v", "bold green", rank=6, units="cameras", legend="camera watching",
         placed="a camera watching the", total="cameras watching", here="camera watching the {tag}",
         keep_empty=True, tags=(Tag("watches", "the surface a camera watches", required=True, example="table"),),
         fixed=True, off=Over("camera", "x", "bold grey50", "camera covered"), off_here="camera covered"),
)
ITEM: dict[str, Item] = {i.name: i for i in ITEMS}
SLOT_KINDS: tuple[str, ...] = tuple(i.slot for i in ITEMS)  # the order of slots in a state
ITEM_OF_SLOT: dict[str, Item] = {i.slot: i for i in ITEMS}


@frozen
class Store:
    """What the robot holds off the map, derived from the slots (matter is conserved): its
    amount is where it started plus the ``share`` of every unit gone from the map."""

    name: str  # a field of Contents and the feature's first word
    holds: str  # the item it holds
    what: tuple[str, ...] = ()  # its features' second words; empty: any tag value (inventory.KIND)


STORES: tuple[Store, ...] = (
    Store("bin", "crumb", ("crumbs",)),
    Store("inventory", "object"),
)
STORE: dict[str, Store] = {s.name: s for s in STORES}


# -- the batch a rule acts on -------------------------------------------------------------


class World(Protocol):
    """What a rule reads of the environment (``world.env.Env`` is one)."""

    @property
    def move(self) -> np.ndarray: ...  # move[p, column]: the cell a move leads to (blocked moves stay)

    @property
    def slots(self) -> Sequence[Any]: ...  # each with ``.tag`` (None, or e.g. an object's (kind, colour))

    @property
    def has(self) -> Mapping[str, bool]: ...  # slot kind -> whether any slot of it exists

    def gain(self, action: Action) -> int: ...


class Batch(NamedTuple):
    """A batch of n states as a rule sees them: the robot's cell and the slots on it."""

    pos: np.ndarray  # int64[n]: the robot's position index
    rows: np.ndarray  # arange(n)
    here: Mapping[str, np.ndarray]  # slot kind -> the slot on the robot's cell, -1 none (tagged: [n, w])
    value: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (slots, rows) -> their quantities
    store: Callable[[str, str | None, np.ndarray], np.ndarray]  # (store, tag value, rows) -> amounts
    # the events asked for (None: all): a rule may leave out the others (a move's, the taken ones)
    wants: frozenset[str] | None = None


Change = tuple[np.ndarray, np.ndarray, np.ndarray]  # (rows, slots, new quantities)
Outcome = tuple[np.ndarray, list[Change], dict[str, np.ndarray]]  # (positions, changes, events)


def _hit(b: Batch, r: np.ndarray) -> np.ndarray:
    hit = np.zeros(b.pos.shape[0], dtype=np.int64)
    hit[r] = 1
    return hit


# -- the rules: one per kind of action -------------------------------------------------------


def _move(w: World, act: Action, b: Batch) -> Outcome:
    pos2 = w.move[b.pos, _MOVE_COLUMN[act.name]]
    if b.wants is not None and act.hit not in b.wants and act.missed not in b.wants:
        return pos2, [], {}
    moved = (pos2 != b.pos).astype(np.int64)
    return pos2, [], {act.hit: moved, act.missed: 1 - moved}


def _take_all(w: World, act: Action, b: Batch) -> Outcome:
    """Every unit of ``acts_on`` on the robot's cell goes (wipe: away; vacuum: into the bin)."""
    s = b.here[act.acts_on]
    r = b.rows[s >= 0]
    gone = (r, s[r], np.zeros(r.size, dtype=np.int64))
    if b.wants is not None and act.hit not in b.wants and act.amount not in b.wants:
        return b.pos, [gone], {}
    amount = np.zeros(b.pos.shape[0], dtype=np.int64)
    amount[r] = b.value(s[r], r)
    return b.pos, [gone], {act.hit: (amount > 0).astype(np.int64), act.amount: amount}


def _turn_into(w: World, act: Action, b: Batch) -> Outcome:
    """One unit of ``acts_on`` becomes ``gain`` units of ``makes`` on the same cell (none where
    ``makes`` does not exist in this world)."""
    s = b.here[act.acts_on]
    r = b.rows[s >= 0]
    have = b.value(s[r], r)
    r, have = r[have > 0], have[have > 0]
    d = b.here[act.makes][r]
    made = d >= 0
    changes = [(r, s[r], have - 1), (r[made], d[made], b.value(d[made], r[made]) + w.gain(act))]
    return b.pos, changes, {act.hit: _hit(b, r)} if b.wants is None or act.hit in b.wants else {}


def _use_up(w: World, act: Action, b: Batch) -> Outcome:
    """One unit of ``acts_on`` goes, using up one carried object of kind ``uses``."""
    s = b.here[act.acts_on]
    r = b.rows[s >= 0]
    changes: list[Change] = []
    if r.size:
        r = r[b.store("inventory", KIND + act.uses, r) > 0]
        have = b.value(s[r], r)
        r, have = r[have > 0], have[have > 0]
        changes.append((r, s[r], have - 1))
    return b.pos, changes, {act.hit: _hit(b, r)}


def _first_tagged(w: World, act: Action, b: Batch, cand: np.ndarray, ok: np.ndarray, delta: int) -> Outcome:
    """In each state, the first candidate slot (in tag order) that ``ok`` allows changes by
    ``delta`` (pick: -1, drop: +1); the events count it, and name its tag values too."""
    any_ = ok.any(axis=1)
    r = b.rows[any_]
    sl = cand[r, np.argmax(ok, axis=1)[any_]]
    ev: dict[str, Any] = {act.hit: _hit(b, r)}
    for i in np.flatnonzero(np.bincount(sl)).tolist():  # the slots picked, sorted (np.unique imports numpy.ma)
        got = np.zeros(b.pos.shape[0], dtype=np.int64)
        got[r[sl == i]] = 1
        for nm in {f"{act.hit}.{t}" for t in w.slots[i].tag}:
            ev[nm] = ev.get(nm, 0) + got
    return b.pos, [(r, sl, b.value(sl, r) + delta)], ev


def _pick(w: World, act: Action, b: Batch) -> Outcome:
    """One unit of the first tagged slot (by tag) holding some goes into the inventory; the
    events name its tag values too."""
    cand = b.here[act.acts_on]  # [n, w], -1 padded, in tag order
    rows = b.rows
    present = np.zeros(cand.shape, dtype=bool)
    for j in range(cand.shape[1]):
        r = rows[cand[:, j] >= 0]
        present[r, j] = b.value(cand[r, j], r) > 0
    return _first_tagged(w, act, b, cand, present, -1)


def _cover(w: World, act: Action, b: Batch) -> Outcome:
    """The ``acts_on`` slot on the robot's cell (one at most: a camera) goes from 1 to 0."""
    s = b.here[act.acts_on][:, 0]
    r = b.rows[s >= 0]
    r = r[b.value(s[r], r) > 0]
    return b.pos, [(r, s[r], np.zeros(r.size, dtype=np.int64))], {act.hit: _hit(b, r)}


def _dump(w: World, act: Action, b: Batch) -> Outcome:
    """Everything in the store ``takes_from`` goes onto the robot's cell as ``makes`` (the bin's
    crumbs onto the floor): the derived store is then empty."""
    s = b.here[act.makes]
    r = b.rows[s >= 0]
    amount = np.zeros(b.pos.shape[0], dtype=np.int64)
    if r.size:
        held = b.store(act.takes_from, None, r)
        r, held = r[held > 0], held[held > 0]
        amount[r] = held
    return b.pos, [(r, s[r], b.value(s[r], r) + amount[r])], {act.hit: (amount > 0).astype(np.int64),
                                                             act.amount: amount}


def _drop(w: World, act: Action, b: Batch) -> Outcome:
    """One carried unit goes back onto the robot's cell: of the tagged slots there (in tag
    order: kind, then colour), the first whose tag the store ``takes_from`` holds some of
    (``takes_from`` by kind, and the units of that very tag gone from the map); the events
    name its tag values too."""
    cand = b.here[act.makes]  # [n, w], -1 padded, in tag order
    rows = b.rows
    ok = np.zeros(cand.shape, dtype=bool)
    for j in range(cand.shape[1]):
        r = rows[cand[:, j] >= 0]
        if not r.size:
            continue
        tags = {w.slots[i].tag for i in np.flatnonzero(np.bincount(cand[r, j])).tolist()}
        for tag in tags:
            rt = r[np.array([w.slots[i].tag == tag for i in cand[r, j].tolist()], dtype=bool)]
            ok[rt, j] = (b.store(act.takes_from, KIND + tag[0], rt) > 0) & (b.store(act.takes_from, tag, rt) > 0)
    return _first_tagged(w, act, b, cand, ok, +1)


def _nothing(w: World, act: Action, b: Batch) -> Outcome:
    return b.pos, [], {}


# -- actions -------------------------------------------------------------------------------


@frozen
class Action:
    """One action of the robot. Its place in ACTIONS is its rank when breaking ties."""

    name: str
    rule: Callable[[World, Action, Batch], Outcome]
    acts_on: str = ""  # the slot kind it needs on the robot's cell: without any, it does nothing
    takes: int | None = None  # units of acts_on it takes a step; None: all of them
    makes: str = ""  # the slot kind it leaves on that cell
    gain: int | str = 1  # units of makes per unit taken, or the [world] key that says how many
    uses: str = ""  # a carried object kind it uses up, one per unit taken
    step: tuple[int, int] | None = None  # a move: (dx, dy)
    taken: str = ""  # the event counted whenever it is taken
    hit: str = ""  # the event counted when it acts (a tagged slot: also HIT.TAG for each tag value)
    amount: str = ""  # the event counting the units it moved
    missed: str = ""  # the event counted when it could not act (a move into a wall)
    takes_from: str = ""  # a store it puts back on the map as units of ``makes`` (1.1: dump, drop)
    optional: str = ""  # "world": only where ``[world] actions`` names it; "item": only where its item is placed
    # (an empty name: none). The fields say what the rule does: reachable(), share() and
    # the state bounds read them, so a rule and its declaration must agree (tests/test_invariants.py).


ACTIONS: tuple[Action, ...] = (
    Action("wipe", _take_all, acts_on="stain", taken="wipe", hit="clean", amount="stain_removed"),
    Action("vacuum", _take_all, acts_on="crumb", hit="vacuum", amount="crumbs_vacuumed"),
    Action("wash", _use_up, acts_on="dish", takes=1, uses="soap", hit="wash"),
    Action("pick", _pick, acts_on="object", takes=1, hit="pick"),
    Action("north", _move, step=(0, -1), hit="move", missed="bump"),
    Action("east", _move, step=(1, 0), hit="move", missed="bump"),
    Action("south", _move, step=(0, 1), hit="move", missed="bump"),
    Action("west", _move, step=(-1, 0), hit="move", missed="bump"),
    Action("break", _turn_into, acts_on="cookie", takes=1, makes="crumb", gain="crumbs_per_cookie", hit="break"),
    Action("spill", _turn_into, acts_on="coffee", takes=1, makes="stain", gain=1, hit="spill"),
    Action("dump", _dump, makes="crumb", takes_from="bin", hit="dump", amount="crumbs_dumped", optional="world"),
    Action("drop", _drop, makes="object", takes=1, takes_from="inventory", hit="drop", optional="world"),
    Action("cover", _cover, acts_on="camera", hit="cover", optional="item"),
    Action("wait", _nothing, taken="wait"),
)
ACTION: dict[str, Action] = {a.name: a for a in ACTIONS}
#: the actions every robot has (format 1's eleven), and those a world may add with ``[world] actions``
BASIC: tuple[str, ...] = tuple(a.name for a in ACTIONS if not a.optional)
ADDABLE: tuple[str, ...] = tuple(a.name for a in ACTIONS if a.optional == "world")


def has_actions(added: Sequence[str], items: Sequence[str]) -> tuple[bool, ...]:
    """Which of ACTIONS a robot has in a world that adds ``added`` and places ``items``."""
    return tuple(not a.optional or (a.name in added if a.optional == "world" else a.acts_on in
                                     {ITEM[i].slot for i in items}) for a in ACTIONS)
_MOVE_COLUMN = {a.name: j for j, a in enumerate(a for a in ACTIONS if a.step)}  # columns of World.move


def inert(act: Action, has: Mapping[str, bool]) -> bool:
    """Whether ``act`` leaves every state as it is in a world whose slot kinds are ``has``: it
    does nothing (wait), or it needs a slot kind the world has none of (``apply``); its only
    event is then ``taken``."""
    return act.rule is _nothing or bool(act.acts_on and not has[act.acts_on])


def apply(w: World, act: Action, b: Batch) -> Outcome:
    """The physics of one action on a batch: (positions after, changes, events).

    An action that needs a slot kind this world has none of does nothing (its ``taken``
    event still counts: a wipe is still a wipe)."""
    changes: list[Change]
    ev: dict[str, np.ndarray]
    if act.acts_on and not w.has[act.acts_on]:
        pos2, changes, ev = b.pos, [], {}
    else:
        pos2, changes, ev = act.rule(w, act, b)
    if act.taken and (b.wants is None or act.taken in b.wants):
        ev[act.taken] = np.ones(b.pos.shape[0], dtype=np.int64)
    return pos2, changes, ev


# -- events ----------------------------------------------------------------------------------


@frozen
class Event:
    name: str  # the feature is event.NAME
    when: str  # what it counts
    tagged: bool = False  # also event.NAME.KIND and event.NAME.COLOR


EVENTS: tuple[Event, ...] = (
    Event("wipe", "wipe is taken (1)"),
    Event("clean", "a wipe removed at least one stain unit (1)"),
    Event("stain_removed", "the stain units a wipe removed"),
    Event("vacuum", "a vacuum moved at least one crumb (1)"),
    Event("crumbs_vacuumed", "the crumbs a vacuum moved into the bin"),
    Event("break", "a cookie was broken (1)"),
    Event("spill", "a coffee unit was spilt (1)"),
    Event("wash", "a dish was washed (1)"),
    Event("pick", "an object was picked up (1)", tagged=True),
    Event("move", "the robot changed cell (1)"),
    Event("bump", "a move was blocked by a wall (1)"),
    Event("wait", "wait is taken (1)"),
    Event("cover", "a camera was covered (1)"),
    Event("dump", "a dump put at least one crumb back on the map (1)"),
    Event("crumbs_dumped", "the crumbs a dump put back on the map"),
    Event("drop", "an object was put down (1)", tagged=True),
)


# -- level quantities ------------------------------------------------------------------------


@frozen
class Quantity:
    """The QUANTITY of a level feature WHERE.QUANTITY: read from the slots of some kinds on
    the cells of WHERE."""

    name: str
    of: tuple[str, ...]  # slot kinds
    how: str  # "sum": their units; "cells": cells holding some; "none": 1 when there is none, else 0


QUANTITIES: tuple[Quantity, ...] = (
    Quantity("stains", ("stain",), "sum"),
    Quantity("stained", ("stain",), "cells"),
    Quantity("crumbs", ("crumb",), "sum"),
    Quantity("cookies", ("cookie",), "sum"),
    Quantity("coffee", ("coffee",), "sum"),
    Quantity("dishes", ("dish",), "sum"),
    Quantity("objects", ("object",), "sum"),
    Quantity("clean", ("stain", "crumb"), "none"),
)
QUANTITY: dict[str, Quantity] = {q.name: q for q in QUANTITIES}
_SUM_OF = {q.of[0]: q.name for q in QUANTITIES if q.how == "sum"}


def reads(quantity: str) -> tuple[str, ...]:
    """The summed quantities a quantity is read from: ``stained`` reads ``stains``, ``clean``
    reads ``stains`` and ``crumbs``."""
    return tuple(_SUM_OF[k] for k in QUANTITY[quantity].of)


# -- what the rules make reachable, and what the stores hold ---------------------------------


def sources(kind: str) -> tuple[str, ...]:
    """The slot kinds whose units some action turns into units of ``kind`` on their cell."""
    return tuple(a.acts_on for a in ACTIONS if a.makes == kind and a.acts_on)


def slot_cells(kind: str, held: Mapping[str, Mapping]) -> set:
    """The cells where a slot of ``kind`` exists, ``held`` being slot kind -> cell -> units:
    where it lies, and where an action can make it of what lies there (stain where a mug is)."""
    return set(held.get(kind, ())).union(*(held[k] for k in sources(kind) if k in held))


@cache
def _acting(kind: str) -> tuple[bool, bool, tuple[Action, ...]]:
    """(an action takes all of ``kind``, an action takes it unit by unit, the actions making it)."""
    return (any(a.acts_on == kind and a.takes is None for a in ACTIONS),
            any(a.acts_on == kind and a.takes is not None for a in ACTIONS),
            tuple(a for a in ACTIONS if a.makes == kind and a.acts_on))


def reachable(kind: str, here: Mapping[str, int], depth: int | None, gain: Callable[[Action], int]) -> tuple[int, ...]:
    """The quantities a slot of ``kind`` can hold, its cell starting with ``here`` (slot kind ->
    units): its start, or 0 after an action that takes all of it, less what actions taking
    units one at a time took, plus what actions made of the cell's other units. With
    ``depth``, only what that many steps reach (each changes one slot by one unit, or sets
    it to 0)."""

    def steps(n: int) -> range:  # how many times a unit can go, within the depth
        return range(min(n, depth) + 1 if depth is not None else n + 1)

    takes_all, takes_one, makers = _acting(kind)
    start = here.get(kind, 0)
    if not makers:  # the common cases, quickly
        if takes_one:
            return tuple(range(start + 1 - len(steps(start)), start + 1))
        return (0, start) if takes_all and start else (start,)
    bases = (start, 0) if takes_all else (start,)
    down: Sequence[int] = steps(start) if takes_one else (0,)
    made = {0}
    for a in makers:
        g = gain(a)
        made = {m + g * j for m in made for j in steps(here.get(a.acts_on, 0))}
    return tuple(sorted({b - d + m for b in bases for d in down for m in made if b - d >= 0}))


def lay_out(held: Mapping[str, Mapping[tuple, int]], depth: int | None, gain: Callable[[Action], int],
            make: Callable[[str, tuple[int, int], tuple[str, ...] | None, tuple[int, ...], int], Any],
            cells: Sequence[tuple[int, int]] = (), actions: Sequence[str] = (),
            stores: Mapping[str, Any] | None = None) -> list:
    """The slots of a world whose items are ``held`` (slot kind -> cell, or (x, y, *tag) for a
    tagged item -> units), in the order of a state: by kind (SLOT_KINDS), then cell, then
    tag. Each is ``make(kind, cell, tag, values, start)``, tag None for untagged kinds,
    values what ``reachable`` says within ``depth`` steps.

    Where one of ``actions`` (the world's optional ones) puts a store back on the map
    (``takes_from``: dump, drop), its kind has a slot where it lies and on every one of ``cells``
    (the cells an action can act on; of every tag
    that lies somewhere or is carried, for a tagged kind), holding anything from 0 to all there
    is of it, ``stores`` (store name -> what it holds at the start) included."""
    slots = []
    back = {a.makes: a.takes_from for a in ACTIONS if a.takes_from and a.name in actions}
    stores = stores or {}
    for item in ITEMS:
        kind = item.slot
        if kind not in held:
            continue
        reach: dict[tuple[int, ...], tuple[int, ...]] = {}  # the values of a start, computed once
        if kind in back:  # put back anywhere: every cell, any amount up to all of it
            if item.tags:
                totals: dict[tuple, int] = {}
                for key, n in held[kind].items():
                    totals[key[2:]] = totals.get(key[2:], 0) + n
                for k, n in dict(stores.get(back[kind]) or {}).items():  # carried from the start: colour none
                    tag = (k,) + tuple(t.default or "" for t in item.tags[1:])
                    totals[tag] = totals.get(tag, 0) + n
                keys = sorted({c + t for c in cells for t, n in totals.items() if n} | set(held[kind]))
                for key in keys:
                    slots.append(make(kind, key[:2], key[2:], tuple(range(totals[key[2:]] + 1)),
                                      held[kind].get(key, 0)))
                continue
            total = int(stores.get(back[kind]) or 0) + sum(held[kind].values()) + sum(
                gain(a) * sum(held.get(a.acts_on, {}).values()) for a in ACTIONS if a.makes == kind and a.acts_on)
            if total:
                for cell in sorted(set(cells) | slot_cells(kind, held)):
                    slots.append(make(kind, cell, None, tuple(range(total + 1)), held[kind].get(cell, 0)))
                continue
        if item.tags:  # a slot per cell and tag
            for key, n in sorted(held[kind].items()):
                if (n,) not in reach:
                    reach[(n,)] = reachable(kind, {kind: n}, depth, gain)
                slots.append(make(kind, key[:2], key[2:], reach[(n,)], n))
            continue
        srcs = tuple(k for k in sources(kind) if k in held)
        mine = held[kind]
        for cell in sorted(slot_cells(kind, held)):
            start = (mine.get(cell, 0),) + tuple(held[k].get(cell, 0) for k in srcs)
            if start not in reach:
                reach[start] = reachable(kind, dict(zip((kind,) + srcs, start)), depth, gain)
            slots.append(make(kind, cell, None, reach[start], start[0]))
    return slots


#: A store key read by kind only: ``KIND + "soap"`` is carried soaps, while ``"soap"`` (a
#: feature's NAME, format 1.1) is carried objects whose kind or colour is soap.
KIND = "kind:"


def share(store: Store, kind: str, tag: tuple[str, ...] | None, key: str | tuple[str, ...] | None, gain: Callable[[Action], int]) -> int:
    """How much ``store`` holds for each unit of a slot (of ``kind`` and ``tag``) gone from the
    map: 1 for its own item (a crumb vacuumed is in the bin, an object picked in the
    inventory, of its kind ``key``), ``gain`` times the share of what an action turns a unit
    into (a cookie is crumbs_per_cookie crumbs), and -1 of a carried kind for a unit whose
    taking uses one up (each dish washed uses up a soap)."""
    item = ITEM[store.holds]
    if kind == item.slot:
        if not item.tags:
            return 1
        if isinstance(key, tuple):  # one whole tag (kind, colour): what drop puts back (1.1)
            return 1 if tag == key else 0
        if key is not None and key.startswith(KIND):  # by kind only (what a rule uses up, Contents)
            return 1 if tag is not None and tag[0] == key[len(KIND):] else 0
        return 1 if tag is not None and key in tag else 0  # a feature's NAME: a kind or a colour (1.1)
    total = 0
    for a in ACTIONS:
        if a.acts_on != kind:
            continue
        if a.makes and a.takes == 1:
            total += gain(a) * share(store, a.makes, None, key, gain)
        if item.tags and a.uses and key in (a.uses, KIND + a.uses):
            total -= 1
    return total
