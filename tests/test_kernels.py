"""The two backup kernels, numpy's and the compiled one, give the same bits.

The compiled kernel is only fast if it is also exactly the numpy kernel: every figure of a
report, and so the bytes of its JSON, must not depend on which one ran, on how the states were
split between threads or blocks, or on buffers kept from an earlier plan. These tests draw
arbitrary successor tables and objectives (events on moving and on still actions, final terms,
discounts, forbidden actions) and compare the two kernels value by value, with blocks and
thread splits made tiny so that every boundary is crossed. The brute-force test in
test_planner.py checks both kernels against the spec's definition of a return.
"""

from __future__ import annotations

import json
import multiprocessing
from contextlib import contextmanager

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
from pseudoalign.plan.kernels import ObjectiveArrays, kernel_for, values
from pseudoalign.scenario.expr import parse
from pseudoalign.world.env import Env
from pseudoalign.world.layout import parse_map

A = kernels.A
SERVES = compiled_kernel_serves()
needs_numba = pytest.mark.skipif(not SERVES,
                                 reason="numba's kernel cannot run here (not installed for this platform)")


@contextmanager
def tiny_blocks():
    """Blocks of a few states, and threads from a dozen: every split and boundary is exercised."""
    saved = kernels.CHUNK, kernels.COMPILED_CHUNK, kernels.PARALLEL_MIN
    kernels.CHUNK, kernels.COMPILED_CHUNK, kernels.PARALLEL_MIN = 4, 8, 12
    try:
        yield
    finally:
        kernels.CHUNK, kernels.COMPILED_CHUNK, kernels.PARALLEL_MIN = saved


def both(*args, **kw):
    """values(...) by each kernel, with tiny blocks."""
    with tiny_blocks():
        return [values(*args, kernel=k, **kw) for k in ("numpy", "numba")]


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
        with tiny_blocks():
            fresh = [values(nxt, o, 6, 0.9, kernel=kernel)[0] for o in objs]
            shared = [values(nxt, o, 6, 0.9, kernel=kernel, work=work)[0] for o in objs]
            assert np.array_equal(values(other, other_obj, 4, kernel=kernel, work=work)[0],
                                  values(other, other_obj, 4, kernel=kernel)[0])
        for f, s in zip(fresh, shared):
            assert np.array_equal(f, s)
        assert all(not np.shares_memory(s, b) for s in shared for b in work["buffers"])


@pytest.mark.slow
@needs_numba
@pytest.mark.parametrize("name", ["crumb-vacuum", "cookie-eliminator"])
def test_a_run_gives_the_same_json_with_either_kernel(name, monkeypatch):
    scn = pseudoalign.load(name)
    out = {}
    for kernel in ("numpy", "numba"):
        monkeypatch.setenv("PSEUDOALIGN_KERNEL", kernel)
        with tiny_blocks():
            out[kernel] = json.dumps(run(scn).to_dict(), sort_keys=True)
    assert out["numpy"] == out["numba"]


@needs_numba
def test_auto_moves_to_the_compiled_kernel_once_a_process_has_planned_enough(monkeypatch):
    monkeypatch.delenv("PSEUDOALIGN_KERNEL", raising=False)
    monkeypatch.setattr(kernels, "_COMPILED", {})  # numba not loaded yet
    monkeypatch.setattr(kernels, "_NUMPY_WORK", [0])
    rng = np.random.default_rng(3)
    nxt = rng.integers(0, 500, size=(A, 500)).astype(np.int32)
    obj = ObjectiveArrays(rng.normal(size=500), (), None, ())
    assert kernel_for() == "numpy"
    values(nxt, obj, 4)  # 4 steps of 500 states, by numpy's kernel
    assert kernels._NUMPY_WORK[0] == 2000 and "module" not in kernels._COMPILED
    monkeypatch.setattr(kernels, "TIER_UP", 2000)
    assert kernel_for() == "numba"  # enough planned: numba is loaded, and kept
    monkeypatch.setattr(kernels, "_NUMPY_WORK", [0])
    assert kernel_for() == "numba"
    monkeypatch.setenv("PSEUDOALIGN_KERNEL", "numpy")
    assert kernel_for() == "numpy"
    monkeypatch.setenv("PSEUDOALIGN_KERNEL", " Numba ")
    assert kernel_for() == "numba"


def test_an_unknown_kernel_is_an_error_that_names_the_choices(monkeypatch):
    monkeypatch.setenv("PSEUDOALIGN_KERNEL", "fast")
    with pytest.raises(SettingError, match="'fast' is not a kernel: use one of auto, numpy, numba"):
        kernel_for()


@pytest.mark.parametrize("why", ["numba missing", "a kernel failing to load"])
def test_where_the_compiled_kernel_cannot_run_auto_stays_on_numpy_and_asking_for_it_says_why(why, monkeypatch):
    """numba not installed, or installed with a broken cache or a failing compile (found when it
    is loaded, by calling each kernel once, not in the middle of a plan)."""
    if why == "numba missing":
        monkeypatch.setattr(kernels, "_COMPILED", {"error": "ModuleNotFoundError: No module named 'numba'",
                                                    "missing": True})
        said = "No module named 'numba'.*pip install numba"
    else:
        if not SERVES:
            pytest.skip("needs numba's kernel to break it")
        from pseudoalign.plan import compiled

        def broken(*_args):
            raise RuntimeError("the cache index is not readable")

        monkeypatch.setattr(compiled, "best_plain", broken)
        monkeypatch.setattr(kernels, "_COMPILED", {})
        said = "cannot run here .RuntimeError: the cache index is not readable"
    monkeypatch.setattr(kernels, "_NUMPY_WORK", [10 * kernels.TIER_UP])
    monkeypatch.delenv("PSEUDOALIGN_KERNEL", raising=False)
    assert kernel_for() == "numpy"
    monkeypatch.setenv("PSEUDOALIGN_KERNEL", "numba")
    with pytest.raises(SettingError, match=said):
        kernel_for()


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
    out.put(values(nxt, obj, 3, kernel="numpy")[0].tolist())


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs os.fork (POSIX)")
def test_a_forked_process_plans_after_its_parent_used_the_thread_pool():
    """Process pools fork (run --jobs, sweeps): the parent's backup threads are not in the child,
    which must start its own rather than wait on them forever."""
    rng = np.random.default_rng(5)
    n = 200
    nxt = rng.integers(0, n, size=(A, n)).astype(np.int32)
    obj = ObjectiveArrays(rng.normal(size=n), (), None, ())
    with tiny_blocks():
        want = values(nxt, obj, 3, kernel="numpy")[0]  # threads in this process now
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
