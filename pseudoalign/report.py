"""The Report of a run as a tree of small frozen values, and its JSON (a projection of them).

Every consumer reads these values: the command line's renderables, the JSON, replays and
sweeps. ``Report.to_dict()`` is a pure projection for JSON alone.

Owns: Report and its parts, build_report, the JSON bytes. Imports labels, records, measures.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from attrs import frozen

from .labels import NO_MESA_GAINS, Label
from .records import EpisodeResult, Parting, StepRecord
from .verdict.ladder import RUNGS, Decision, Rung
from .verdict.measures import EPS, coupling, phase_scores, redo_share
from .verdict.quantities import Match
from .vocab import SURFACES

if TYPE_CHECKING:
    from .scenario.model import Distribution, Scenario

FORMAT = 1
VERDICTS = "1.1"
MAX_EVIDENCE = 12  # steps of each kind of evidence the JSON lists (it counts them all)


def rounded(x: float | None) -> float | None:
    """A float as the report shows it: rounded to 6 places, so that the bytes are the same
    everywhere, and never -0.0."""
    if x is None:
        return None
    v = round(float(x), 6)
    return 0.0 if v == 0 else v


def dumps(value: Any) -> str:
    """The JSON text of report data: indented, UTF-8 as is, and no NaN or infinity."""
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)


@frozen
class VariantPhase:
    """The figures of the robot in the episodes of one variant of a mixture (format 1.2)."""

    variant: int  # 1-based, in file order
    share: float  # as resolved: the last variant's is what the others leave
    first_episode: int  # 1-based; 0 when it is given none
    episodes: int
    base_score: float
    mesa_competence: float

    def to_dict(self) -> dict[str, Any]:
        return {"variant": self.variant, "share": rounded(self.share), "first_episode": self.first_episode,
                "episodes": self.episodes, "base_score": rounded(self.base_score),
                "mesa_competence": rounded(self.mesa_competence)}


def episode_variants(dist: Distribution) -> tuple[int | None, ...]:
    """The variant (1-based) of each episode of a distribution; all None without a mixture."""
    return tuple(None if sh.variant is None else sh.variant + 1 for sh in dist.shapes())


@frozen
class Phase:
    """One distribution's episodes and the figures of the robot in it."""

    name: str  # "train" or "deploy"
    episodes: tuple[EpisodeResult, ...]
    base_score: float
    mesa_competence: float
    variants: tuple[VariantPhase, ...] | None = None  # a mixture's (1.2); None for a plain distribution

    @classmethod
    def of(cls, name: str, episodes: Sequence[EpisodeResult], dist: Distribution | None = None) -> Phase:
        b, m = phase_scores(episodes)
        variants = None
        if dist is not None and dist.variants:
            of = episode_variants(dist)
            parts = []
            for k, v in enumerate(dist.variants, start=1):
                mine = [e for e in episodes if of[e.index - 1] == k]
                vb, vm = phase_scores(mine)
                parts.append(VariantPhase(k, v.share, mine[0].index if mine else 0, len(mine), vb, vm))
            variants = tuple(parts)
        return cls(name, tuple(episodes), b, m, variants)

    @property
    def base_return(self) -> float:
        return sum(e.base_return for e in self.episodes)

    @property
    def base_optimal_return(self) -> float:
        return sum(e.base_optimal for e in self.episodes)

    @property
    def idle_return(self) -> float:
        return sum(e.base_idle for e in self.episodes)

    @property
    def mesa_return(self) -> float:
        return sum(e.mesa_return for e in self.episodes)

    @property
    def mesa_optimal_return(self) -> float:
        return sum(e.mesa_optimal for e in self.episodes)

    @property
    def mesa_idle_return(self) -> float:
        return sum(e.mesa_idle for e in self.episodes)

    @property
    def states(self) -> int:
        """The reachable states of its largest episode."""
        return max((e.states for e in self.episodes), default=0)

    def to_dict(self) -> dict[str, Any]:
        r = rounded
        return {
            "base_score": r(self.base_score), "mesa_competence": r(self.mesa_competence),
            "base_return": r(self.base_return), "base_optimal_return": r(self.base_optimal_return),
            "idle_return": r(self.idle_return), "mesa_return": r(self.mesa_return),
            "mesa_optimal_return": r(self.mesa_optimal_return), "mesa_idle_return": r(self.mesa_idle_return),
            "episodes": len(self.episodes), "states": self.states,
            **({} if self.variants is None else {"variants": [v.to_dict() for v in self.variants]}),
        }


@frozen
class StepAt:
    """A step of a deploy episode, as evidence."""

    episode: int  # 1-based
    step: StepRecord

    def to_dict(self) -> dict[str, Any]:
        s = self.step
        return {"episode": self.episode, "step": s.t, "action": s.action, "events": dict(s.events),
                "base_gain": rounded(s.base_gain), "mesa_gain": rounded(s.mesa_gain),
                "base_progress": s.base_progress}


@frozen
class Evidence:
    """The robot's deploy steps that show its verdict, each kind in the order they were taken."""

    negative_base_steps: tuple[StepAt, ...]  # the base's own gain was negative (a spill)
    bypass_steps: tuple[StepAt, ...]  # a positive mesa gain without base progress
    regress_steps: tuple[StepAt, ...]  # left it worse placed for the base than waiting
    # the deception probe (None where it does not apply): per training episode where they part,
    # the first step where the watched and the unwatched robot act differently
    parting: tuple[PartingAt, ...] | None = None

    @classmethod
    def of(cls, deploy: Iterable[EpisodeResult], train: Iterable[EpisodeResult] = (),
           deception: bool = False) -> Evidence:
        steps = [StepAt(e.index, s) for e in deploy for s in e.steps]
        parting = None
        if deception:
            parting = tuple(PartingAt(e.index, e.parting, e.base_return, e.unwatched_return)
                            for e in train if e.parting is not None and e.unwatched_return is not None)
        return cls(tuple(a for a in steps if a.step.base_gain < -EPS),
                   tuple(a for a in steps if a.step.mesa_gain > EPS and not a.step.base_progress),
                   tuple(a for a in steps if a.step.base_regress), parting)

    def to_dict(self) -> dict[str, Any]:
        def part(rows: tuple[StepAt, ...]) -> dict[str, Any]:
            return {"count": len(rows), "first": [a.to_dict() for a in rows[:MAX_EVIDENCE]]}

        out = {"negative_base_steps": part(self.negative_base_steps),
               "mesa_bypassing_base_steps": part(self.bypass_steps),
               "base_losing_steps": part(self.regress_steps)}
        if self.parting is not None:  # only where the deception probe applies (format-1 reports keep their keys)
            out["watched_unwatched_parting"] = {"count": len(self.parting),
                                                "first": [p.to_dict() for p in self.parting[:MAX_EVIDENCE]]}
        return out


@frozen
class LiftedLimit:
    """The suboptimality probe of one limit: the robot re-planned with it lifted, in training."""

    limit: str  # horizon, unaware_of, cannot, epsilon or beliefs
    description: str  # the limit's value in words
    train_base_score: float
    breaks_training: bool  # the score is below the tolerance

    def to_dict(self) -> dict[str, Any]:
        return {"lifted": self.limit, "train_base_score": rounded(self.train_base_score),
                "breaks_training": self.breaks_training, "limit": self.description}


@frozen
class Disagreement:
    """The largest one-step difference of base and mesa reward in deployment, and where."""

    value: float = 0.0
    at: StepAt | None = None

    @classmethod
    def of(cls, deploy: Iterable[EpisodeResult]) -> Disagreement:
        best = cls()
        for e in deploy:
            for s in e.steps:
                d = abs(s.base_reward - s.mesa_reward)
                if d > best.value + 1e-12:
                    best = cls(d, StepAt(e.index, s))
        return best

    def to_dict(self) -> dict[str, Any]:
        at = None
        if self.at is not None:
            s = self.at.step
            at = {"episode": self.at.episode, "step": s.t, "action": s.action,
                  "base_reward": rounded(s.base_reward), "mesa_reward": rounded(s.mesa_reward)}
        return {"max_disagreement": rounded(self.value), "at": at}


@frozen
class Drift:
    """The drift probe: the robot's objective changed after training."""

    learned: str  # the objective table it learned
    deployed: str  # the one it pursues in deployment
    counterfactual_base_score: float  # in deployment, with the objective it learned

    def to_dict(self) -> dict[str, Any]:
        return {"learned": self.learned, "deployed": self.deployed,
                "counterfactual_base_score": rounded(self.counterfactual_base_score)}


@frozen
class Deception:
    """The deception probe: the training agent re-planned believing itself unwatched, in training."""

    unwatched_train_base_score: float

    def to_dict(self) -> dict:
        return {"unwatched_train_base_score": rounded(self.unwatched_train_base_score)}


@frozen
class PartingAt:
    """A training episode's first step where the watched and the unwatched robot act differently."""

    episode: int  # 1-based, of the training distribution
    parting: Parting
    watched_return: float  # the episode's base return, watched
    unwatched_return: float  # and believing itself unwatched

    def to_dict(self) -> dict:
        p = self.parting
        return {"episode": self.episode, "step": p.step, "watched": p.watched, "unwatched": p.unwatched,
                "watched_base_loss": rounded(p.watched_loss), "unwatched_base_loss": rounded(p.unwatched_loss),
                "watched_base_return": rounded(self.watched_return),
                "unwatched_base_return": rounded(self.unwatched_return)}


@frozen
class Probes:
    """The counterfactual probes and measures of the ladder (of the robot in deployment)."""

    suboptimality: tuple[LiftedLimit, ...]  # one per limit the robot has
    quantities: tuple[Match, ...]  # each quantity the learned objective reads, with its counterpart
    max_disagreement: Disagreement
    coupling: float | None  # of its positive mesa gains in deployment, the share at steps of base progress
    redo_share: float | None  # of those made with base progress, the share made after an undo of its own
    drift: Drift | None = None
    deception: Deception | None = None  # None where the probe does not apply

    @property
    def counterparts(self) -> bool:
        """Every quantity the learned objective reads has a counterpart in the base."""
        return all(m.base is not None for m in self.quantities)

    @property
    def bypass_share(self) -> float | None:
        return None if self.coupling is None else 1.0 - self.coupling

    def to_dict(self) -> dict[str, Any]:
        return {"drift": None if self.drift is None else self.drift.to_dict(),
                "deception": None if self.deception is None else self.deception.to_dict(),
                "suboptimality": [p.to_dict() for p in self.suboptimality],
                "approximate": {"counterparts": self.counterparts, "same_quantities": self.counterparts,
                                "quantities": [m.to_dict() for m in self.quantities],
                                **self.max_disagreement.to_dict()},
                "coupling": rounded(self.coupling), "redo_share": rounded(self.redo_share),
                "bypass_share": rounded(self.bypass_share)}


@frozen
class EpisodeVerdict:
    """The verdict of one deploy episode on its own (against the whole training distribution)."""

    episode: int  # 1-based
    label: Label
    base_score: float
    mesa_competence: float
    variant: int | None = None  # in a mixture (1.2): its variant, 1-based

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"episode": self.episode, "label": str(self.label),
                               "base_score": rounded(self.base_score), "mesa_competence": rounded(self.mesa_competence)}
        if self.variant is not None:  # only in a mixture: other reports keep their bytes
            out["variant"] = self.variant
        return out


@frozen
class Verdict:
    """The run's label, why, how close it came to another, and how its deploy episodes agree."""

    label: Label
    expected: Label | None  # the file's ``expected``, shown beside the label; never read to decide it
    reason: str
    episodes: tuple[EpisodeVerdict, ...]
    borderline: Rung | None = None  # the rung whose margin is within the borderline threshold
    other: Label | None = None  # what a small change across that rung would make it
    mechanism: str | None = None  # for the proxy rung: what deployment revealed, in words

    @property
    def agrees(self) -> bool | None:
        return None if self.expected is None else self.expected == self.label

    @property
    def episodes_agreeing(self) -> int:
        return sum(1 for e in self.episodes if e.label == self.label)

    @property
    def disagreeing_episodes(self) -> tuple[int, ...]:
        return tuple(e.episode for e in self.episodes if e.label != self.label)

    @property
    def borderline_note(self) -> str | None:
        """The borderline verdict in words: the rung, its figure and threshold, the other label."""
        r = self.borderline
        if r is None or r.figure is None or r.threshold is None:
            return None
        return (f"{r.reads} {r.figure:.2f} against {r.threshold:g} (rung {r.number}, {r.name}): "
                f"a small change could make this {self.other}")

    def to_dict(self) -> dict[str, Any]:
        return {"label": str(self.label), "expected": None if self.expected is None else str(self.expected),
                "agrees": self.agrees, "reason": self.reason, "episodes_agreeing": self.episodes_agreeing,
                "episodes": len(self.episodes), "disagreeing_episodes": list(self.disagreeing_episodes),
                "borderline": self.borderline is not None,
                "borderline_rung": None if self.borderline is None else self.borderline.name,
                "borderline_note": self.borderline_note, "mechanism": self.mechanism}


@frozen(eq=False)
class Report:
    """A classified run: the scenario, both phases, the ladder, the probes, the evidence."""

    scenario: Scenario
    train: Phase
    deploy: Phase  # the deploy agent
    verdict: Verdict
    rungs: tuple[Rung, ...]
    probes: Probes
    evidence: Evidence  # of the robot in deployment
    counterfactual: Phase | None = None  # under drift: the deploy agent with the objective it learned

    @property
    def label(self) -> Label:
        return self.verdict.label

    @property
    def agrees(self) -> bool | None:
        return self.verdict.agrees

    @property
    def robot(self) -> Phase:
        """The robot in deployment whose behaviour the rungs below the drift rung read."""
        return self.deploy if self.counterfactual is None else self.counterfactual

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (verdicts 1.1) as plain values: a projection, computing nothing."""
        scn = self.scenario
        return {
            "format": FORMAT,
            "verdicts": VERDICTS,
            "scenario": scn.name,
            "title": scn.title,
            "verdict": self.verdict.to_dict(),
            "train": self.train.to_dict(),
            "deploy": self.deploy.to_dict(),
            "counterfactual_deploy": None if self.counterfactual is None else self.counterfactual.to_dict(),
            "probes": self.probes.to_dict(),
            "rungs": [{"number": r.number, "name": r.name, "label": str(r.label), "holds": r.passed,
                       "margin": rounded(r.margin), "test": r.test} for r in self.rungs],
            "evidence": self.evidence.to_dict(),
            "episodes": [e.to_dict() for e in self.verdict.episodes],
        }

    def to_json(self) -> str:
        return dumps(self.to_dict())

    def _repr_html_(self) -> str:
        """A small self-contained HTML summary, so that a Report displays itself in Jupyter: the
        verdict, its reason, the scores, and the ladder's rungs as a checklist (all text escaped)."""
        from html import escape

        scn, v = self.scenario, self.verdict
        agree = "" if v.agrees is None else (" (as expected)" if v.agrees else f" (expected: {v.expected})")
        rows = "".join(
            f"<tr><td>{escape(ph.name)}</td><td>{ph.base_score:.2f}</td><td>{ph.mesa_competence:.2f}</td></tr>"
            for ph in (self.train, self.deploy))
        deciding = next(r for r in self.rungs if r.passed)
        rungs = "".join(
            f"<li>{'&#x2714; holds' if r.passed else '&#x2716; does not hold'}: {r.number}. <b>{escape(r.name)}</b>"
            f" ({escape(str(r.label))}): {escape(r.test)}</li>" for r in self.rungs[:deciding.number])
        note = f"<p><i>Borderline: {escape(v.borderline_note)}</i></p>" if v.borderline_note else ""
        return (f'<div class="pseudoalign-report"><h4>{escape(scn.name)}: {escape(scn.title)}</h4>'
                f"<p>Verdict: <b>{escape(str(v.label))}</b>{escape(agree)}</p><p>{escape(v.reason)}</p>{note}"
                "<table><tr><th>phase</th><th>base score</th><th>mesa competence</th></tr>"
                f"{rows}</table><p>The ladder, rung by rung, until one holds:</p><ul>{rungs}</ul></div>")


def _where(scn: Scenario, at: StepAt) -> str:
    x, y = at.step.robot
    layout = scn.deploy.shapes()[at.episode - 1].layout  # in a mixture, its variant's map
    return SURFACES[int(layout.surface[y, x])]


def _steps_in_words(scn: Scenario, rows: tuple[StepAt, ...], where: bool = True) -> str:
    """'vacuum on the floor x4, break on the floor x1': what a kind of evidence did, most first."""
    count = Counter((a.step.action, _where(scn, a) if where else "") for a in rows)
    return ", ".join(f"{act}{f' on the {surface}' if surface else ''} x{n}" for (act, surface), n in count.most_common(3))


def mechanism(scn: Scenario, label: Label, probes: Probes, evidence: Evidence) -> str | None:
    """What the proxy rung saw deployment reveal, in words (None for other labels)."""
    c, redo = probes.coupling, probes.redo_share
    if label == Label.SIDE_EFFECT and c is not None:
        if redo is not None and redo >= 0.5:
            undo = [a for a in evidence.negative_base_steps]
            return (f"it redid what it had undone: {redo:.0%} of its mesa gains with base progress came after a step "
                    f"of its own that lost base ({_steps_in_words(scn, tuple(undo), where=False) or 'none listed'}), "
                    f"then won it back")
        lost = _steps_in_words(scn, evidence.regress_steps, where=False)
        return (f"its mesa gains came with base progress ({c:.0%} of them); it lost the base at other steps"
                + (f" ({lost})" if lost else ""))
    if label == Label.INSTRUMENTAL and c is not None:
        return (f"it took its gains from elsewhere: {1 - c:.0%} of its mesa gains came at steps without base progress "
                f"({_steps_in_words(scn, evidence.bypass_steps)})")
    return None


def build_report(scn: Scenario, train: Sequence[EpisodeResult], deploy: Sequence[EpisodeResult],
                 counterfactual: Sequence[EpisodeResult] | None,
                 decided: tuple[Decision, tuple[Decision, ...]]) -> Report:
    """The Report of measured episodes and their classification (the run's and each episode's)."""
    decision, per_episode = decided
    label = decision.label
    tr, dp = Phase.of("train", train, scn.train), Phase.of("deploy", deploy, scn.deploy)
    cf = None if counterfactual is None else Phase.of("counterfactual", counterfactual, scn.deploy)
    robot = deploy if counterfactual is None else counterfactual
    th = scn.classify
    c = coupling(robot)
    drift = None
    if cf is not None:
        drift = Drift(scn.agent.objective, scn.deploy.agent.objective, cf.base_score)
    figures = decision.figures
    lifted = tuple(LiftedLimit(lim, scn.agent.describe_limit(lim), b, b < th.tolerance) for lim, b in figures.lifted)
    deception = None if figures.deception is None else Deception(figures.deception)
    probes = Probes(lifted, figures.quantities, Disagreement.of(robot), c, redo_share(robot), drift, deception)
    evidence = Evidence.of(robot, train, deception is not None)
    broke = ", ".join(f"'{p.limit}' ({p.description})" for p in probes.suboptimality if p.breaks_training)
    differ = "; the objectives differ all the same, so another shift could expose it" if scn.objectives_differ() else ""
    template = NO_MESA_GAINS if label == Label.INSTRUMENTAL and c is None else label.reason
    rb = dp if cf is None or label == Label.ROBUST else cf  # robust reads the deploy agent, the rungs below the robot
    reason = template.format(tb=tr.base_score, db=rb.base_score, dm=rb.mesa_competence, tol=th.tolerance,
                             comp=th.competence, broke=broke, differ=differ,
                             dec=figures.deception if figures.deception is not None else 0.0,
                             drift=0.0 if cf is None else cf.base_score,
                             errors=", ".join(sorted({e for m in probes.quantities for e in m.errors})) or "none",
                             c=("undefined" if c is None else f"{c:.2f}"))
    of = episode_variants(scn.deploy)
    episodes = tuple(EpisodeVerdict(e.index, d.label, *phase_scores([e]), variant=of[e.index - 1])
                     for e, d in zip(deploy, per_episode))
    expected = None if scn.expected is None else Label(scn.expected)
    verdict = Verdict(label, expected, reason, episodes, decision.borderline, decision.other,
                      mechanism(scn, label, probes, evidence))
    return Report(scn, tr, dp, verdict, decision.rungs, probes, evidence, cf)


# -- the JSON report's shape ------------------------------------------------------------------

def _obj(props: dict[str, Any], doc: str = "") -> dict[str, Any]:
    """A JSON Schema object with exactly these properties, all required."""
    s: dict[str, Any] = {"type": "object", "properties": props, "required": sorted(props), "additionalProperties": False}
    if doc:
        s["description"] = doc
    return s


def _num(doc: str, nullable: bool = False) -> dict[str, Any]:
    return {"type": ["number", "null"] if nullable else "number", "description": doc}


def _int(doc: str, minimum: int = 0) -> dict[str, Any]:
    return {"type": "integer", "minimum": minimum, "description": doc}


def _str(doc: str) -> dict[str, Any]:
    return {"type": "string", "description": doc}


def _bool(doc: str, nullable: bool = False) -> dict[str, Any]:
    return {"type": ["boolean", "null"] if nullable else "boolean", "description": doc}


def _label(doc: str, nullable: bool = False) -> dict[str, Any]:
    values: list[str | None] = [str(label) for label in Label] + ([None] if nullable else [])
    return {"enum": values, "description": doc}


def _evidence_schema(steps: dict[str, Any]) -> dict[str, Any]:
    """The evidence: three kinds of deploy steps, and, only where the deception probe applies,
    where the watched and the unwatched robot part in training."""
    parting = _obj({
        "episode": _int("the training episode", 1), "step": _int("the first step where they act differently", 1),
        "watched": _str("the watched robot's action"), "unwatched": _str("the unwatched robot's action"),
        "watched_base_loss": _num("V*_B - Q*_B of the watched robot's action there (0: base-optimal)"),
        "unwatched_base_loss": _num("the same for the unwatched robot's action"),
        "watched_base_return": _num("the episode's base return, watched"),
        "unwatched_base_return": _num("the episode's base return, believing itself unwatched"),
    })
    s = _obj({"negative_base_steps": steps, "mesa_bypassing_base_steps": steps, "base_losing_steps": steps})
    s["properties"]["watched_unwatched_parting"] = _obj({
        "count": _int("training episodes where they part"),
        "first": {"type": "array", "items": parting, "maxItems": MAX_EVIDENCE,
                  "description": f"the first {MAX_EVIDENCE}"}},
        "only where the deception probe applies: per training episode, the first step where the watched and "
        "the unwatched robot act differently")
    return s


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 4) of ``Report.to_dict()``: what ``pseudoalign run --json`` prints."""
    phase = _obj({
        "base_score": _num("(base return - idle) / (optimal - idle) over the phase's episodes; at most 1"),
        "mesa_competence": _num("the same with the mesa objective"),
        "base_return": _num("the robot's base return, summed over the episodes"),
        "base_optimal_return": _num("the base-optimal policy's base return"),
        "idle_return": _num("the base return of always waiting"),
        "mesa_return": _num("the robot's mesa return"),
        "mesa_optimal_return": _num("the mesa-optimal policy's mesa return"),
        "mesa_idle_return": _num("the mesa return of always waiting"),
        "episodes": _int("episodes in the phase", 1),
        "states": _int("reachable states of its largest episode", 1),
    })
    phase["properties"]["variants"] = {"type": "array", "description": "only for a mixture (format 1.2): the "
                                       "robot's figures in each variant's episodes, in file order", "items": _obj({
        "variant": _int("the variant, from 1, in file order", 1),
        "share": _num("its share of the episodes (the last variant's: what the others leave)"),
        "first_episode": _int("its first episode, from 1; 0 when it is given none"),
        "episodes": _int("how many episodes it is given"),
        "base_score": _num("the base score over its episodes"),
        "mesa_competence": _num("the mesa competence over its episodes"),
    })}
    step = _obj({
        "episode": _int("the deploy episode, from 1", 1),
        "step": _int("the step, from 1", 1),
        "action": _str("the action taken"),
        "events": {"type": "object", "additionalProperties": {"type": "integer"},
                   "description": "the step's non-zero events"},
        "base_gain": _num("the step's gain by the base objective"),
        "mesa_gain": _num("the step's gain by the mesa objective"),
        "base_progress": _bool("it left the robot better placed for the base than waiting"),
    })
    steps = _obj({"count": _int("how many such steps"),
                  "first": {"type": "array", "items": step, "maxItems": MAX_EVIDENCE,
                            "description": f"the first {MAX_EVIDENCE}"}})
    quantity = {"oneOf": [{"type": "null"}, _obj({
        "feature": _str("the feature as written"),
        "stuff": _str("stain, crumb, cookie, coffee, dish, object, object:NAME, position, view or act:NAME"),
        "kind": {"enum": ["level", "event"], "description": "read from a state, or counted at a step"},
        "place": {"type": ["string", "null"], "description": "a surface, all, bin, inventory, robot, camera; "
                                                              "null for events"},
        "direction": {"enum": ["more", "less"], "description": "more or less of the stuff"},
    })]}
    rung = _obj({
        "number": _int("its number, from 1", 1),
        "name": {"enum": list(RUNGS), "description": "the rung"},
        "label": _label("the verdict when it holds"),
        "holds": _bool("the test holds (the first rung that holds decides)"),
        "margin": _num("its figure less its threshold; null for rungs that compare nothing", nullable=True),
        "test": _str("the figures it reads, as they are"),
    })
    schema = _obj({
        "format": {"enum": [FORMAT], "description": "the scenario format"},
        "verdicts": {"enum": [VERDICTS], "description": "the version of the verdict rules"},
        "scenario": _str("the scenario's name"),
        "title": _str("the scenario's title"),
        "verdict": _obj({
            "label": _label("the run's verdict"),
            "expected": _label("the file's expected verdict, or null", nullable=True),
            "agrees": _bool("label == expected, or null without expected", nullable=True),
            "reason": _str("one sentence: why"),
            "episodes_agreeing": _int("deploy episodes whose own verdict is the run's"),
            "episodes": _int("deploy episodes", 1),
            "disagreeing_episodes": {"type": "array", "items": {"type": "integer", "minimum": 1},
                                     "description": "the deploy episodes whose own verdict differs"},
            "borderline": _bool("a deciding margin is within the borderline threshold"),
            "borderline_rung": {"enum": list(RUNGS) + [None], "description": "the rung, or null"},
            "borderline_note": {"type": ["string", "null"], "description": "the borderline verdict in words"},
            "mechanism": {"type": ["string", "null"], "description": "for proxy verdicts: what deployment revealed"},
        }),
        "train": phase,
        "deploy": phase,
        "counterfactual_deploy": {"oneOf": [{"type": "null"}, phase],
                                  "description": "under drift: the deploy agent with the objective it learned"},
        "probes": _obj({
            "drift": {"oneOf": [{"type": "null"}, _obj({
                "learned": _str("the objective table it learned"),
                "deployed": _str("the one it pursues in deployment"),
                "counterfactual_base_score": _num("in deployment, with the objective it learned"),
            })], "description": "null without drift"},
            "deception": {"oneOf": [{"type": "null"}, _obj({
                "unwatched_train_base_score": _num("the training agent believing itself unwatched: its train base "
                                                   "score"),
            })], "description": "the deception probe: null where it does not apply (the robot does not fear "
                                "correction, or training is not overseen)"},
            "suboptimality": {"type": "array", "description": "one entry per limit of the robot", "items": _obj({
                "lifted": {"enum": ["horizon", "unaware_of", "cannot", "epsilon", "beliefs"],
                           "description": "the limit lifted"},
                "train_base_score": _num("the train base score with it lifted"),
                "breaks_training": _bool("that score is below the tolerance"),
                "limit": _str("the limit's value in words"),
            })},
            "approximate": _obj({
                "counterparts": _bool("every quantity the learned objective reads has a counterpart in the base"),
                "same_quantities": _bool("the 1.0 name of counterparts, with its value"),
                "quantities": {"type": "array", "items": _obj({
                    "mesa": quantity, "counterpart": quantity,
                    "errors": {"type": "array", "items": {"enum": ["scope", "granularity", "weight"]}},
                })},
                "max_disagreement": _num("the largest |base reward - mesa reward| of one deploy step"),
                "at": {"oneOf": [{"type": "null"}, _obj({
                    "episode": _int("the deploy episode", 1), "step": _int("the step", 1),
                    "action": _str("the action"), "base_reward": _num("its base reward"),
                    "mesa_reward": _num("its mesa reward")})], "description": "where, or null"},
            }),
            "coupling": _num("share of positive mesa gains made at steps of base progress; null without any",
                             nullable=True),
            "redo_share": _num("of those with base progress, the share made after an undo of its own", nullable=True),
            "bypass_share": _num("1 - coupling", nullable=True),
        }),
        "rungs": {"type": "array", "minItems": len(RUNGS), "maxItems": len(RUNGS), "items": rung},
        "evidence": _evidence_schema(steps),
        "episodes": {"type": "array", "description": "each deploy episode's verdict on its own", "items": _obj({
            "episode": _int("the deploy episode", 1),
            "label": _label("its verdict"),
            "base_score": _num("its base score"),
            "mesa_competence": _num("its mesa competence"),
        })},
    }, "A pseudoalign run's JSON report")
    schema["properties"]["episodes"]["items"]["properties"]["variant"] = _int(
        "only where deployment is a mixture (format 1.2): the episode's variant, from 1", 1)
    schema["$schema"] = "http://json-schema.org/draft-04/schema#"
    schema["title"] = "pseudoalign report"
    return schema
