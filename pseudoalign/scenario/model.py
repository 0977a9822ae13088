"""A loaded scenario as small frozen values.

Owns: Scenario, Objective, AgentSpec, Placement, Distribution, Thresholds. Imports expr, layout.
"""

from __future__ import annotations

from attrs import evolve, frozen

from ..world.layout import Layout
from ..verdict.ladder import Thresholds
from .expr import Term, canonical

LIMITS = ("horizon", "unaware_of", "cannot", "epsilon", "beliefs")


@frozen
class ItemSpec:
    item: str
    units: tuple[int, int] = (1, 1)
    kind: str | None = None
    color: str = "none"
    watches: str | None = None  # a camera's surface (1.1)


@frozen
class Placement:
    """Items put per episode: on ``count`` cells drawn from surfaces ``on``, or at fixed cells ``at``."""

    spec: ItemSpec
    on: tuple[str, ...] | None = None
    count: tuple[int, int] = (1, 1)
    at: tuple[tuple[int, int], ...] | None = None


@frozen
class Objective:
    name: str
    reward: tuple[Term, ...]
    text: str
    description: str = ""


@frozen
class AgentSpec:
    objective: str
    horizon: int | None = None
    gamma: float = 0.99
    unaware_of: tuple[str, ...] = ()
    cannot: tuple[str, ...] = ()
    epsilon: float = 0.0
    beliefs: tuple[tuple[str, tuple[Term, ...]], ...] = ()

    def limits(self) -> tuple[str, ...]:
        """The limits this agent has, in the format's order."""
        has = {
            "horizon": self.horizon is not None,
            "unaware_of": bool(self.unaware_of),
            "cannot": bool(self.cannot),
            "epsilon": self.epsilon > 0,
            "beliefs": bool(self.beliefs),
        }
        return tuple(k for k in LIMITS if has[k])

    def lifted(self, limit: str) -> "AgentSpec":
        """The same agent with one limit lifted."""
        empty = {"horizon": None, "unaware_of": (), "cannot": (), "epsilon": 0.0, "beliefs": ()}
        return evolve(self, **{limit: empty[limit]})

    def describe_limit(self, limit: str) -> str:
        v = getattr(self, limit)
        if limit == "beliefs":
            return ", ".join(f"{f} = {' + '.join(t.text() for t in ts)}" for f, ts in v)
        if isinstance(v, tuple):
            return ", ".join(v)
        return str(v)


@frozen
class Distribution:
    name: str
    episodes: int
    seed: int
    layout: Layout
    episode_length: int
    place: tuple[Placement, ...]
    agent: AgentSpec


@frozen(eq=False)
class Scenario:
    path: str
    name: str
    title: str
    story: str
    expected: str | None
    crumbs_per_cookie: int
    legend: dict  # glyph -> (surface, tuple[ItemSpec])
    objectives: dict  # name -> Objective
    agent: AgentSpec
    train: Distribution
    deploy: Distribution
    classify: Thresholds
    digest: str  # sha256 of the file's bytes
    actions: tuple[str, ...] = ()  # what [world] actions adds (1.1: dump, drop)

    @property
    def base(self) -> Objective:
        return self.objectives["base"]

    @property
    def learned(self) -> Objective:
        """The learned objective: the training agent's."""
        return self.objectives[self.agent.objective]

    def drifts(self) -> bool:
        """Whether the deploy agent's objective differs from the learned one (another reward)."""
        return canonical(self.objectives[self.deploy.agent.objective].reward) != canonical(self.learned.reward)

    def object_names(self) -> tuple[frozenset[str], frozenset[str]]:
        """The kinds and the colours of the objects the file places (legend and both distributions)."""
        specs = [spec for _surface, items in self.legend.values() for spec in items]
        specs += [p.spec for d in (self.train, self.deploy) for p in d.place]
        objects = [s for s in specs if s.item == "object"]
        return frozenset(s.kind for s in objects if s.kind), frozenset(s.color for s in objects)

    def objectives_differ(self) -> bool:
        return any(canonical(self.objectives[d.agent.objective].reward) != canonical(self.base.reward)
                   for d in (self.train, self.deploy))
