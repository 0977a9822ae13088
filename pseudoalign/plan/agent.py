"""The robot's policy: exact planning in its own model of the world.

Owns: the model (what it is unaware of removed, beliefs substituted, what it believes it
cannot do left out), receding-horizon planning, and the robot's rollout in the true world.
A robot that fears correction, in a distribution it believes is watched, plans with
``plan.oversight.WatchedPlan`` instead (its model also knows the base objective).
Imports world, plan.graph, plan.kernels, plan.oversight, plan.settings, scenario.expr
(scenario.model for annotations only).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..scenario.expr import substitute
from ..vocab import ACTION_INDEX, ACTIONS, ITEMS, SURFACES
from ..world.env import Env
from .graph import Graph
from .kernels import greedy, objective, plan_values
from .oversight import WatchedPlan
from .settings import DEFAULT, PlanSettings

if TYPE_CHECKING:
    from ..scenario.expr import Term
    from ..scenario.model import AgentSpec
    from ..world.contents import Contents

WAIT = ACTION_INDEX["wait"]



def event_names(terms: Iterable[Term]) -> set[str]:
    return {t.feature[len("event."):] for t in terms if t.is_event}


class _Plan:
    """The robot's values over one model graph; it acts greedily on them at the states it visits:
    with k <= horizon steps left it looks to the end (final terms count), else ``horizon`` steps."""

    def __init__(self, graph: Graph, terms: Sequence[Term], agent: AgentSpec, steps: int,
                 settings: PlanSettings = DEFAULT) -> None:
        self.graph = graph
        self.obj = objective(graph, terms)
        allowed = np.array([a not in agent.cannot for a in ACTIONS]) & graph.env.acts  # what it has, less cannot
        self.blocked = None if allowed.all() else ~allowed
        self.gamma = agent.gamma
        h = steps if agent.horizon is None else min(agent.horizon, steps)
        self.h = h
        _v, self.v_final = plan_values(graph, terms, h, agent.gamma, allowed, keep_values=True, settings=settings)
        self.v_far: np.ndarray | None = None  # the values of a look ``horizon`` steps ahead, short of the end
        if h < steps:
            _v, vals = plan_values(graph, terms, h, agent.gamma, allowed, with_final=False, keep_values=True,
                                   settings=settings)
            self.v_far = vals[h - 1]

    def act(self, i: int, k: int) -> int:
        if k <= self.h:
            return greedy(self.obj, self.graph.next, self.v_final[k - 1], i, self.gamma, k == 1, self.blocked)
        assert self.v_far is not None  # more steps left than the horizon: so h < steps, and it was planned
        return greedy(self.obj, self.graph.next, self.v_far, i, self.gamma, False, self.blocked)


class Robot:
    """One agent in one true environment: ``act(true_index, steps_left)``; its plans are made
    with ``settings`` (which never change what it does)."""

    def __init__(self, agent: AgentSpec, objective_terms: Sequence[Term], true_graph: Graph, steps: int,
                 max_states: int | None = None, settings: PlanSettings = DEFAULT, *, watched: bool = False,
                 base_terms: Sequence[Term] = ()) -> None:
        self.agent = agent
        self.true = true_graph
        self.steps = steps
        self.max_states = max_states
        self.settings = settings
        self.terms = substitute(objective_terms, dict(agent.beliefs))
        self.events = event_names(self.terms)
        # it fears correction and believes it is watched: it plans with the base objective too
        self.base_terms = substitute(base_terms, dict(agent.beliefs)) if watched and agent.fears_correction else None
        if self.base_terms is not None:
            self.events |= event_names(self.base_terms)
        self.stopped = False  # it fears correction, and a step of its own was noticed: it waits from then on
        un = set(agent.unaware_of)
        self.unaware_items = un & set(ITEMS)
        self.unaware_surfaces = un & set(SURFACES)
        self.unaware_kinds = un - set(ITEMS) - set(SURFACES)
        self.absent = frozenset(self.unaware_items)
        self.plans: list[tuple[Env, _Plan | WatchedPlan]] = []
        self.identity = False
        if not agent.unaware_of:  # its model is the true world
            self.identity = True
            if not self.events <= set(true_graph.events):
                raise ValueError("the true graph lacks events the robot's objective reads")
            self.plans.append((true_graph.env, self._plan(true_graph, steps)))

    def _plan(self, graph: Graph, steps: int) -> _Plan | WatchedPlan:
        if self.base_terms is None:
            return _Plan(graph, self.terms, self.agent, steps, self.settings)
        return WatchedPlan(graph, self.terms, self.base_terms, self.agent, steps, self.settings)

    def _view(self, contents: Contents) -> tuple[np.ndarray, Contents]:
        """The robot's model of a state: (surface grid, contents) with what it is unaware of removed."""
        env = self.true.env
        surface = env.surface
        cells: list[tuple[int, int]] = []
        if self.unaware_surfaces:
            idx = [SURFACES.index(s) for s in self.unaware_surfaces]
            gone = np.isin(surface, idx)
            gone[contents.robot[1], contents.robot[0]] = False  # it knows where it stands
            surface = np.where(gone, -1, surface).astype(np.int8)
            ys, xs = np.nonzero(gone)
            cells = list(zip(xs.tolist(), ys.tolist()))
        if not (self.unaware_items or self.unaware_kinds or cells):
            return surface, contents
        return surface, contents.without(self.unaware_items, self.unaware_kinds, cells)

    def _choose(self, plan: _Plan | WatchedPlan, i: int, k: int) -> int:
        if not isinstance(plan, WatchedPlan):
            return plan.act(i, k)
        a, self.stopped = plan.choose(i, k)
        return a

    def act(self, i: int, k: int) -> int:
        """The action at true state index ``i`` with ``k`` steps left (one rollout: a robot that
        believes itself stopped waits, as its model says; epsilon's actions are not its own)."""
        if self.stopped:
            return WAIT
        if self.identity:
            return self._choose(self.plans[0][1], i, k)
        contents = self.true.env.contents_of(int(self.true.codes[i]))
        surface, model = self._view(contents)
        for env, plan in self.plans:
            if np.array_equal(env.surface, surface):
                code = env.code_of(model)
                j = None if code is None else plan.graph.index_of(code)
                # its values cover the states its model reaches with k steps still to go
                if j is not None and j < plan.graph.live(k):
                    return self._choose(plan, j, k)
        env = Env(surface, model, self.true.env.cpc, depth=k, absent=self.absent, actions=self.true.env.actions)
        graph = Graph(env, k, events=self.events, max_states=self.max_states, settings=self.settings)
        plan = self._plan(graph, k)
        self.plans.append((env, plan))
        return self._choose(plan, 0, k)


def rollout(graph: Graph, robot: Robot | None, steps: int, epsilon: float = 0.0,
            allowed: Sequence[int] | None = None,
            rng: np.random.Generator | None = None) -> tuple[list[int], list[int], list[bool]]:
    """The states and actions of one episode: (states[steps + 1], actions[steps], random[steps]).

    ``robot`` None is the idle policy (always wait). With epsilon, each step draws u ~ U[0, 1)
    from ``rng`` and, when u < epsilon, an action uniformly from ``allowed`` instead of the plan's.
    """
    explore = None
    if epsilon > 0:
        if rng is None or allowed is None:
            raise ValueError("a rollout with epsilon > 0 draws its random actions with rng from allowed: give both")
        explore = (rng, allowed)
    s = 0
    states: list[int] = [0]
    actions: list[int] = []
    rand: list[bool] = []
    wait = ACTION_INDEX["wait"]
    for t in range(steps):
        k = steps - t
        a = None
        if explore is not None:
            draw, choices = explore
            if draw.random() < epsilon:
                a = int(choices[int(draw.integers(len(choices)))])
        rand.append(a is not None)
        if a is None:
            a = wait if robot is None else robot.act(s, k)
        s = int(graph.next[a, s])
        actions.append(a)
        states.append(s)
    return states, actions, rand
