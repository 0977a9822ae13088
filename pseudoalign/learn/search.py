"""The search of ``learn``: every candidate as the robot's objective, run in training; the
survivors classified by the whole ladder.

Owns: the candidate's scenario (``with_objective``), the two passes (every candidate on every
train episode; the survivors on every episode of a run, probes included) and their tasks, which
go through an executor in chunks, in a fixed order, in batches (stored as each is done when
there is a ``--db``). Imports engine (run_episode, build_graph, classify, run_phases), plan (the
robot's _Plan, rollout, plan_many, the objective arrays), executors, labels, learn.space,
learn.result, learn.store.

One graph per episode serves every candidate of a chunk (built with the union of the events they
read), and a process keeps the last graph it built, so with one process each episode is
enumerated once for all candidates; the candidates' values are planned together (plan_many) and
dropped from the graph's cache when the chunk is done, so memory holds one chunk's plans. The
chunk's objective arrays are made from each feature's level read once per graph; in training,
a robot with no model of its own, no random steps and no watched fear is stepped together with
the rest of its chunk (one greedy step for K robots: the same arithmetic, the same actions).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from attrs import evolve

from ..engine import (
    DEFAULT_MAX_STATES,
    build_graph,
    check_bound,
    classify,
    episode_env,
    episode_events,
    run_episode,
    run_phases,
)
from ..executors import map_in_order, parse_executor, result_of
from ..labels import Label
from ..plan.agent import _Plan, rollout
from ..plan.graph import Graph
from ..plan.kernels import ObjectiveArrays, greedy_many, objective, plan_values
from ..plan.multi import plan_many
from ..plan.settings import DEFAULT, PlanSettings
from ..records import EpisodeResult
from ..scenario.expr import canonical, substitute
from ..scenario.model import Distribution, LearnSpec, Objective, Scenario
from ..verdict.measures import phase_scores
from ..vocab import ACTIONS
from ..world.draw import draw_episodes
from .result import LearnResult, LearnRow
from .space import Candidate, Space, space_of
from .store import LearnStore, result_key

#: candidates per task: one plan_many call and one unit of work for a process
CHUNK = 32
#: candidates per stored batch (with --db): a killed run keeps every batch done
WAVE = 512
#: candidates per batch without a store: large enough that few process pools are started
PLAIN_WAVE = 2048
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
        env = episode_env(shape.layout.surface, contents, scn.crumbs_per_cookie, T, scn.actions)
        g = build_graph(scn, env, T, events, max_states, f"{dist.name} episode {index}", settings)
        _LAST.clear()
        _LAST[key] = g
    return g


#: the most bytes of per-feature level arrays a graph keeps for the candidates' objectives
FEATURE_BYTES = 256 * 2**20


def _build_objectives(graph: Graph, scns: Sequence[Scenario], dist_of: Callable[[Scenario], Distribution]) -> None:
    """The candidates' ObjectiveArrays, put in the graph's objective cache from each feature's
    level read once per graph and given to ``ObjectiveArrays.build`` (which would otherwise read
    the levels of every objective anew), so the arrays are the same to the bit."""
    cache = graph.__dict__.setdefault("_objectives", {})
    todo: dict[Any, tuple[Any, ...]] = {}
    for s in scns:
        agent = dist_of(s).agent
        mesa = s.objectives[agent.objective].reward
        for terms in (tuple(mesa), tuple(substitute(mesa, dict(agent.beliefs)))):
            key = canonical(terms)
            if key not in cache:
                todo[key] = terms
    if not todo or getattr(graph, "level_blocks", None) is None:
        return
    n = graph.N
    feats = sorted({t.feature for ts in todo.values() for t in ts if not t.is_event})
    if len(feats) * n * 8 > FEATURE_BYTES:
        return  # the levels of a graph this large are read objective by objective (build's blocks)
    levels: dict[str, np.ndarray] = {f: np.empty(n) for f in feats}
    if feats:
        for lo, hi, got in graph.level_blocks(feats):
            for f, x in zip(feats, got):
                levels[f][lo:hi] = x
    rows_of: dict[str, list[tuple[int, np.ndarray]]] = {}
    for key, terms in todo.items():
        cache[key] = ObjectiveArrays.build(graph, terms, levels, rows_of)


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


#: the most bytes of the stacked values of a chunk's robots the fast train pass may hold
STACK_BYTES = 64 * 2**20


def _simple(dist: Distribution) -> bool:
    """Whether a robot of this distribution acts greedily on its true-world plan alone: no model
    that it is unaware in, no random steps, no fear of correction where it is watched (such a
    robot's train episodes are rolled out together, ``_lights``)."""
    a = dist.agent
    return not a.unaware_of and a.epsilon == 0 and not (a.fears_correction and dist.overseen)


def _returns(obj: ObjectiveArrays, graph: Graph, states: Sequence[int], actions: Sequence[int], T: int) -> float:
    r = 0.0
    for t, a in enumerate(actions):
        r += obj.step_reward(graph, states[t], a, t == T - 1)
    return r


def _columns(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """Value arrays as the columns of one table (a plan's values of k steps to go cover the states
    live then, so they may differ in length: the rows past an array's end are never read)."""
    out = np.zeros((max(len(a) for a in arrays), len(arrays)))
    for j, a in enumerate(arrays):
        out[:len(a), j] = a
    return out


def _lights(graph: Graph, scns: Sequence[Scenario], dist_of: Callable[[Scenario], Distribution], index: int,
            contents: Any, T: int, settings: PlanSettings) -> list[Light] | None:
    """The train episode of every candidate of a chunk, their robots stepped together: what
    ``run_episode`` gives without step records (the same returns, to the bit: the same greedy
    arithmetic on the same values, a column per robot), or None where the chunk's values are
    too large to stack."""
    agent = dist_of(scns[0]).agent
    n = graph.N
    if T * n * len(scns) * 8 > STACK_BYTES:
        return None
    base_terms = scns[0].base.reward
    B = objective(graph, base_terms)
    _v, VB = plan_values(graph, base_terms, T, keep_values=True, settings=settings)
    idle_states, idle_actions, _ = rollout(graph, None, T)
    idle_b = _returns(B, graph, idle_states, idle_actions, T)
    plans = [_Plan(graph, substitute(s.objectives[dist_of(s).agent.objective].reward, dict(agent.beliefs)), agent, T,
                   settings) for s in scns]
    K = len(plans)
    h = plans[0].h
    near = [_columns([p.v_final[k] for p in plans]) for k in range(min(h, T))]  # by steps to go: [states, K]
    fars = [p.v_far for p in plans if p.v_far is not None]
    far = _columns(fars) if h < T and len(fars) == K else None
    level = np.stack([p.obj.level for p in plans], axis=1)
    finals = [j for j, p in enumerate(plans) if p.obj.flevel is not None]
    flevels = [p.obj.flevel for p in plans if p.obj.flevel is not None]
    flevel = np.stack(flevels, axis=1) if flevels else None
    fj = np.array(finals, dtype=np.intp)
    blocked = plans[0].blocked
    gamma = agent.gamma
    nxt = graph.next
    s = np.zeros(K, dtype=np.intp)
    path = [s]
    moves = []
    for t in range(T):
        k = T - t
        if k <= h:
            v, last = near[k - 1], k == 1
        else:
            assert far is not None
            v, last = far, False
        a = greedy_many([p.obj for p in plans], level, flevel, fj, nxt, v, s, gamma, last, blocked)
        s = nxt[a, s].astype(np.intp)
        moves.append(a)
        path.append(s)
    S = np.stack(path, axis=1)  # [K, T + 1]
    M_ = np.stack(moves, axis=1)  # [K, T]
    out: list[Light] = []
    for j, sc in enumerate(scns):
        dist = dist_of(sc)
        mesa_terms = sc.objectives[dist.agent.objective].reward
        M = objective(graph, mesa_terms)
        mesa_opt = float(plan_values(graph, mesa_terms, T, settings=settings)[0][0])
        states, actions = S[j].tolist(), M_[j].tolist()
        rb = _returns(B, graph, states, actions, T)
        rm = _returns(M, graph, states, actions, T)
        idle_m = _returns(M, graph, idle_states, idle_actions, T)
        out.append((EpisodeResult(dist.name, index, graph.N, rb, float(VB[T][0]), idle_b, rm, mesa_opt, idle_m,
                                  (), (), start=contents, codes=(), unwatched_return=None, parting=None),
                    bytes(actions)))
    return out


def _task(args: Task) -> list[Light] | list[EpisodeResult]:
    scn, phase, index, contents, chunk, probes, max_states, settings, events, full = args
    graph = _graph(scn, phase, index, contents, events, max_states, settings)
    T = _dist(scn, phase).shapes()[index - 1].episode_length
    plan_values(graph, scn.base.reward, T, keep_values=True, settings=settings)  # every candidate's measure
    plans = dict(graph.__dict__.get("_plans", {}))
    objs = dict(graph.__dict__.get("_objectives", {}))
    scns = [with_objective(scn, terms, text) for _i, terms, text in chunk]
    _build_objectives(graph, scns, lambda s: _dist(s, phase))
    _plan_chunk(graph, scns, lambda s: _dist(s, phase), T, settings)
    out: list[Any] = []
    fast = None if full or probes or not _simple(_dist(scns[0], phase)) else \
        _lights(graph, scns, lambda s: _dist(s, phase), index, contents, T, settings)
    for s in scns if fast is None else ():
        acts: list[list[int]] = []
        r = run_episode(s, _dist(s, phase), index, contents, probes=probes, max_states=max_states,
                        settings=settings, graph=graph, records=full, actions_out=acts)
        out.append(r if full else (evolve(r, codes=()), bytes(acts[0])))
    if fast is not None:
        out = list(fast)
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
           settings: PlanSettings, full: bool, events: tuple[str, ...]) -> list[Task]:
    dist = _dist(scn, phase)
    rows = tuple((i, c.terms, c.text) for i, c in cands)
    tasks: list[Task] = []
    shapes = dist.shapes()
    for index, contents in enumerate(draw_episodes(dist, scn.legend), start=1):
        T = shapes[index - 1].episode_length
        env = episode_env(shapes[index - 1].layout.surface, contents, scn.crumbs_per_cookie, T)
        check_bound(scn, env, T, max_states, f"{dist.name} episode {index}")
        for a in range(0, len(rows), CHUNK):
            tasks.append((scn, phase, index, contents, rows[a:a + CHUNK], probes, max_states, settings, events, full))
    return tasks


def _waves(items: Sequence[Any], store: LearnStore | None) -> list[Sequence[Any]]:
    """The batches the work is done (and stored) in: WAVE items each with a store, PLAIN_WAVE
    without (a batch's results are all in memory at once: the parent keeps a survivor's only)."""
    size = WAVE if store is not None else PLAIN_WAVE
    if len(items) <= size:
        return [items]
    return [items[a:a + size] for a in range(0, len(items), size)]


def search(scn: Scenario, *, spec: LearnSpec | None = None, max_states: int = DEFAULT_MAX_STATES, jobs: int = 1,
           settings: PlanSettings = DEFAULT, progress: Progress | None = None,
           executor: str | None = None, db: str | os.PathLike[str] | None = None) -> LearnResult:
    """The search of learn.md on ``scn``: its space (``spec``, else the file's [learn], else the
    defaults), every candidate run in training, the survivors classified. The result is the same
    for any ``jobs``, executor and hash seed. ``db``, a SQLite file (store.py), keeps each
    candidate's train result and each survivor's verdict as they are done and reads those it
    holds: the result is the same with or without it, fresh or resumed."""
    space = space_of(scn, spec)
    store = None if db is None else LearnStore(db, scn, space)
    try:
        return _search(scn, space, max_states, jobs, settings, progress, executor, store)
    finally:
        if store is not None:
            store.close()


def _search(scn: Scenario, space: Space, max_states: int, jobs: int, settings: PlanSettings,
            progress: Progress | None, executor: str | None, store: LearnStore | None) -> LearnResult:
    cands = list(enumerate(space.candidates))
    tol = scn.classify.tolerance
    probed = bool(scn.agent.limits()) or (scn.agent.fears_correction and scn.train.overseen)
    digest = "" if store is None else store.digest
    tkey = {i: result_key(digest, "train", c.text) for i, c in cands}
    vkey = {i: result_key(digest, "verdict", c.text) for i, c in cands}
    kept = {} if store is None else store.stored("train", list(tkey.values()))
    verdicts = {} if store is None else store.stored("verdict", list(vkey.values()))
    train_score: dict[int, float] = {}
    actions: dict[int, tuple[bytes, ...]] = {}
    for i, _c in cands:
        got = kept.get(tkey[i])
        if got is not None:
            train_score[i] = float(got["score"])
            actions[i] = tuple(bytes.fromhex(a) for a in got["actions"])

    def stage(name: str, offset: int, total: int) -> Callable[[int, int], None] | None:
        return None if progress is None else (lambda d, _t: progress(name, offset + d, total))

    # training: every candidate not stored (and, without probes, the stored survivors the ladder
    # still has to classify: it reads their train episodes)
    per: dict[int, list[Light]] = {}
    todo = [(i, c) for i, c in cands if i not in train_score
            or (not probed and train_score[i] >= tol and vkey[i] not in verdicts)]
    events = _events([with_objective(scn, c.terms, c.text) for _i, c in todo], "train") if todo else ()
    waves = [_tasks(scn, "train", w, False, max_states, settings, False, events) for w in _waves(todo, store)]
    total = sum(len(w) for w in waves)
    if progress is not None:
        progress("train", 0, total)
    done = 0
    for tasks in waves:
        if not tasks:
            continue
        lights: list[list[Light]] = _map(_task, tasks, jobs, executor, stage("train", done, total))
        done += len(tasks)
        fresh: dict[int, list[Light]] = {}
        for task, out in zip(tasks, lights):
            for (i, _t, _x), light in zip(task[4], out):
                fresh.setdefault(i, []).append(light)
        for i, ls in fresh.items():
            train_score[i] = phase_scores([x[0] for x in ls])[0]
            actions[i] = tuple(x[1] for x in ls)
            if not probed and train_score[i] >= tol:  # the ladder reads a survivor's train episodes
                per[i] = ls
        if store is not None:
            store.put("train", [(tkey[i], space.candidates[i].text,
                                 {"score": train_score[i], "actions": [a.hex() for a in actions[i]]})
                                for i in fresh])
        del lights, fresh  # what a non-survivor did in training is its score and actions, kept above
    survivors = [(i, c) for i, c in cands if train_score[i] >= tol]
    classes: dict[tuple[bytes, ...], int] = {}
    class_of: dict[int, int] = {}
    for i, _c in survivors:
        class_of[i] = classes.setdefault(actions[i], len(classes) + 1)
    # the ladder, for the survivors only: every phase of a run, probes in training (training again
    # only where there are probes: without them the train pass has all the ladder reads of it)
    phases = [name for name, _d in run_phases(scn) if name != "train" or probed]
    rows_of: dict[int, tuple[float, float, Label]] = {}
    for i, _c in survivors:
        v = verdicts.get(vkey[i])
        if v is not None:
            rows_of[i] = (float(v["train"]), float(v["deploy"]), Label(v["label"]))
    pending = [(i, c) for i, c in survivors if i not in rows_of]
    ph_events = {ph: _events([with_objective(scn, c.terms, c.text) for _i, c in pending], ph) for ph in phases} \
        if pending else {}
    ladder = [[t for ph in phases for t in _tasks(scn, ph, w, ph == "train", max_states, settings, True, ph_events[ph])]
              for w in _waves(pending, store)] if pending else []
    total = sum(len(w) for w in ladder)
    if progress is not None:
        progress("ladder", 0, total)
    done = 0
    for wave, tasks in zip(_waves(pending, store), ladder):
        fulls: list[list[EpisodeResult]] = _map(_task, tasks, jobs, executor, stage("ladder", done, total))
        done += len(tasks)
        eps: dict[tuple[int, str], list[EpisodeResult]] = {}
        for task, full in zip(tasks, fulls):
            for (i, _t, _x), r in zip(task[4], full):
                eps.setdefault((i, task[1]), []).append(r)
        for i, c in wave:
            s = with_objective(scn, c.terms, c.text)
            train = eps[(i, "train")] if probed else [x[0] for x in per[i]]
            deploy = eps[(i, "deploy")]
            cf = eps.get((i, "counterfactual")) if s.drifts() else None
            decision, _each = classify(s, train, deploy, cf)
            rows_of[i] = (phase_scores(train)[0], phase_scores(deploy)[0], decision.label)
        if store is not None:
            store.put("verdict", [(vkey[i], c.text, {"train": rows_of[i][0], "deploy": rows_of[i][1],
                                                     "label": rows_of[i][2].value}) for i, c in wave])
    rows = tuple(LearnRow(c.text, c.size, c.weight, rows_of[i][0], rows_of[i][1], rows_of[i][2], class_of[i],
                          c.origin) for i, c in survivors)
    base_class = class_of.get(0)
    return LearnResult.of(scn, space, len(classes), base_class, rows, tol,
                          tuple(train_score[i] for i, _c in cands), deploy_reading(scn))
