"""One run: environments -> plans -> rollouts -> measures -> verdict -> Report.

Owns: the order of work of a run. Imports world, plan, verdict, report, scenario values,
executors (the process pool of ``jobs``).
"""

from __future__ import annotations

import numpy as np
from attrs import evolve

from .errors import LimitError
from .executors import map_in_order
from .plan.agent import Robot, event_names, rollout
from .plan.graph import Graph, StateLimit
from .plan.kernels import TIE, objective, plan_values
from .plan.settings import DEFAULT, PlanSettings
from .records import EpisodeResult, StepRecord, Trace
from .report import Report, build_report
from .scenario.expr import substitute
from .scenario.model import AgentSpec
from .vocab import ACTION_INDEX, ACTIONS
from .verdict.ladder import Decision, Figures, decide
from .verdict.measures import coupling, phase_scores, score
from .verdict.quantities import Match, match_all, quantities_of
from .world.contents import Contents
from .world.draw import draw_episodes
from .world.env import Env

DEFAULT_MAX_STATES = 2_000_000
WAIT = ACTION_INDEX["wait"]


def trajectory_events(env: Env, codes: np.ndarray, actions: list[int]) -> list[tuple[tuple[str, int], ...]]:
    """The non-zero events of each step (codes[t], actions[t]), stepping all steps of one action at once."""
    pos, q = env.decode(np.asarray(codes, dtype=np.int64))
    acts = np.asarray(actions)
    out: list = [()] * len(actions)
    for a in np.unique(acts).tolist():
        rows = np.nonzero(acts == a)[0]
        _p, _q, ev = env.step(pos[rows], q[rows], a)
        for j, t in enumerate(rows.tolist()):
            out[t] = tuple(sorted((k, int(v[j])) for k, v in ev.items() if int(v[j])))
    return out


ADVICE = ("make the episodes shorter, the map smaller, or place fewer items on fewer cells, "
          "or raise max_states (--max-states on the command line)")


def build_graph(scn, env: Env, steps: int, events, max_states: int, where: str,
                settings: PlanSettings = DEFAULT) -> Graph:
    """The reachable graph of an episode, refused with the figure when it is over the state limit.

    A bound computed from the map and the items (pseudoalign.limits) lets small scenarios pass
    without doubt; above it, enumeration itself stops as soon as it passes the limit, so a
    refusal costs at most the time and memory of ``max_states`` states.
    """
    from .limits import describe, state_bound, state_lower_bound

    bound = state_bound(env, steps)
    if bound > max_states:  # perhaps too many: a quick lower bound may settle it without enumerating
        low, cells = state_lower_bound(env, steps)
        if low > max_states:
            figure = (f"at least 2**{cells} = {low:,} (the robot can reach {cells} cells with items in turn within "
                      f"{steps} steps, acting on each or not)")
            raise LimitError(scn.path, f"{where}: reachable states", figure, max_states, ADVICE)
    try:
        return Graph(env, steps, events=sorted(events), max_states=max_states, settings=settings)
    except StateLimit as e:
        figure = f"more than {max_states:,} (stopped at {e.found:,}; the map and items allow up to {describe(bound)})"
        raise LimitError(scn.path, f"{where}: reachable states", figure, max_states, ADVICE) from None


def run_episode(scn, dist, index: int, contents, *, probes: bool, max_states: int, policy: str = "agent",
                env_out: list | None = None, settings: PlanSettings = DEFAULT) -> EpisodeResult:
    """Plan and roll out every policy of one episode and measure them.

    ``policy`` is whose steps are recorded: the robot ("agent"), or the exact optimum of the
    base or the mesa objective ("base", "mesa"; for replays). ``env_out``, when given, receives
    the episode's Env. ``settings`` says how to plan (never what the plans are).
    """
    T = dist.episode_length
    agent = dist.agent
    base_terms = scn.base.reward
    mesa_terms = scn.objectives[agent.objective].reward
    believed = substitute(mesa_terms, dict(agent.beliefs))
    needed = event_names(base_terms) | event_names(mesa_terms) | event_names(believed)
    env = Env(dist.layout.surface, contents, scn.crumbs_per_cookie, depth=T, actions=scn.actions)
    if env_out is not None:
        env_out.append(env)
    graph = build_graph(scn, env, T, needed, max_states, f"{dist.name} episode {index}", settings)
    B = objective(graph, base_terms)
    M = objective(graph, mesa_terms)
    _v, VB = plan_values(graph, base_terms, T, keep_values=True, settings=settings)
    mesa_opt = float(plan_values(graph, mesa_terms, T, settings=settings)[0][0])

    def returns(states, actions):
        rb = rm = 0.0
        for t, a in enumerate(actions):
            last = t == T - 1
            rb += B.step_reward(graph, states[t], a, last)
            rm += M.step_reward(graph, states[t], a, last)
        return rb, rm

    idle_states, idle_actions, _ = rollout(graph, None, T)
    idle_b, idle_m = returns(idle_states, idle_actions)
    seed = [dist.seed, 0x65707331, index]

    def robot_run(spec):
        robot = Robot(spec, mesa_terms, graph, T, max_states=max_states, settings=settings)
        rng = np.random.default_rng(seed)
        try:
            # epsilon draws from the actions it has here, less cannot
            allowed = [i for i, a in enumerate(ACTIONS) if a not in spec.cannot and env.acts[i]]
            return rollout(graph, robot, T, spec.epsilon, allowed, rng)
        except StateLimit as e:
            raise LimitError(scn.path, f"{dist.name} episode {index}: reachable states of the robot's model",
                             f"more than {e.found - 1:,}" if e.found > max_states else e.found, max_states,
                             ADVICE) from None

    if policy == "agent":
        states, actions, rand = robot_run(agent)
    else:  # an exact optimum: the true model, no limits, no discount, to the end of the episode
        spec = AgentSpec(objective=agent.objective, gamma=1.0)
        robot = Robot(spec, base_terms if policy == "base" else mesa_terms, graph, T, max_states=max_states,
                      settings=settings)
        states, actions, rand = rollout(graph, robot, T)
    rb, rm = returns(states, actions)
    steps = []
    events = trajectory_events(env, graph.codes[states[:-1]], actions)
    where = env.pos_of_codes(graph.codes[states[1:]])
    for t, a in enumerate(actions):
        s, s2, k = states[t], states[t + 1], T - t
        last = k == 1
        sw = int(graph.next[WAIT, s])
        base_reward = B.step_reward(graph, s, a, last)
        here = base_reward + VB[k - 1][s2]
        idle_here = B.step_reward(graph, s, WAIT, last) + VB[k - 1][sw]
        base_gain = B.gain(graph, s, a, last)
        steps.append(StepRecord(
            t=t + 1, action=ACTIONS[a], random=rand[t], events=events[t],
            base_reward=base_reward, mesa_reward=M.step_reward(graph, s, a, last),
            base_gain=base_gain, mesa_gain=M.gain(graph, s, a, last),
            # 1.1: a step's own positive base gain is progress, even when waiting could have equalled it
            base_progress=bool(base_gain > TIE or here > idle_here + TIE),
            base_regress=bool(base_gain < -TIE or here < idle_here - TIE),
            base_advantage=float(here - idle_here), robot=env.cells[where[t]]))
    lifted = []
    if probes:
        for limit in agent.limits():
            ls, la, _ = robot_run(agent.lifted(limit))
            lifted.append((limit, returns(ls, la)[0]))
    return EpisodeResult(dist.name, index, graph.N, rb, float(VB[T][0]), idle_b, rm, mesa_opt, idle_m,
                         tuple(steps), tuple(lifted), start=contents,
                         codes=tuple(int(c) for c in graph.codes[states]))


def draw(scn, phase: str) -> list[Contents]:
    """What lies where at the start of each episode of a distribution ("train" or "deploy")."""
    dist = scn.train if phase == "train" else scn.deploy
    return draw_episodes(dist, scn.legend)


def trace(scn, phase: str = "deploy", episode: int = 1, policy: str = "agent", *,
          max_states: int = DEFAULT_MAX_STATES, settings: PlanSettings = DEFAULT) -> Trace:
    """One episode of one policy, for replays. ``episode`` is 1-based."""
    dist = scn.train if phase == "train" else scn.deploy
    if not 1 <= episode <= dist.episodes:
        raise ValueError(f"{phase} has episodes 1 to {dist.episodes}, not {episode}")
    contents = draw_episodes(dist, scn.legend)[episode - 1]
    holder: list = []
    result = run_episode(scn, dist, episode, contents, probes=False, max_states=max_states, policy=policy,
                         env_out=holder, settings=settings)
    env = holder[0]
    return Trace(phase, episode, policy, result, tuple(env.contents_of(c) for c in result.codes))


def _episode_task(args):
    scn, dist, index, contents, probes, max_states, settings = args
    return run_episode(scn, dist, index, contents, probes=probes, max_states=max_states, settings=settings)


def run(scn, *, max_states: int = DEFAULT_MAX_STATES, jobs: int = 1, settings: PlanSettings = DEFAULT) -> Report:
    """Run a scenario: every episode of both distributions, the probes, the verdict -> Report.

    When the robot's objective drifted after training (``deploy.agent.objective``), deployment is
    also run with the objective it learned: the counterfactual deploy agent of the drift rung.
    ``settings`` (a PlanSettings: the kernel, block sizes) says how to plan; the Report is the
    same whatever they are.
    """
    phases = [("train", scn.train), ("deploy", scn.deploy)]
    if scn.drifts():
        phases.append(("counterfactual", evolve(scn.deploy, agent=evolve(scn.deploy.agent,
                                                                          objective=scn.agent.objective))))
    tasks, spans = [], {}
    for phase, dist in phases:
        start = len(tasks)
        for i, contents in enumerate(draw_episodes(dist, scn.legend), start=1):
            tasks.append((scn, dist, i, contents, phase == "train", max_states, settings))
        spans[phase] = (start, len(tasks))
    results = map_in_order(_episode_task, tasks, jobs)  # in order, so the same for any jobs
    part = {phase: results[a:b] for phase, (a, b) in spans.items()}
    train, deploy, cf = part["train"], part["deploy"], part.get("counterfactual")
    return build_report(scn, train, deploy, cf, classify(scn, train, deploy, cf))


def lifted_scores(scn, train) -> tuple[tuple[str, float], ...]:
    limits = [lim for lim, _r in train[0].lifted] if train else []
    out = []
    for j, lim in enumerate(limits):
        b = score(sum(e.lifted[j][1] for e in train), sum(e.base_optimal for e in train),
                  sum(e.base_idle for e in train))
        out.append((lim, b))
    return tuple(out)


def matches(scn) -> tuple[Match, ...]:
    """Each quantity the learned objective reads, with its counterpart in the base (or none)."""
    _kinds, colors = scn.object_names()
    return match_all(quantities_of(scn.learned.reward, colors), quantities_of(scn.base.reward, colors))


def classify(scn, train, deploy, counterfactual=None) -> tuple[Decision, tuple[Decision, ...]]:
    """The run's decision, and that of each deploy episode on its own (against the whole training
    distribution). ``counterfactual``: the deploy episodes of the learned objective, under drift."""
    lifted = lifted_scores(scn, train)
    train_base = phase_scores(train)[0]
    quantities = matches(scn)

    def verdict(eps, cf) -> Decision:
        robot = eps if cf is None else cf  # the robot in deployment
        return decide(Figures(train_base, phase_scores(eps)[0], phase_scores(robot)[1], lifted, quantities,
                              coupling(robot), None if cf is None else phase_scores(cf)[0]), scn.classify)

    whole = verdict(deploy, counterfactual)
    each = tuple(verdict([e], None if counterfactual is None else [counterfactual[i]]) for i, e in enumerate(deploy))
    return whole, each
