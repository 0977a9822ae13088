"""Objective arrays built a block at a time, sparse event rows, the hash set's indices and
the fused plans of many objectives: each against a straightforward reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import random_worlds
from pseudoalign.plan import multi
from pseudoalign.plan.graph import CodeSet, Graph
from pseudoalign.plan.kernels import A, ObjectiveArrays, plan_values, values
from pseudoalign.plan.multi import plan_many, values_many
from pseudoalign.plan.settings import PlanSettings
from pseudoalign.scenario.expr import Term
from pseudoalign.world.env import Env
from pseudoalign.world.layout import parse_map

WORLDS = random_worlds(glyphs="..TT=%#", kinds=("soap", "cup"), colors=("none", "red"), units=2, max_items=3)
LEVELS = ["all.stains", "table.stained", "floor.crumbs", "all.cookies", "table.objects", "table.clean", "all.clean",
          "bin.crumbs", "inventory.soap", "robot.x", "robot.y", "1"]
EVENTS = ["move", "bump", "wipe", "clean", "vacuum", "crumbs_vacuumed", "break", "spill", "wash", "pick",
          "pick.soap", "wait"]
COEFS = [-2.0, -1.0, -0.5, 0.1, 1.0, 3.0]

terms_st = st.lists(st.builds(Term, st.sampled_from(COEFS),
                              st.one_of(st.sampled_from(LEVELS), st.sampled_from(EVENTS).map(lambda e: "event." + e)),
                              st.booleans()), min_size=1, max_size=5)


def reference_build(graph: Graph, terms: list[Term]) -> ObjectiveArrays:
    """The builder before this change: every state decoded at once, dense float event tables."""
    n = graph.N
    pos, q = graph.env.decode(graph.codes)
    level, flevel = np.zeros(n), np.zeros(n)
    event, fevent = np.zeros((A, n)), np.zeros((A, n))
    has_final = False
    for t in terms:
        if t.is_event:
            (fevent if t.final else event)[...] += t.coef * np.asarray(graph.events[t.feature[len("event."):]])
        else:
            (flevel if t.final else level)[...] += t.coef * graph.env.level(t.feature, pos, q)
        has_final |= t.final

    def rows(e: np.ndarray) -> tuple:
        return tuple((a, e[a].copy()) for a in range(A) if e[a].any())

    if not has_final:
        return ObjectiveArrays(level, rows(event), None, ())
    return ObjectiveArrays(level, rows(event), flevel, rows(fevent))


def same_arrays(a: ObjectiveArrays, b: ObjectiveArrays) -> None:
    assert a.level.tobytes() == b.level.tobytes()
    assert (a.flevel is None) == (b.flevel is None)
    if a.flevel is not None and b.flevel is not None:
        assert a.flevel.tobytes() == b.flevel.tobytes()
    for x, y in ((a.event, b.event), (a.fevent, b.fevent)):
        assert [act for act, _r in x] == [act for act, _r in y]
        for (_a, r1), (_b, r2) in zip(x, y):
            assert r1.tobytes() == r2.tobytes()


def graph_of(world: tuple, depth: int, terms: list[Term], **kw: object) -> Graph:
    map_text, contents, cpc = world
    env = Env(parse_map(map_text, {}).surface, contents, cpc, depth=depth)
    return Graph(env, depth, events=sorted({t.feature[len("event."):] for t in terms if t.is_event}), **kw)


@settings(max_examples=60, deadline=None)
@given(WORLDS, st.integers(1, 5), terms_st, st.sampled_from([1, 3, 1 << 16]))
def test_objective_arrays_built_in_blocks_are_those_of_the_whole_decoded_matrix(world, depth, terms, block):
    g = graph_of(world, depth, terms)
    g.BLOCK = block  # blocks smaller than the graph: the accumulators cross block boundaries
    got, want = ObjectiveArrays.build(g, terms), reference_build(g, terms)
    same_arrays(got, want)
    v1, _ = values(g.next, got, depth, 0.9, live=g.live, still=g.still, settings=PlanSettings(kernel="numpy"))
    v2, _ = values(g.next, want, depth, 0.9, live=g.live, still=g.still, settings=PlanSettings(kernel="numpy"))
    assert v1.tobytes() == v2.tobytes()


@settings(max_examples=40, deadline=None)
@given(WORLDS, st.integers(1, 5))
def test_events_are_kept_only_for_actions_that_have_them_and_match_stepping_each_state(world, depth):
    g = graph_of(world, depth, [Term(1.0, "event." + e) for e in EVENTS])
    expanded = int(g.layer_end[-2]) if len(g.layer_end) > 1 else 0
    for e in EVENTS:
        table = np.asarray(g.events[e])
        assert table.shape == (A, g.N)
        assert not table[[a for a in range(A) if a not in g.events[e].rows]].any()
        assert not table[:, expanded:].any()  # states at the full depth are never stepped
    for a in range(A):  # one action stepped from the codes themselves gives the same counts
        if not g.env.acts[a] or expanded == 0:
            continue
        _nxt, ev = g.env.step_codes(g.codes[:expanded], a)
        for e in EVENTS:
            want = np.asarray(ev.get(e, np.zeros(expanded)), dtype=np.int64)
            assert np.array_equal(np.asarray(g.events[e])[a, :expanded], want), (a, e)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2 ** 40), max_size=700), max_size=10), st.sampled_from([4, 64, 1 << 18]))
def test_codeset_numbers_new_codes_in_order_and_looks_them_up(batches, piece):
    cs, index = CodeSet(), {}
    cs.PIECE = piece  # batches taken in pieces smaller than themselves are numbered as if in one
    for b in batches:
        new, at = cs.insert(np.array(b, dtype=np.int64))
        assert new.tolist() == sorted(set(b) - set(index))
        for code in new.tolist():
            index[code] = len(index)
        assert at.tolist() == [index[c] for c in b]  # the index of each code given, old or new
        if index:
            codes = np.array(list(index), dtype=np.int64)
            assert cs.lookup(codes).tolist() == [index[c] for c in codes.tolist()]
    assert cs.count == len(index)
    assert cs.table.size <= max(1024, 8 * (len(index) + min(piece, 700)))  # sized by what it holds


def test_codeset_is_sized_by_the_codes_it_holds_not_by_a_batch_of_repeats():
    cs = CodeSet()
    cs.add(np.repeat(np.arange(100, dtype=np.int64), 10_000))  # a million codes, a hundred distinct
    assert cs.count == 100
    assert cs.table.size <= 4 * CodeSet.PIECE


def plan_question(draw: st.DrawFn) -> tuple:
    depth = draw(st.integers(1, 5))
    objectives = draw(st.lists(terms_st, min_size=1, max_size=6))
    steps = draw(st.integers(0, depth))
    gamma = draw(st.sampled_from([1.0, 0.9, 0.5]))
    allowed = None
    if draw(st.booleans()):
        allowed = np.array(draw(st.lists(st.booleans(), min_size=A, max_size=A)), dtype=bool)
        allowed[draw(st.integers(0, A - 1))] = True
    return depth, objectives, steps, gamma, allowed, draw(st.booleans())


@settings(max_examples=60, deadline=None)
@given(WORLDS, st.composite(plan_question)(), st.sampled_from([1 << 30, 1]), st.sampled_from([None, 1, 2]),
       st.booleans())
def test_plan_many_leaves_the_values_of_single_passes(world, question, memory, fuse, hashed):
    """Fused (all at once, or two a chunk, events packed or not) or one by one, plan_many
    leaves in the cache the bits single passes compute."""
    depth, objectives, steps, gamma, allowed, with_final = question
    every = [t for terms in objectives for t in terms]
    kw = {"settings": PlanSettings(dense_space=0)} if hashed else {}
    fused, single = graph_of(world, depth, every, **kw), graph_of(world, depth, every)
    assert np.array_equal(fused.next, single.next)
    old = multi.MEMORY, multi.FUSE
    multi.MEMORY = memory  # 1 byte: one objective a values_many chunk, event rows never packed
    multi.FUSE = multi.FUSE if fuse is None else 8 * fused.live(0) * fuse  # 1: one by one; 2: two at a time
    try:
        plan_many(fused, objectives, steps, gamma, allowed, with_final)
    finally:
        multi.MEMORY, multi.FUSE = old
    for terms in objectives:
        v, vals = plan_values(single, terms, steps, gamma, allowed, with_final, keep_values=True,
                              settings=PlanSettings(kernel="numpy"))
        hits = fused.__dict__["_plans"]
        before = len(hits)
        v2, vals2 = plan_values(fused, terms, steps, gamma, allowed, with_final, keep_values=True)
        assert len(fused.__dict__["_plans"]) == before  # a cache hit: nothing planned again
        assert v.tobytes() == v2.tobytes()
        assert len(vals) == len(vals2)
        for a, b in zip(vals, vals2):
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes()


@settings(max_examples=30, deadline=None)
@given(WORLDS, st.composite(plan_question)(), st.sampled_from([1, 1 << 30]))
def test_values_many_in_chunks_equal_single_passes_without_kept_values(world, question, memory):
    depth, objectives, steps, gamma, allowed, with_final = question
    g = graph_of(world, depth, [t for terms in objectives for t in terms])
    objs = [ObjectiveArrays.build(g, terms) for terms in objectives]
    many = values_many(g.next, objs, steps, gamma, allowed, with_final=with_final, live=g.live, still=g.still,
                       memory=memory)
    for obj, (v, vals) in zip(objs, many):
        want, _ = values(g.next, obj, steps, gamma, allowed, with_final=with_final, live=g.live, still=g.still,
                         settings=PlanSettings(kernel="numpy"))
        assert vals is None and v.tobytes() == want.tobytes()


CAMERA_WORLDS = random_worlds(glyphs="..TT=%#", kinds=("soap", "cup"), colors=("none", "red"), units=3, max_items=3,
                              cameras=2)
EVERY_LEVEL = LEVELS + ["counter.coffee", "all.dishes", "floor.stained", "all.objects.soap", "table.objects.red",
                        "inventory.cup", "camera.stains", "camera.crumbs", "camera.clean"]


@settings(max_examples=60, deadline=None)
@given(CAMERA_WORLDS, st.integers(1, 4), st.sampled_from([1, 2, 8, 1 << 14]), st.sampled_from([1, 5, 1 << 16]))
def test_levels_read_from_codes_are_those_of_decoded_states(world, depth, group, block):
    """Each level feature read from the codes (a table per group of slots, any group and block
    size) equals ``Env.level`` of the states decoded, bit for bit."""
    map_text, contents, cpc = world
    env = Env(parse_map(map_text, {}).surface, contents, cpc, depth=depth)
    env.GROUP = group
    g = Graph(env, depth, max_states=(A + 1) ** depth)
    g.BLOCK = block
    pos, q = env.decode(g.codes)
    for feature in EVERY_LEVEL:
        try:
            want = env.level(feature, pos, q)
        except ValueError:  # not a feature of this vocabulary
            continue
        assert g.level(feature).tobytes() == want.tobytes(), feature


@settings(max_examples=60, deadline=None)
@given(WORLDS, st.integers(1, 9), terms_st, st.lists(st.integers(0, A - 1), min_size=9, max_size=9))
def test_rewards_along_a_trajectory_are_each_steps_own(world, depth, terms, choice):
    """``ObjectiveArrays.along`` (every step at once) gives the floats ``step_reward`` and ``gain``
    give step by step, the last step with the final terms."""
    g = graph_of(world, depth, terms)
    obj = ObjectiveArrays.build(g, terms)
    states, actions = [0], []
    for t in range(depth):
        a = choice[t]
        actions.append(a)
        states.append(int(g.next[a, states[-1]]))
    rewards, gains = obj.along(g, states, actions, depth - 1)
    for t, a in enumerate(actions):
        last = t == depth - 1
        assert repr(rewards[t]) == repr(obj.step_reward(g, states[t], a, last))
        assert repr(gains[t]) == repr(obj.gain(g, states[t], a, last))


@settings(max_examples=60, deadline=None)
@given(WORLDS, st.integers(1, 12), st.booleans())
def test_a_small_space_from_its_full_table_is_the_graph_found_layer_by_layer(world, depth, with_events):
    """The full table's path (every code's successors at once) and the layered enumeration give
    the same states in the same order, successors, still actions and event rows."""
    terms = [Term(1.0, "event." + e) for e in EVENTS] if with_events else [Term(1.0, "all.stains")]
    table = graph_of(world, depth, terms, settings=PlanSettings(full_table=1 << 30, full_table_depth=1))
    layered = graph_of(world, depth, terms, settings=PlanSettings(full_table=0))
    assert table.codes.tobytes() == layered.codes.tobytes()
    assert table.next.dtype == layered.next.dtype and table.next.tobytes() == layered.next.tobytes()
    assert table.layer_end.tolist() == layered.layer_end.tolist()
    assert table.still == layered.still
    assert table.events.keys() == layered.events.keys()
    for e in table.events:  # the same counts (the full table may keep a row of zeros: a tag no reachable state picks)
        assert np.asarray(table.events[e]).tobytes() == np.asarray(layered.events[e]).tobytes()
