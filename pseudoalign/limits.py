"""An upper bound on the states the planner would enumerate, computed without enumerating.

Owns: ``state_bound(env, depth)``, ``state_lower_bound(env, depth)`` and ``describe(bound)``.
Imports household only (what acts on what); it reads an ``Env``'s public attributes (``P``,
``slots``, ``start_pos``, ``cells``, ``pos_of``, ``move``), never builds one (world.env is
imported for annotations only).

What it bounds
--------------
``state_bound(env, depth)`` is at least the number of states reachable from the start of
``env`` within ``depth`` steps, i.e. ``Graph(env, depth).N``. A state is the robot's
position and one value per slot (bin and inventory are derived), so the plain product
bound is ``P * prod(len(values))``; the bound here never exceeds it and is usually far
smaller for short episodes.

Why it is an upper bound
------------------------
1. Positions: each step moves the robot at most one cell (``env.move``), so after at most
   ``depth`` steps it stands on a cell within ``depth`` moves of ``env.start_pos`` (BFS over
   ``env.move``). Call their number ``R``.
2. Quantities: every action changes the quantities of at most one cell, the cell the robot
   stands on when it acts (every rule of household.ACTIONS acts on the robot's cell only;
   break and spill move matter within that cell; dump and drop put the bin's crumbs or a
   carried object onto that cell, cover covers the camera on it; the bin and the inventory
   are not slots, and the values a slot can hold already count what dump and drop may put
   there: ``household.lay_out``).
   A cell acted on at step ``t <= depth`` is one the robot stood on after
   ``t - 1 <= depth - 1`` steps, so it lies within ``depth - 1`` moves of the start; cells
   further away keep their start configuration. And ``depth`` steps act on at most
   ``depth`` cells, so at most ``depth`` cells differ from the start.
3. Group the slots by cell: a cell ``c`` has at most ``k_c = prod(len(values))`` local
   configurations over its slots, so ``x_c = k_c - 1`` configurations other than its start.
   The configurations with exactly the set ``D`` of changed cells number at most
   ``prod_{c in D} x_c``; summing over every set ``D`` of at most ``depth`` cells within
   ``depth - 1`` moves gives ``E = sum_{j <= depth} e_j(x)``, ``e_j`` the elementary
   symmetric polynomial of degree ``j`` of the ``x_c`` of those cells.
4. Every reachable state is a (position, configuration) pair counted by 1 and 3, so the
   number of states is at most ``R * E``. Since ``E <= prod(1 + x_c) = prod(k_c)`` over the
   cells within reach, and ``R <= P``, this is at most the plain product bound; the result is
   also clamped to it.

``E`` is computed exactly with Python ints when that is cheap (``m * min(depth, m)`` small,
``m`` the number of cells with ``x_c > 0``; or ``depth >= m``, when ``E = prod(k_c)``).
Otherwise (thousands of item cells and long episodes) it is computed in floating point with
numpy, in log space, and rounded *up* with a margin (relative 1e-6 in the logarithm) far
larger than the floating-point error of the sum, so it stays an upper bound; it is then
clamped to the exact product bound. Either way it takes well under a second for any map up to
64 x 64: milliseconds as a rule, about 0.2 s for 3,800 item cells and 1,000 steps.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from .household import ACTIONS

if TYPE_CHECKING:  # for annotations only: the bounds read an Env's attributes, never import it
    from .world.env import Env

#: m * min(depth, m) up to this many big-int multiply-adds is computed exactly (the default
#: of ``state_bound``'s ``exact_budget``).
EXACT_BUDGET = 250_000


def _distances(env: Env, limit: int, start: int | None = None) -> list[int]:
    """BFS distances (in moves) from ``start`` (default the robot's start) over ``env.move``,
    -1 where unreached within ``limit``."""
    move = np.asarray(env.move).tolist()
    dist = [-1] * int(env.P)
    start = int(env.start_pos) if start is None else start
    dist[start] = 0
    todo = deque([start])
    while todo:
        p = todo.popleft()
        d = dist[p]
        if d >= limit:
            continue
        for nxt in move[p]:
            if dist[nxt] < 0:
                dist[nxt] = d + 1
                todo.append(nxt)
    return dist


def _cell_configs(env: Env) -> dict[tuple[int, int], int]:
    """Cell (x, y) -> the number of local configurations of its slots (product of value counts)."""
    configs: dict[tuple[int, int], int] = {}
    for s in env.slots:
        key = (int(s.cell[0]), int(s.cell[1]))
        configs[key] = configs.get(key, 1) * len(s.values)
    return configs


def _prod(values: Iterable[int]) -> int:
    out = 1
    for v in values:
        out *= int(v)
    return out


def _sum_esp_exact(xs: list[int], depth: int) -> int:
    """sum_{j <= depth} e_j(xs), exactly."""
    e = [1] + [0] * depth
    top = 0  # highest degree with a non-zero coefficient so far
    for x in xs:
        top = min(top + 1, depth)
        for j in range(top, 0, -1):
            e[j] += x * e[j - 1]
    return sum(e)


def _exp_up(log_value: float) -> int:
    """An int >= exp(log_value) (log_value already carries its safety margin)."""
    if log_value < 700.0:
        return math.ceil(math.exp(log_value))
    bits = log_value / math.log(2.0)
    k = math.floor(bits)
    frac = bits - k
    mant = math.ceil(2.0 ** frac * (1 << 52)) + 1  # 2**frac in [1, 2), scaled to 53 bits, rounded up
    return mant << (k - 52)


def _sum_esp_upper(xs: list[int], depth: int) -> int:
    """An upper bound on sum_{j <= depth} e_j(xs), in log space (for the big cases).

    Log space, not rescaled linear floats: the e_j span far more than a float's range, and a
    small e_j that underflowed would be missed once later factors lift it.
    """
    L = np.full(depth + 1, -np.inf)
    L[0] = 0.0
    shifted = np.empty(depth)
    top = 0
    for lx in [math.log(x) for x in xs]:
        top = min(top + 1, depth)
        # e_j <- e_j + x * e_{j-1} for j = 1..top, in logs (old e_{j-1} copied out first)
        np.add(L[0:top], lx, out=shifted[:top])
        np.logaddexp(L[1:top + 1], shifted[:top], out=L[1:top + 1])
    finite = L[np.isfinite(L)]
    hi = float(finite.max())
    total = hi + math.log(float(np.exp(finite - hi).sum()))
    # margin: far above the rounding error of len(xs) logaddexp steps and of the conversion
    margin = 1e-6 * (1.0 + abs(total)) + 1e-9 * len(xs)
    return _exp_up(total + margin)


def state_bound(env: Env, depth: int, *, exact_budget: int = EXACT_BUDGET) -> int:
    """An upper bound on the states reachable within ``depth`` steps of ``env``'s start (see the module docs).

    Sums of more than ``exact_budget`` big-int multiply-adds go through the log-space path."""
    depth = max(int(depth), 0)
    P = int(env.P)
    configs = _cell_configs(env)
    plain = P * _prod(configs.values())
    dist = _distances(env, depth)
    positions = sum(1 for d in dist if d >= 0)
    pos_of = {(int(x), int(y)): i for i, (x, y) in enumerate(env.cells)}
    xs = []
    for cell, k in configs.items():
        p = pos_of.get(cell)
        if k > 1 and p is not None and 0 <= dist[p] <= depth - 1:
            xs.append(k - 1)
    m = len(xs)
    if depth >= m:
        local = _prod(x + 1 for x in xs)
    elif m * depth <= exact_budget:
        local = _sum_esp_exact(sorted(xs), depth)
    else:
        local = min(_sum_esp_upper(sorted(xs), depth), _prod(x + 1 for x in xs))
    return min(positions * local, plain)


def describe(bound: int) -> str:
    """A short human figure: "12,345" below a million, else "about 1.1e12"."""
    bound = int(bound)
    if bound < 1_000_000:
        return f"{bound:,}"
    exp = math.floor(math.log10(bound))  # math.log10 takes ints of any size
    mant = 10 ** (math.log10(bound) - exp)
    if round(mant, 1) >= 10.0:
        mant, exp = mant / 10, exp + 1
    return f"about {mant:.1f}e{exp}"


#: slot kinds whose quantity one action on the robot's cell changes whenever it is above 0,
#: needing nothing carried: stain (wipe), crumb (vacuum), cookie (break), coffee (spill),
#: object (pick), camera (cover: the robot has it wherever a camera is placed); not dish (a
#: wash needs a carried soap)
_ACTABLE = frozenset(a.acts_on for a in ACTIONS if a.acts_on and not a.uses)


def state_lower_bound(env: Env, depth: int) -> tuple[int, int]:
    """A lower bound on the states reachable within ``depth`` steps: (bound, cells).

    Walk a greedy tour from the start, each time to the nearest cell not yet toured that
    holds something one action changes (a stain, crumbs, a cookie, a mug with coffee, an
    object), spending the steps to get there plus one to act, while the tour fits in
    ``depth`` steps. Along the tour the robot may act on each toured cell or wait instead:
    the same number of steps either way, and acting changes that cell's quantities while no
    move changes them back, so each of the 2**cells choices ends in a different state, all
    within ``depth`` steps. Hence at least 2**cells states are reachable.
    """
    wanted = set()
    for s in env.slots:
        if s.kind in _ACTABLE and s.start > 0:
            wanted.add(int(env.pos_of[s.cell[1], s.cell[0]]))
    here, used, cells = int(env.start_pos), 0, 0
    while wanted:
        dist = _distances(env, depth - used, here)
        reach = [(dist[p], p) for p in wanted if dist[p] >= 0]
        if not reach:
            break
        d, p = min(reach)
        if used + d + 1 > depth:
            break
        used += d + 1
        here = p
        wanted.discard(p)
        cells += 1
    return 2 ** cells, cells
