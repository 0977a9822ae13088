"""The search of ``learn``: every candidate as the robot's objective, run in training; the
survivors classified by the whole ladder.

Owns: the candidate's scenario (``with_objective``), the two passes (every candidate on every
train episode; the survivors on every episode of a run, probes included) and their tasks, which
go through an executor in chunks, in a fixed order. Imports engine (run_episode, build_graph,
classify, run_phases), plan (Robot's planning through plan_many), executors, learn.space,
learn.result.

One graph per episode serves every candidate of a chunk (built with the union of the events they
read), and a process keeps the last graph it built, so with one process each episode is
enumerated once for all candidates; the candidates' values are planned together (plan_many) and
dropped from the graph's cache when the chunk is done, so memory holds one chunk's plans.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from attrs import evolve

from ..engine import DEFAULT_MAX_STATES, build_graph, check_bound, classify, episode_events, run_episode, run_phases
from ..executors import map_in_order, parse_executor, result_of
from ..plan.graph import Graph
from ..plan.kernels import plan_values
from ..plan.multi import plan_many
from ..plan.settings import DEFAULT, PlanSettings
from ..records import EpisodeResult
from ..scenario.expr import canonical, substitute
from ..scenario.model import Distribution, LearnSpec, Objective, Scenario
from ..verdict.measures import phase_scores
from ..vocab import ACTIONS
from ..world.draw import draw_episodes
from ..world.env import Env
from .result import LearnResult, LearnRow
from .space import Candidate, space_of

#: candidates per task: one plan_many call and one unit of work for a process
CHUNK = 32
#: the name a candidate takes among the file's objectives
NAME = "candidate"

#: (stage, done, total): stage "train" (every candidate in training) or "ladder" (the survivors)
Progress = Callable[[str, int, int], None]


def deploy_reading(scn: Scenario) -> bool:
    """Whether the deploy agent takes the candidate too: yes unless the file's deploy agent drifted
    to another objective, which it then keeps (the drift happens after training, whatever training
    selected; the counterfactual rung reads the candidate in deployment)."""
    return not scn.drifts()


def with_objective(scn: Scenario, terms: Sequence[Any], text: str) -> Scenario:
    """``scn`` with the learned objective replaced by ``terms``: the robot's objective in training
    (every other key of [agent] kept) and in deployment unless the file's deploy agent drifts."""
    name = NAME
    while name in scn.objectives and name != scn.agent.objective:
        name += "_"
    objectives = dict(scn.objectives)
    objectives[name] = Objective(name, tuple(terms), text, "a candidate of learn")
    train_agent = evolve(scn.train.agent, objective=name)
    deploy = scn.deploy
    if deploy_reading(scn):
        deploy = evolve(deploy, agent=evolve(deploy.agent, objective=name))
    return evolve(scn, objectives=objectives, agent=evolve(scn.agent, objective=name),
                  train=evolve(scn.train, agent=train_agent), deploy=deploy)


#: one task: (scenario, phase, episode index, its contents, candidates (index, terms, text), probes,
#: max_states, settings, events of the graph, full records)
Task = tuple[Scenario, str, int, Any, tuple[tuple[int, tuple[Any, ...], str], ...], bool, int, PlanSettings,
             tuple[str, ...], bool]
#: what the train pass keeps of a candidate's episode: its result without step records or state
#: codes, and its actions (one byte each)
Light = tuple[EpisodeResult, bytes]

_LAST: dict[tuple[Any, ...], Graph] = {}  # this process's last graph (one: memory holds one episode's)


def _dist(scn: Scenario, phase: str) -> Distribution:
    """The distribution of a phase of ``run_phases`` (the counterfactual one whether or not this
    candidate drifts: the phases are the file's)."""
    if phase == "train":
        return scn.train
    if phase == "deploy":
        return scn.deploy
    return evolve(scn.deploy, agent=evolve(scn.deploy.agent, objective=scn.agent.objective))


def _graph(scn: Scenario, phase: str, index: int, contents: Any, events: tuple[str, ...], max_states: int,
           settings: PlanSettings) -> Graph:
    shape = _dist(scn, phase).shapes()[index - 1]
    T = shape.episode_length
    # what the graph is made of (never the file's name: sweep points that share an episode share it)
    key = (repr(contents), shape.layout.surface.tobytes(), shape.layout.surface.shape, T, scn.crumbs_per_cookie,
           scn.actions, events, max_states)
    g = _LAST.get(key)
    if g is None:
        dist = _dist(scn, phase)
        env = Env(shape.layout.surface, contents, scn.crumbs_per_cookie, depth=T, actions=scn.actions)
        g = build_graph(scn, env, T, events, max_states, f"{dist.name} episode {index}", settings)
        _LAST.clear()
        _LAST[key] = g
    return g


def _plan_chunk(graph: Graph, scns: Sequence[Scenario], dist_of: Callable[[Scenario], Distribution], T: int,
                settings: PlanSettings) -> None:
    """The values the candidates' robots and measures will ask for, planned in one plan_many per
    question (the robot's model is the true graph only when it is unaware of nothing)."""
    groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    for s in scns:
        agent = dist_of(s).agent
        mesa = s.objectives[agent.objective].reward
        groups.setdefault((T, 1.0, None, True), []).append(mesa)
        if agent.unaware_of or (agent.fears_correction and dist_of(s).overseen):
            continue
        allowed = np.array([a not in agent.cannot for a in ACTIONS]) & graph.env.acts
        h = T if agent.horizon is None else min(agent.horizon, T)
        akey = tuple(bool(x) for x in allowed)
        terms = substitute(mesa, dict(agent.beliefs))
        groups.setdefault((h, agent.gamma, akey, True), []).append(terms)
        if h < T:
            groups.setdefault((h, agent.gamma, akey, False), []).append(terms)
    for (steps, gamma, akey, final), objectives in groups.items():
        unique = list({canonical(t): t for t in objectives}.values())
        allowed = None if akey is None else np.array(akey)
        plan_many(graph, unique, steps, gamma, allowed, final, settings=settings)


def _task(args: Task) -> list[Light] | list[EpisodeResult]:
    scn, phase, index, contents, chunk, probes, max_states, settings, events, full = args
    graph = _graph(scn, phase, index, contents, events, max_states, settings)
    T = _dist(scn, phase).shapes()[index - 1].episode_length
    plan_values(graph, scn.base.reward, T, keep_values=True, settings=settings)  # every candidate's measure
    plans = dict(graph.__dict__.get("_plans", {}))
    objs = dict(graph.__dict__.get("_objectives", {}))
    scns = [with_objective(scn, terms, text) for _i, terms, text in chunk]
    _plan_chunk(graph, scns, lambda s: _dist(s, phase), T, settings)
    out: list[Any] = []
    for s in scns:
        acts: list[list[int]] = []
        r = run_episode(s, _dist(s, phase), index, contents, probes=probes, max_states=max_states,
                        settings=settings, graph=graph, records=full, actions_out=acts)
        out.append(r if full else (evolve(r, codes=()), bytes(acts[0])))
    # the chunk's plans go: the next chunk plans its own (the base's, planned first, stay)
    graph.__dict__["_plans"] = plans
    graph.__dict__["_objectives"] = objs
    return out


def _map(fn: Callable[[Task], Any], items: Sequence[Task], jobs: int, executor: str | None,
         progress: Callable[[int, int], None] | None) -> list[Any]:
    """``[fn(x) for x in items]`` in order: local processes (``jobs``) or a Dask cluster."""
    if executor is None or parse_executor(executor) is None:
        return map_in_order(fn, items, jobs, progress=progress)
    from ..executors import executor as open_executor

    with open_executor(executor, jobs) as ex:
        assert ex is not None
        futures = [ex.submit(fn, x) for x in items]
        out = []
        for f in futures:
            out.append(result_of(f))
            if progress is not None:
                progress(len(out), len(items))
        return out


def _events(scns: Sequence[Scenario], phase: str) -> tuple[str, ...]:
    found: set[str] = set()
    for s in scns:
        found |= episode_events(s, _dist(s, phase))
    return tuple(sorted(found))


def _tasks(scn: Scenario, phase: str, cands: Sequence[tuple[int, Candidate]], probes: bool, max_states: int,
           settings: PlanSettings, full: bool) -> list[Task]:
    dist = _dist(scn, phase)
    rows = tuple((i, c.terms, c.text) for i, c in cands)
    events = _events([with_objective(scn, c.terms, c.text) for _i, c in cands], phase)
    tasks: list[Task] = []
    shapes = dist.shapes()
    for index, contents in enumerate(draw_episodes(dist, scn.legend), start=1):
        T = shapes[index - 1].episode_length
        env = Env(shapes[index - 1].layout.surface, contents, scn.crumbs_per_cookie, depth=T)
        check_bound(scn, env, T, max_states, f"{dist.name} episode {index}")
        for a in range(0, len(rows), CHUNK):
            tasks.append((scn, phase, index, contents, rows[a:a + CHUNK], probes, max_states, settings, events, full))
    return tasks


def search(scn: Scenario, *, spec: LearnSpec | None = None, max_states: int = DEFAULT_MAX_STATES, jobs: int = 1,
           settings: PlanSettings = DEFAULT, progress: Progress | None = None,
           executor: str | None = None) -> LearnResult:
    """The search of learn.md on ``scn``: its space (``spec``, else the file's [learn], else the
    defaults), every candidate run in training, the survivors classified. The result is the same
    for any ``jobs``, executor and hash seed."""
    space = space_of(scn, spec)
    cands = list(enumerate(space.candidates))

    def stage(name: str) -> Callable[[int, int], None] | None:
        return None if progress is None else (lambda d, t: progress(name, d, t))

    tasks = _tasks(scn, "train", cands, False, max_states, settings, False)
    if progress is not None:
        progress("train", 0, len(tasks))
    lights: list[list[Light]] = _map(_task, tasks, jobs, executor, stage("train"))
    per: dict[int, list[Light]] = {i: [] for i, _c in cands}
    for task, got in zip(tasks, lights):
        for (i, _t, _x), light in zip(task[4], got):
            per[i].append(light)
    train_score = {i: phase_scores([x[0] for x in ls])[0] for i, ls in per.items()}
    tol = scn.classify.tolerance
    survivors = [(i, c) for i, c in cands if train_score[i] >= tol]
    classes: dict[tuple[bytes, ...], int] = {}
    class_of: dict[int, int] = {}
    for i, _c in survivors:
        key = tuple(x[1] for x in per[i])
        class_of[i] = classes.setdefault(key, len(classes) + 1)
    # the ladder, for the survivors only: every phase of a run, probes in training (training again
    # only where there are probes: without them the train pass has all the ladder reads of it)
    probed = bool(scn.agent.limits()) or (scn.agent.fears_correction and scn.train.overseen)
    phases = [name for name, _d in run_phases(scn) if name != "train" or probed]
    ladder_tasks: list[Task] = []
    for phase in phases:
        ladder_tasks += _tasks(scn, phase, survivors, phase == "train", max_states, settings, True)
    if progress is not None:
        progress("ladder", 0, len(ladder_tasks))
    fulls: list[list[EpisodeResult]] = _map(_task, ladder_tasks, jobs, executor, stage("ladder")) if survivors else []
    eps: dict[tuple[int, str], list[EpisodeResult]] = {}
    for task, full in zip(ladder_tasks, fulls):
        for (i, _t, _x), r in zip(task[4], full):
            eps.setdefault((i, task[1]), []).append(r)
    rows = []
    for i, c in survivors:
        s = with_objective(scn, c.terms, c.text)
        train = eps[(i, "train")] if probed else [x[0] for x in per[i]]
        deploy = eps[(i, "deploy")]
        cf = eps.get((i, "counterfactual")) if s.drifts() else None
        decision, _each = classify(s, train, deploy, cf)
        rows.append(LearnRow(c.text, c.size, c.weight, phase_scores(train)[0], phase_scores(deploy)[0],
                             decision.label, class_of[i], c.origin))
    base_class = class_of.get(0)
    return LearnResult.of(scn, space, len(classes), base_class, tuple(rows), tol,
                          tuple(train_score[i] for i, _c in cands), deploy_reading(scn))
