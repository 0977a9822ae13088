"""One environment: a map and what lies on it, compiled to arrays, and the machinery of the physics.

Owns: the state encoding of an environment (an int64 code per state, over the slots that
``household.lay_out`` gives its items), the two steppers (``step`` on rows of quantities, for
replays and tests; ``transitions`` on state codes, for planning: both run
``household.apply``, so there is one physics), the stores derived from the slots, and the
features read from states (``level``, on decoded states; ``level_reader``, the same figures
read from codes, only the slots a feature reads). What each item and action is, what acts on what and what it
leaves, is declared in ``pseudoalign.household``, not here. Imports household, vocab, contents.

A state is the robot's position and one quantity per *slot*; a slot is a (cell, quantity)
that can be non-zero in this environment: a cell's units of one slot kind (household.SLOT_KINDS:
stain, crumb, cookie, coffee, dish, object, camera), where that item lies or where an action can
make it from what lies there (a spill makes stain where a mug is); objects have a slot per kind and
colour, cameras one holding 1 while watching and 0 once covered. Where the world adds dump
(drop), crumbs (objects) have a slot on every cell. Items never appear on other cells, so those slots are all the state there is. The
bin and the inventory are derived from the slots (matter is conserved).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from typing import NamedTuple

import numpy as np

from ..household import ACTIONS as _ACTIONS
from ..household import (
    ITEM,
    ITEM_OF_SLOT,
    ITEMS,
    KIND,
    QUANTITY,
    SLOT_KINDS,
    STORE,
    STORES,
    Action,
    Batch,
    apply,
    has_actions,
    inert,
    lay_out,
    share,
)
from ..vocab import ACTIONS, CONSTANT, MOVES, SURFACES
from .contents import Cell, Contents

A = len(ACTIONS)

Events = dict[str, np.ndarray]


class Slot(NamedTuple):
    """One quantity of a state: ``kind``'s units on ``cell`` (of one ``tag``, for tagged items
    such as objects: (kind, colour)), one of ``values``, ``start`` in the environment's start."""

    kind: str
    cell: Cell
    tag: tuple[str, ...] | None
    values: tuple[int, ...]
    start: int


class _Here(dict[str, np.ndarray]):
    """kind -> the slot of that kind on the robot's cell in each state of a batch, read from
    ``here_at`` when a rule first asks for the kind (most rules read one or two)."""

    def __init__(self, here_at: Mapping[str, np.ndarray], pos: np.ndarray) -> None:
        super().__init__()
        self._at = here_at
        self._pos = pos

    def __missing__(self, kind: str) -> np.ndarray:
        got = self[kind] = self._at[kind][self._pos]
        return got


class Env:
    """A compiled environment. ``surface[y, x]`` is an index into SURFACES or -1 for a wall."""

    def __init__(self, surface: np.ndarray, contents: Contents, crumbs_per_cookie: int, depth: int | None = None,
                 absent: frozenset[str] = frozenset(), actions: tuple[str, ...] = ()):
        """``depth``, when given, is how many steps will be taken from ``contents``: a slot then
        holds only the quantities that many steps can reach (each step changes one by one unit,
        or resets it to 0), however large the quantities are. ``absent`` names items that do not
        exist in this world (a robot's model of what it is unaware of): they are never made,
        so a break leaves no crumbs when crumbs are absent and a spill no stain when stains are.
        ``actions`` are the ones ``[world] actions`` adds (1.1: dump, drop); ``acts[a]`` says
        which of ACTIONS the robot has here (cover where a camera is placed): the others are
        never taken, and step as waiting does without its event (they cost no planning)."""
        self.surface = np.asarray(surface, dtype=np.int8)
        self.contents = contents
        self.cpc = int(crumbs_per_cookie)
        self.settings = {"crumbs_per_cookie": self.cpc}  # the [world] keys an action's gain may name
        self.depth = depth
        self.absent = frozenset(absent)
        h, w = self.surface.shape
        ys, xs = np.nonzero(self.surface >= 0)
        self.cells: list[Cell] = list(zip(xs.tolist(), ys.tolist()))  # row-major: y then x
        self.P = len(self.cells)
        index = np.full((h, w), -1, dtype=np.int64)
        index[ys, xs] = np.arange(self.P)
        self.pos_of = index
        self.pos_x = xs.astype(np.int64)
        self.pos_y = ys.astype(np.int64)
        self.pos_surface = self.surface[ys, xs].astype(np.int64)
        # moves: move[p, d] for d in north, east, south, west; blocked moves stay
        move = np.empty((self.P, len(MOVES)), dtype=np.int64)
        for d, (dx, dy) in enumerate(MOVES.values()):
            nx, ny = xs + dx, ys + dy
            ok = (nx >= 0) & (nx < w) & (ny >= 0) & (ny < h)
            tgt = np.full(self.P, -1, dtype=np.int64)
            tgt[ok] = index[ny[ok], nx[ok]]
            move[:, d] = np.where(tgt >= 0, tgt, np.arange(self.P))
        self.move = move
        self.actions = tuple(actions)
        placed = [i.name for i in ITEMS if i.name not in self.absent and contents.of(i.name)]
        self.acts = np.array(has_actions(self.actions, placed), dtype=bool)
        self._build_slots(contents)

    def gain(self, action: Action) -> int:
        """Units of what ``action`` makes per unit it takes, in this world."""
        return action.gain if isinstance(action.gain, int) else int(self.settings[action.gain])

    # -- slots and encoding ----------------------------------------------------------------
    def _build_slots(self, c: Contents) -> None:
        held = {i.slot: c.of(i.name) for i in ITEMS if i.name not in self.absent}  # slot kind -> key -> units
        slots: list[Slot] = lay_out(held, self.depth, self.gain, Slot, self._acted_on(c),
                                    [a for a, has in zip(ACTIONS, self.acts) if has],
                                    {st.name: getattr(c, st.name) for st in STORES})
        for s in slots:
            if self.pos_of[s.cell[1], s.cell[0]] < 0:
                raise ValueError(f"{s.kind} at {s.cell} lies on a wall")
        self.slots = slots
        S = self.S = len(slots)
        self.slot_kind = np.array([SLOT_KINDS.index(s.kind) for s in slots], dtype=np.int64)
        self.slot_pos = np.array([self.pos_of[s.cell[1], s.cell[0]] for s in slots], dtype=np.int64)
        self.slot_surface = self.pos_surface[self.slot_pos] if S else np.zeros(0, dtype=np.int64)
        radix = np.array([len(s.values) for s in slots], dtype=np.int64)
        self.radix = radix
        self.space = float(self.P) * float(np.prod(radix.astype(float))) if S else float(self.P)
        self.strides: np.ndarray | None
        if self.space >= 2.0 ** 62:
            self.strides = None  # too large to encode: the caller refuses it first
        else:
            strides = np.ones(S, dtype=np.int64)
            for i in range(1, S):
                strides[i] = strides[i - 1] * radix[i - 1]
            self.strides = strides * self.P
        vmax = int(radix.max()) if S else 1
        self.vals = np.zeros((S, vmax), dtype=np.int64)
        for i, s in enumerate(slots):
            self.vals[i, :len(s.values)] = s.values
        # quantity -> index of a slot's value: one sorted table of (slot, quantity) keys
        self._key_base = max((max(s.values) for s in slots), default=0) + 1
        self._keys = np.concatenate([i * self._key_base + np.asarray(s.values, dtype=np.int64)
                                     for i, s in enumerate(slots)]) if S else np.zeros(0, dtype=np.int64)
        self._key_start = np.cumsum([0] + [len(s.values) for s in slots])[:-1].astype(np.int64)
        self.q0 = np.array([s.start for s in slots], dtype=np.int64)
        # the slot of each kind on each cell, -1 where none (tagged kinds: [P, w], in tag order)
        of_kind: dict[str, list[int]] = {k: [] for k in SLOT_KINDS}
        for i, s in enumerate(slots):
            of_kind[s.kind].append(i)
        self.here_at: dict[str, np.ndarray] = {}
        for item in ITEMS:
            of_item = of_kind[item.slot]
            if not item.tags:
                at = np.full(self.P, -1, dtype=np.int64)
                for i in of_item:
                    at[self.slot_pos[i]] = i
            else:
                per_pos: dict[int, list[int]] = {}
                for i in of_item:
                    per_pos.setdefault(int(self.slot_pos[i]), []).append(i)
                width = max((len(v) for v in per_pos.values()), default=0)
                at = np.full((self.P, max(width, 1)), -1, dtype=np.int64)
                for p, lst in per_pos.items():
                    lst.sort(key=lambda i: slots[i].tag or ())
                    at[p, :len(lst)] = lst
            self.here_at[item.slot] = at
        self.has = {k: bool(of_kind[k]) for k in SLOT_KINDS}
        carried = ITEM[STORE["inventory"].holds].slot
        self.obj_kinds = sorted({s.tag[0] for s in slots if s.kind == carried and s.tag} | set(c.inventory))
        # the stores at the start, for the derived bin and inventory
        self.bin0 = c.bin
        self.inv0 = dict(c.inventory)
        self.stores0: dict[str, int | dict[str, int]] = {st.name: getattr(c, st.name) for st in STORES}
        self._forms: dict[tuple[str, str | tuple[str, ...] | None], tuple[int, np.ndarray, list[tuple[int, int]]]] = {}
        self.start_pos = int(self.pos_of[c.robot[1], c.robot[0]])
        if self.start_pos < 0:
            raise ValueError(f"the robot stands on a wall at {c.robot}")

    def _acted_on(self, c: Contents) -> list[Cell]:
        """The cells an action can act on within ``depth`` steps (those within ``depth - 1`` moves
        of the robot's start; every cell without a depth): where dump and drop may put things."""
        start = int(self.pos_of[c.robot[1], c.robot[0]])
        if self.depth is None or start < 0:
            return list(self.cells)
        seen = np.zeros(self.P, dtype=bool)
        seen[start] = True
        frontier = np.array([start])
        reached = np.zeros(self.P, dtype=bool)
        for _ in range(max(self.depth - 1, 0)):
            reached[:] = False
            reached[self.move[frontier].ravel()] = True
            frontier = np.nonzero(reached & ~seen)[0]  # sorted, once each (np.unique imports numpy.ma: 20 ms)
            if not frontier.size:
                break
            seen[frontier] = True
        return [self.cells[p] for p in np.nonzero(seen)[0].tolist()]

    def mask(self, kind: str) -> np.ndarray:
        """bool[S]: the slots of one slot kind."""
        return self.slot_kind == SLOT_KINDS.index(kind)

    @cached_property
    def start_code(self) -> int:
        return int(self.encode(np.array([self.start_pos]), self.q0[None, :])[0])

    def encode(self, pos: np.ndarray, q: np.ndarray) -> np.ndarray:
        """pos[n], q[n, S] quantities -> codes[n] (int64). Quantities must be reachable ones."""
        assert self.strides is not None, "a state space too large to encode"
        code = pos.astype(np.int64, copy=True)
        for i in range(self.S):
            code += self.value_index(np.full(q.shape[0], i), q[:, i]) * self.strides[i]
        return code

    #: The most entries of the direct table of value indices (``value_index``): 512 KiB, as a
    #: process keeps its recent Envs (engine.episode_env)
    VALUE_TABLE = 1 << 16

    @cached_property
    def _value_table(self) -> np.ndarray | None:
        """index[slot * _key_base + quantity]: the index of each value of each slot (-1 for a
        quantity that is not one), or None where the table would be over VALUE_TABLE entries."""
        if self.S * self._key_base > self.VALUE_TABLE:
            return None
        table = np.full(self.S * self._key_base, -1, dtype=np.int64)
        table[self._keys] = np.arange(self._keys.size, dtype=np.int64) - np.repeat(
            self._key_start, np.diff(np.append(self._key_start, self._keys.size)))
        return table

    def value_index(self, slot: np.ndarray, quantity: np.ndarray) -> np.ndarray:
        """The index of each quantity among its slot's values (the quantities must be values of it)."""
        table = self._value_table
        if table is not None:
            return table[slot * self._key_base + quantity]
        return np.searchsorted(self._keys, slot * self._key_base + quantity) - self._key_start[slot]

    def is_value(self, slot: int, quantity: int) -> bool:
        if quantity < 0 or quantity >= self._key_base:
            return False
        at = int(np.searchsorted(self._keys, slot * self._key_base + quantity))
        return at < self._keys.size and int(self._keys[at]) == slot * self._key_base + quantity

    def pos_of_codes(self, code: np.ndarray) -> list[int]:
        """The robot's position index in each state code."""
        return (np.asarray(code, dtype=np.int64) % self.P).tolist()

    def decode(self, code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """codes[n] -> pos[n], q[n, S]. The quantities are filled slot by slot into rows of a
        (S, n) array and returned as its transpose: each slot a contiguous write, not a stride."""
        code = np.asarray(code, dtype=np.int64)
        rest, pos = np.divmod(code, self.P)
        qt = np.empty((self.S, code.shape[0]), dtype=np.int64)
        for i in range(self.S):
            r = int(self.radix[i])
            if r & (r - 1) == 0:  # a power of two (most slots are empty-or-not): bits, not division
                digit, rest = rest & (r - 1), rest >> (r.bit_length() - 1)
            else:
                rest, digit = np.divmod(rest, r)
            np.take(self.vals[i], digit, out=qt[i])
        return pos, qt.T

    def _sum_over(self, q: np.ndarray, sel: np.ndarray) -> np.ndarray:
        """The sum of the quantities of the slots selected by bool[S] ``sel``, per state -> int64[n]."""
        return q @ sel.astype(np.int64)

    # -- the stores, derived ---------------------------------------------------------------
    def _form(self, store: str, key: str | tuple[str, ...] | None = None) -> tuple[int, np.ndarray, list[tuple[int, int]]]:
        """A store's amount is linear in the slots: ``const - q @ weights``, weights[S] the
        store's share of each slot's units (household.share) and const what it would hold
        with every slot at 0. Also the non-zero weights as (slot, weight)."""
        form = self._forms.get((store, key))
        if form is None:
            w = np.array([share(STORE[store], s.kind, s.tag, key, self.gain) for s in self.slots], dtype=np.int64)
            start = self.stores0[store]
            if isinstance(key, tuple):  # one whole tag: the starting inventory is by kind, of colour none
                plain = key[0] if key[1:] == ("none",) else None
            else:
                plain = key[len(KIND):] if key is not None and key.startswith(KIND) else key
            held = (start.get(plain, 0) if plain is not None else 0) if isinstance(start, dict) else start
            nonzero = [(i, int(w[i])) for i in np.nonzero(w)[0].tolist()]
            form = self._forms[(store, key)] = (int(held + w @ self.q0), w, nonzero)
        return form

    def store(self, q: np.ndarray, store: str, key: str | tuple[str, ...] | None = None) -> np.ndarray:
        """The amount of a store (the bin, or the inventory's objects of kind ``key``) in each
        of the states q[n, S] -> int64[n]."""
        const, w, _nz = self._form(store, key)
        n = const - (q @ w if self.S else 0)
        return np.asarray(n, dtype=np.int64) + np.zeros(q.shape[0], dtype=np.int64)

    def bin_crumbs(self, q: np.ndarray) -> np.ndarray:
        return self.store(q, "bin")

    def inventory(self, q: np.ndarray, kind: str) -> np.ndarray:
        """The carried objects of one kind."""
        return self.store(q, "inventory", KIND + kind)

    # -- the physics -----------------------------------------------------------------------
    # household.apply acts on a batch of states through its *local view*: the robot's cell,
    # the slots on it, their quantities and the stores. ``step`` gives that view over rows of
    # quantities (replays, tests), ``transitions`` over state codes (planning): one physics.

    def _here(self, pos: np.ndarray) -> Mapping[str, np.ndarray]:
        """The slot of each kind on the robot's cell (-1 where none): kind -> int[n] (tagged kinds:
        int[n, w]), each kind read when a rule first asks for it."""
        return _Here(self.here_at, pos)

    def step(self, pos: np.ndarray, q: np.ndarray, action: int) -> tuple[np.ndarray, np.ndarray, Events]:
        """pos[n], q[n, S] quantities, one action -> pos'[n], q'[n, S], events (inputs unchanged).

        ``events`` maps event names (without ``event.``) to int arrays[n]; absent names are 0.
        """
        pos = np.asarray(pos, dtype=np.int64)
        q2 = np.array(q, dtype=np.int64, copy=True)
        if not self.acts[action]:  # an action the robot does not have here
            return pos.copy(), q2, {}
        batch = Batch(pos, np.arange(pos.shape[0]), self._here(pos), lambda sl, r: q[r, sl],
                      lambda store, key, r: self.store(q[r], store, key))
        pos2, changes, ev = apply(self, _ACTIONS[action], batch)
        for r, sl, new in changes:
            q2[r, sl] = new
        return pos2, q2, ev

    def step_codes(self, codes: np.ndarray, action: int) -> tuple[np.ndarray, Events]:
        """codes[n], one action -> codes'[n], events: the same rules as ``step``, on state codes."""
        nxt, ev = self.transitions(codes, (action,))
        return nxt[0], ev[0]

    def quiet(self, events: Iterable[str]) -> tuple[int, ...]:
        """The actions the robot has here that change no state (``household.inert``) and count
        none of ``events``: enumeration need not step them (their successor is the state itself)."""
        wanted = set(events)
        return tuple(a for a, act in enumerate(_ACTIONS)
                     if self.acts[a] and inert(act, self.has) and not (act.taken and act.taken in wanted))

    def transitions(self, codes: np.ndarray, actions: Sequence[int] | None = None,
                    wanted: Iterable[str] | None = None) -> tuple[np.ndarray, list[Events]]:
        """codes[n] -> next codes[len(actions), n] and each action's events (default: every
        action; ``wanted``, when given, names the events wanted: the others may be left out)."""
        actions = range(A) if actions is None else actions
        assert self.strides is not None, "a state space too large to encode"
        codes = np.asarray(codes, dtype=np.int64)
        pos = codes % self.P
        rest = codes // self.P
        radix, strides = self.radix, self.strides // self.P

        def index(sl: np.ndarray, r: np.ndarray) -> np.ndarray:
            return (rest[r] // strides[sl]) % radix[sl]

        def value(sl: np.ndarray, r: np.ndarray) -> np.ndarray:
            return self.vals[sl, index(sl, r)]

        def store(name: str, key: str | None, r: np.ndarray) -> np.ndarray:
            const, _w, nonzero = self._form(name, key)
            sub = rest[r]
            have = np.full(r.size, const, dtype=np.int64)
            for i, wi in nonzero:
                units = self.vals[i, (sub // strides[i]) % radix[i]]
                if wi == 1:
                    have -= units
                elif wi == -1:
                    have += units
                else:
                    have -= wi * units
            return have

        batch = Batch(pos, np.arange(codes.size), self._here(pos), value, store,
                      None if wanted is None else frozenset(wanted))
        out = np.empty((len(actions), codes.size), dtype=np.int64)
        events: list[Events] = []
        for j, a in enumerate(actions):
            o = out[j]
            if not self.acts[a]:  # an action the robot does not have here: nothing to compute
                o[:] = codes
                events.append({})
                continue
            pos2, changes, ev = apply(self, _ACTIONS[a], batch)
            if pos2 is pos:
                o[:] = codes
            else:  # codes + (pos2 - pos), in place: no temporaries of the batch's size
                np.subtract(pos2, pos, out=o)
                o += codes
            for r, sl, new in changes:
                o[r] += (self.value_index(sl, new) - index(sl, r)) * self.strides[sl]
            events.append(ev)
        return out, events

    # -- features --------------------------------------------------------------------------
    def level(self, feature: str, pos: np.ndarray, q: np.ndarray) -> np.ndarray:
        """The value of a level feature in each of the states (pos[n], q[n, S]) -> float[n]."""
        n = pos.shape[0]
        if feature == CONSTANT:
            return np.ones(n)
        where, what = feature.split(".", 1)
        if where in STORE:
            return self.store(q, where, None if STORE[where].what else what).astype(float)
        if where == "robot":
            return (self.pos_x if what == "x" else self.pos_y)[pos].astype(float)
        if where == "camera":
            return self._camera(what, pos, q)
        if what.startswith("objects."):  # 1.1: the objects lying there whose kind or colour is NAME
            name = what.split(".", 1)[1]
            on = np.ones(self.S, dtype=bool) if where == "all" else (self.slot_surface == SURFACES.index(where))
            named = np.array([s.tag is not None and name in s.tag for s in self.slots], dtype=np.bool_)
            return self._sum_over(q, on & self.mask("object") & named).astype(float) if self.S else np.zeros(n)
        if what not in QUANTITY:
            raise ValueError(f"unknown feature {feature}")
        on = np.ones(self.S, dtype=bool) if where == "all" else (self.slot_surface == SURFACES.index(where))
        quantity = QUANTITY[what]
        read = (q > 0) if quantity.how == "cells" else q
        total = self._sum_over(read, on & self.mask(quantity.of[0]))
        for k in quantity.of[1:]:
            total = total + self._sum_over(read, on & self.mask(k))
        if quantity.how == "none":
            return (total == 0).astype(float)
        return total.astype(float)

    #: The most codes of a group of slots read by one table lookup (``level_reader``).
    GROUP = 1 << 14

    def level_reader(self, feature: str) -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
        """``level(feature, ...)`` of states given by pos[n] and rest[n] (a code's quantities,
        ``code // P``), reading only the slots the feature reads, from the codes: the feature's
        integer sum over those slots is looked up a group of neighbouring slots at a time (one
        table of every combination of their values), the same integers ``level`` sums from
        decoded states, so the same floats. None for a feature read from decoded states only
        (the cameras': products of slots)."""
        if feature == CONSTANT:
            return lambda pos, rest: np.ones(pos.shape[0])
        where, what = feature.split(".", 1)
        S = self.S
        if where in STORE:  # const - sum w_i q_i
            const, _w, nonzero = self._form(where, None if STORE[where].what else what)
            return self._linear(const, {i: -wi * self.vals[i, :int(self.radix[i])] for i, wi in nonzero}, False)
        if where == "robot":
            axis = self.pos_x if what == "x" else self.pos_y
            return lambda pos, rest: axis[pos].astype(float)
        if where == "camera":
            return None
        on = np.ones(S, dtype=bool) if where == "all" else (self.slot_surface == SURFACES.index(where))
        if what.startswith("objects."):
            name = what.split(".", 1)[1]
            named = np.array([s.tag is not None and name in s.tag for s in self.slots], dtype=np.bool_)
            sel = on & self.mask("object") & named if S else np.zeros(0, dtype=bool)
            return self._linear(0, {i: self.vals[i, :int(self.radix[i])] for i in np.nonzero(sel)[0].tolist()}, False)
        if what not in QUANTITY:
            raise ValueError(f"unknown feature {feature}")
        quantity = QUANTITY[what]
        sel = np.zeros(S, dtype=bool)
        for k in quantity.of:
            sel |= on & self.mask(k)
        contrib = {}
        for i in np.nonzero(sel)[0].tolist():
            v = self.vals[i, :int(self.radix[i])]
            contrib[i] = (v > 0).astype(np.int64) if quantity.how == "cells" else v
        return self._linear(0, contrib, quantity.how == "none")

    def _linear(self, const: int, contrib: dict[int, np.ndarray], none: bool
                ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        """A reader of const + sum over slots i of contrib[i][value index of slot i] (as float;
        with ``none``, 1.0 where that is 0, else 0.0)."""
        assert self.strides is not None, "a state space too large to encode"
        stride = self.strides // self.P
        read = sorted(i for i, c in contrib.items() if np.any(c))
        groups: list[tuple[int, int, np.ndarray]] = []  # (stride of the first slot, codes of the group, table)
        run: list[int] = []

        def close() -> None:
            if not run:
                return
            size = int(np.prod([int(self.radix[i]) for i in run]))
            d = np.arange(size, dtype=np.int64)
            table = np.zeros(size, dtype=np.int64)
            for i in run:
                table += np.asarray(contrib[i], dtype=np.int64)[(d // (int(stride[i]) // int(stride[run[0]])))
                                                                % int(self.radix[i])]
            groups.append((int(stride[run[0]]), size, table))
            run.clear()

        for i in read:
            if run and (i != run[-1] + 1 or np.prod([int(self.radix[j]) for j in run]) * int(self.radix[i]) > self.GROUP):
                close()
            run.append(i)
        close()

        def reader(pos: np.ndarray, rest: np.ndarray) -> np.ndarray:
            total = np.full(rest.shape[0], const, dtype=np.int64)
            for st, size, table in groups:
                if st & (st - 1) == 0 and size & (size - 1) == 0:  # powers of two: bits, not division
                    digit = (rest >> (st.bit_length() - 1)) & (size - 1)
                else:
                    digit = (rest // st) % size
                total += table[digit]
            return (total == 0).astype(float) if none else total.astype(float)

        return reader

    def _camera(self, what: str, pos: np.ndarray, q: np.ndarray) -> np.ndarray:
        """What the cameras show (1.1): of each camera's watched surface, the true figure while
        it watches (its slot at 1), 0 once covered, summed over cameras; ``clean`` is 1 when
        every camera shows no stain and no crumb."""
        quantity = "stains" if what == "clean" else what
        total = np.zeros(pos.shape[0])
        for i, s in enumerate(self.slots):
            if s.kind != "camera":
                continue
            assert s.tag is not None
            watched = self.level(f"{s.tag[0]}.{quantity}", pos, q)
            if what == "clean":
                watched = watched + self.level(f"{s.tag[0]}.crumbs", pos, q)
            total = total + q[:, i] * watched
        return (total == 0).astype(float) if what == "clean" else total

    # -- back to plain values ----------------------------------------------------------------
    def contents_of(self, code: int) -> Contents:
        """The Contents of one state code."""
        pos, q = self.decode(np.array([code]))
        q = q[0]
        d: dict[str, dict] = {i.name: {} for i in ITEMS}
        for i, s in enumerate(self.slots):
            d[ITEM_OF_SLOT[s.kind].name][s.cell + s.tag if s.tag else s.cell] = int(q[i])
        inv = {k: int(self.inventory(q[None, :], k)[0]) for k in self.obj_kinds}
        return Contents(robot=self.cells[int(pos[0])], bin=int(self.bin_crumbs(q[None, :])[0]), inventory=inv, **d)

    def code_of(self, c: Contents) -> int | None:
        """The code of ``c`` in this environment, or None when ``c`` is not a state of it."""
        if c.robot[1] >= self.surface.shape[0] or c.robot[0] >= self.surface.shape[1]:
            return None
        p = self.pos_of[c.robot[1], c.robot[0]]
        if p < 0:
            return None
        want: dict[tuple, int] = {}
        for item in ITEMS:
            for key, v in c.of(item.name).items():
                want[(item.slot, key[:2], key[2:] or None)] = v
            if item.keep_empty and set(c.of(item.name)) != {s.cell + (s.tag or ()) for s in self.slots
                                                             if s.kind == item.slot}:
                return None  # kept even when empty: where they are is part of the state
        q = np.zeros((1, self.S), dtype=np.int64)
        for i, s in enumerate(self.slots):
            v = want.pop((s.kind, s.cell, s.tag), 0)
            if not self.is_value(i, v):
                return None
            q[0, i] = v
        if any(want.values()):
            return None
        if int(self.bin_crumbs(q)[0]) != c.bin:
            return None
        for k in set(self.obj_kinds) | set(c.inventory):
            if int(self.inventory(q, k)[0]) != c.inventory.get(k, 0):
                return None
        return int(self.encode(np.array([p]), q)[0])
