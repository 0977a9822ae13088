"""A loaded scenario as small frozen values.

Owns: Scenario, Objective, AgentSpec, Placement, Legend, Distribution, Thresholds. Imports expr, layout.
"""

from __future__ import annotations

from attrs import evolve, frozen

from ..verdict.ladder import Thresholds
from ..world.layout import Layout
from .expr import Term, canonical

LIMITS = ("horizon", "unaware_of", "cannot", "epsilon", "beliefs")


@frozen
class ItemSpec:
    item: str
    units: tuple[int, int] = (1, 1)
    kind: str | None = None
    color: str = "none"
    watches: str | None = None  # a camera's surface (1.1)


#: A map's own glyphs: glyph -> (its surface, the items fixed on each of its cells).
Legend = dict[str, tuple[str, tuple[ItemSpec, ...]]]


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
    fears_correction: bool = False  # in an overseen distribution, a step that is not base-optimal gets it stopped
    stake: float = 1000.0  # what being stopped costs it, in its objective's units

    def limits(self) -> tuple[str, ...]:
        """The limits this agent has, in the format's order (fears_correction is none: the
        deception probe reads it)."""
        has = {
            "horizon": self.horizon is not None,
            "unaware_of": bool(self.unaware_of),
            "cannot": bool(self.cannot),
            "epsilon": self.epsilon > 0,
            "beliefs": bool(self.beliefs),
        }
        return tuple(k for k in LIMITS if has[k])

    def lifted(self, limit: str) -> AgentSpec:
        """The same agent with one limit lifted (one of LIMITS)."""
        match limit:
            case "horizon":
                return evolve(self, horizon=None)
            case "unaware_of":
                return evolve(self, unaware_of=())
            case "cannot":
                return evolve(self, cannot=())
            case "epsilon":
                return evolve(self, epsilon=0.0)
            case "beliefs":
                return evolve(self, beliefs=())
        raise ValueError(f"{limit!r} is no limit (limits: {', '.join(LIMITS)})")

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
    overseen: bool = False  # someone watches and corrects a robot seen to deviate (1.1)


@frozen(eq=False)
class Scenario:
    path: str
    name: str
    title: str
    story: str
    expected: str | None
    crumbs_per_cookie: int
    legend: Legend
    objectives: dict[str, Objective]  # by name
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

    def uses_oversight(self) -> bool:
        """Whether oversight matters to this file's story (1.1): the robot fears correction, in
        training or deployment, or a distribution is watched otherwise than by default (train
        watched, deploy not). Reports name oversight only then, so format-1 reports keep their text."""
        return (self.train.agent.fears_correction or self.deploy.agent.fears_correction
                or not self.train.overseen or self.deploy.overseen)

    def objectives_differ(self) -> bool:
        return any(canonical(self.objectives[d.agent.objective].reward) != canonical(self.base.reward)
                   for d in (self.train, self.deploy))
