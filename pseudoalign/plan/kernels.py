"""Planning kernels: pure functions of arrays.

Owns: an objective's arrays on a graph, backward induction, the tie-broken greedy choice,
and which kernel does the backup (``KernelTier``). Imports numpy, errors, vocab, expr (to
compare objectives) and plan.settings (plan.graph for annotations only); numba (through
compiled.py) only once a process has planned enough to repay it.

A step's reward is the objective's level terms in the state after it plus its event terms
of the step: ``level[next[a, s]] + event[a][s]``. Level terms are folded into the values
before the gather (``w = gamma * v + level``), so a backup reads ``next`` and gathers ``w``;
event terms are added only for the few actions whose events the objective reads.

Two kernels do the backup with the same arithmetic, so they give the same bits: numpy's, in
cache-sized blocks, and a loop compiled by numba (``compiled.py``; the optional extra
``pseudoalign[fast]``), quicker on long plans without event terms but 0.3-0.8 s and about
100 MB to load. Under ``PlanSettings(kernel="auto")`` a process starts on numpy's
and moves to the compiled one once it has planned about as much as loading costs
(``tier_up``), so short runs never pay for it and long ones do once; "numpy" or "numba"
picks one for every plan. What a process has planned, and whether numba loaded, is kept in
one ``KernelTier`` per process (``PROCESS_TIER``).
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
from attrs import frozen

from ..errors import SettingError
from ..scenario.expr import canonical
from ..vocab import ACTIONS
from .settings import DEFAULT, PlanSettings

if TYPE_CHECKING:  # the graph imports no kernel, but a kernel needs no graph to run
    from concurrent.futures import ThreadPoolExecutor

    from ..scenario.expr import Term
    from .graph import Graph

TIE = 1e-9
A = len(ACTIONS)

#: An objective's event terms on a graph: (action a, row[s]) for each action where they are non-zero.
EventRows = tuple[tuple[int, np.ndarray], ...]
#: What ``values`` returns: (v with every step to go, values by steps to go 0..steps or None).
Values = tuple[np.ndarray, list[np.ndarray] | None]


@frozen(eq=False)
class ObjectiveArrays:
    """An objective on a graph: ``level[s]`` its every-step level terms in state s; ``event``
    ((a, row[s]), ...) its every-step event terms, for the actions where they are non-zero;
    ``flevel`` and ``fevent`` the same for its final terms (None and () when it has none)."""

    level: np.ndarray
    event: EventRows
    flevel: np.ndarray | None
    fevent: EventRows

    @classmethod
    def build(cls, graph: Graph, terms: Iterable[Term], read: Mapping[str, np.ndarray] | None = None,
              rows_of: dict[str, list[tuple[int, np.ndarray]]] | None = None) -> ObjectiveArrays:
        """The arrays of ``terms`` on ``graph``. Level terms are read a block of states at a
        time (each block decoded once for all of them, then let go: no decoded matrix of the
        graph is kept), event terms only for the actions whose rows the graph keeps. Each
        array is the sum of its terms' ``coef * feature``, in the terms' order, from +0.0.
        ``read``, when it holds every level feature of ``terms``, gives those levels whole
        (read once for many objectives: ``learn``); ``rows_of`` keeps each event feature's
        rows between calls. Either gives the same arrays to the bit."""
        terms = tuple(terms)
        n = graph.N
        has_final = any(t.final for t in terms)
        levels = [t for t in terms if not t.is_event]
        level, flevel = np.zeros(n), np.zeros(n)
        if levels:
            blocks = getattr(graph, "level_blocks", None)
            if read is not None and all(t.feature in read for t in levels):
                for t in levels:
                    (flevel if t.final else level)[...] += t.coef * read[t.feature]
            elif blocks is None:  # a graph that only gives whole levels
                for t in levels:
                    (flevel if t.final else level)[...] += t.coef * graph.level(t.feature)
            else:
                for lo, hi, got in blocks([t.feature for t in levels]):
                    for t, x in zip(levels, got):
                        (flevel if t.final else level)[lo:hi] += t.coef * x

        def rows(final: bool) -> EventRows:
            sums: dict[int, np.ndarray] = {}
            for t in terms:
                if t.is_event and t.final == final:
                    got = None if rows_of is None else rows_of.get(t.feature)
                    if got is None:
                        got = sorted(_event_rows(graph.events[t.feature[len("event."):]], n).items())
                        if rows_of is not None:
                            rows_of[t.feature] = got
                    for a, row in got:
                        acc = sums.get(a)
                        if acc is None:
                            acc = sums[a] = np.zeros(n)
                        acc += t.coef * row
            return tuple((a, sums[a]) for a in range(A) if a in sums and sums[a].any())

        if not has_final:
            return cls(level, rows(False), None, ())
        return cls(level, rows(False), flevel, rows(True))

    def step_reward(self, graph: Graph, s: int, a: int, last: bool) -> float:
        """What the step from state s by action a earns (with the final terms when ``last``)."""
        s2 = int(graph.next[a, s])
        r = self.level[s2] + sum(row[s] for b, row in self.event if b == a)
        if last and self.flevel is not None:
            r = r + self.flevel[s2] + sum(row[s] for b, row in self.fevent if b == a)
        return float(r)

    def along(self, graph: Graph, states: Sequence[int], actions: Sequence[int], last: int) -> tuple[list[float], list[float]]:
        """``step_reward`` and ``gain`` of each step (states[t], actions[t]), the step ``last``
        (-1: none) with the final terms: the same sums in the same order, for all steps at once."""
        n = len(actions)
        s = np.asarray(states[:n], dtype=np.int64)
        a = np.asarray(actions, dtype=np.int64)
        s2 = graph.next[a, s]
        after = self.level[s2]
        ev = np.zeros(n)
        for b, row in self.event:
            at = np.nonzero(a == b)[0]
            if at.size:
                ev[at] += row[s[at]]
        reward = (after + ev).tolist()
        gain = (after - self.level[s] + ev).tolist()
        if 0 <= last < n:
            reward[last] = self.step_reward(graph, int(s[last]), int(a[last]), True)
            gain[last] = self.gain(graph, int(s[last]), int(a[last]), True)
        return reward, gain

    def gain(self, graph: Graph, s: int, a: int, last: bool) -> float:
        """The change of its level terms over the step, plus its event terms (and all of final at the end)."""
        s2 = int(graph.next[a, s])
        g = self.level[s2] - self.level[s] + sum(row[s] for b, row in self.event if b == a)
        if last and self.flevel is not None:
            g = g + self.flevel[s2] + sum(row[s] for b, row in self.fevent if b == a)
        return float(g)


def _event_rows(counts: Any, n: int) -> dict[int, np.ndarray]:
    """An event's rows by action: a graph's EventCounts keeps them so; a dense [A, N] table
    (a graph made by hand) gives its non-zero rows."""
    kept = getattr(counts, "rows", None)
    if kept is not None:
        return dict(kept)
    table = np.asarray(counts)
    return {a: table[a] for a in range(table.shape[0]) if table[a].any()}


_POOL: ThreadPoolExecutor | None = None


def _import_compiled() -> ModuleType:
    """compiled.py, imported (and numba with it); an error says why numba cannot serve here."""
    import numba

    if numba.config.DISABLE_JIT:  # type: ignore[attr-defined]  # numba sets its config from NUMBA_* at import
        raise RuntimeError("NUMBA_DISABLE_JIT is set, which would run the kernel as Python loops")
    from . import compiled

    return compiled


class KernelTier:
    """Which kernel ``auto`` plans with in one process, and whether the compiled one serves.

    Lifetime: one per process, ``PROCESS_TIER``, made when this module is imported; a forked
    worker starts with a copy of its parent's (numba loaded or not, the work counted), a
    spawned one with a fresh one. It counts the state-steps numpy's kernel has planned
    (``numpy_work``) and, once asked (``compiled()``), loads numba's kernels through ``load``
    and tries them, keeping the module or why it could not serve (``error``, and ``missing``
    when numba is not installed). Tests make their own, with their own ``load``.
    """

    def __init__(self, load: Callable[[], ModuleType] = _import_compiled) -> None:
        self._load = load
        self._lock = threading.Lock()  # plans in several threads load it once, and wait for it
        self._tried = False
        self.module: ModuleType | None = None
        self.error = ""
        self.missing = False
        self.numpy_work = 0

    def compiled(self) -> ModuleType | None:
        """The module of compiled kernels, loaded and tried once; None when numba cannot serve
        here (not installed, NUMBA_DISABLE_JIT set, or a failure loading or compiling them)."""
        with self._lock:
            if not self._tried:
                try:
                    module = self._load()
                    _try_compiled(module)
                except Exception as e:  # noqa: BLE001 - numpy's kernel serves; the error says why, should numba be asked for
                    self.error = f"{type(e).__name__}: {e}"
                    self.missing = isinstance(e, ImportError)
                else:
                    self.module = module
                self._tried = True
        return self.module

    def check(self, asked: str) -> None:
        """Raise a SettingError when ``asked`` is numba and the compiled kernel cannot run here."""
        if asked == "numba" and self.compiled() is None:
            raise SettingError(f"numba's compiled kernel cannot run here ({self.error}): ask for kernel 'numpy' "
                               "or 'auto' to plan with numpy's"
                               + (", or install numba, pseudoalign's extra 'fast': pip install 'pseudoalign[fast]'"
                                  if self.missing else ""))

    def choose(self, settings: PlanSettings) -> str:
        """Which kernel plans next: "numba" or "numpy".

        numpy and numba as asked (numba where it cannot serve is a SettingError); auto: numpy's
        until this process has planned ``settings.tier_up`` state-steps with it (or numba is
        loaded already), then the compiled one if numba serves here. Both give the same bits.
        """
        if settings.kernel == "numpy":
            return "numpy"
        if settings.kernel == "numba":
            self.check("numba")
            return "numba"
        if self.module is not None or (self.numpy_work >= settings.tier_up and self.compiled() is not None):
            return "numba"
        return "numpy"


def _try_compiled(compiled: ModuleType) -> None:
    """Call each compiled kernel once on a tiny table, with the types plans use: loading them
    from numba's cache (or compiling them) happens here, where a failure can be caught."""
    w, out, nxt = np.zeros(2), np.empty(2), np.zeros((1, 2), dtype=np.int32)
    ev, idx = np.zeros((1, 2)), np.zeros(1, dtype=np.int64)
    compiled.best_plain(0, 2, w, nxt, 1, True, out)
    compiled.add_events(0, 2, w, nxt, 0, ev, idx, idx, 1, out)


PROCESS_TIER = KernelTier()


@functools.cache
def _threads() -> int:
    """Threads for a large backup: the cores this process may use, at most 4 (asked once)."""
    try:
        return max(1, min(4, len(os.sched_getaffinity(0))))
    except AttributeError:  # not on Linux
        return max(1, min(4, os.cpu_count() or 1))


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        from concurrent.futures import ThreadPoolExecutor

        _POOL = ThreadPoolExecutor(_threads(), thread_name_prefix="pseudoalign-backup")
    return _POOL


def _forget_pool() -> None:
    """In a forked child: the parent's threads are not there, so its pool would wait forever
    (and the child may be allowed other cores)."""
    global _POOL
    _POOL = None
    _threads.cache_clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _fold(v: np.ndarray, level: np.ndarray, gamma: float, out: np.ndarray) -> None:
    """out = gamma * v + level, element by element (the one place this arithmetic lives)."""
    if gamma != 1.0:
        np.multiply(v, gamma, out=out)
        out += level
    else:
        np.add(v, level, out=out)


def folded(v: np.ndarray, obj: ObjectiveArrays, gamma: float, last: bool, out: np.ndarray | None = None) -> np.ndarray:
    """w[s'] = gamma * v[s'] + level[s'] (+ flevel[s'] on the last step): what reaching s' is worth."""
    m = v.shape[0]
    w = np.empty(m) if out is None else out[:m]
    _fold(v, obj.level[:m], gamma, w)
    if last and obj.flevel is not None:
        w += obj.flevel[:m]
    return w


#: The compiled kernels' view of a step's event rows: (plain, ev, ev_slot, ev_cand, n_cand).
CompiledView = tuple[int, np.ndarray, np.ndarray, np.ndarray, int]
#: One block of a backup: chunk(a0, a1, layout, last, w, v_new) writes v_new[a0:a1].
Chunk = Callable[[int, int, "_Layout", bool, np.ndarray, np.ndarray], None]


@frozen(eq=False)
class _Layout:
    """What every step of one plan reads, laid out once. ``next_moving[j, s]``: the successor
    rows of the allowed actions that change some state (``moving``, in that order; ``row_of``
    maps each to its j); ``still``: the allowed actions that change none (q = w[s]);
    ``events[last]``: the event rows (a, row[s]) of a step, in order (last: the final terms
    too); ``plain_still[last]``: some still action reads none of them; ``compiled[last]``:
    the compiled kernels' view of them, and ``kernels`` their module, or None for numpy's kernel."""

    next_moving: np.ndarray
    moving: tuple[int, ...]
    row_of: dict[int, int]
    still: tuple[int, ...]
    events: tuple[EventRows, ...]  # these three are indexed by last: [False], [True]
    plain_still: tuple[bool, ...]
    compiled: tuple[CompiledView, ...] | None
    kernels: ModuleType | None


def _numpy_chunk(a0: int, a1: int, lay: _Layout, last: bool, w: np.ndarray, v_new: np.ndarray) -> None:
    """v_new[a0:a1] = the largest q[a, s] = w[next[a, s]] (+ event terms) over the allowed
    actions, for one cache-sized block of states; a still action has q[a] = w[s]."""
    q = w.take(lay.next_moving[:, a0:a1]) if lay.moving else None
    here = w[a0:a1]
    extra: dict[int, np.ndarray] = {}  # a still action's q: w[s] plus each of its event rows, in order
    for a, row in lay.events[last]:
        j = lay.row_of.get(a)
        if j is not None:
            assert q is not None  # a moving action has its row of q
            q[j] += row[a0:a1]
        elif a in extra:
            extra[a] += row[a0:a1]
        else:
            extra[a] = here + row[a0:a1]
    out = v_new[a0:a1]  # the largest is written straight into the values: no block copied after
    cands = list(extra.values()) + ([here] if lay.plain_still[last] else [])
    if q is not None:
        np.maximum.reduce(q, axis=0, out=out)
    else:
        out[...] = cands.pop(0)
    for cand in cands:
        np.maximum(out, cand, out=out)


def _compiled_chunk(a0: int, a1: int, lay: _Layout, last: bool, w: np.ndarray, v_new: np.ndarray) -> None:
    """``_numpy_chunk`` by the compiled kernels: the same additions, then the same largest."""
    kernels = lay.kernels
    assert kernels is not None and lay.compiled is not None  # a compiled layout carries both
    plain, ev, ev_slot, ev_cand, n_cand = lay.compiled[last]
    kernels.best_plain(a0, a1, w, lay.next_moving, plain, lay.plain_still[last], v_new)
    if plain < len(lay.moving) or n_cand:
        kernels.add_events(a0, a1, w, lay.next_moving, plain, ev, ev_slot, ev_cand, n_cand, v_new)


def _compiled_view(events: EventRows, row_of: dict[int, int], plain: int, n: int) -> CompiledView:
    """The compiled kernels' view of a step's event rows, for successor rows ``row_of[a]``
    whose first ``plain`` read no event: (plain, ev, ev_slot, ev_cand, n_cand)."""
    cand_of: dict[int, int] = {}
    for a, _row in events:
        if a not in row_of:
            cand_of.setdefault(a, len(cand_of))
    ev = np.stack([row for _a, row in events]) if events else np.zeros((0, n))
    ev_slot = np.array([row_of.get(a, -1) for a, _row in events], dtype=np.int64)
    ev_cand = np.array([cand_of.get(a, -1) for a, _row in events], dtype=np.int64)
    return plain, ev, ev_slot, ev_cand, len(cand_of)


def _sweep(m: int, chunk: Chunk, lay: _Layout, last: bool, w: np.ndarray, v_new: np.ndarray, level: np.ndarray,
           gamma: float, w_next: np.ndarray | None, step: int, settings: PlanSettings) -> None:
    """chunk(...) over the states 0..m in blocks of ``step``, each folded at once into w_next
    (the next step's w) when it is given; split between threads when m is large. Every
    state's value is the same arithmetic whichever thread computes it."""
    if m <= step:  # one block (a small graph, or the last steps of a plan): here, as block(0, m) would
        chunk(0, m, lay, last, w, v_new)
        if w_next is not None:
            _fold(v_new[:m], level[:m], gamma, w_next[:m])
        return

    def block(lo: int, hi: int) -> None:
        for a0 in range(lo, hi, step):
            a1 = min(hi, a0 + step)
            chunk(a0, a1, lay, last, w, v_new)
            if w_next is not None:
                _fold(v_new[a0:a1], level[a0:a1], gamma, w_next[a0:a1])

    threads = _threads()
    if m >= settings.parallel_min and threads > 1:
        cuts = [(m * i // threads) // settings.chunk * settings.chunk for i in range(threads)] + [m]
        jobs = [_pool().submit(block, cuts[i], cuts[i + 1]) for i in range(threads)]
        for j in jobs:
            j.result()
    else:
        block(0, m)


def plan_actions(next_state: np.ndarray, allowed: np.ndarray | None,
                 still: Iterable[int]) -> tuple[int, np.ndarray, tuple[int, ...], tuple[int, ...]]:
    """What a plan over ``next_state`` steps: (states, the allowed mask, the allowed actions that
    leave every state as it is, the other allowed actions), refusing a plan with no action."""
    ok = np.ones(A, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool)
    if not ok.any():
        raise ValueError("no allowed action: a plan needs at least one")
    kept = tuple(a for a in still if ok[a])
    return next_state.shape[1], ok, kept, tuple(a for a in range(A) if ok[a] and a not in kept)


def values(next_state: np.ndarray, obj: ObjectiveArrays, steps: int, gamma: float = 1.0,
           allowed: np.ndarray | None = None, keep_values: bool = False, with_final: bool = True,
           live: Callable[[int], int] | None = None, still: Iterable[int] = (), settings: PlanSettings = DEFAULT,
           tier: KernelTier | None = None, work: dict[Any, Any] | None = None) -> Values:
    """Backward induction over ``steps`` steps; with ``with_final`` the last step also earns the final terms.

    next_state[a, s] and an objective -> (v, values_by_k): v the values with ``steps`` to go;
    values_by_k[k] (k = 0..steps) when keep_values, else None. ``allowed`` is a bool[a] mask
    of the actions it may take. ``live(k)``, when given, is how many states (a prefix, in order
    of depth) need values with k steps to go; the arrays for k then cover only that prefix.
    ``still`` names actions known to leave every state as it is (next[a, s] = s): their q is
    read straight from the values instead of gathered. ``settings`` (a PlanSettings) picks
    numpy's or the compiled kernel, with ``tier`` (else this process's, PROCESS_TIER) for
    auto, and the block sizes; large sweeps are split between threads. Every state's
    value is computed by the same arithmetic whichever thread and kernel compute it, so the
    result depends on neither. ``work``, a dict kept with next_state between plans, keeps the
    successor rows of the moving actions and the work buffers, so later plans neither copy nor
    allocate them again (given another next_state, it starts afresh); what is returned never
    shares memory with it.

    The kernels agree bit for bit on what plans are given: finite rewards (the loader bounds
    every number, so sums stay finite) with no -0.0 (ObjectiveArrays sums from +0.0; the two
    kernels may keep different zeros of a tie), at least one allowed action, and successors of the
    states live with k steps to go among those live with k - 1 (the graph's order of depth).
    The compiled kernel does not check the last (its loops skip bounds checks).
    """
    n, ok, still, moving = plan_actions(next_state, allowed, still)
    tier = PROCESS_TIER if tier is None else tier
    compiled = tier.choose(settings) == "numba"
    events = tuple(tuple((a, row) for a, row in obj.event + (obj.fevent if last else ()) if ok[a])
                   for last in (False, True))
    if compiled:  # the actions that read no event first: the compiled kernel's tightest loop
        read = {a for ev in events for a, _row in ev}
        moving = tuple(a for a in moving if a not in read) + tuple(a for a in moving if a in read)
        plain = sum(a not in read for a in moving)
    work = {} if work is None else work
    if work.get("next") is not next_state:  # kept for another table: start afresh
        work.clear()
        work["next"] = next_state
    next_moving = work.get(("rows", moving))
    if next_moving is None:
        next_moving = next_state if moving == tuple(range(A)) else np.ascontiguousarray(next_state[list(moving)])
        work[("rows", moving)] = next_moving
    row_of = {a: j for j, a in enumerate(moving)}
    lay = _Layout(next_moving, moving, row_of, still, events,
                  tuple(any(a not in {b for b, _row in ev} for a in still) for ev in events),
                  tuple(_compiled_view(ev, row_of, plain, n) for ev in events) if compiled else None,
                  tier.module if compiled else None)
    chunk: Chunk = _compiled_chunk if compiled else _numpy_chunk
    step = settings.compiled_chunk if compiled else settings.chunk
    lives = [n] * (steps + 1) if live is None else [live(k) for k in range(steps + 1)]  # states live with k to go
    size = lives[0]
    bufs = work.pop("buffers", None)  # taken while in use: a plan running beside this one makes its own
    if bufs is None or bufs[0].shape[0] < size:
        bufs = tuple(np.empty(size) for _ in range(4))
    w, w_next, v, spare = (b[:size] for b in bufs)  # reused every step: fresh large arrays cost page faults
    v[:] = 0.0
    vals: list[np.ndarray] | None = [v.copy()] if keep_values else None
    w = folded(v, obj, gamma, with_final, out=w)  # with 1 step to go
    for k in range(1, steps + 1):
        m = lives[k]
        v_new = np.empty(m) if keep_values else spare[:m]
        _sweep(m, chunk, lay, k == 1 and with_final, w, v_new, obj.level, gamma, w_next[:m] if k < steps else None, step,
               settings)
        if vals is not None:  # keep_values
            vals.append(v_new)
        else:
            spare = v
        v = v_new
        w, w_next = w_next[:m], w
    work["buffers"] = bufs
    if not compiled:
        tier.numpy_work += sum(lives[1:])
    return (vals[-1] if vals is not None else v.copy()), vals


def objective(graph: Graph, terms: Sequence[Term]) -> ObjectiveArrays:
    """ObjectiveArrays of ``terms`` on ``graph``, built once per graph and objective."""
    cache = graph.__dict__.setdefault("_objectives", {})
    key = canonical(terms)
    if key not in cache:
        cache[key] = ObjectiveArrays.build(graph, terms)
    return cache[key]


def plan_key(graph: Graph, terms: Sequence[Term], steps: int, gamma: float, allowed: np.ndarray | None,
             with_final: bool) -> tuple[tuple[Any, ...], np.ndarray | None]:
    """The key of a plan in the graph's plan cache, and the actions it plans (``allowed``
    narrowed to those the robot has in the graph's world)."""
    acts = getattr(getattr(graph, "env", None), "acts", None)  # 1.1: the actions the robot has here
    if acts is not None and not np.all(acts):
        allowed = acts if allowed is None else np.asarray(allowed, dtype=bool) & acts
    allowed_key = None if allowed is None or np.all(allowed) else tuple(bool(x) for x in allowed)
    return (canonical(terms), float(gamma), allowed_key, steps, with_final), allowed


@overload
def plan_values(graph: Graph, terms: Sequence[Term], steps: int, gamma: float = 1.0,
                allowed: np.ndarray | None = None, with_final: bool = True, *, keep_values: Literal[True],
                settings: PlanSettings = DEFAULT) -> tuple[np.ndarray, list[np.ndarray]]: ...
@overload
def plan_values(graph: Graph, terms: Sequence[Term], steps: int, gamma: float = 1.0,
                allowed: np.ndarray | None = None, with_final: bool = True, keep_values: bool = False,
                settings: PlanSettings = DEFAULT) -> Values: ...
def plan_values(graph: Graph, terms: Sequence[Term], steps: int, gamma: float = 1.0,
                allowed: np.ndarray | None = None, with_final: bool = True, keep_values: bool = False,
                settings: PlanSettings = DEFAULT) -> Values:
    """``values`` of an objective on a graph, computed once per graph and question.

    Only the actions the robot has in the graph's world are planned (1.1: never dump, drop or
    cover where the world lacks them). Returns (v, values_by_k or None). The same objective, discount, allowed actions and
    horizon asked twice (a lifted limit that changes nothing, mesa = base) plan once
    (``settings`` is not part of the question: every setting gives the same values).
    """
    cache = graph.__dict__.setdefault("_plans", {})
    key, allowed = plan_key(graph, terms, steps, gamma, allowed, with_final)
    hit = cache.get(key)
    if hit is not None and (hit[1] is not None or not keep_values):
        return hit
    v, vals = values(graph.next, objective(graph, terms), steps, gamma, allowed, keep_values=keep_values,
                     with_final=with_final, live=graph.live, still=graph.still, settings=settings,
                     work=graph.__dict__.setdefault("_work", {}))
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


def greedy_many(objs: Sequence[ObjectiveArrays], level: np.ndarray, flevel: np.ndarray | None, finals: np.ndarray,
                next_state: np.ndarray, value_after: np.ndarray, s: np.ndarray, gamma: float, last: bool,
                blocked: np.ndarray | None) -> np.ndarray:
    """``greedy`` for K robots at once, robot j at state s[j] with values value_after[:, j]:
    the same arithmetic, a column per robot, so each action is the one ``greedy`` picks.
    ``level`` is [states, K] (each objective's level), ``flevel`` [states, len(finals)] the final
    levels of the objectives ``finals`` (indices) that have them. Returns the K actions."""
    ar = np.arange(len(objs))
    nx = next_state[:, s]  # [A, K]
    q = value_after[nx, ar] * gamma if gamma != 1.0 else value_after[nx, ar]
    q += level[nx, ar]
    if last and flevel is not None:
        q[:, finals] += flevel[nx[:, finals], np.arange(len(finals))]
    for j, obj in enumerate(objs):
        sj = s[j]
        for a, row in obj.event + (obj.fevent if last else ()):
            q[a, j] += row[sj]
    if blocked is not None:
        q[blocked, :] = -np.inf
    return np.argmax(q >= q.max(axis=0) - TIE, axis=0)
