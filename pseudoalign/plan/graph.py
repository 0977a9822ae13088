"""The reachable states of one environment and their transitions, action-major.

Owns: frontier-by-frontier enumeration with the vectorised physics (``Env.transitions``).
Imports world.env and plan.settings.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..world.env import A, Env
from .settings import DEFAULT, PlanSettings


class CodeSet:
    """A set of state codes in an open-addressing hash table, grown and probed with array
    operations: ``add`` takes a batch and returns the codes it had not seen, once each, sorted."""

    _MULT = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self, expected: int = 1024) -> None:
        # room for ``expected`` codes at a load under a third, and for the layer that passes them
        self._alloc(max(1024, 1 << (3 * max(expected, 1)).bit_length()))
        self.count = 0

    def _alloc(self, size: int) -> None:
        self.table = np.full(size, -1, dtype=np.int64)
        self.tag = np.empty(size, dtype=np.int32)  # scratch: which batch entry claimed a slot
        self.bits = size.bit_length() - 1

    def _slots(self, codes: np.ndarray) -> np.ndarray:
        return ((codes.astype(np.uint64) * self._MULT) >> np.uint64(64 - self.bits)).astype(np.int64)

    def add(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes, dtype=np.int64).ravel()
        if self.count + codes.size >= self.table.size:  # room for every code, were all of them new
            self._grow(self.count + codes.size)
        mask = self.table.size - 1
        pending, h = codes, self._slots(codes)
        fresh = []
        while pending.size:
            slot = self.table[h]
            settled = slot == pending  # here before
            empty = np.nonzero(slot == -1)[0]
            if empty.size:
                he, pe = h[empty], pending[empty]
                self.table[he] = pe  # of several writers to one slot, one wins
                won = empty[self.table[he] == pe]  # the winner and its twins (the same code)
                settled[won] = True
                order = np.arange(won.size, dtype=np.int32)  # twins share a slot: keep the one whose tag stuck
                self.tag[h[won]] = order
                fresh.append(pending[won[self.tag[h[won]] == order]])
            pending, h = pending[~settled], (h[~settled] + 1) & mask
        new = np.concatenate(fresh) if fresh else np.zeros(0, dtype=np.int64)
        self.count += new.size
        if self.count * 2 > self.table.size:  # keep probes short
            self._grow(self.count)
        return np.sort(new)

    def _grow(self, need: int) -> None:
        old = self.table[self.table >= 0]
        size = self.table.size
        while need * 2 >= size:
            size *= 2
        self._alloc(size)
        self.count = 0
        self.add(old)


class StateLimit(Exception):
    """More reachable states than the limit: ``found``, the count when enumeration stopped."""

    def __init__(self, found: int) -> None:
        self.found = found
        super().__init__(found)


class Graph:
    """States reachable within ``depth`` steps of the start.

    ``codes[i]`` is state i's code, states in order of depth (state 0 is the start) and
    ``layer_end[d]`` the number of states at depth <= d; ``next[a, i]`` (int32) the state
    after action a (states first reached at the full depth point to themselves: no plan
    steps from them); ``events[name][a, i]`` the counts of the events asked for.
    ``settings`` says which code spaces are indexed by a direct table rather than a hash set
    (``dense_space``), and when the physics is applied to every code of a small space at once
    rather than a layer at a time (``full_table``, ``full_table_depth``): the same graph.
    """

    def __init__(self, env: Env, depth: int, events: Iterable[str] = (), max_states: int | None = None,
                 settings: PlanSettings = DEFAULT) -> None:
        if env.strides is None:
            raise StateLimit(int(min(env.space, 2.0 ** 63)))
        self.env = env
        self.depth = depth
        events = tuple(events)
        dense = env.space <= settings.dense_space
        start = np.array([env.start_code], dtype=np.int64)
        if dense:
            seen = np.zeros(int(env.space), dtype=bool)
            seen[start] = True
            stamp = np.empty(int(env.space), dtype=np.int32)  # scratch for deduplication, then the index
        else:  # sized for the states it may hold, so that it seldom has to grow
            known = CodeSet(min(max_states or settings.dense_space, int(min(env.space, settings.dense_space))))
            known.add(start)
        # the actions the robot has here; the others (1.1: dump, drop, cover where the world
        # lacks them) leave every state as it is and are never stepped: they cost nothing
        present = [a for a in range(A) if env.acts[a]]
        absent = [a for a in range(A) if not env.acts[a]]
        lacks = set(absent)
        table = None
        if dense and env.space <= settings.full_table and depth >= settings.full_table_depth:
            # a small space: the physics of every code in one call rather than one call a layer
            # (each code's successor depends on that code alone; unreachable ones are never read)
            table = env.transitions(np.arange(int(env.space), dtype=np.int64), present)
        layers = [start]
        nexts: list[np.ndarray] = []
        evs: dict[str, list[np.ndarray]] = {e: [] for e in events}
        frontier = start
        total = 1
        for _d in range(depth):
            if frontier.size == 0:
                break
            if table is None:
                nxt, ev_all = env.transitions(frontier, present)
            else:
                nxt = table[0][:, frontier]
                ev_all = [{e: ev[e][frontier] for e in events if e in ev} for ev in table[1]]
            ev_layer = {e: np.zeros((A, frontier.size), dtype=np.int32) for e in events}
            for a, ev in zip(present, ev_all):
                for e in events:
                    if e in ev:
                        ev_layer[e][a] = ev[e]
            nexts.append(nxt)
            for e in events:
                evs[e].append(ev_layer[e])
            moved = nxt[nxt != frontier[None, :]]  # an action that changes nothing leads to a known state
            if dense:
                flat = moved
                cand = flat[~seen[flat]]
                # one copy of each code: whichever write to stamp[code] lands last is the one kept
                stamp[cand] = np.arange(cand.size, dtype=np.int32)
                new = np.sort(cand[stamp[cand] == np.arange(cand.size, dtype=np.int32)])
                seen[new] = True
            else:
                new = known.add(moved)
            total += new.size
            if max_states is not None and total > max_states:
                raise StateLimit(int(total))
            frontier = new
            layers.append(new)
        self.codes = np.concatenate(layers)
        self.N = int(self.codes.size)
        self.layer_end = np.cumsum([layer.size for layer in layers])
        expanded = int(sum(layer.size for layer in layers[:len(nexts)]))
        self.next = np.empty((A, self.N), dtype=np.int32 if self.N < 2 ** 31 else np.int64)
        self.next[:, expanded:] = np.arange(expanded, self.N)
        self.next[absent] = np.arange(self.N)
        rows = slice(None) if not absent else present
        if dense:
            index = stamp
            index[self.codes] = np.arange(self.N, dtype=np.int32)
            self._index = index
            for lo, nxt in zip(np.concatenate([[0], self.layer_end]), nexts):
                self.next[rows, lo:lo + nxt.shape[1]] = index[nxt]
        else:
            order = np.argsort(self.codes, kind="stable")
            self._sorted, self._order = self.codes[order], order
            for lo, nxt in zip(np.concatenate([[0], self.layer_end]), nexts):
                self.next[rows, lo:lo + nxt.shape[1]] = order[np.searchsorted(self._sorted, nxt)]
        del nexts
        # actions that leave every state as it is here (nothing they could act on)
        ident = np.arange(self.N, dtype=self.next.dtype)
        self.still = tuple(a for a in range(A) if a in lacks or np.array_equal(self.next[a], ident))
        self.events: dict[str, np.ndarray] = {}
        for e in events:
            arr = np.zeros((A, self.N), dtype=np.int32)
            if evs[e]:
                arr[:, :expanded] = np.concatenate(evs[e], axis=1)
            self.events[e] = arr
        self._pos: np.ndarray | None = None
        self._q: np.ndarray | None = None

    def index_of(self, code: int) -> int | None:
        """The index of a state code, or None when it is not reachable here."""
        if code < 0 or code >= self.env.space:
            return None
        if hasattr(self, "_index"):
            i = int(self._index[code])
            return i if i < self.N and self.codes[i] == code else None
        i = int(np.searchsorted(self._sorted, code))
        if i < self.N and self._sorted[i] == code:
            return int(self._order[i])
        return None

    def states(self) -> tuple[np.ndarray, np.ndarray]:
        """pos[N], q[N, S] of every state (decoded once, kept)."""
        if self._pos is None or self._q is None:
            self._pos, self._q = self.env.decode(self.codes)
        return self._pos, self._q

    def level(self, feature: str) -> np.ndarray:
        pos, q = self.states()
        return self.env.level(feature, pos, q)

    def live(self, steps_left: int) -> int:
        """How many states (a prefix) can be reached with ``steps_left`` steps still to go."""
        d = self.depth - steps_left
        return int(self.layer_end[min(d, len(self.layer_end) - 1)]) if d >= 0 else 0
