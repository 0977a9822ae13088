"""The two backup kernels, numpy's and the compiled one, give the same bits.

The compiled kernel is only fast if it is also exactly the numpy kernel: every figure of a
report, and so the bytes of its JSON, must not depend on which one ran, on how the states were
split between threads or blocks, or on buffers kept from an earlier plan. These tests draw
arbitrary successor tables and objectives (events on moving and on still actions, final terms,
discounts, forbidden actions) and compare the two kernels value by value, with blocks and
thread splits made tiny so that every boundary is crossed. The brute-force test in
test_planner.py checks both kernels against the spec's definition of a return. Which kernel
plans, and when auto moves to numba's, is asked of a KernelTier each test makes for itself.
"""

from __future__ import annotations

import json
import multiprocessing
import types

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pseudoalign
from helpers import compiled_kernel_serves, random_worlds
from pseudoalign import SettingError
from pseudoalign.engine import run
from pseudoalign.plan import kernels
from pseudoalign.plan.graph import Graph
from pseudoalign.plan.kernels import KernelTier, ObjectiveArrays, values
from pseudoalign.plan.settings import PlanSettings
from pseudoalign.scenario.expr import parse
from pseudoalign.world.env import Env
from pseudoalign.world.layout import parse_map

A = kernels.A
SERVES = compiled_kernel_serves()
needs_numba = pytest.mark.skipif(not SERVES,
                                 reason="numba's kernel cannot run here (not installed for this platform)")


#: Blocks of a few states, and threads from a dozen: every split and boundary is exercised.
TINY = PlanSettings(chunk=4, compiled_chunk=8, parallel_min=12)


def tiny(kernel: str) -> PlanSettings:
    return attrs.evolve(TINY, kernel=kernel)


def both(*args, **kw):
    """values(...) by each kernel, with tiny blocks."""
    return [values(*args, settings=tiny(k), **kw) for k in ("numpy", "numba")]


def assert_same_bits(a, b):
    (va, vals_a), (vb, vals_b) = a, b
    assert va.dtype == vb.dtype == np.float64
    assert np.array_equal(va, vb), (va, vb)
    assert (vals_a is None) == (vals_b is None)
    for x, y in zip(vals_a or (), vals_b or ()):
        assert np.array_equal(x, y)


numbers = st.sampled_from([0.0, 1.0, -1.0, 0.5, -0.25, 2.0, 0.1, -0.7, 3.3])


@st.composite
def tables(draw):
    """(next_state, still, objective, allowed, gamma, steps, with_final, keep_values) on n arbitrary states."""
    n = draw(st.integers(1, 40))
    still = tuple(sorted(draw(st.sets(st.integers(0, A - 1), max_size=A))))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    nxt = rng.integers(0, n, size=(A, n)).astype(np.int32)
    nxt[list(still)] = np.arange(n, dtype=np.int32)  # a still action leaves every state as it is

    def row():
        return np.array(draw(st.lists(numbers, min_size=n, max_size=n)))

    def event_rows():
        acts = draw(st.lists(st.integers(0, A - 1), max_size=3, unique=True))
        return tuple((a, row()) for a in acts)

    final = draw(st.booleans())
    obj = ObjectiveArrays(row(), event_rows(), row() if final else None, event_rows() if final else ())
    allowed = np.array(draw(st.lists(st.booleans(), min_size=A, max_size=A)))
    allowed[draw(st.integers(0, A - 1))] = True  # a robot has some action it can take
    gamma = draw(st.sampled_from([1.0, 0.99, 0.5, 0.3]))
    return nxt, still, obj, allowed, gamma, draw(st.integers(0, 5)), draw(st.booleans()), draw(st.booleans())


@pytest.mark.slow
@needs_numba
@settings(max_examples=150, deadline=None)
@given(tables())
def test_kernels_agree_bit_for_bit_on_arbitrary_tables(table):
    nxt, still, obj, allowed, gamma, steps, with_final, keep = table
    assert_same_bits(*both(nxt, obj, steps, gamma, allowed, keep_values=keep, with_final=with_final, still=still))


WORLDS = random_worlds(glyphs="..TT=%#", kinds=("soap",), colors=("none",), units=2, max_items=3)
EXPRESSIONS = ["table.clean - 0.1*event.move", "event.wipe + final(event.wipe)",
               "event.wait + 2*final(event.wait) - all.stains", "bin.crumbs + final(table.clean) - event.spill"]


@needs_numba
@settings(max_examples=40, deadline=None)
@given(WORLDS, st.integers(1, 6), st.sampled_from(EXPRESSIONS), st.sampled_from([1.0, 0.9]))
def test_kernels_agree_on_real_graphs_with_depth_prefixes(world, depth, expr, gamma):
    """On enumerated graphs, where each step plans only the states still reachable (live)."""
    map_text, contents, cpc = world
    terms = parse(expr)
    env = Env(parse_map(map_text, {}).surface, contents, cpc, depth=depth)
    g = Graph(env, depth, events=sorted({t.feature[len("event."):] for t in terms if t.is_event}))
    obj = ObjectiveArrays.build(g, terms)
    for keep in (False, True):
        assert_same_bits(*both(g.next, obj, depth, gamma, keep_values=keep, live=g.live, still=g.still))


@needs_numba
def test_kept_buffers_change_nothing_and_are_never_returned():
    """Plans that share a work dict (as plans of one graph do) give what fresh plans give, a
    later plan does not overwrite what an earlier one returned, and a work dict handed another
    table starts afresh."""
    rng = np.random.default_rng(7)
    n = 300
    nxt = rng.integers(0, n, size=(A, n)).astype(np.int32)
    objs = [ObjectiveArrays(rng.normal(size=n), ((3, rng.normal(size=n)),), None, ()) for _ in range(3)]
    other = rng.integers(0, 2 * n, size=(A, 2 * n)).astype(np.int32)
    other_obj = ObjectiveArrays(rng.normal(size=2 * n), (), None, ())
    for kernel in ("numpy", "numba"):
        work: dict = {}
        how = tiny(kernel)
        fresh = [values(nxt, o, 6, 0.9, settings=how)[0] for o in objs]
        shared = [values(nxt, o, 6, 0.9, settings=how, work=work)[0] for o in objs]
        assert np.array_equal(values(other, other_obj, 4, settings=how, work=work)[0],
                              values(other, other_obj, 4, settings=how)[0])
        for f, s in zip(fresh, shared):
            assert np.array_equal(f, s)
        assert all(not np.shares_memory(s, b) for s in shared for b in work["buffers"])


@pytest.mark.slow
@needs_numba
@pytest.mark.parametrize("name", ["crumb-vacuum", "cookie-eliminator"])
def test_a_run_gives_the_same_json_with_either_kernel(name):
    scn = pseudoalign.load(name)
    out = {kernel: json.dumps(run(scn, settings=tiny(kernel)).to_dict(), sort_keys=True) for kernel in ("numpy", "numba")}
    assert out["numpy"] == out["numba"]


@needs_numba
def test_auto_moves_to_the_compiled_kernel_once_a_process_has_planned_enough():
    tier = KernelTier()  # a process that has planned nothing and not loaded numba
    auto, tier_up_soon = PlanSettings(), PlanSettings(tier_up=2000)
    rng = np.random.default_rng(3)
    nxt = rng.integers(0, 500, size=(A, 500)).astype(np.int32)
    obj = ObjectiveArrays(rng.normal(size=500), (), None, ())
    assert tier.choose(tier_up_soon) == "numpy"
    values(nxt, obj, 4, settings=tier_up_soon, tier=tier)  # 4 steps of 500 states, by numpy's kernel
    assert tier.numpy_work == 2000 and tier.module is None
    assert tier.choose(auto) == "numpy"  # 2000 state-steps are far from the default's 0.5 s
    assert tier.choose(tier_up_soon) == "numba"  # enough planned: numba is loaded, and kept
    assert tier.module is not None
    values(nxt, obj, 4, settings=tier_up_soon, tier=tier)
    assert tier.numpy_work == 2000  # the compiled kernel planned it
    assert tier.choose(auto) == "numba"  # loaded already: auto keeps it, whatever the threshold
    assert tier.choose(attrs.evolve(auto, kernel="numpy")) == "numpy"
    assert tier.choose(attrs.evolve(auto, kernel="numba")) == "numba"
    assert KernelTier().choose(auto) == "numpy"  # another tier (another process) starts afresh


def test_an_unknown_kernel_is_an_error_that_names_the_choices():
    with pytest.raises(SettingError, match="'fast' is not a kernel: use one of auto, numpy, numba"):
        PlanSettings(kernel="fast")


def _no_numba():
    raise ModuleNotFoundError("No module named 'numba'")


def _failing_kernels():
    """A module of compiled kernels whose first call fails, as a broken cache or compile would."""
    def broken(*_args):
        raise RuntimeError("the cache index is not readable")

    return types.SimpleNamespace(best_plain=broken, add_events=broken)


@pytest.mark.parametrize(("load", "said"), [
    (_no_numba, r"No module named 'numba'.*pip install 'pseudoalign\[fast\]'"),
    (_failing_kernels, "cannot run here .RuntimeError: the cache index is not readable"),
], ids=["numba missing", "a kernel failing to load"])
def test_where_the_compiled_kernel_cannot_run_auto_stays_on_numpy_and_asking_for_it_says_why(load, said):
    """numba not installed, or installed with a broken cache or a failing compile (found when it
    is loaded, by calling each kernel once, not in the middle of a plan)."""
    tier = KernelTier(load=load)
    tier.numpy_work = 10 * PlanSettings().tier_up  # long past the point where auto would load numba
    assert tier.choose(PlanSettings()) == "numpy"
    with pytest.raises(SettingError, match=said):
        tier.choose(PlanSettings(kernel="numba"))
    with pytest.raises(SettingError, match=said):
        tier.check("numba")
    tier.check("numpy")  # numpy's kernel serves everywhere


@needs_numba
def test_without_a_folder_for_its_cache_a_kernel_is_compiled_in_each_process(monkeypatch):
    from pseudoalign.plan import compiled

    asked = []
    real = compiled.numba.njit

    def njit(**kw):
        asked.append(kw.get("cache", False))
        if kw.get("cache"):
            raise RuntimeError("cannot cache function: no locator available for file")
        return real(**kw)

    def add_one(x):
        return x + 1

    monkeypatch.setattr(compiled.numba, "njit", njit)
    assert compiled._jit(add_one)(41) == 42
    assert asked == [True, False]


def _plan_in_child(nxt, obj, out):
    out.put(values(nxt, obj, 3, settings=tiny("numpy"))[0].tolist())


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs os.fork (POSIX)")
def test_a_forked_process_plans_after_its_parent_used_the_thread_pool():
    """Process pools fork (run --jobs, sweeps): the parent's backup threads are not in the child,
    which must start its own rather than wait on them forever."""
    rng = np.random.default_rng(5)
    n = 200
    nxt = rng.integers(0, n, size=(A, n)).astype(np.int32)
    obj = ObjectiveArrays(rng.normal(size=n), (), None, ())
    want = values(nxt, obj, 3, settings=tiny("numpy"))[0]  # threads in this process now
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=_plan_in_child, args=(nxt, obj, out))
    child.start()
    child.join(30)
    hung = child.is_alive()
    if hung:
        child.kill()
    assert not hung, "the child waited on its parent's threads"
    assert out.get(timeout=5) == want.tolist()


def test_greedy_many_picks_what_greedy_picks_for_each_robot():
    """learn steps a chunk's robots together with greedy_many: robot by robot, column by column,
    it must choose the action that greedy chooses (final terms and events included)."""
    import pseudoalign as pa
    from pseudoalign.engine import episode_events
    from pseudoalign.plan.agent import _Plan
    from pseudoalign.plan.graph import Graph
    from pseudoalign.plan.kernels import greedy, greedy_many
    from pseudoalign.scenario.expr import parse
    from pseudoalign.world.draw import draw_episodes
    from pseudoalign.world.env import Env

    scn = pa.load("crumb-vacuum")
    dist = scn.train
    contents = draw_episodes(dist, scn.legend)[0]
    T = dist.episode_length
    texts = ["bin.crumbs", "table.clean", "event.crumbs_vacuumed - robot.x", "final(bin.crumbs) + event.vacuum",
             "-table.crumbs + robot.y"]
    rewards = [parse(t) for t in texts]
    events = set(episode_events(scn, dist)) | {t.feature[len("event."):] for r in rewards for t in r if t.is_event}
    graph = Graph(Env(dist.layout.surface, contents, scn.crumbs_per_cookie, depth=T), T, events=sorted(events))
    plans = [_Plan(graph, r, dist.agent, T) for r in rewards]
    level = np.stack([p.obj.level for p in plans], axis=1)
    finals = np.array([j for j, p in enumerate(plans) if p.obj.flevel is not None], dtype=np.intp)
    flevel = np.stack([plans[j].obj.flevel for j in finals], axis=1) if len(finals) else None
    rng = np.random.default_rng(5)
    for k in (1, 2, T // 2, T):
        live = graph.live(k)
        v = np.zeros((max(len(p.v_final[k - 1]) for p in plans), len(plans)))
        for j, p in enumerate(plans):
            v[:len(p.v_final[k - 1]), j] = p.v_final[k - 1]
        s = rng.integers(0, live, size=len(plans)).astype(np.intp)
        got = greedy_many([p.obj for p in plans], level, flevel, finals, graph.next, v, s, plans[0].gamma, k == 1,
                          plans[0].blocked)
        want = [greedy(p.obj, graph.next, p.v_final[k - 1], int(s[j]), p.gamma, k == 1, p.blocked)
                for j, p in enumerate(plans)]
        assert got.tolist() == want, k
