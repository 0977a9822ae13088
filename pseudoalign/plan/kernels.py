"""Planning kernels: pure functions of arrays.

Owns: an objective's arrays on a graph, backward induction, the tie-broken greedy choice.
Imports numpy, vocab and expr (to compare objectives) only.

A step's reward is the objective's level terms in the state after it plus its event terms
of the step: ``level[next[a, s]] + event[a][s]``. Level terms are folded into the values
before the gather (``w = gamma * v + level``), so a backup reads ``next`` and gathers ``w``;
event terms are added only for the few actions whose events the objective reads.
"""

from __future__ import annotations

import os

import numpy as np
from attrs import frozen

from ..scenario.expr import canonical
from ..vocab import ACTIONS

TIE = 1e-9
A = len(ACTIONS)


@frozen(eq=False)
class ObjectiveArrays:
    """An objective on a graph: ``level[s]`` its every-step level terms in state s; ``event``
    ((a, row[s]), ...) its every-step event terms, for the actions where they are non-zero;
    ``flevel`` and ``fevent`` the same for its final terms (None and () when it has none)."""

    level: np.ndarray
    event: tuple
    flevel: np.ndarray | None
    fevent: tuple

    @classmethod
    def build(cls, graph, terms) -> "ObjectiveArrays":
        n = graph.N
        level, flevel = np.zeros(n), np.zeros(n)
        event, fevent = np.zeros((A, n)), np.zeros((A, n))
        has_final = False
        for t in terms:
            if t.is_event:
                (fevent if t.final else event)[...] += t.coef * graph.events[t.feature[len("event."):]]
            else:
                (flevel if t.final else level)[...] += t.coef * graph.level(t.feature)
            has_final |= t.final

        def rows(e):
            return tuple((a, e[a].copy()) for a in range(A) if e[a].any())

        if not has_final:
            return cls(level, rows(event), None, ())
        return cls(level, rows(event), flevel, rows(fevent))

    def step_reward(self, graph, s: int, a: int, last: bool) -> float:
        """What the step from state s by action a earns (with the final terms when ``last``)."""
        s2 = int(graph.next[a, s])
        r = self.level[s2] + sum(row[s] for b, row in self.event if b == a)
        if last and self.flevel is not None:
            r = r + self.flevel[s2] + sum(row[s] for b, row in self.fevent if b == a)
        return float(r)

    def gain(self, graph, s: int, a: int, last: bool) -> float:
        """The change of its level terms over the step, plus its event terms (and all of final at the end)."""
        s2 = int(graph.next[a, s])
        g = self.level[s2] - self.level[s] + sum(row[s] for b, row in self.event if b == a)
        if last and self.flevel is not None:
            g = g + self.flevel[s2] + sum(row[s] for b, row in self.fevent if b == a)
        return float(g)


CHUNK = 16384  # states per block of the backup: a block's q[a, s] stays in cache
PARALLEL_MIN = 4 * CHUNK  # below this many states one thread is quicker than several
_POOL = None


def _threads() -> int:
    try:
        return max(1, min(4, len(os.sched_getaffinity(0))))
    except AttributeError:  # not on Linux
        return max(1, min(4, os.cpu_count() or 1))


def _pool():
    global _POOL
    if _POOL is None:
        from concurrent.futures import ThreadPoolExecutor

        _POOL = ThreadPoolExecutor(_threads(), thread_name_prefix="pseudoalign-backup")
    return _POOL


def folded(v: np.ndarray, obj: ObjectiveArrays, gamma: float, last: bool, out: np.ndarray | None = None) -> np.ndarray:
    """w[s'] = gamma * v[s'] + level[s'] (+ flevel[s'] on the last step): what reaching s' is worth."""
    m = v.shape[0]
    w = np.empty(m) if out is None else out[:m]
    if gamma != 1.0:
        np.multiply(v, gamma, out=w)
        w += obj.level[:m]
    else:
        np.add(v, obj.level[:m], out=w)
    if last and obj.flevel is not None:
        w += obj.flevel[:m]
    return w


def _backup_block(lo: int, hi: int, w, next_state, moving, still, events, v_new) -> None:
    """q[a, s] = w[next[a, s]] (+ event terms) for states lo..hi in cache-sized blocks;
    v_new[lo:hi] = max over the allowed actions. ``moving`` are the allowed actions that change
    some state, and ``next_state`` holds their rows only, in that order (their successors are
    gathered); ``still`` those that change none, where next[a, s] = s and q[a] is w[lo:hi]
    itself. Writes only its own slice of v_new."""
    gathered = {a: j for j, a in enumerate(moving)}
    with_events = {a for a, _row in events}
    plain_still = any(a not in with_events for a in still)
    for a0 in range(lo, hi, CHUNK):
        a1 = min(hi, a0 + CHUNK)
        q = np.take(w, next_state[:, a0:a1]) if moving else None
        here = w[a0:a1]
        best = None
        extra = {}  # a still action's q: w[s] plus each of its event rows, in order
        for a, row in events:
            if a in gathered:
                q[gathered[a]] += row[a0:a1]
            elif a in extra:
                extra[a] += row[a0:a1]
            elif a in still:
                extra[a] = here + row[a0:a1]
        if q is not None:
            best = q.max(axis=0)
        for cand in list(extra.values()) + ([here] if plain_still else []):
            best = cand.copy() if best is None else np.maximum(best, cand, out=best)
        v_new[a0:a1] = best


def values(next_state: np.ndarray, obj: ObjectiveArrays, steps: int, gamma: float = 1.0,
           allowed: np.ndarray | None = None, keep_values: bool = False, with_final: bool = True, live=None,
           still=()):
    """Backward induction over ``steps`` steps; with ``with_final`` the last step also earns the final terms.

    next_state[a, s] and an objective -> (v, values_by_k): v the values with ``steps`` to go;
    values_by_k[k] (k = 0..steps) when keep_values, else None. ``allowed`` is a bool[a] mask
    of the actions it may take. ``live(k)``, when given, is how many states (a prefix, in order
    of depth) need values with k steps to go; the arrays for k then cover only that prefix.
    ``still`` names actions known to leave every state as it is (next[a, s] = s): their q is
    read straight from the values instead of gathered. Large sweeps are split between threads: every state's value is computed by the same
    arithmetic whichever thread computes it, so the result does not depend on them.
    """
    n = next_state.shape[1]
    size = n if live is None else live(0)
    v = np.zeros(size)
    vals = [v] if keep_values else None
    ok = np.ones(A, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool)
    still = tuple(a for a in still if ok[a])
    moving = [a for a in range(A) if ok[a] and a not in still]
    next_moving = next_state if len(moving) == A else next_state[moving]  # rows gathered, contiguous
    threads = _threads()
    w_buf = np.empty(size)  # reused every step: fresh large arrays cost page faults
    spare = None if keep_values else np.empty(size)
    for k in range(1, steps + 1):
        m = n if live is None else live(k)
        last = k == 1 and with_final
        w = folded(v, obj, gamma, last, out=w_buf)
        events = tuple((a, row) for a, row in obj.event + (obj.fevent if last else ()) if ok[a])
        v_new = np.empty(m) if keep_values else spare[:m]
        if m >= PARALLEL_MIN and threads > 1:
            cuts = [(m * i // threads) // CHUNK * CHUNK for i in range(threads)] + [m]
            jobs = [_pool().submit(_backup_block, cuts[i], cuts[i + 1], w, next_moving, moving, still, events, v_new)
                    for i in range(threads)]
            for j in jobs:
                j.result()
        else:
            _backup_block(0, m, w, next_moving, moving, still, events, v_new)
        if keep_values:
            vals.append(v_new)
        else:
            spare = v.base if v.base is not None else v  # the old values' buffer is free again
        v = v_new
    return v, vals


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
    v, vals = values(graph.next, objective(graph, terms), steps, gamma, allowed, keep_values=keep_values,
                     with_final=with_final, live=graph.live, still=graph.still)
    cache[key] = (v, vals)
    return v, vals


def greedy(obj: ObjectiveArrays, next_state: np.ndarray, value_after: np.ndarray, i: int, gamma: float,
           last: bool, blocked: np.ndarray | None) -> int:
    """The first action within TIE of the best at state i: the same arithmetic as ``values``."""
    nx = next_state[:, i]
    q = value_after[nx] * gamma if gamma != 1.0 else value_after[nx].copy()
    q += obj.level[nx]
    if last and obj.flevel is not None:
        q += obj.flevel[nx]
    for a, row in obj.event + (obj.fevent if last else ()):
        q[a] += row[i]
    if blocked is not None:
        q[blocked] = -np.inf
    return int(np.argmax(q >= q.max() - TIE))
