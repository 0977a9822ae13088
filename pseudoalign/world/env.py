"""One environment: a map and what lies on it, compiled to arrays, and the physics.

Owns: the state encoding (an int64 code per state), the one physics kernel ``step`` that
every stepper uses (replays step a batch of one; planning steps whole frontiers), and the
features read from states. Imports vocab, layout, contents.

A state is the robot's position and one quantity per *slot*; a slot is a (cell, quantity)
that can be non-zero in this environment: a cell's stain units (where there is stain or a
mug), crumbs (where there are crumbs or cookies), cookies, coffee, dirty dishes, and objects
of one kind and colour. Items never appear on other cells, so those slots are all the state
there is. The bin and the inventory are derived from the slots (matter is conserved).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from ..vocab import ACTIONS, CONSTANT, MOVES, SURFACES
from .contents import Contents

A = len(ACTIONS)
_ACT = {a: i for i, a in enumerate(ACTIONS)}
SLOT_KINDS = ("stain", "crumb", "cookie", "coffee", "dish", "object")
_NEEDS = {"wipe": "stain", "vacuum": "crumb", "break": "cookie", "spill": "coffee", "wash": "dish", "pick": "object"}


class Env:
    """A compiled environment. ``surface[y, x]`` is an index into SURFACES or -1 for a wall."""

    def __init__(self, surface: np.ndarray, contents: Contents, crumbs_per_cookie: int, depth: int | None = None,
                 absent: frozenset = frozenset()):
        """``depth``, when given, is how many steps will be taken from ``contents``: a slot then
        holds only the quantities that many steps can reach (each step changes one by one unit,
        or resets it to 0), however large the quantities are. ``absent`` names items that do not
        exist in this world (a robot's model of what it is unaware of): they are never made,
        so a break leaves no crumbs when crumbs are absent and a spill no stain when stains are."""
        self.surface = np.asarray(surface, dtype=np.int8)
        self.contents = contents
        self.cpc = int(crumbs_per_cookie)
        self.depth = depth
        self.absent = frozenset(absent)
        h, w = self.surface.shape
        ys, xs = np.nonzero(self.surface >= 0)
        self.cells = list(zip(xs.tolist(), ys.tolist()))  # row-major: y then x
        self.P = len(self.cells)
        index = np.full((h, w), -1, dtype=np.int64)
        index[ys, xs] = np.arange(self.P)
        self.pos_of = index
        self.pos_x = xs.astype(np.int64)
        self.pos_y = ys.astype(np.int64)
        self.pos_surface = self.surface[ys, xs].astype(np.int64)
        # moves: move[p, d] for d in north, east, south, west; blocked moves stay
        move = np.empty((self.P, 4), dtype=np.int64)
        for d, name in enumerate(("north", "east", "south", "west")):
            dx, dy = MOVES[name]
            nx, ny = xs + dx, ys + dy
            ok = (nx >= 0) & (nx < w) & (ny >= 0) & (ny < h)
            tgt = np.full(self.P, -1, dtype=np.int64)
            tgt[ok] = index[ny[ok], nx[ok]]
            move[:, d] = np.where(tgt >= 0, tgt, np.arange(self.P))
        self.move = move
        self._build_slots(contents)

    # -- slots and encoding ----------------------------------------------------------------
    def _build_slots(self, c: Contents) -> None:
        cpc = self.cpc
        slots: list[tuple[str, tuple[int, int], tuple[str, str] | None, list[int], int]] = []

        def steps(n: int) -> range:  # how many times a unit can go, within the depth
            return range(min(n, self.depth) + 1 if self.depth is not None else n + 1)

        def down(n: int) -> list[int]:
            return [n - j for j in reversed(steps(n))]

        for cell in sorted(set(c.stain) | set(c.mug)) if "stain" not in self.absent else ():
            s0, c0 = c.stain.get(cell, 0), c.mug.get(cell, 0)  # spills add one unit, a wipe takes all
            slots.append(("stain", cell, None, sorted({s0 + j for j in steps(c0)} | set(steps(c0))), s0))
        for cell in sorted(set(c.crumb) | set(c.cookie)) if "crumb" not in self.absent else ():
            r0, k = c.crumb.get(cell, 0), c.cookie.get(cell, 0)  # breaks add cpc, a vacuum takes all
            slots.append(("crumb", cell, None, sorted({r0 + cpc * j for j in steps(k)} | {cpc * j for j in steps(k)}), r0))
        for cell, k in sorted(c.cookie.items()):
            slots.append(("cookie", cell, None, down(k), k))
        for cell, c0 in sorted(c.mug.items()):
            slots.append(("coffee", cell, None, down(c0), c0))
        for cell, d0 in sorted(c.dish.items()):
            slots.append(("dish", cell, None, down(d0), d0))
        for (x, y, kind, color), n in sorted(c.object.items()):
            slots.append(("object", (x, y), (kind, color), down(n), n))
        for kind, cell, _kc, _v, _q in slots:
            if self.pos_of[cell[1], cell[0]] < 0:
                raise ValueError(f"{kind} at {cell} lies on a wall")
        self.slots = slots
        S = self.S = len(slots)
        self.slot_kind = np.array([SLOT_KINDS.index(s[0]) for s in slots], dtype=np.int64)
        self.slot_pos = np.array([self.pos_of[s[1][1], s[1][0]] for s in slots], dtype=np.int64)
        self.slot_surface = self.pos_surface[self.slot_pos] if S else np.zeros(0, dtype=np.int64)
        radix = np.array([len(s[3]) for s in slots], dtype=np.int64)
        self.radix = radix
        self.space = float(self.P) * float(np.prod(radix.astype(float))) if S else float(self.P)
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
            self.vals[i, :len(s[3])] = s[3]
        # quantity -> index of a slot's value: one sorted table of (slot, quantity) keys
        self._key_base = max((max(s[3]) for s in slots), default=0) + 1
        self._keys = np.concatenate([i * self._key_base + np.asarray(s[3], dtype=np.int64)
                                     for i, s in enumerate(slots)]) if S else np.zeros(0, dtype=np.int64)
        self._key_start = np.cumsum([0] + [len(s[3]) for s in slots])[:-1].astype(np.int64)
        self.q0 = np.array([s[4] for s in slots], dtype=np.int64)

        def at(kind):
            t = np.full(self.P, -1, dtype=np.int64)
            for i, s in enumerate(slots):
                if s[0] == kind:
                    t[self.slot_pos[i]] = i
            return t

        self.stain_at, self.crumb_at, self.cookie_at = at("stain"), at("crumb"), at("cookie")
        self.coffee_at, self.dish_at = at("coffee"), at("dish")
        self.has = {k: bool((self.slot_kind == i).any()) for i, k in enumerate(SLOT_KINDS)}
        obj = [i for i, s in enumerate(slots) if s[0] == "object"]
        per_pos: dict[int, list[int]] = {}
        for i in obj:  # slots are sorted by cell then (kind, color): the order pick uses
            per_pos.setdefault(int(self.slot_pos[i]), []).append(i)
        width = max((len(v) for v in per_pos.values()), default=0)
        self.obj_at = np.full((self.P, max(width, 1)), -1, dtype=np.int64)
        for p, lst in per_pos.items():
            lst.sort(key=lambda i: slots[i][2])
            self.obj_at[p, :len(lst)] = lst
        self.obj_kinds = sorted({slots[i][2][0] for i in obj} | set(c.inventory))
        # conserved totals, for the derived bin and inventory
        self.bin0 = c.bin
        self.crumbs0 = sum(c.crumb.values())
        self.cookies0 = sum(c.cookie.values())
        self.dishes0 = sum(c.dish.values())
        self.inv0 = dict(c.inventory)
        self.objs0 = {}
        for (_x, _y, kind, _color), n in c.object.items():
            self.objs0[kind] = self.objs0.get(kind, 0) + n
        self.start_pos = int(self.pos_of[c.robot[1], c.robot[0]])
        if self.start_pos < 0:
            raise ValueError(f"the robot stands on a wall at {c.robot}")

    def mask(self, kind: str) -> np.ndarray:
        return self.slot_kind == SLOT_KINDS.index(kind)

    @cached_property
    def start_code(self) -> int:
        return int(self.encode(np.array([self.start_pos]), self.q0[None, :])[0])

    def encode(self, pos: np.ndarray, q: np.ndarray) -> np.ndarray:
        """pos[n], q[n, S] quantities -> codes[n] (int64). Quantities must be reachable ones."""
        code = pos.astype(np.int64, copy=True)
        for i in range(self.S):
            code += self.value_index(np.full(q.shape[0], i), q[:, i]) * self.strides[i]
        return code

    def value_index(self, slot: np.ndarray, quantity: np.ndarray) -> np.ndarray:
        """The index of each quantity among its slot's values (the quantities must be values of it)."""
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

    # -- derived quantities ----------------------------------------------------------------
    def bin_crumbs(self, q: np.ndarray) -> np.ndarray:
        crumbs = self._sum_over(q, self.mask("crumb"))
        cookies = self._sum_over(q, self.mask("cookie"))
        return self.bin0 + self.crumbs0 + self.cpc * (self.cookies0 - cookies) - crumbs

    def inventory(self, q: np.ndarray, kind: str) -> np.ndarray:
        sel = np.array([s[0] == "object" and s[2][0] == kind for s in self.slots], dtype=bool)
        n = self.inv0.get(kind, 0) + self.objs0.get(kind, 0) - (self._sum_over(q, sel) if self.S else 0)
        if kind == "soap":
            n = n - (self.dishes0 - self._sum_over(q, self.mask("dish")))
        return np.asarray(n, dtype=np.int64) + np.zeros(q.shape[0], dtype=np.int64)

    # -- the physics -----------------------------------------------------------------------
    # One set of rules acts on the *local view* of a batch of states: the robot's cell and
    # the quantities of the slots on it. ``step`` reads and writes that view in rows of
    # quantities (replays, tests); ``step_codes`` in state codes (planning). Both call
    # ``_rules``, so there is one physics.

    def _local_slots(self, pos: np.ndarray) -> dict[str, np.ndarray]:
        """The slot of each kind on the robot's cell (-1 where none): name -> int[n] (objects: int[n, w])."""
        return {"stain": self.stain_at[pos], "crumb": self.crumb_at[pos], "cookie": self.cookie_at[pos],
                "coffee": self.coffee_at[pos], "dish": self.dish_at[pos], "object": self.obj_at[pos]}

    def _rules(self, action: int, pos: np.ndarray, slots: dict, value, soap) -> tuple[np.ndarray, list, dict]:
        """The physics of one action on a batch.

        ``slots`` is _local_slots(pos); ``value(slot_index_array, rows) -> quantities`` reads the
        current quantity of a slot in the given rows; ``soap()`` the soap each state carries.
        Returns (pos', changes, events): changes is a list of (rows, slot, new quantity).
        """
        n = pos.shape[0]
        name = ACTIONS[action]
        changes: list = []
        ev: dict[str, np.ndarray] = {}
        pos2 = pos
        if name in _NEEDS and not self.has[_NEEDS[name]]:
            # nothing here it could act on: the step passes (a wipe is still a wipe)
            if name == "wipe":
                ev["wipe"] = np.ones(n, dtype=np.int64)
            return pos2, changes, ev
        rows = np.arange(n)
        if name in MOVES:
            pos2 = self.move[pos, ("north", "east", "south", "west").index(name)]
            moved = (pos2 != pos).astype(np.int64)
            ev["move"], ev["bump"] = moved, 1 - moved
        elif name in ("wipe", "vacuum"):
            s = slots["stain" if name == "wipe" else "crumb"]
            r = rows[s >= 0]
            amount = np.zeros(n, dtype=np.int64)
            amount[r] = value(s[r], r)
            changes.append((r, s[r], np.zeros(r.size, dtype=np.int64)))
            if name == "wipe":
                ev["wipe"] = np.ones(n, dtype=np.int64)
                ev["clean"], ev["stain_removed"] = (amount > 0).astype(np.int64), amount
            else:
                ev["vacuum"], ev["crumbs_vacuumed"] = (amount > 0).astype(np.int64), amount
        elif name in ("break", "spill"):
            src, dst, gain = ("cookie", "crumb", self.cpc) if name == "break" else ("coffee", "stain", 1)
            s = slots[src]
            r = rows[s >= 0]
            have = value(s[r], r)
            r, have = r[have > 0], have[have > 0]
            d = slots[dst][r]
            changes.append((r, s[r], have - 1))
            made = d >= 0  # where the made item exists in this world
            changes.append((r[made], d[made], value(d[made], r[made]) + gain))
            hit = np.zeros(n, dtype=np.int64)
            hit[r] = 1
            ev[name] = hit
        elif name == "wash":
            s = slots["dish"]
            r = rows[s >= 0]
            if r.size:
                r = r[soap(r) > 0]
                have = value(s[r], r)
                r, have = r[have > 0], have[have > 0]
                changes.append((r, s[r], have - 1))
            hit = np.zeros(n, dtype=np.int64)
            hit[r] = 1
            ev["wash"] = hit
        elif name == "pick":
            cand = slots["object"]  # [n, w], -1 padded, in pick order (kind, then colour)
            present = np.zeros(cand.shape, dtype=bool)
            for j in range(cand.shape[1]):
                r = rows[cand[:, j] >= 0]
                present[r, j] = value(cand[r, j], r) > 0
            any_ = present.any(axis=1)
            r = rows[any_]
            sl = cand[r, np.argmax(present, axis=1)[any_]]
            changes.append((r, sl, value(sl, r) - 1))
            hit = np.zeros(n, dtype=np.int64)
            hit[r] = 1
            ev["pick"] = hit
            for i in np.unique(sl).tolist():
                kind, color = self.slots[i][2]
                got = np.zeros(n, dtype=np.int64)
                got[r[sl == i]] = 1
                for nm in {f"pick.{kind}", f"pick.{color}"}:
                    ev[nm] = ev.get(nm, 0) + got
        elif name == "wait":
            ev["wait"] = np.ones(n, dtype=np.int64)
        return pos2, changes, ev

    @cached_property
    def _soap_slots(self) -> tuple[np.ndarray, np.ndarray]:
        soap = np.array([i for i, s in enumerate(self.slots) if s[0] == "object" and s[2][0] == "soap"], dtype=np.int64)
        return soap, np.nonzero(self.mask("dish"))[0]

    def step(self, pos: np.ndarray, q: np.ndarray, action: int) -> tuple[np.ndarray, np.ndarray, dict]:
        """pos[n], q[n, S] quantities, one action -> pos'[n], q'[n, S], events (inputs unchanged).

        ``events`` maps event names (without ``event.``) to int arrays[n]; absent names are 0.
        """
        pos = np.asarray(pos, dtype=np.int64)
        q2 = np.array(q, dtype=np.int64, copy=True)
        pos2, changes, ev = self._rules(
            action, pos, self._local_slots(pos), lambda sl, r: q[r, sl],
            lambda r: self.inventory(q[r], "soap"))
        for r, sl, new in changes:
            q2[r, sl] = new
        return pos2, q2, ev

    def step_codes(self, codes: np.ndarray, action: int) -> tuple[np.ndarray, dict]:
        """codes[n], one action -> codes'[n], events: the same rules as ``step``, on state codes."""
        nxt, ev = self.transitions(codes, (action,))
        return nxt[0], ev[0]

    def transitions(self, codes: np.ndarray, actions=None) -> tuple[np.ndarray, list[dict]]:
        """codes[n] -> next codes[len(actions), n] and each action's events (default: every action)."""
        actions = range(A) if actions is None else actions
        codes = np.asarray(codes, dtype=np.int64)
        pos = codes % self.P
        rest = codes // self.P
        radix, strides = self.radix, self.strides // self.P
        slots = self._local_slots(pos)

        def index(sl, r):
            return (rest[r] // strides[sl]) % radix[sl]

        def value(sl, r):
            return self.vals[sl, index(sl, r)]

        soap_slots, dish_slots = self._soap_slots

        def soap(r):
            sub = rest[r]
            have = np.zeros(r.size, dtype=np.int64)
            for i in soap_slots.tolist():
                have -= self.vals[i, (sub // strides[i]) % radix[i]]
            for i in dish_slots.tolist():
                have += self.vals[i, (sub // strides[i]) % radix[i]]
            return have + self.inv0.get("soap", 0) + self.objs0.get("soap", 0) - self.dishes0

        out = np.empty((len(actions), codes.size), dtype=np.int64)
        events = []
        for j, a in enumerate(actions):
            pos2, changes, ev = self._rules(a, pos, slots, value, soap)
            o = out[j]
            o[:] = codes if pos2 is pos else codes + (pos2 - pos)
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
        if where == "bin":
            return self.bin_crumbs(q).astype(float)
        if where == "inventory":
            return self.inventory(q, what).astype(float)
        if where == "robot":
            return (self.pos_x if what == "x" else self.pos_y)[pos].astype(float)
        on = np.ones(self.S, dtype=bool) if where == "all" else (self.slot_surface == SURFACES.index(where))

        def total(kind, positive=False):
            return self._sum_over((q > 0) if positive else q, on & self.mask(kind))

        if what == "stains":
            return total("stain").astype(float)
        if what == "stained":
            return total("stain", positive=True).astype(float)
        if what == "crumbs":
            return total("crumb").astype(float)
        if what == "cookies":
            return total("cookie").astype(float)
        if what == "coffee":
            return total("coffee").astype(float)
        if what == "dishes":
            return total("dish").astype(float)
        if what == "objects":
            return total("object").astype(float)
        if what == "clean":
            return ((total("stain") + total("crumb")) == 0).astype(float)
        raise ValueError(f"unknown feature {feature}")

    # -- back to plain values ----------------------------------------------------------------
    def contents_of(self, code: int) -> Contents:
        """The Contents of one state code."""
        pos, q = self.decode(np.array([code]))
        q = q[0]
        d: dict[str, dict] = {k: {} for k in ("stain", "crumb", "cookie", "mug", "dish", "object")}
        for i, (kind, cell, kc, _v, _q0) in enumerate(self.slots):
            if kind == "coffee":
                d["mug"][cell] = int(q[i])
            elif kind == "object":
                d["object"][(cell[0], cell[1]) + kc] = int(q[i])
            else:
                d[kind][cell] = int(q[i])
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
        for cell, v in c.stain.items():
            want[("stain", cell, None)] = v
        for cell, v in c.crumb.items():
            want[("crumb", cell, None)] = v
        for cell, v in c.cookie.items():
            want[("cookie", cell, None)] = v
        for cell, v in c.mug.items():
            want[("coffee", cell, None)] = v
        for cell, v in c.dish.items():
            want[("dish", cell, None)] = v
        for (x, y, kind, color), v in c.object.items():
            want[("object", (x, y), (kind, color))] = v
        if set(c.mug) != {s[1] for s in self.slots if s[0] == "coffee"}:
            return None
        q = np.zeros((1, self.S), dtype=np.int64)
        for i, (kind, cell, kc, _vals, _q0) in enumerate(self.slots):
            v = want.pop((kind, cell, kc), 0)
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
