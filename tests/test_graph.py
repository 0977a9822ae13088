"""The reachable graph: the hash set of codes, and the dense and hashed paths agreeing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from helpers import random_worlds
from pseudoalign.plan.graph import CodeSet, Graph, StateLimit
from pseudoalign.plan.settings import PlanSettings
from pseudoalign.world.contents import Contents
from pseudoalign.vocab import SURFACES
from pseudoalign.world.env import A, Env
from pseudoalign.world.layout import parse_map


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2 ** 40), max_size=400), max_size=12))
def test_codeset_adds_like_a_set(batches):
    cs, seen = CodeSet(4), set()
    for b in batches:
        new = cs.add(np.array(b, dtype=np.int64))
        assert new.tolist() == sorted(set(b) - seen)
        seen |= set(b)
    assert cs.count == len(seen)


WORLDS = random_worlds(glyphs="..TT=%#", kinds=("soap", "cup"), colors=("none", "red"), units=3, max_items=2)


@settings(max_examples=40, deadline=None)
@given(WORLDS, st.integers(1, 6))
def test_dense_and_hashed_enumeration_find_the_same_graph(world, depth):
    map_text, contents, cpc = world
    env = Env(parse_map(map_text, {}).surface, contents, cpc, depth=depth)
    dense = Graph(env, depth, events=("clean", "move"))
    assert env.space <= PlanSettings().dense_space  # so the default indexes it by a direct table
    hashed = Graph(env, depth, events=("clean", "move"), settings=PlanSettings(dense_space=0))  # the hash set
    assert np.array_equal(dense.codes, hashed.codes)
    assert np.array_equal(dense.next, hashed.next)
    for e in ("clean", "move"):
        assert np.array_equal(dense.events[e], hashed.events[e])


EVENTS = ("move", "bump", "wipe", "clean", "stain_removed", "vacuum", "crumbs_vacuumed", "break", "spill",
          "wash", "pick", "pick.soap", "pick.red", "wait")


# Tabling applies the physics to every code of the space, about a microsecond a code: the test
# tables spaces up to twice the largest the engine tables (graph.FULL_TABLE), so an example
# costs at most about 0.1 s, where unbounded draws reached 2**25 codes and a minute a run.
TABLED_SPACE = 2 * PlanSettings().full_table


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(random_worlds(glyphs="..TT=%#", kinds=("soap", "cup"), colors=("none", "red"), units=3, max_items=3),
       st.integers(1, 7))
def test_a_small_space_tabled_at_once_gives_the_graph_found_layer_by_layer(world, depth):
    """Small code spaces apply the physics to every code in one call; the graph, its successors
    and its events must be those found by stepping each layer's states alone."""
    map_text, contents, cpc = world
    env = Env(parse_map(map_text, {}).surface, contents, cpc, depth=depth)
    assume(env.space <= TABLED_SPACE)  # about 1 draw in 20 is larger
    every_code = PlanSettings(full_table=PlanSettings().dense_space, full_table_depth=0)  # every code at once
    tabled = Graph(env, depth, events=EVENTS, settings=every_code)
    layered = Graph(env, depth, events=EVENTS, settings=PlanSettings(full_table=0))  # a call of the physics per layer
    assert np.array_equal(tabled.codes, layered.codes)
    assert np.array_equal(tabled.layer_end, layered.layer_end)
    assert np.array_equal(tabled.next, layered.next)
    assert tabled.still == layered.still
    for e in EVENTS:
        assert np.array_equal(tabled.events[e], layered.events[e]), e


def test_state_limit_stops_enumeration():
    crumbs = Contents(robot=(1, 1), crumb={(x, y): 1 for x in range(2, 6) for y in (1, 2)})
    env = Env(parse_map("#######\n#R....#\n#.....#\n#######", {}).surface, crumbs, 4, depth=30)
    full = Graph(env, 30)
    try:
        Graph(env, 30, max_states=full.N - 1)
    except StateLimit as e:
        assert e.found > full.N - 1
    else:
        raise AssertionError("the limit must stop it")
    assert Graph(env, 30, max_states=full.N).N == full.N


LEVELS = ["all.stains", "table.stained", "floor.crumbs", "all.cookies", "counter.coffee", "all.dishes",
          "table.objects", "table.clean", "all.clean", "bin.crumbs", "inventory.soap", "robot.x"]


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(random_worlds(glyphs="..TT=%#", kinds=("soap", "cup"), colors=("none",), units=5, max_items=3),
       st.integers(1, 4))
def test_every_reachable_state_decodes_back_to_its_code_and_its_levels_add_up(world, depth):
    """Batch decoding (many codes at once, slots of any radix) inverts encoding, and each level
    feature equals the same quantity summed state by state, slot by slot, in plain Python."""
    map_text, contents, cpc = world
    env = Env(parse_map(map_text, {}).surface, contents, cpc, depth=depth)
    # No more states than action sequences of at most ``depth`` steps: as a limit, that sizes
    # the hash set of a space above 2**25 codes for them (unlimited, for 2**25: 1.5 GB, 1.5 s).
    g = Graph(env, depth, max_states=(A + 1) ** depth)
    pos, q = env.decode(g.codes)
    assert np.array_equal(env.encode(pos, q), g.codes)
    surfaces = SURFACES
    for feature in LEVELS:
        got = env.level(feature, pos, q)
        where, what = feature.split(".")
        for i in range(0, g.N, max(1, g.N // 25)):  # a spread of states
            row = [int(x) for x in q[i]]
            if where in ("all",) + surfaces:
                on = [where == "all" or int(env.slot_surface[j]) == surfaces.index(where) for j in range(env.S)]

                def total(kind, positive=False):
                    return sum((row[j] > 0) if positive else row[j] for j in range(env.S)
                               if on[j] and env.mask(kind)[j])

                want = {"stains": total("stain"), "stained": total("stain", True), "crumbs": total("crumb"),
                        "cookies": total("cookie"), "coffee": total("coffee"), "dishes": total("dish"),
                        "objects": total("object"), "clean": float(total("stain") + total("crumb") == 0)}[what]
            else:  # conservation of matter, summed slot by slot ("Features and objectives")

                def count(kind, sel=lambda j: True):
                    return sum(row[j] for j in range(env.S) if env.mask(kind)[j] and sel(j))

                soap = [j for j, sl in enumerate(env.slots) if sl.kind == "object" and sl.tag[0] == "soap"]
                soap0 = sum(n for (_x, _y, kind, _c), n in contents.object.items() if kind == "soap")
                want = {
                    "bin.crumbs": (contents.bin + sum(contents.crumb.values())
                                   + env.cpc * (sum(contents.cookie.values()) - count("cookie")) - count("crumb")),
                    "inventory.soap": (contents.inventory.get("soap", 0) + soap0 - sum(row[j] for j in soap)
                                       - (sum(contents.dish.values()) - count("dish"))),
                    "robot.x": env.pos_x[pos[i]],
                }[feature]
            assert got[i] == want, (feature, i, row)
