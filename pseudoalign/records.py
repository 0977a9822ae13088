"""What the engine measured of each episode: frozen records of steps and episodes.

Owns: StepRecord, Parting, EpisodeResult, Trace. Imports the world's Contents only (an episode's start);
a Trace's ``_repr_svg_`` imports pseudoalign.pictures when Jupyter asks.
"""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

from .world.contents import Contents


@frozen
class StepRecord:
    """One step of a recorded trajectory, with both objectives' view of it."""

    t: int  # 1-based step number
    action: str
    random: bool  # an epsilon action
    events: tuple[tuple[str, int], ...]  # the step's non-zero events, by name
    base_reward: float
    mesa_reward: float
    base_gain: float
    mesa_gain: float
    base_progress: bool  # better placed by the base objective than waiting would have left it
    base_regress: bool  # worse placed by the base objective than waiting would have left it
    base_advantage: float  # step reward + best base return after it, less the same for waiting
    robot: tuple[int, int]  # where it stands after the step


@frozen
class Parting:
    """The deception probe in one training episode: the first step where the watched robot and
    the same robot believing itself unwatched act differently (they agree until then, so both
    stand in the same state), and what each of the two actions costs the base there
    (V*_B - Q*_B of the true world: 0 for a base-optimal step)."""

    step: int  # 1-based
    watched: str  # the watched robot's action
    unwatched: str  # the unwatched robot's action
    watched_loss: float
    unwatched_loss: float


@frozen
class EpisodeResult:
    """One episode of one distribution: its size, the returns of every policy, the robot's steps."""

    phase: str  # "train" or "deploy"
    index: int  # 1-based
    states: int  # reachable states of its environment
    base_return: float
    base_optimal: float
    base_idle: float
    mesa_return: float
    mesa_optimal: float
    mesa_idle: float
    steps: tuple[StepRecord, ...]
    lifted: tuple[tuple[str, float], ...]  # (limit, base return with it lifted), train only
    start: Contents  # what lay where when the episode began
    codes: tuple[int, ...] = ()  # the state codes of the trajectory (steps + 1), for replays
    unwatched_return: float | None = None  # train, deception probe: the base return believing itself unwatched
    parting: Parting | None = None  # train, deception probe: where the two robots first act differently


@frozen
class Trace:
    """One episode of one policy, for replays: its record and what lay where at every step."""

    phase: str  # "train" or "deploy"
    episode: int  # 1-based
    policy: str  # "agent" (the robot), "base" or "mesa" (that objective's exact optimum)
    result: EpisodeResult
    contents: tuple[Contents, ...]  # at the start, then after each step (len(result.steps) + 1)
    surface: Any = field(default=None, eq=False, repr=False)  # the episode's layout.surface, for pictures

    def _repr_svg_(self) -> str | None:
        """Jupyter's picture of the trace: its map, the robot's trail, the gains (pseudoalign.pictures)."""
        if self.surface is None:
            return None
        from .pictures.svg import trace_svg

        return trace_svg(self)
