"""Plans of many objectives on one graph: what ``learn`` asks of each training episode.

Owns: plan_many and its fused kernel ``values_many`` (the values of K objectives in one pass
over the successor table). Imports kernels (the objective arrays, the plan cache and its
key, the fold and the thread pool), settings.

``plan_many`` leaves each objective's values in the graph's plan cache exactly as
``plan_values(..., keep_values=True)`` would, so a Robot built afterwards on that graph with
any of those objectives plans nothing again. ``values_many`` keeps the K objectives' values
side by side (``[states, K]``), so a block of successors is gathered once for all of them;
each objective's value in each state is the same arithmetic as numpy's single-pass kernel
(``kernels._numpy_chunk``): the same additions in the same order, then the largest, so the
values are bit-identical to K single passes. K is cut into chunks whose work arrays stay
within ``MEMORY`` bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

from ..scenario.expr import Term
from .graph import Graph
from .kernels import (
    A,
    EventRows,
    ObjectiveArrays,
    _fold,
    _pool,
    _threads,
    objective,
    plan_actions,
    plan_key,
    plan_values,
)
from .settings import DEFAULT, PlanSettings

#: Bytes of work arrays (levels, values and folded values, [states, K] each) a fused pass may hold.
MEMORY = 256 << 20
#: Bytes of one [states, K] value table up to which ``plan_many`` fuses K objectives: a fused
#: pass gathers K values per successor, and pays only while the table stays in cache (on
#: larger graphs, benchmarks/multi.py shows single passes, numba's above all, quicker).
FUSE = 8 << 20


def values_many(next_state: np.ndarray, objs: Sequence[ObjectiveArrays], steps: int, gamma: float = 1.0,
                allowed: np.ndarray | None = None, keep_values: bool = False, with_final: bool = True,
                live: Callable[[int], int] | None = None, still: Iterable[int] = (),
                settings: PlanSettings = DEFAULT, memory: int | None = None) -> list[tuple[np.ndarray, list[np.ndarray] | None]]:
    """``kernels.values`` of each of ``objs`` at once: [(v, values_by_k or None), ...] in their
    order, bit-identical to a single pass of each (the same arguments mean the same). The
    objectives are planned in chunks whose levels, values and folded values ([states, chunk]
    each) fit in ``memory`` bytes (default ``MEMORY``); what keep_values keeps is on top of that."""
    n, ok, still, moving = plan_actions(next_state, allowed, still)
    K = len(objs)
    if K == 0:
        return []
    size = n if live is None else live(0)
    memory = MEMORY if memory is None else memory
    per = max(1, memory // (8 * max(size, 1) * 4))
    if K > per:  # in chunks: each its own pass, so memory stays bounded
        out: list[tuple[np.ndarray, list[np.ndarray] | None]] = []
        for i in range(0, K, per):
            out += values_many(next_state, objs[i:i + per], steps, gamma, allowed, keep_values, with_final, live,
                               still, settings, memory)
        return out
    next_moving = next_state[list(moving)] if moving else None
    if next_moving is not None and not next_moving.flags.c_contiguous:
        next_moving = np.ascontiguousarray(next_moving)
    row_of = {a: j for j, a in enumerate(moving)}
    # per objective and step kind (last: final terms too): event rows on moving actions as
    # (j, row) in order, still actions' event rows grouped by action in order of first sight
    moving_ev: list[list[list[tuple[int, np.ndarray]]]] = [[], []]
    still_ev: list[list[list[list[np.ndarray]]]] = [[], []]
    for last in (False, True):
        for obj in objs:
            rows: EventRows = tuple((a, row) for a, row in obj.event + (obj.fevent if last else ()) if ok[a])
            moving_ev[last].append([(row_of[a], row) for a, row in rows if a in row_of])
            groups: dict[int, list[np.ndarray]] = {}
            for a, row in rows:
                if a not in row_of:
                    groups.setdefault(a, []).append(row)
            still_ev[last].append(list(groups.values()))
    plain_still = [np.array([any(a not in {b for b, _r in obj.event + (obj.fevent if last else ()) if ok[b]}
                                 for a in still) for obj in objs], dtype=bool) for last in (False, True)]
    with_moving = [[j for j in range(K) if moving_ev[last][j]] for last in (False, True)]
    with_still = [[j for j in range(K) if still_ev[last][j]] for last in (False, True)]
    # Where they fit, the event rows side by side: dense[last] = ([(r, E[size, K]), ...] for the
    # moving rows, [[E, ...] per still action]), E's column j objective j's i-th row there (0.0
    # where it has none: x + 0.0 is x, as no value is -0.0); a still action an objective reads
    # no event of is a candidate w[s] + 0.0 = w[s] it has already (plain_still).
    dense: list[tuple[list[tuple[int, np.ndarray]], list[list[np.ndarray]]] | None] = [None, None]
    for last in (False, True):
        by_row: dict[int, list[list[tuple[int, np.ndarray]]]] = {}
        for j in range(K):
            seen_r: dict[int, int] = {}
            for r, row in moving_ev[last][j]:
                i = seen_r.get(r, 0)
                seen_r[r] = i + 1
                slots = by_row.setdefault(r, [])
                while len(slots) <= i:
                    slots.append([])
                slots[i].append((j, row))
        by_still: dict[int, list[list[tuple[int, np.ndarray]]]] = {}
        still_acts: list[dict[int, list[np.ndarray]]] = []
        for obj in objs:
            by_act: dict[int, list[np.ndarray]] = {}
            for a, row in obj.event + (obj.fevent if last else ()):
                if ok[a] and a not in row_of:
                    by_act.setdefault(a, []).append(row)
            still_acts.append(by_act)
        for j, by_act in enumerate(still_acts):
            for a, rows_a in by_act.items():
                slots = by_still.setdefault(a, [])
                while len(slots) < len(rows_a):
                    slots.append([])
                for i, row in enumerate(rows_a):
                    slots[i].append((j, row))
        mats = sum(len(v) for v in by_row.values()) + sum(len(v) for v in by_still.values())
        if mats == 0 or mats * size * K * 8 > memory:
            continue

        def matrix(cols: list[tuple[int, np.ndarray]]) -> np.ndarray:
            E = np.zeros((size, K))
            for j, row in cols:
                E[:, j] = row[:size]
            return E

        dense[last] = ([(r, matrix(cols)) for r, slots in sorted(by_row.items()) for cols in slots],
                       [[matrix(cols) for cols in slots] for _a, slots in sorted(by_still.items())])
    level = np.stack([obj.level[:size] for obj in objs], axis=1)
    V = np.zeros((size, K))
    vals: list[list[np.ndarray]] | None = [[V[:, j].copy()] for j in range(K)] if keep_values else None
    W = np.empty((size, K))
    _fold(V, level, gamma, W)
    if with_final:
        for j, obj in enumerate(objs):
            if obj.flevel is not None:
                W[:, j] += obj.flevel[:size]
    W_next = np.empty((size, K))
    step = max(2048, 2 * settings.chunk // K)  # a block's gather, [moving, block, K], about as large as one pass's

    def chunk(a0: int, a1: int, last: bool, w: np.ndarray, v_new: np.ndarray) -> None:
        here = w[a0:a1]
        packed = dense[last]
        if next_moving is not None:
            q = w.take(next_moving[:, a0:a1], axis=0)  # [moving, block, K]: each successor gathered once for all K
            if packed is not None:
                for r, E in packed[0]:
                    q[r] += E[a0:a1]
            else:
                for j in with_moving[last]:
                    for r, row in moving_ev[last][j]:
                        q[r, :, j] += row[a0:a1]
            best = np.maximum.reduce(q, axis=0)
        else:
            best = np.full((a1 - a0, K), -np.inf)
        if packed is not None:
            for mats in packed[1]:
                cand = here + mats[0][a0:a1]
                for E in mats[1:]:
                    cand += E[a0:a1]
                np.maximum(best, cand, out=best)
        else:
            for j in with_still[last]:
                for group in still_ev[last][j]:
                    cand = here[:, j] + group[0][a0:a1]
                    for row in group[1:]:
                        cand += row[a0:a1]
                    np.maximum(best[:, j], cand, out=best[:, j])
        ps = plain_still[last]
        if ps.all():
            np.maximum(best, here, out=best)
        elif ps.any():
            best[:, ps] = np.maximum(best[:, ps], here[:, ps])
        v_new[a0:a1] = best

    for k in range(1, steps + 1):
        m = n if live is None else live(k)
        V_new = np.empty((m, K))
        last = k == 1 and with_final
        fold_next = k < steps

        def block(lo: int, hi: int, last: bool = last, V_new: np.ndarray = V_new, W: np.ndarray = W,
                  W_next: np.ndarray = W_next, fold_next: bool = fold_next) -> None:
            for a0 in range(lo, hi, step):
                a1 = min(hi, a0 + step)
                chunk(a0, a1, last, W, V_new)
                if fold_next:
                    _fold(V_new[a0:a1], level[a0:a1], gamma, W_next[a0:a1])

        threads = _threads()
        if m >= settings.parallel_min and threads > 1:
            cuts = [(m * i // threads) // step * step for i in range(threads)] + [m]
            jobs = [_pool().submit(block, cuts[i], cuts[i + 1]) for i in range(threads)]
            for job in jobs:
                job.result()
        else:
            block(0, m)
        if vals is not None:  # each objective's values a contiguous row of one copy
            rows_k = np.ascontiguousarray(V_new.T)
            for j in range(K):
                vals[j].append(rows_k[j])
        V = V_new
        W, W_next = W_next[:m], W
    if vals is not None:
        return [(vs[-1], vs) for vs in vals]
    return [(V[:, j].copy(), None) for j in range(K)]


def plan_many(graph: Graph, objectives: Sequence[Sequence[Term]], steps: int, gamma: float = 1.0,
              allowed: np.ndarray | None = None, with_final: bool = True, *,
              settings: PlanSettings = DEFAULT) -> None:
    """Plan every objective of ``objectives`` on ``graph`` (``steps`` steps, discount ``gamma``,
    ``allowed`` actions, final terms on the last step when ``with_final``), keeping the values of
    each in the graph's plan cache: afterwards ``plan_values(graph, terms, steps, gamma, allowed,
    with_final, keep_values=True)`` of any of them is a cache hit. The objectives not planned
    yet are planned together by ``values_many``, in one pass over the successor table, as many
    at once as keep a [states, K] value table within ``FUSE`` bytes; on a graph too large for
    two, one by one."""
    cache = graph.__dict__.setdefault("_plans", {})
    todo: dict[tuple[object, ...], Sequence[Term]] = {}
    narrowed = allowed
    for terms in objectives:
        key, narrowed = plan_key(graph, terms, steps, gamma, allowed, with_final)
        hit = cache.get(key)
        if (hit is None or hit[1] is None) and key not in todo:
            todo[key] = terms
    if not todo:
        return
    ok = np.ones(A, dtype=bool) if narrowed is None else np.asarray(narrowed, dtype=bool)
    if len(todo) == 1 or not any(ok[a] and a not in graph.still for a in range(A)):
        for terms in todo.values():  # one objective, or no action that moves: the single pass
            plan_values(graph, terms, steps, gamma, allowed, with_final, keep_values=True, settings=settings)
        return
    per = FUSE // (8 * max(graph.live(0), 1))
    if per < 2:  # too large a graph for a fused pass to pay: single passes (each kernel as settings say)
        for terms in todo.values():
            plan_values(graph, terms, steps, gamma, allowed, with_final, keep_values=True, settings=settings)
        return
    keys = list(todo)
    for i in range(0, len(keys), per):
        objs = [objective(graph, todo[key]) for key in keys[i:i + per]]
        done = values_many(graph.next, objs, steps, gamma, narrowed, keep_values=True, with_final=with_final,
                           live=graph.live, still=graph.still, settings=settings)
        for key, result in zip(keys[i:i + per], done):
            cache[key] = result
