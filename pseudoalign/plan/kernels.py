"""Planning kernels: pure functions of arrays.

Owns: an objective's arrays on a graph, backward induction, tie-broken argmax.
Imports numpy and vocab only.
"""

from __future__ import annotations

import numpy as np
from attrs import frozen

from ..vocab import ACTIONS

TIE = 1e-9


def argmax_first(q: np.ndarray) -> np.ndarray:
    """q[a, s] -> the first action (in ACTIONS order) within TIE of the best, per state: int8[s]."""
    best = q.max(axis=0)
    return np.argmax(q >= best - TIE, axis=0).astype(np.int8)


def backup(next_state: np.ndarray, reward: np.ndarray, value: np.ndarray, gamma: float) -> np.ndarray:
    """next_state[a, s], reward[a, s], value[s] -> q[a, s] = reward + gamma * value[next_state]."""
    return reward + gamma * value[next_state]


@frozen(eq=False)
class ObjectiveArrays:
    """An objective on a graph. level[s]: its every-step level terms in state s; event[a, s]: its
    every-step event terms; flevel, fevent: the same for its final terms (None when it has none).
    reward[a, s] and final[a, s] are what a step earns (level terms read the state after it)."""

    level: np.ndarray
    event: np.ndarray
    flevel: np.ndarray | None
    fevent: np.ndarray | None
    reward: np.ndarray
    final: np.ndarray | None

    @classmethod
    def build(cls, graph, terms) -> "ObjectiveArrays":
        nxt, n = graph.next, graph.N
        level, flevel = np.zeros(n), np.zeros(n)
        event, fevent = np.zeros((len(ACTIONS), n)), np.zeros((len(ACTIONS), n))
        has_final = False
        for t in terms:
            if t.is_event:
                (fevent if t.final else event)[...] += t.coef * graph.events[t.feature[len("event."):]]
            else:
                (flevel if t.final else level)[...] += t.coef * graph.level(t.feature)
            has_final |= t.final
        reward = level[nxt] + event
        if not has_final:
            return cls(level, event, None, None, reward, None)
        return cls(level, event, flevel, fevent, reward, flevel[nxt] + fevent)

    def step_reward(self, s: int, a: int, last: bool) -> float:
        r = float(self.reward[a, s])
        return r + float(self.final[a, s]) if (last and self.final is not None) else r

    def gain(self, graph, s: int, a: int, last: bool) -> float:
        """The change of its level terms over the step, plus its event terms (and all of final at the end)."""
        s2 = int(graph.next[a, s])
        g = float(self.level[s2] - self.level[s] + self.event[a, s])
        return g + float(self.final[a, s]) if (last and self.final is not None) else g


def values(next_state: np.ndarray, reward: np.ndarray, final: np.ndarray | None, steps: int,
           gamma: float = 1.0, allowed: np.ndarray | None = None, keep_values: bool = False,
           keep_policy: bool = False, with_final: bool = True):
    """Backward induction over ``steps`` steps; with ``with_final`` the last step also earns ``final``.

    Returns (v, values_by_k, policy_by_k): v[s] the value with ``steps`` to go; values_by_k[k]
    (k = 0..steps) when keep_values; policy_by_k[k] (int8[s], k = 1..steps; index 0 is None)
    when keep_policy. ``allowed`` is a bool[a] mask of the actions it may take.
    """
    n = next_state.shape[1]
    v = np.zeros(n)
    vals = [v] if keep_values else None
    pols = [None] if keep_policy else None
    blocked = None if allowed is None or np.all(allowed) else ~np.asarray(allowed, dtype=bool)
    for k in range(1, steps + 1):
        q = backup(next_state, reward, v, gamma)
        if k == 1 and with_final and final is not None:
            q = q + final
        if blocked is not None:
            q[blocked] = -np.inf
        v = q.max(axis=0)
        if keep_policy:
            pols.append(argmax_first(q))
        if keep_values:
            vals.append(v)
    return v, vals, pols
