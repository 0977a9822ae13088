"""Planning kernels: pure functions of arrays.

Owns: an objective's arrays on a graph, backward induction, tie-broken argmax.
Imports numpy and vocab only.
"""

from __future__ import annotations

import numpy as np
from attrs import frozen

from ..scenario.expr import canonical
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


CHUNK = 8192  # states per block of the backup: a block's q[a, s] stays in cache


def values(next_state: np.ndarray, reward: np.ndarray, final: np.ndarray | None, steps: int,
           gamma: float = 1.0, allowed: np.ndarray | None = None, keep_values: bool = False,
           keep_policy: bool = False, with_final: bool = True, live=None):
    """Backward induction over ``steps`` steps; with ``with_final`` the last step also earns ``final``.

    next_state[a, s], reward[a, s], final[a, s] -> (v, values_by_k, policy_by_k): v the values
    with ``steps`` to go; values_by_k[k] (k = 0..steps) when keep_values; policy_by_k[k]
    (int8, k = 1..steps; index 0 is None) when keep_policy. ``allowed`` is a bool[a] mask of
    the actions it may take. ``live(k)``, when given, is how many states (a prefix, in order of
    depth) need values with k steps to go; the arrays for k then cover only that prefix.
    """
    n = next_state.shape[1]
    v = np.zeros(n if live is None else live(0))
    vals = [v] if keep_values else None
    pols = [None] if keep_policy else None
    blocked = None if allowed is None or np.all(allowed) else ~np.asarray(allowed, dtype=bool)
    for k in range(1, steps + 1):
        m = n if live is None else live(k)
        v_new = np.empty(m)
        pol = np.empty(m, dtype=np.int8) if keep_policy else None
        add_final = k == 1 and with_final and final is not None
        for lo in range(0, m, CHUNK):
            hi = min(m, lo + CHUNK)
            q = np.take(v, next_state[:, lo:hi])
            if gamma != 1.0:
                q *= gamma
            q += reward[:, lo:hi]
            if add_final:
                q += final[:, lo:hi]
            if blocked is not None:
                q[blocked] = -np.inf
            best = q.max(axis=0)
            v_new[lo:hi] = best
            if keep_policy:
                pol[lo:hi] = np.argmax(q >= best - TIE, axis=0)
        v = v_new
        if keep_policy:
            pols.append(pol)
        if keep_values:
            vals.append(v)
    return v, vals, pols


def objective(graph, terms) -> ObjectiveArrays:
    """ObjectiveArrays of ``terms`` on ``graph``, built once per graph and objective."""
    cache = graph.__dict__.setdefault("_objectives", {})
    key = canonical(terms)
    if key not in cache:
        cache[key] = ObjectiveArrays.build(graph, terms)
    return cache[key]


def plan_values(graph, terms, steps: int, gamma: float = 1.0, allowed=None, with_final: bool = True,
                keep_values: bool = False):
    """``values`` of an objective on a graph, computed once per graph and question.

    Returns (v, values_by_k or None). The same objective, discount, allowed actions and
    horizon asked twice (a lifted limit that changes nothing, mesa = base) plan once.
    """
    cache = graph.__dict__.setdefault("_plans", {})
    allowed_key = None if allowed is None or np.all(allowed) else tuple(bool(x) for x in allowed)
    key = (canonical(terms), float(gamma), allowed_key, steps, with_final)
    hit = cache.get(key)
    if hit is not None and (hit[1] is not None or not keep_values):
        return hit
    obj = objective(graph, terms)
    v, vals, _ = values(graph.next, obj.reward, obj.final, steps, gamma, allowed, keep_values=keep_values,
                        with_final=with_final, live=graph.live)
    cache[key] = (v, vals)
    return v, vals


def greedy(obj: ObjectiveArrays, next_state: np.ndarray, value_after: np.ndarray, i: int, gamma: float,
           final: bool, blocked: np.ndarray | None) -> int:
    """The first action within TIE of the best at one state: the same arithmetic as ``values``."""
    q = np.take(value_after, next_state[:, i])
    if gamma != 1.0:
        q *= gamma
    q += obj.reward[:, i]
    if final and obj.final is not None:
        q += obj.final[:, i]
    if blocked is not None:
        q[blocked] = -np.inf
    return int(np.argmax(q >= q.max() - TIE))
