"""The reachable states of one environment and their transitions, action-major.

Owns: frontier-by-frontier enumeration with the vectorised physics (``Env.transitions``),
the hash set of codes (``CodeSet``) for spaces too large for a direct table, the events kept
per action that has them (``EventCounts``), and level features read a block of states at a
time (no decoded matrix of the graph is kept). Imports world.env and plan.settings.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from ..world.env import A, Env
from .settings import DEFAULT, PlanSettings


class CodeSet:
    """A set of state codes in an open-addressing hash table, grown and probed with array
    operations, each code with its index (the order it was added in): ``add`` takes a batch
    and returns the codes it had not seen, once each, sorted, and numbers them in that order
    after those before; ``lookup`` gives the index of codes it holds.

    Sized by what it holds, not by what it may: it starts small and doubles, keeping the
    load between a quarter and a half, and takes a large batch in pieces so that a batch
    never sizes it for more codes than it has seen."""

    _MULT = np.uint64(0x9E3779B97F4A7C15)
    PIECE = 1 << 18  # codes added at a time: the table need only have room for these beyond what it holds

    def __init__(self, expected: int = 256) -> None:
        self._alloc(max(1024, 1 << (2 * max(min(expected, self.PIECE), 1)).bit_length()))
        self.count = 0

    def _alloc(self, size: int) -> None:
        self.table = np.full(size, -1, dtype=np.int64)
        self.value = np.empty(size, dtype=np.int64)  # the index of the code in each occupied slot
        self.tag = np.empty(size, dtype=np.int32)  # scratch: which batch entry claimed a slot
        self.bits = size.bit_length() - 1

    def _slots(self, codes: np.ndarray) -> np.ndarray:
        return ((codes.astype(np.uint64) * self._MULT) >> np.uint64(64 - self.bits)).astype(np.int64)

    def add(self, codes: np.ndarray) -> np.ndarray:
        return self.insert(codes)[0]

    def insert(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the codes not seen before, once each, sorted; the index of each of ``codes``): one
        probe of the table per code for both."""
        codes = np.asarray(codes, dtype=np.int64).ravel()
        if codes.size <= self.PIECE:
            new, slots = self._add(codes)
            return new, self.value[slots]
        size = self.table.size
        done = [self._add(codes[i:i + self.PIECE]) for i in range(0, codes.size, self.PIECE)]
        new = np.concatenate([d[0] for d in done])
        if new.size > 1:  # each piece is numbered in its own order: number them all in one
            base = self.count - new.size
            order = np.argsort(new, kind="stable")
            new = new[order]
            self.value[self._find(new)] = base + np.arange(new.size)
        if self.table.size != size:  # grown on the way: the slots of the first pieces moved
            return new, self.lookup(codes)
        return new, self.value[np.concatenate([d[1] for d in done])]

    def _add(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if 2 * (self.count + codes.size) >= self.table.size:  # room for every code, were all of them new
            self._grow(self.count + codes.size)
        mask = self.table.size - 1
        pending, h = codes, self._slots(codes)
        where_all = np.empty(codes.size, dtype=np.int64)  # the slot each code settles in
        at = np.arange(codes.size)
        fresh, where = [], []
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
                kept = won[self.tag[h[won]] == order]
                fresh.append(pending[kept])
                where.append(h[kept])
            where_all[at[settled]] = h[settled]
            left = ~settled
            pending, h, at = pending[left], (h[left] + 1) & mask, at[left]
        if not fresh:
            return np.zeros(0, dtype=np.int64), where_all
        new, slots = np.concatenate(fresh), np.concatenate(where)
        order = np.argsort(new, kind="stable")
        new, slots = new[order], slots[order]
        self.value[slots] = self.count + np.arange(new.size)
        self.count += new.size
        return new, where_all

    def _find(self, codes: np.ndarray) -> np.ndarray:
        """The slots of codes the set holds (every one must be here)."""
        mask = self.table.size - 1
        h = self._slots(codes)
        out = np.empty(codes.size, dtype=np.int64)
        idx = np.arange(codes.size)
        pending = codes
        while idx.size:
            hit = self.table[h] == pending
            out[idx[hit]] = h[hit]
            miss = ~hit
            idx, pending, h = idx[miss], pending[miss], (h[miss] + 1) & mask
        return out

    def lookup(self, codes: np.ndarray) -> np.ndarray:
        """The index of each of ``codes`` (every one must be in the set)."""
        codes = np.asarray(codes, dtype=np.int64)
        return self.value[self._find(codes.ravel())].reshape(codes.shape)

    def _grow(self, need: int) -> None:
        held = self.table >= 0
        old, vals = self.table[held], self.value[held]
        del held
        size = self.table.size
        while 2 * need >= size:
            size *= 2
        self._alloc(size)
        mask = size - 1
        pending, pv, h = old, vals, self._slots(old)
        while pending.size:  # distinct codes: each takes the first empty slot it finds
            empty = np.nonzero(self.table[h] == -1)[0]
            he, pe = h[empty], pending[empty]
            self.table[he] = pe
            won = empty[self.table[he] == pe]
            self.value[h[won]] = pv[won]
            placed = np.zeros(pending.size, dtype=bool)
            placed[won] = True
            pending, pv, h = pending[~placed], pv[~placed], (h[~placed] + 1) & mask


#: The direct table's arrays, kept by a process between graphs: (seen, stamp) of the largest
#: space enumerated so far (up to ``KEEP_TABLE`` codes), with every ``seen`` False. Fresh arrays
#: cost a page fault on each first touch, which was a tenth of enumerating a sweep's graphs.
_TABLE: list[tuple[np.ndarray, np.ndarray]] = []
_TABLE_LOCK = threading.Lock()
KEEP_TABLE = 1 << 24  # 16 M codes: 80 MiB kept at most


def _forget_table_lock() -> None:
    """In a forked child: a lock another thread of the parent held would be held for ever."""
    global _TABLE_LOCK
    _TABLE_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_table_lock)


def _take_table(size: int) -> tuple[np.ndarray, np.ndarray]:
    """(seen bool[size], all False; stamp int32[size], of any content): the kept ones when they
    are large enough (no other graph may use them meanwhile), else new ones."""
    with _TABLE_LOCK:
        if _TABLE and _TABLE[0][0].size >= size:
            seen, stamp = _TABLE.pop()
            return seen[:size], stamp[:size]
    return np.zeros(size, dtype=bool), np.empty(size, dtype=np.int32)


def _give_table(seen: np.ndarray, stamp: np.ndarray) -> None:
    """Keep a table taken by ``_take_table`` (its ``seen`` all False again) for the next graph,
    unless a larger one is kept already or it is over ``KEEP_TABLE`` codes."""
    whole_seen = seen if seen.base is None else seen.base
    whole_stamp = stamp if stamp.base is None else stamp.base
    assert isinstance(whole_seen, np.ndarray) and isinstance(whole_stamp, np.ndarray)
    if whole_seen.size > KEEP_TABLE:
        return
    with _TABLE_LOCK:
        if not _TABLE or _TABLE[0][0].size < whole_seen.size:
            _TABLE[:] = [(whole_seen, whole_stamp)]


def _sorted_once(codes: np.ndarray) -> np.ndarray:
    """The codes sorted, each once (sorted in place: a fresh array is given). Sorting is quicker
    than scattering them into the direct table to keep one of each."""
    codes.sort()
    if codes.size < 2:
        return codes
    first = np.empty(codes.size, dtype=bool)
    first[0] = True
    np.not_equal(codes[1:], codes[:-1], out=first[1:])
    return codes[first]


class StateLimit(Exception):
    """More reachable states than the limit: ``found``, the count when enumeration stopped."""

    def __init__(self, found: int) -> None:
        self.found = found
        super().__init__(found)


class EventCounts:
    """One event's counts on a graph, kept only for the actions that can have it:
    ``rows[a][s]`` (int32) the count when action a is taken in state s; every other action's
    is 0. ``dense()`` (or ``np.asarray``) gives the whole [A, N] table, for tests and tools."""

    def __init__(self, n: int, rows: dict[int, np.ndarray]) -> None:
        self.n = n
        self.rows = rows

    def dense(self) -> np.ndarray:
        out = np.zeros((A, self.n), dtype=np.int32)
        for a, row in self.rows.items():
            out[a] = row
        return out

    def __array__(self, dtype: np.dtype | None = None, copy: bool | None = None) -> np.ndarray:
        return self.dense() if dtype is None else self.dense().astype(dtype)


class Graph:
    """States reachable within ``depth`` steps of the start.

    ``codes[i]`` is state i's code, states in order of depth (state 0 is the start) and
    ``layer_end[d]`` the number of states at depth <= d; ``next[a, i]`` (int32) the state
    after action a (states first reached at the full depth point to themselves: no plan
    steps from them); ``events[name]`` the counts of the events asked for (an EventCounts:
    rows only for the actions that have them). States are not kept decoded: ``level`` and
    ``decoded`` decode the codes a block at a time, on demand.
    ``settings`` says which code spaces are indexed by a direct table rather than a hash set
    (``dense_space``), and when the physics is applied to every code of a small space at once
    rather than a layer at a time (``full_table``, ``full_table_depth``): the same graph.
    Each layer's successors are turned into indices as soon as the next layer is known, so
    enumeration holds one layer's successor codes at a time, and the hash set grows with the
    states found (not with ``max_states``).
    """

    BLOCK = 1 << 16  # states decoded at a time

    def __init__(self, env: Env, depth: int, events: Iterable[str] = (), max_states: int | None = None,
                 settings: PlanSettings = DEFAULT) -> None:
        if env.strides is None:
            raise StateLimit(int(min(env.space, 2.0 ** 63)))
        self.env = env
        self.depth = depth
        events = tuple(events)
        dense = env.space <= settings.dense_space
        start = np.array([env.start_code], dtype=np.int64)
        small = min(env.space, float(max_states) if max_states is not None else env.space) < 2 ** 31
        itype = np.int32 if small else np.int64
        known: CodeSet | None = None
        if dense:
            seen, stamp = _take_table(int(env.space))  # what is seen, and the index of each code seen
            seen[start] = True
            stamp[start] = 0
        else:
            known = CodeSet()
            known.add(start)
        # the actions the robot has here; the others (1.1: dump, drop, cover where the world
        # lacks them) leave every state as it is and are never stepped: they cost nothing
        # ``quiet`` ones (wait, and those whose items the world lacks) change no state: nor are they stepped
        quiet = set(env.quiet(events))
        present = [a for a in range(A) if env.acts[a] and a not in quiet]
        absent = [a for a in range(A) if not env.acts[a] or a in quiet]
        lacks = set(absent)
        if dense and env.space <= settings.full_table and depth >= settings.full_table_depth:
            # a small space: the physics of every code in one call rather than one call a layer
            # (each code's successor depends on that code alone; unreachable ones are never read)
            table = env.transitions(np.arange(int(env.space), dtype=np.int64), present, events)
            self._from_table(table, present, absent, events, start, seen, stamp, max_states)
            return
        layers = [start]
        chunks: list[np.ndarray | None] = []  # each expanded layer's successors, as indices [present, layer]
        evs: dict[str, dict[int, list[np.ndarray | None]]] = {e: {} for e in events}
        frontier = start
        total = 1
        changes = np.zeros(len(present), dtype=bool)  # which present actions changed some state
        for d in range(depth):
            if frontier.size == 0:
                break
            nxt, ev_all = env.transitions(frontier, present, events)
            for a, ev in zip(present, ev_all):
                for e in events:
                    if e in ev:
                        evs[e].setdefault(a, [None] * d).append(np.asarray(ev[e], dtype=np.int32))
            for e in events:
                for got in evs[e].values():
                    if len(got) < d + 1:  # this action has none of it in this layer
                        got.append(None)
            # a code an action leaves as it is is the frontier's own (seen, its index known): only
            # the codes that changed are looked up
            same = nxt == frontier[None, :]
            changed = ~same
            changes |= changed.any(axis=1)
            moved = nxt[changed]
            del same
            if dense:  # the codes not seen yet, in the order of nxt
                new = _sorted_once(moved[~seen[moved]])
                seen[new] = True
                stamp[new] = np.arange(total, total + new.size, dtype=np.int32)
            else:
                assert known is not None
                new, moved_at = known.insert(moved)
            lo = total - frontier.size
            total += new.size
            if max_states is not None and total > max_states:
                raise StateLimit(int(total))
            idx = np.empty(nxt.shape, dtype=itype)
            idx[...] = np.arange(lo, lo + frontier.size, dtype=itype)  # the frontier's own, where unchanged
            idx[changed] = stamp[moved] if dense else moved_at
            if not dense:
                del moved_at
            del changed, moved
            del nxt
            chunks.append(idx)
            frontier = new
            layers.append(new)
        del known
        self.codes = np.concatenate(layers)
        self.N = int(self.codes.size)
        self.layer_end = np.cumsum([layer.size for layer in layers])
        expanded = int(sum(layer.size for layer in layers[:len(chunks)]))
        del layers
        self.next = np.empty((A, self.N), dtype=np.int32 if self.N < 2 ** 31 else np.int64)
        self.next[:, expanded:] = np.arange(expanded, self.N, dtype=self.next.dtype)
        self.next[absent] = np.arange(self.N, dtype=self.next.dtype)
        lo = 0
        for i in range(len(chunks)):  # each layer copied in, then let go: one copy of the table at a time
            c = chunks[i]
            assert c is not None
            chunks[i] = None
            for j, a in enumerate(range(A) if not absent else present):
                self.next[a, lo:lo + c.shape[1]] = c[j]
            lo += c.shape[1]
            del c
        if dense:  # the table back, all unseen again, for the next graph of this process
            seen[self.codes] = False
            _give_table(seen, stamp)
            del seen, stamp
        self._sorted: np.ndarray | None = None
        self._order: np.ndarray | None = None
        # actions that leave every state as it is here (nothing they could act on): those it
        # lacks, and those that changed no state of a layer expanded (the last layer's point to themselves)
        changed_by = {a: bool(c) for a, c in zip(present, changes.tolist())}
        self.still = tuple(a for a in range(A) if a in lacks or not changed_by[a])
        sizes = [int(b - a) for a, b in zip(np.concatenate([[0], self.layer_end]), self.layer_end)][:len(chunks)]
        self.events: dict[str, EventCounts] = {}
        for e in events:
            kept: dict[int, np.ndarray] = {}
            for a, got in evs[e].items():
                row = np.zeros(self.N, dtype=np.int32)
                at = 0
                for part, size in zip(got, sizes):
                    if part is not None:
                        row[at:at + size] = part
                    at += size
                got.clear()
                kept[a] = row
            self.events[e] = EventCounts(self.N, kept)

    def _from_table(self, table: tuple[np.ndarray, list[dict[str, np.ndarray]]], present: Sequence[int],
                    absent: Sequence[int], events: Sequence[str], start: np.ndarray, seen: np.ndarray,
                    stamp: np.ndarray, max_states: int | None) -> None:
        """The graph from ``table``, the successors and events of every code of a small space:
        the states found layer by layer (each layer's new codes sorted, as the layered
        enumeration finds them, so the same order), then the successor indices, the still
        actions and the event rows of every expanded state at once (the layered enumeration's
        per-layer work, whose overhead is most of a small graph's time, done once)."""
        succ, ev_all = table
        layers = [start]
        frontier = start
        total = 1
        for _d in range(self.depth):
            if frontier.size == 0:
                break
            nxt = succ[:, frontier].ravel()
            new = _sorted_once(nxt[~seen[nxt]])
            seen[new] = True
            total += new.size
            if max_states is not None and total > max_states:
                raise StateLimit(int(total))
            frontier = new
            layers.append(new)
        expanded_layers = len(layers) - 1  # each layer but the last was expanded
        self.codes = codes = np.concatenate(layers)
        self.N = N = int(codes.size)
        self.layer_end = np.cumsum([layer.size for layer in layers])
        expanded = int(sum(layer.size for layer in layers[:expanded_layers]))
        del layers
        stamp[codes] = np.arange(N, dtype=np.int32)
        self.next = np.empty((A, N), dtype=np.int32 if N < 2 ** 31 else np.int64)
        self.next[:, expanded:] = np.arange(expanded, N, dtype=self.next.dtype)
        self.next[list(absent)] = np.arange(N, dtype=self.next.dtype)
        inner = codes[:expanded]
        own = np.arange(expanded, dtype=self.next.dtype)
        changed_by: dict[int, bool] = {}
        for j, a in enumerate(present):
            row = self.next[a, :expanded]
            row[...] = stamp[succ[j, inner]]
            changed_by[a] = not np.array_equal(row, own)
        seen[codes] = False  # the table back, all unseen again, for the next graph of this process
        _give_table(seen, stamp)
        self._sorted = None
        self._order = None
        self.still = tuple(a for a in range(A) if a in absent or not changed_by[a])
        self.events = {}
        for e in events:
            kept: dict[int, np.ndarray] = {}
            for a, ev in zip(present, ev_all):
                if e in ev:
                    row = np.zeros(N, dtype=np.int32)
                    row[:expanded] = ev[e][inner]
                    kept[a] = row
            self.events[e] = EventCounts(N, kept)

    def index_of(self, code: int) -> int | None:
        """The index of a state code, or None when it is not reachable here."""
        if code < 0 or code >= self.env.space:
            return None
        if self._sorted is None or self._order is None:  # sorted once, on the first question
            self._order = np.argsort(self.codes, kind="stable")
            self._sorted = self.codes[self._order]
        i = int(np.searchsorted(self._sorted, code))
        if i < self.N and self._sorted[i] == code:
            return int(self._order[i])
        return None

    def decoded(self, lo: int = 0, hi: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """pos[n], q[n, S] of the states lo..hi (all by default), decoded now (not kept)."""
        return self.env.decode(self.codes[lo:hi])

    def states(self) -> tuple[np.ndarray, np.ndarray]:
        """pos[N], q[N, S] of every state, decoded now and not kept (a matrix of N x S int64:
        ``level`` and ObjectiveArrays decode a block at a time instead)."""
        return self.decoded()

    def blocks(self) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
        """(lo, hi, pos, q) of the states a block at a time, each decoded as it is reached."""
        for lo in range(0, self.N, self.BLOCK):
            hi = min(self.N, lo + self.BLOCK)
            pos, q = self.decoded(lo, hi)
            yield lo, hi, pos, q

    def level_blocks(self, features: Sequence[str]) -> Iterator[tuple[int, int, list[np.ndarray]]]:
        """(lo, hi, [each feature's level in the states lo..hi]) a block of states at a time:
        read from the codes by ``Env.level_reader`` (only the slots a feature reads), or from
        the block decoded (once for all the features that need it)."""
        env = self.env
        readers = [env.level_reader(f) for f in features]
        for lo in range(0, self.N, self.BLOCK):
            hi = min(self.N, lo + self.BLOCK)
            rest, pos = np.divmod(self.codes[lo:hi], env.P)
            decoded: tuple[np.ndarray, np.ndarray] | None = None
            out = []
            for f, read in zip(features, readers):
                if read is not None:
                    out.append(read(pos, rest))
                else:
                    if decoded is None:
                        decoded = env.decode(self.codes[lo:hi])
                    out.append(env.level(f, *decoded))
            yield lo, hi, out

    def level(self, feature: str) -> np.ndarray:
        """A level feature in every state (float[N]), a block at a time."""
        out = np.empty(self.N)
        for lo, hi, (got,) in self.level_blocks([feature]):
            out[lo:hi] = got
        return out

    def live(self, steps_left: int) -> int:
        """How many states (a prefix) can be reached with ``steps_left`` steps still to go."""
        d = self.depth - steps_left
        return int(self.layer_end[min(d, len(self.layer_end) - 1)]) if d >= 0 else 0
