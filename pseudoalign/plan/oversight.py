"""The plan of a robot that fears correction, in a distribution it believes is watched (1.1).

Owns: ``WatchedPlan``, exact planning over the states of a model graph times {running,
stopped}. Imports numpy, vocab, plan.graph and plan.kernels (the objective arrays, TIE,
``plan_values`` for the base optimum of its model).

In its model, a step from a running state whose base value Q*_B (planned exactly,
undiscounted, to the end of the episode, with the base objective in that same model: what it
is unaware of absent, what it believes it cannot do not an option, its beliefs substituted)
is more than TIE below the best, V*_B, is noticed: the step's own reward counts, it loses
``stake`` once and is stopped. A stopped robot waits for the rest of the episode; its
objective keeps scoring those steps (and its ``final`` terms at the end). So, with ``k``
steps left and ``w`` the values of waiting (stopped), ``v`` those of running:

    q[a, s] = r(s, a) + (gamma * w[k-1][s'] - stake   if a is not base-optimal at (s, k)
                         gamma * v[k-1][s']           otherwise)

The robot follows the optimal policy of that model: once a step of its own is noticed it
believes itself stopped, and waits for the rest of the episode (``Robot`` keeps that mode).

With a horizon, the plan looks ``horizon`` steps ahead as ``_Plan`` does (final terms count
only when the end is within reach), and base optimality is always judged with the steps
truly left, so each step beyond the horizon's reach has its own look-ahead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..vocab import ACTION_INDEX, ACTIONS
from .graph import Graph
from .kernels import TIE, ObjectiveArrays, objective, plan_values
from .settings import DEFAULT, PlanSettings

if TYPE_CHECKING:
    from ..scenario.expr import Term
    from ..scenario.model import AgentSpec

WAIT = ACTION_INDEX["wait"]
BLOCK = 1 << 16  # states per block of a backup: q holds one row per action


def step_reward(obj: ObjectiveArrays, nxt: np.ndarray, a: int, idx: np.ndarray, last: bool) -> np.ndarray:
    """What action a earns from each state of ``idx`` (its successors ``nxt``): level terms of
    the state after, event terms of the step, and the final terms too on the last step."""
    r = obj.level[nxt].copy()
    for b, row in obj.event:
        if b == a:
            r += row[idx]
    if last and obj.flevel is not None:
        r += obj.flevel[nxt]
        for b, row in obj.fevent:
            if b == a:
                r += row[idx]
    return r


class WatchedPlan:
    """The values of a watched robot that fears correction, over one model graph of
    ``steps`` steps; ``act(i, k)`` is its action at model state i with k steps left."""

    def __init__(self, graph: Graph, terms: tuple[Term, ...], base_terms: tuple[Term, ...], agent: AgentSpec,
                 steps: int, settings: PlanSettings = DEFAULT):
        self.graph = graph
        self.obj = objective(graph, terms)
        self.base = objective(graph, base_terms)
        allowed = np.array([a not in agent.cannot for a in ACTIONS]) & graph.env.acts  # what it has, less cannot
        self.actions = tuple(int(a) for a in np.nonzero(allowed)[0])
        self.gamma = float(agent.gamma)
        self.stake = float(agent.stake)
        self.h = steps if agent.horizon is None else min(agent.horizon, steps)
        # V*_B of its model, by steps left (0..steps): exact, undiscounted, what it can do
        _v, self.vb = plan_values(graph, base_terms, steps, 1.0, allowed, keep_values=True, settings=settings)
        self.near = self._induct(0, self.h)  # to the end: values with 0..h steps left
        self.far: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _q(self, idx: np.ndarray, k: int, v_prev: np.ndarray, w_prev: np.ndarray) -> np.ndarray:
        """q[a, j] at states idx[j] with k steps left (-inf for the actions it cannot take)."""
        nxt_all = self.graph.next
        last = k == 1
        q = np.full((len(ACTIONS), idx.size), -np.inf)
        best_b = self.vb[k][idx]
        vb_after = self.vb[k - 1]
        for a in self.actions:
            nxt = nxt_all[a, idx]
            qb = step_reward(self.base, nxt, a, idx, last) + vb_after[nxt]
            noticed = qb < best_b - TIE
            cont = np.where(noticed, self.gamma * w_prev[nxt] - self.stake, self.gamma * v_prev[nxt])
            q[a] = step_reward(self.obj, nxt, a, idx, last) + cont
        return q

    def _stage(self, k: int, v_prev: np.ndarray, w_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The running and stopped values with k steps left, from those with k - 1."""
        m = self.graph.live(k)
        v = np.empty(m)
        for lo in range(0, m, BLOCK):
            idx = np.arange(lo, min(m, lo + BLOCK))
            v[lo:lo + idx.size] = self._q(idx, k, v_prev, w_prev).max(axis=0)
        idx = np.arange(m)
        nxt = self.graph.next[WAIT, :m]
        w = step_reward(self.obj, nxt, WAIT, idx, k == 1) + self.gamma * w_prev[nxt]
        return v, w

    def _induct(self, bottom: int, top: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """(v, w) with ``bottom``..``top`` steps left, both 0 at ``bottom`` (the look-ahead's end)."""
        zero = np.zeros(self.graph.live(bottom))
        out = [(zero, zero)]
        for k in range(bottom + 1, top + 1):
            out.append(self._stage(k, *out[-1]))
        return out

    def act(self, i: int, k: int) -> int:
        return self.choose(i, k)[0]

    def choose(self, i: int, k: int) -> tuple[int, bool]:
        """Its action at model state i with k steps left (running), and whether that step is
        noticed (not base-optimal in its model): then, in its model, it is stopped."""
        if k <= self.h:
            v_prev, w_prev = self.near[k - 1]
        else:  # h steps ahead: the values of its look-ahead with k - 1 steps left, made once per k
            if k not in self.far:
                self.far[k] = self._induct(k - self.h, k - 1)[-1]
            v_prev, w_prev = self.far[k]
        q = self._q(np.array([i]), k, v_prev, w_prev)[:, 0]
        a = int(np.argmax(q >= q.max() - TIE))
        nxt = np.array([self.graph.next[a, i]])
        qb = step_reward(self.base, nxt, a, np.array([i]), k == 1)[0] + self.vb[k - 1][nxt[0]]
        return a, bool(qb < self.vb[k][i] - TIE)
