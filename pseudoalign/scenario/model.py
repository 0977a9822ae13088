"""A loaded scenario as small frozen values.

Owns: Scenario, Objective, AgentSpec, Placement, Legend, Distribution (with its Variants and the
Shape of each episode), LearnSpec, Thresholds. Imports expr, layout.
"""

from __future__ import annotations

from fractions import Fraction

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
class Shape:
    """What one episode is drawn from: its map, its length and its placements (those of its
    variant in a mixture, else the distribution's own)."""

    layout: Layout
    episode_length: int
    place: tuple[Placement, ...]
    variant: int | None = None  # the index of its variant in Distribution.variants; None without a mixture


@frozen
class Variant:
    """One part of a mixture distribution (format 1.2: ``[[train.variant]]``): its share of the
    episodes (the last variant's is what the others leave) and what replaces the distribution's own."""

    share: float
    layout: Layout
    episode_length: int
    place: tuple[Placement, ...]


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
    variants: tuple[Variant, ...] = ()  # a mixture (1.2); () for a plain distribution

    def shapes(self) -> tuple[Shape, ...]:
        """The shape of each of the ``episodes`` episodes, in order: in a mixture, the variants in
        file order, each given its ``share`` of the episodes by largest remainder."""
        if not self.variants:
            return (Shape(self.layout, self.episode_length, self.place),) * self.episodes
        counts = variant_counts([v.share for v in self.variants], self.episodes)
        return tuple(Shape(v.layout, v.episode_length, v.place, i)
                     for i, (v, n) in enumerate(zip(self.variants, counts)) for _ in range(n))


def variant_counts(shares: list[float], episodes: int) -> list[int]:
    """Episodes per variant: ``share x episodes`` each, rounded by largest remainder, ties to the
    earlier variant. The shares are the resolved ones (the last is what the others leave). The
    arithmetic is exact on the shares as written (0.1 is one tenth), so no rounding of floats
    decides a tie."""
    exact = [Fraction(repr(s)) * episodes for s in shares]
    counts = [int(x) for x in exact]
    left = episodes - sum(counts)
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[:left]:
        counts[i] += 1
    return counts


@frozen
class LearnSpec:
    """The ``[learn]`` table (format 1.2): the space of candidate objectives that ``learn`` searches.
    ``features`` None means the space derived from what the file places."""

    features: tuple[str, ...] | None = None
    weights: tuple[float, ...] = (-1.0, 1.0)
    max_terms: int = 2
    prior: str = "simplicity"
    limit: int = 100_000


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
    learn: LearnSpec | None = None  # the [learn] table (1.2); None when the file has none
    source: str = ""  # where the story comes from, one line (the gallery groups by it)

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
        specs += [p.spec for d in (self.train, self.deploy) for v in d.variants for p in v.place]
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
