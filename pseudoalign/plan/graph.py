"""The reachable states of one environment and their transitions, action-major.

Owns: frontier-by-frontier enumeration with the vectorised physics. Imports world.env.
"""

from __future__ import annotations

import numpy as np

from ..world.env import A, Env


class Graph:
    """States reachable within ``depth`` steps of the start.

    ``codes[i]`` is state i's code, states in discovery order (state 0 is the start);
    ``next[a, i]`` the state after action a (states first reached at the full depth point
    to themselves: no plan ever steps from them); ``events[name][a, i]`` the counts of the
    events asked for.
    """

    def __init__(self, env: Env, depth: int, events=(), max_states: int | None = None):
        self.env = env
        self.depth = depth
        start = np.array([env.start_code], dtype=np.int64)
        known = start.copy()  # sorted
        frontier = start
        layers = [start]
        nexts: list[np.ndarray] = []
        evs: dict[str, list[np.ndarray]] = {e: [] for e in events}
        for _d in range(depth):
            if frontier.size == 0:
                break
            nxt, ev = self._expand(frontier, events)
            nexts.append(nxt)
            for e in events:
                evs[e].append(ev[e])
            cand = np.unique(nxt)
            at = np.searchsorted(known, cand)
            at_c = np.minimum(at, known.size - 1)
            new = cand[known[at_c] != cand]
            known = np.sort(np.concatenate([known, new]), kind="stable")
            if max_states is not None and known.size > max_states:
                raise StateLimit(int(known.size))
            frontier = new
            layers.append(new)
        # the last layer is not expanded
        self.codes = np.concatenate(layers)
        self.N = int(self.codes.size)
        order = np.argsort(self.codes, kind="stable")
        sorted_codes = self.codes[order]
        expanded = int(sum(layer.size for layer in layers[:len(nexts)]))
        self.next = np.empty((A, self.N), dtype=np.int64)
        self.next[:, expanded:] = np.arange(expanded, self.N)
        if nexts:
            allnext = np.concatenate(nexts, axis=1)
            self.next[:, :expanded] = order[np.searchsorted(sorted_codes, allnext)]
        self.events = {}
        for e in events:
            arr = np.zeros((A, self.N), dtype=np.int64)
            if evs[e]:
                arr[:, :expanded] = np.concatenate(evs[e], axis=1)
            self.events[e] = arr
        self._sorted, self._order = sorted_codes, order
        self._pos = self._q = None

    def _expand(self, frontier: np.ndarray, events):
        env = self.env
        pos, q = env.decode(frontier)
        nxt = np.empty((A, frontier.size), dtype=np.int64)
        ev = {e: np.zeros((A, frontier.size), dtype=np.int64) for e in events}
        for a in range(A):
            p2, q2, e2 = env.step(pos, q, a)
            nxt[a] = env.encode(p2, q2)
            for e in events:
                if e in e2:
                    ev[e][a] = e2[e]
        return nxt, ev

    def index_of(self, code: int) -> int | None:
        i = int(np.searchsorted(self._sorted, code))
        if i < self.N and self._sorted[i] == code:
            return int(self._order[i])
        return None

    def states(self) -> tuple[np.ndarray, np.ndarray]:
        """pos[N], q[N, S] of every state (decoded once, kept)."""
        if self._pos is None:
            self._pos, self._q = self.env.decode(self.codes)
        return self._pos, self._q

    def level(self, feature: str) -> np.ndarray:
        pos, q = self.states()
        return self.env.level(feature, pos, q)


class StateLimit(Exception):
    def __init__(self, found: int):
        self.found = found
        super().__init__(found)
