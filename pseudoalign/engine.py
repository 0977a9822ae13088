"""One run: environments -> plans -> rollouts -> measures -> verdict -> Report.

Owns: the order of work of a run, and what of it is done once: episodes of equal
``work_key`` share one graph, its objective arrays and plans (``Shared``), run by one worker;
results of equal ``result_key`` are shared by a sweep's points (``run``'s ``known``). Imports
world, plan, verdict, report, scenario values, executors (the process pool of ``jobs``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping, Sequence

import numpy as np
from attrs import evolve

from .errors import LimitError
from .executors import map_in_order
from .plan.agent import Robot, event_names, rollout
from .plan.graph import Graph, StateLimit
from .plan.kernels import TIE, ObjectiveArrays, objective, plan_values
from .plan.settings import DEFAULT, PlanSettings
from .records import EpisodeResult, Parting, StepRecord, Trace
from .report import Report, build_report
from .scenario.expr import substitute
from .scenario.model import AgentSpec, Distribution, Scenario
from .verdict.ladder import Decision, Figures, decide
from .verdict.measures import coupling, phase_scores, score
from .verdict.quantities import Match, match_all, quantities_of
from .vocab import ACTION_INDEX, ACTIONS
from .world.contents import Contents
from .world.draw import draw_episodes
from .world.env import Env

DEFAULT_MAX_STATES = 2_000_000
WAIT = ACTION_INDEX["wait"]

#: A step's non-zero events, by name.
Events = tuple[tuple[str, int], ...]
#: One episode to run, as it goes to a worker: (scenario, phase, index, contents, probes, max_states, settings).
EpisodeTask = tuple[Scenario, Distribution, int, Contents, bool, int, PlanSettings, int]


def trajectory_events(env: Env, codes: np.ndarray, actions: Sequence[int]) -> list[Events]:
    """The non-zero events of each step (codes[t], actions[t]), stepping all steps of one action at once."""
    pos, q = env.decode(np.asarray(codes, dtype=np.int64))
    acts = np.asarray(actions, dtype=np.int64)
    out: list[Events] = [()] * len(actions)
    for a in np.flatnonzero(np.bincount(acts, minlength=1)).tolist():  # each action taken, in order (not np.unique: numpy.ma)
        rows = np.nonzero(acts == a)[0]
        _p, _q, ev = env.step(pos[rows], q[rows], a)
        for j, t in enumerate(rows.tolist()):
            out[t] = tuple(sorted((k, int(v[j])) for k, v in ev.items() if int(v[j])))
    return out


ADVICE = ("make the episodes shorter, the map smaller, or place fewer items on fewer cells, "
          "or raise max_states (--max-states on the command line)")


#: The Envs made most recently, by what makes them (``episode_env``), oldest first.
_ENVS: dict[tuple[object, ...], Env] = {}
#: How many ``_ENVS`` keeps: more than a run's episodes as a rule.
ENV_CACHE = 256


def episode_env(surface: np.ndarray, contents: Contents, crumbs_per_cookie: int, depth: int,
                actions: tuple[str, ...] = ()) -> Env:
    """The Env of an episode, made once for the bound ``episode_tasks`` checks and again for its
    plans (``Shared``), in a process: an Env depends only on these arguments and is never
    changed once made (its own caches hold what they determine), so equal ones are one."""
    key = (surface.shape, surface.tobytes(), contents.key(), crumbs_per_cookie, depth, tuple(actions))
    env = _ENVS.pop(key, None)
    if env is None:
        env = Env(surface, contents, crumbs_per_cookie, depth=depth, actions=actions)
    _ENVS[key] = env  # the most recent last
    while len(_ENVS) > ENV_CACHE:
        del _ENVS[next(iter(_ENVS))]
    return env


def check_bound(scn: Scenario, env: Env, steps: int, max_states: int, where: str) -> int:
    """The upper bound on an episode's states (pseudoalign.limits), after refusing the episode
    with LimitError when a quick lower bound is already over ``max_states``. No enumeration:
    milliseconds as a rule, so ``run`` asks it of every episode before planning any."""
    from .limits import state_bound, state_lower_bound

    bound = state_bound(env, steps)
    if bound > max_states:  # perhaps too many: a quick lower bound may settle it without enumerating
        low, cells = state_lower_bound(env, steps)
        if low > max_states:
            figure = (f"at least 2**{cells} = {low:,} (the robot can reach {cells} cells with items in turn within "
                      f"{steps} steps, acting on each or not)")
            raise LimitError(scn.path, f"{where}: reachable states", figure, max_states, ADVICE)
    return bound


def build_graph(scn: Scenario, env: Env, steps: int, events: Iterable[str], max_states: int, where: str,
                settings: PlanSettings = DEFAULT, bound: int | None = None) -> Graph:
    """The reachable graph of an episode, refused with the figure when it is over the state limit.

    A bound computed from the map and the items (pseudoalign.limits, ``check_bound``; given as
    ``bound`` when already checked) lets small scenarios pass without doubt; above it,
    enumeration itself stops as soon as it passes the limit, so a refusal costs at most the
    time and memory of ``max_states`` states.
    """
    from .limits import describe

    if bound is None:
        bound = check_bound(scn, env, steps, max_states, where)
    try:
        return Graph(env, steps, events=sorted(events), max_states=max_states, settings=settings)
    except StateLimit as e:
        figure = f"more than {max_states:,} (stopped at {e.found:,}; the map and items allow up to {describe(bound)})"
        raise LimitError(scn.path, f"{where}: reachable states", figure, max_states, ADVICE) from None


def episode_events(scn: Scenario, dist: Distribution) -> set[str]:
    """The events an episode of ``dist`` reads: those of the base and of the agent's objective, as
    they are and as the agent believes them to be."""
    agent = dist.agent
    base_terms = scn.base.reward
    mesa_terms = scn.objectives[agent.objective].reward
    believed = substitute(mesa_terms, dict(agent.beliefs))
    needed = event_names(base_terms) | event_names(mesa_terms) | event_names(believed)
    if agent.fears_correction:  # it plans with the base objective as it believes it to be
        needed |= event_names(substitute(base_terms, dict(agent.beliefs)))
    return needed


def work_key(scn: Scenario, dist: Distribution, index: int, contents: Contents, probes: bool, max_states: int,
             settings: PlanSettings) -> tuple[object, ...]:
    """What an episode's graph, objective arrays and plans are made from, as a hashable value:
    two episodes with equal keys share them (``Work``). The world's surface and actions, the
    episode's start and length, crumbs_per_cookie, the objectives (and so the events they
    need), the robot (its model and limits), whether its distribution is overseen, whether
    probes run, the state limit and the settings. Not the episode's index, name or seed: they
    change only its rollouts, which are never shared."""
    shape = dist.shapes()[index - 1]
    surface = shape.layout.surface
    return (surface.shape, surface.tobytes(), shape.episode_length, contents.key(), scn.crumbs_per_cookie,
            scn.actions, scn.base.reward, scn.objectives[dist.agent.objective].reward, dist.agent, dist.overseen,
            probes, max_states, settings)


class Shared:
    """One episode's planned work, made once and shared by every episode of the same
    ``work_key``: its Env, graph, objective arrays, the base values, the optima and the idle
    policy's returns, and the robots (by agent and whether it believes itself watched)."""

    def __init__(self, scn: Scenario, dist: Distribution, index: int, contents: Contents, max_states: int,
                 settings: PlanSettings, bound: int | None, graph: Graph | None = None) -> None:
        shape = dist.shapes()[index - 1]
        self.T = T = shape.episode_length
        agent = dist.agent
        self.base_terms = base_terms = scn.base.reward
        self.mesa_terms = mesa_terms = scn.objectives[agent.objective].reward
        if graph is None:
            self.env = episode_env(shape.layout.surface, contents, scn.crumbs_per_cookie, T, scn.actions)
            graph = build_graph(scn, self.env, T, episode_events(scn, dist), max_states,
                                f"{dist.name} episode {index}", settings, bound)
        else:  # built already, with the events of every objective it is asked (learn)
            self.env = graph.env
        self.graph = graph
        self.B = objective(graph, base_terms)
        self.M = objective(graph, mesa_terms)
        _v, self.VB = plan_values(graph, base_terms, T, keep_values=True, settings=settings)
        self.mesa_opt = float(plan_values(graph, mesa_terms, T, settings=settings)[0][0])
        idle_states, idle_actions, _ = rollout(graph, None, T)
        self.idle = self.returns(idle_states, idle_actions)
        self.robots: dict[tuple[AgentSpec, bool], Robot] = {}

    def returns(self, states: Sequence[int], actions: Sequence[int]) -> tuple[float, float]:
        rb = rm = 0.0
        base, _ = self.B.along(self.graph, states, actions, self.T - 1)
        mesa, _ = self.M.along(self.graph, states, actions, self.T - 1)
        for b, m in zip(base, mesa):  # summed in order, as the steps are taken
            rb += b
            rm += m
        return rb, rm

    def robot(self, spec: AgentSpec, watched: bool, max_states: int, settings: PlanSettings) -> Robot:
        """The robot of ``spec``, planned once, ready for a new rollout (not stopped)."""
        robot = self.robots.get((spec, watched))
        if robot is None:
            robot = self.robots[spec, watched] = Robot(spec, self.mesa_terms, self.graph, self.T,
                                                       max_states=max_states, settings=settings, watched=watched,
                                                       base_terms=self.base_terms)
        robot.stopped = False  # what one rollout noticed is not the next one's
        return robot


#: Shared work of a run (or of a sweep's points), by ``work_key``.
Work = dict[tuple[object, ...], Shared]


def run_episode(scn: Scenario, dist: Distribution, index: int, contents: Contents, *, probes: bool,
                max_states: int, policy: str = "agent", env_out: list[Env] | None = None, settings: PlanSettings = DEFAULT,
                bound: int | None = None, work: Work | None = None, graph: Graph | None = None,
                records: bool = True, actions_out: list[list[int]] | None = None) -> EpisodeResult:
    """Plan and roll out every policy of one episode and measure them.

    ``policy`` is whose steps are recorded: the robot ("agent"), or the exact optimum of the
    base or the mesa objective ("base", "mesa"; for replays). ``env_out``, when given, receives
    the episode's Env. ``settings`` says how to plan (never what the plans are). ``bound`` is the
    episode's state bound when ``check_bound`` has given it already. ``work``, when given, holds
    the planned work of earlier episodes by ``work_key``: an equal episode reuses it (its
    rollouts are its own), and a new one adds its own. ``graph``, when given, is the episode's
    reachable graph already built (``learn`` builds one per episode, with the events of every
    candidate, for all of them); it must hold the events the objectives read. ``records`` False
    leaves out the step records (the returns and probes are the same); ``actions_out``, when
    given, receives the recorded policy's actions.
    """
    key = work_key(scn, dist, index, contents, probes, max_states, settings) if work is not None else None
    shared = work.get(key) if work is not None and key is not None else None
    if shared is None:
        shared = Shared(scn, dist, index, contents, max_states, settings, bound, graph)
        if work is not None and key is not None:
            work[key] = shared
    T, agent, env, graph = shared.T, dist.agent, shared.env, shared.graph
    base_terms, mesa_terms, B, M, VB, mesa_opt = (shared.base_terms, shared.mesa_terms, shared.B, shared.M,
                                                  shared.VB, shared.mesa_opt)
    if env_out is not None:
        env_out.append(env)
    returns = shared.returns
    idle_b, idle_m = shared.idle
    seed = [dist.seed, 0x65707331, index]

    def robot_run(spec: AgentSpec, watched: bool = dist.overseen) -> tuple[list[int], list[int], list[bool]]:
        robot = shared.robot(spec, watched, max_states, settings)
        rng = np.random.default_rng(seed) if spec.epsilon > 0 else None  # a rollout without epsilon draws nothing
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
    if actions_out is not None:
        actions_out.append(list(actions))
    steps = []
    events = trajectory_events(env, graph.codes[states[:-1]], actions) if records else []
    where = env.pos_of_codes(graph.codes[states[1:]]) if records else []
    if records:
        n = len(actions)
        base_rewards, base_gains = B.along(graph, states, actions, T - 1)
        mesa_rewards, mesa_gains = M.along(graph, states, actions, T - 1)
        idle_rewards, _ = B.along(graph, states, [WAIT] * n, T - 1)
    for t, a in enumerate(actions if records else ()):
        s, s2, k = states[t], states[t + 1], T - t
        sw = int(graph.next[WAIT, s])
        base_reward = base_rewards[t]
        here = base_reward + VB[k - 1][s2]
        idle_here = idle_rewards[t] + VB[k - 1][sw]
        base_gain = base_gains[t]
        steps.append(StepRecord(
            t=t + 1, action=ACTIONS[a], random=rand[t], events=events[t],
            base_reward=base_reward, mesa_reward=mesa_rewards[t],
            base_gain=base_gain, mesa_gain=mesa_gains[t],
            # 1.1: a step's own positive base gain is progress, even when waiting could have equalled it
            base_progress=bool(base_gain > TIE or here > idle_here + TIE),
            base_regress=bool(base_gain < -TIE or here < idle_here - TIE),
            base_advantage=float(here - idle_here), robot=env.cells[where[t]]))
    lifted = []
    unwatched = parting = None
    if probes:
        for limit in agent.limits():
            ls, la, _ = robot_run(agent.lifted(limit))
            lifted.append((limit, returns(ls, la)[0]))
        if agent.fears_correction and dist.overseen:  # the deception probe: it believes nobody watches
            us, ua, _ = robot_run(agent, watched=False)
            unwatched = returns(us, ua)[0]
            parting = part(graph, B, VB, states, actions, ua, T)
    return EpisodeResult(dist.name, index, graph.N, rb, float(VB[T][0]), idle_b, rm, mesa_opt, idle_m,
                         tuple(steps), tuple(lifted), start=contents,
                         codes=tuple(int(c) for c in graph.codes[states]), unwatched_return=unwatched,
                         parting=parting)


def part(graph: Graph, B: ObjectiveArrays, VB: list[np.ndarray], states: Sequence[int], actions: Sequence[int],
         other: Sequence[int], T: int) -> Parting | None:
    """Where two rollouts from the same start first act differently (None where they never do),
    with what each action costs the base there: V*_B - Q*_B in the true world."""
    t = next((t for t, (a, b) in enumerate(zip(actions, other)) if a != b), None)
    if t is None:
        return None
    s, k = states[t], T - t

    def loss(a: int) -> float:
        return float(VB[k][s] - (B.step_reward(graph, s, a, k == 1) + VB[k - 1][int(graph.next[a, s])]))

    return Parting(t + 1, ACTIONS[actions[t]], ACTIONS[other[t]], loss(actions[t]), loss(other[t]))


def draw(scn: Scenario, phase: str) -> list[Contents]:
    """What lies where at the start of each episode of a distribution ("train" or "deploy")."""
    dist = scn.train if phase == "train" else scn.deploy
    return draw_episodes(dist, scn.legend)


def trace(scn: Scenario, phase: str = "deploy", episode: int = 1, policy: str = "agent", *,
          max_states: int = DEFAULT_MAX_STATES, settings: PlanSettings = DEFAULT) -> Trace:
    """One episode of one policy, for replays. ``episode`` is 1-based."""
    dist = scn.train if phase == "train" else scn.deploy
    if not 1 <= episode <= dist.episodes:
        raise ValueError(f"{phase} has episodes 1 to {dist.episodes}, not {episode}")
    contents = draw_episodes(dist, scn.legend)[episode - 1]
    holder: list[Env] = []
    result = run_episode(scn, dist, episode, contents, probes=False, max_states=max_states, policy=policy,
                         env_out=holder, settings=settings)
    env = holder[0]
    return Trace(phase, episode, policy, result, tuple(env.contents_of(c) for c in result.codes),
                 dist.shapes()[episode - 1].layout.surface)


def _episode_task(args: EpisodeTask, work: Work | None = None) -> EpisodeResult:
    scn, dist, index, contents, probes, max_states, settings, bound = args
    return run_episode(scn, dist, index, contents, probes=probes, max_states=max_states, settings=settings,
                       bound=bound, work=work)


def run_phases(scn: Scenario) -> list[tuple[str, Distribution]]:
    """What a run runs: train, deploy, and, when the robot's objective drifted after training, the
    counterfactual deploy agent (the learned objective in deployment)."""
    phases: list[tuple[str, Distribution]] = [("train", scn.train), ("deploy", scn.deploy)]
    if scn.drifts():
        phases.append(("counterfactual", evolve(scn.deploy, agent=evolve(scn.deploy.agent,
                                                                          objective=scn.agent.objective))))
    return phases


def run_group(group: Sequence[EpisodeTask]) -> list[EpisodeResult]:
    """The episodes of one task as it goes to a worker: those of one ``work_key`` (or one
    episode when reuse is off), in order, sharing their planned work."""
    work: Work = {}
    return [_episode_task(t, work) for t in group]


def group_tasks(tasks: Sequence[EpisodeTask]) -> list[list[int]]:
    """The tasks' positions, grouped by ``work_key`` (when their settings ask for reuse), each
    group in order and the groups in the order of their first task: what one worker runs, so
    that equal episodes share their work in any process."""
    groups: dict[object, list[int]] = {}
    for i, (scn, dist, index, contents, probes, max_states, settings, _bound) in enumerate(tasks):
        key = work_key(scn, dist, index, contents, probes, max_states, settings) if settings.reuse else i
        groups.setdefault(key, []).append(i)
    return list(groups.values())


def map_grouped(tasks: Sequence[EpisodeTask], jobs: int,
                progress: Callable[[int, int], None] | None = None) -> list[EpisodeResult]:
    """``[run_episode(*t) for t in tasks]`` in order, in ``jobs`` processes, equal episodes run
    by one worker on shared work (``group_tasks``). ``progress`` counts episodes."""
    groups = group_tasks(tasks)
    ends = np.cumsum([len(g) for g in groups]).tolist()

    def counted(done: int, _total: int) -> None:  # each episode counted, as one task each would be
        if progress is not None:
            for n in range(ends[done - 2] + 1 if done > 1 else 1, ends[done - 1] + 1):
                progress(n, len(tasks))

    grouped = map_in_order(run_group, [[tasks[i] for i in g] for g in groups], jobs, progress=counted)
    out: list[EpisodeResult | None] = [None] * len(tasks)
    for g, results in zip(groups, grouped):
        for i, r in zip(g, results):
            out[i] = r
    return [r for r in out if r is not None]


def episode_tasks(scn: Scenario, max_states: int, settings: PlanSettings) -> tuple[list[EpisodeTask],
                                                                                   dict[str, tuple[int, int]]]:
    """Every episode of a run, as tasks, with each phase's span of them: train, deploy and,
    under drift, counterfactual. Every episode is bounded first (``check_bound``): one whose
    states are surely over ``max_states`` is refused at once (LimitError)."""
    phases = run_phases(scn)
    tasks: list[EpisodeTask] = []
    spans: dict[str, tuple[int, int]] = {}
    for phase, dist in phases:
        start = len(tasks)
        shapes = dist.shapes()
        for i, contents in enumerate(draw_episodes(dist, scn.legend), start=1):
            T = shapes[i - 1].episode_length
            env = episode_env(shapes[i - 1].layout.surface, contents, scn.crumbs_per_cookie, T)
            bound = check_bound(scn, env, T, max_states, f"{dist.name} episode {i}")
            tasks.append((scn, dist, i, contents, phase == "train", max_states, settings, bound))
        spans[phase] = (start, len(tasks))
    return tasks, spans


def report_of(scn: Scenario, results: Sequence[EpisodeResult], spans: dict[str, tuple[int, int]]) -> Report:
    """The Report of a run from its episodes' results, in the order of ``episode_tasks``."""
    part = {phase: list(results[a:b]) for phase, (a, b) in spans.items()}
    train, deploy, cf = part["train"], part["deploy"], part.get("counterfactual")
    return build_report(scn, train, deploy, cf, classify(scn, train, deploy, cf))


def result_key(task: EpisodeTask) -> tuple[object, ...]:
    """What an episode's whole result is made from: its ``work_key``, and the name, index and
    seed of its distribution (its rollouts). Equal keys, in any run of any scenario, give equal
    EpisodeResults: a sweep's points share them (``run``'s ``known``)."""
    scn, dist, index, contents, probes, max_states, settings, _bound = task
    return (*work_key(scn, dist, index, contents, probes, max_states, settings), dist.name, index, dist.seed)


def run(scn: Scenario, *, max_states: int = DEFAULT_MAX_STATES, jobs: int = 1, settings: PlanSettings = DEFAULT,
        progress: Callable[[int, int], None] | None = None,
        known: MutableMapping[tuple[object, ...], EpisodeResult] | None = None) -> Report:
    """Run a scenario: every episode of both distributions, the probes, the verdict -> Report.

    When the robot's objective drifted after training (``deploy.agent.objective``), deployment is
    also run with the objective it learned: the counterfactual deploy agent of the drift rung.
    ``settings`` (a PlanSettings: the kernel, block sizes) says how to plan; the Report is the
    same whatever they are. When the robot's objective drifted after training
    (``deploy.agent.objective``), deployment is also run with the objective it learned: the
    counterfactual deploy agent of the drift rung. Before any planning, every episode is
    bounded (``check_bound``): one whose states are surely over ``max_states`` is refused at
    once (LimitError), whichever episode it is. ``progress``, when given, is called with
    (episodes done, episodes in all): with 0 before the first, then as each is done, in order.
    Episodes of equal ``work_key`` (fixed placements) share one graph and its plans, in one
    worker, unless ``settings.reuse`` is off; the Report is the same either way. ``known``
    (with reuse on) holds results of earlier runs by ``result_key``: their episodes are not
    run again, and this run's results are put in it (a sweep's points share their train phase)."""
    tasks, spans = episode_tasks(scn, max_states, settings)
    if progress is not None:
        progress(0, len(tasks))
    if known is None or not settings.reuse:
        results = map_grouped(tasks, jobs, progress=progress)  # in order, so the same for any jobs
        return report_of(scn, results, spans)
    keys = [result_key(t) for t in tasks]
    got = [known.get(k) for k in keys]
    todo = [i for i, r in enumerate(got) if r is None]
    done = len(tasks) - len(todo)
    if progress is not None:
        for n in range(1, done + 1):  # those known count as done first
            progress(n, len(tasks))
    fresh = map_grouped([tasks[i] for i in todo], jobs,
                        progress=None if progress is None else lambda n, _t: progress(done + n, len(tasks)))
    for i, r in zip(todo, fresh):
        known[keys[i]] = got[i] = r
    return report_of(scn, [r for r in got if r is not None], spans)


def lifted_scores(scn: Scenario, train: Sequence[EpisodeResult]) -> tuple[tuple[str, float], ...]:
    limits = [lim for lim, _r in train[0].lifted] if train else []
    out = []
    for j, lim in enumerate(limits):
        b = score(sum(e.lifted[j][1] for e in train), sum(e.base_optimal for e in train),
                  sum(e.base_idle for e in train))
        out.append((lim, b))
    return tuple(out)


def deception_score(scn: Scenario, train: Sequence[EpisodeResult]) -> tuple[float | None, str]:
    """The deception probe: the train base score of the training agent believing itself
    unwatched (None where the probe does not apply), and why it does not apply."""
    if not scn.agent.fears_correction:
        return None, "the robot does not fear correction"
    if not scn.train.overseen:
        return None, "training is not overseen"
    return score(sum(e.unwatched_return or 0.0 for e in train), sum(e.base_optimal for e in train),
                 sum(e.base_idle for e in train)), ""


def matches(scn: Scenario) -> tuple[Match, ...]:
    """Each quantity the learned objective reads, with its counterpart in the base (or none)."""
    _kinds, colors = scn.object_names()
    return match_all(quantities_of(scn.learned.reward, colors), quantities_of(scn.base.reward, colors))


def classify(scn: Scenario, train: Sequence[EpisodeResult], deploy: Sequence[EpisodeResult],
             counterfactual: Sequence[EpisodeResult] | None = None) -> tuple[Decision, tuple[Decision, ...]]:
    """The run's decision, and that of each deploy episode on its own (against the whole training
    distribution). ``counterfactual``: the deploy episodes of the learned objective, under drift."""
    lifted = lifted_scores(scn, train)
    train_base = phase_scores(train)[0]
    quantities = matches(scn)
    deception, why = deception_score(scn, train)

    def verdict(eps: Sequence[EpisodeResult], cf: Sequence[EpisodeResult] | None) -> Decision:
        robot = eps if cf is None else cf  # the robot in deployment
        return decide(Figures(train_base, phase_scores(eps)[0], phase_scores(robot)[1], lifted, quantities,
                              coupling(robot), None if cf is None else phase_scores(cf)[0],
                              deception, why), scn.classify)

    whole = verdict(deploy, counterfactual)
    each = tuple(verdict([e], None if counterfactual is None else [counterfactual[i]]) for i, e in enumerate(deploy))
    return whole, each
