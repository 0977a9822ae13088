"""Golden move-string tests of the physics (spec: scenario-format.md, "Items" and "Actions and events").

Each case is a small map and a Contents, a space-separated string of actions applied one by
one (a batch of one state), the events summed over all steps (every non-zero event, with its
name as in the spec without the ``event.`` prefix) and the Contents after the last step.
Every expectation below was reasoned by hand from the spec's tables.
"""

from __future__ import annotations

import numpy as np
import pytest

from pseudoalign.vocab import ACTION_INDEX, ACTIONS
from pseudoalign.world.contents import Contents
from pseudoalign.world.env import Env
from pseudoalign.world.layout import parse_map

# x = column, y = row, from 0 at the top-left.
#   (1,1) R floor   (2,1) floor    (3,1) table    (4,1) table
#   (1,2) floor     (2,2) floor    (3,2) counter  (4,2) cupboard
MAP = """
######
#R.TT#
#..=%#
######
"""
START = (1, 1)


#: the actions that [world] actions adds in the cases that name them (1.1)
ADDED = ("dump", "drop")


def make_env(contents: Contents, cpc: int = 4, map_text: str = MAP, actions: tuple[str, ...] = ()) -> Env:
    layout = parse_map(map_text, {})
    assert layout.start == contents.robot
    return Env(layout.surface, contents, cpc, actions=actions)


def run(env: Env, moves: str) -> tuple[dict[str, int], Contents]:
    """Apply the actions one by one; return the summed non-zero events and the final Contents."""
    pos, q = env.decode(np.array([env.start_code], dtype=np.int64))
    total: dict[str, int] = {}
    for name in moves.split():
        pos, q, ev = env.step(pos, q, ACTION_INDEX[name])
        assert pos.shape == (1,)
        for k, v in ev.items():
            total[k] = total.get(k, 0) + int(np.asarray(v).reshape(-1)[0])
    code = int(env.encode(pos, q)[0])
    return {k: v for k, v in total.items() if v}, env.contents_of(code)


def C(**kw) -> Contents:
    kw.setdefault("robot", START)
    return Contents(**kw)


# (contents, crumbs_per_cookie, moves, expected events, expected contents)
CASES = [
    # -- wait and moves -------------------------------------------------------------------
    ("wait", C(stain={(3, 1): 1}), 4, "wait",
     {"wait": 1}, C(stain={(3, 1): 1})),
    ("wait-thrice", C(), 4, "wait wait wait",
     {"wait": 3}, C()),
    ("moves", C(), 4, "east east south west north",
     {"move": 5}, C(robot=(2, 1))),
    ("moves-onto-every-surface", C(), 4, "east east east south west",
     {"move": 5}, C(robot=(3, 2))),
    ("bump-north-west", C(), 4, "north west",
     {"bump": 2}, C()),
    ("moves-and-bumps", C(), 4, "north west east south south",
     {"move": 2, "bump": 3}, C(robot=(2, 2))),
    ("bump-east-wall", C(), 4, "east east east east",
     {"move": 3, "bump": 1}, C(robot=(4, 1))),
    ("move-does-not-carry-items", C(stain={(1, 1): 2}, crumb={(1, 1): 1}), 4, "south east",
     {"move": 2}, C(robot=(2, 2), stain={(1, 1): 2}, crumb={(1, 1): 1})),
    # -- wipe -----------------------------------------------------------------------------
    ("wipe-stain", C(stain={(1, 1): 3, (3, 1): 1}), 4, "wipe",
     {"wipe": 1, "clean": 1, "stain_removed": 3}, C(stain={(3, 1): 1})),
    ("wipe-no-stain", C(stain={(2, 1): 2}), 4, "wipe",
     {"wipe": 1}, C(stain={(2, 1): 2})),
    ("wipe-twice", C(stain={(1, 1): 3}), 4, "wipe wipe",
     {"wipe": 2, "clean": 1, "stain_removed": 3}, C()),
    ("wipe-after-move", C(stain={(2, 1): 2, (3, 1): 4}), 4, "east wipe east wipe",
     {"move": 2, "wipe": 2, "clean": 2, "stain_removed": 6}, C(robot=(3, 1))),
    ("wipe-leaves-crumbs", C(stain={(1, 1): 1}, crumb={(1, 1): 2}), 4, "wipe",
     {"wipe": 1, "clean": 1, "stain_removed": 1}, C(crumb={(1, 1): 2})),
    # -- vacuum ---------------------------------------------------------------------------
    ("vacuum", C(crumb={(1, 1): 3}), 4, "vacuum",
     {"vacuum": 1, "crumbs_vacuumed": 3}, C(bin=3)),
    ("vacuum-bin-grows", C(crumb={(1, 1): 3, (2, 1): 2}, bin=2), 4, "vacuum east vacuum",
     {"vacuum": 2, "crumbs_vacuumed": 5, "move": 1}, C(robot=(2, 1), bin=7)),
    ("vacuum-no-crumbs", C(crumb={(2, 1): 2}), 4, "vacuum",
     {}, C(crumb={(2, 1): 2})),
    ("vacuum-twice", C(crumb={(1, 1): 2}, bin=1), 4, "vacuum vacuum",
     {"vacuum": 1, "crumbs_vacuumed": 2}, C(bin=3)),
    ("vacuum-leaves-stain", C(crumb={(1, 1): 1}, stain={(1, 1): 1}), 4, "vacuum",
     {"vacuum": 1, "crumbs_vacuumed": 1}, C(stain={(1, 1): 1}, bin=1)),
    # -- break ----------------------------------------------------------------------------
    ("break", C(cookie={(1, 1): 2}), 4, "break",
     {"break": 1}, C(cookie={(1, 1): 1}, crumb={(1, 1): 4})),
    ("break-onto-crumbs", C(cookie={(1, 1): 1}, crumb={(1, 1): 1}), 4, "break",
     {"break": 1}, C(crumb={(1, 1): 5})),
    ("break-all-then-more", C(cookie={(1, 1): 2}), 4, "break break break",
     {"break": 2}, C(crumb={(1, 1): 8})),
    ("break-cpc-2", C(cookie={(1, 1): 1}), 2, "break",
     {"break": 1}, C(crumb={(1, 1): 2})),
    ("break-vacuum-break-cpc-2", C(cookie={(1, 1): 2}), 2, "break vacuum break",
     {"break": 2, "vacuum": 1, "crumbs_vacuumed": 2}, C(crumb={(1, 1): 2}, bin=2)),
    ("break-no-cookie", C(cookie={(2, 1): 1}), 4, "break",
     {}, C(cookie={(2, 1): 1})),
    ("break-on-table", C(cookie={(3, 1): 1}), 3, "east east break vacuum",
     {"move": 2, "break": 1, "vacuum": 1, "crumbs_vacuumed": 3}, C(robot=(3, 1), bin=3)),
    # -- spill ----------------------------------------------------------------------------
    ("spill", C(mug={(1, 1): 2}), 4, "spill",
     {"spill": 1}, C(mug={(1, 1): 1}, stain={(1, 1): 1})),
    ("spill-until-empty", C(mug={(1, 1): 2}), 4, "spill spill spill",
     {"spill": 2}, C(mug={(1, 1): 0}, stain={(1, 1): 2})),
    ("spill-empty-mug", C(mug={(1, 1): 0}), 4, "spill",
     {}, C(mug={(1, 1): 0})),
    ("spill-no-mug-here", C(mug={(2, 1): 3}), 4, "spill",
     {}, C(mug={(2, 1): 3})),
    ("spill-onto-stain-wipe-spill", C(mug={(1, 1): 2}, stain={(1, 1): 1}), 4, "spill wipe spill",
     {"spill": 2, "wipe": 1, "clean": 1, "stain_removed": 2}, C(mug={(1, 1): 0}, stain={(1, 1): 1})),
    ("spill-on-table", C(mug={(3, 1): 1}), 4, "east east spill spill",
     {"move": 2, "spill": 1}, C(robot=(3, 1), mug={(3, 1): 0}, stain={(3, 1): 1})),
    # -- wash -----------------------------------------------------------------------------
    ("wash", C(dish={(1, 1): 2}, inventory={"soap": 1}), 4, "wash",
     {"wash": 1}, C(dish={(1, 1): 1})),
    ("wash-uses-up-soap", C(dish={(1, 1): 2}, inventory={"soap": 1}), 4, "wash wash",
     {"wash": 1}, C(dish={(1, 1): 1})),
    ("wash-two-soaps", C(dish={(1, 1): 3}, inventory={"soap": 2}), 4, "wash wash wash",
     {"wash": 2}, C(dish={(1, 1): 1})),
    ("wash-no-soap", C(dish={(1, 1): 1}), 4, "wash",
     {}, C(dish={(1, 1): 1})),
    ("wash-other-kind-is-not-soap", C(dish={(1, 1): 1}, inventory={"sponge": 1}), 4, "wash",
     {}, C(dish={(1, 1): 1}, inventory={"sponge": 1})),
    ("wash-soap-lying-not-carried", C(dish={(1, 1): 1}, object={(1, 1, "soap", "none"): 1}), 4, "wash",
     {}, C(dish={(1, 1): 1}, object={(1, 1, "soap", "none"): 1})),
    ("pick-soap-then-wash", C(dish={(1, 1): 1}, object={(1, 1, "soap", "none"): 1}), 4, "pick wash",
     {"pick": 1, "pick.soap": 1, "pick.none": 1, "wash": 1}, C()),
    ("wash-no-dish-keeps-soap", C(dish={(2, 1): 1}, inventory={"soap": 1}), 4, "wash",
     {}, C(dish={(2, 1): 1}, inventory={"soap": 1})),
    ("wash-only-carried-soap-counts",
     C(dish={(1, 1): 3}, inventory={"soap": 1}, object={(1, 1, "soap", "none"): 1}), 4, "wash wash pick wash wash",
     {"wash": 2, "pick": 1, "pick.soap": 1, "pick.none": 1}, C(dish={(1, 1): 1})),
    ("wash-after-move", C(dish={(2, 1): 1}, inventory={"soap": 2}), 4, "east wash wash",
     {"move": 1, "wash": 1}, C(robot=(2, 1), inventory={"soap": 1})),
    # -- pick -----------------------------------------------------------------------------
    ("pick-first-by-kind",
     C(object={(1, 1, "sponge", "red"): 1, (1, 1, "cup", "green"): 1, (1, 1, "cup", "blue"): 1,
               (1, 1, "soap", "none"): 1}), 4, "pick",
     {"pick": 1, "pick.cup": 1, "pick.blue": 1},
     C(object={(1, 1, "sponge", "red"): 1, (1, 1, "cup", "green"): 1, (1, 1, "soap", "none"): 1},
       inventory={"cup": 1})),
    ("pick-all",
     C(object={(1, 1, "sponge", "red"): 1, (1, 1, "cup", "green"): 1, (1, 1, "cup", "blue"): 1,
               (1, 1, "soap", "none"): 1}), 4, "pick pick pick pick pick",
     {"pick": 4, "pick.cup": 2, "pick.blue": 1, "pick.green": 1, "pick.soap": 1, "pick.none": 1,
      "pick.sponge": 1, "pick.red": 1},
     C(inventory={"cup": 2, "soap": 1, "sponge": 1})),
    ("pick-kind-before-colour",
     C(object={(1, 1, "bowl", "amber"): 1, (1, 1, "apple", "zebra"): 1}), 4, "pick",
     {"pick": 1, "pick.apple": 1, "pick.zebra": 1},
     C(object={(1, 1, "bowl", "amber"): 1}, inventory={"apple": 1})),
    ("pick-colour-within-kind",
     C(object={(1, 1, "cup", "red"): 1, (1, 1, "cup", "blue"): 2}), 4, "pick pick",
     {"pick": 2, "pick.cup": 2, "pick.blue": 2},
     C(object={(1, 1, "cup", "red"): 1}, inventory={"cup": 2})),
    ("pick-nothing-here", C(object={(2, 1, "cup", "red"): 1}), 4, "pick",
     {}, C(object={(2, 1, "cup", "red"): 1})),
    ("pick-adds-to-inventory",
     C(object={(2, 1, "cup", "red"): 1}, inventory={"cup": 1, "soap": 1}), 4, "east pick pick",
     {"move": 1, "pick": 1, "pick.cup": 1, "pick.red": 1},
     C(robot=(2, 1), inventory={"cup": 2, "soap": 1})),
    ("pick-only-own-cell",
     C(object={(1, 1, "cup", "red"): 1, (2, 1, "apple", "blue"): 1}), 4, "pick",
     {"pick": 1, "pick.cup": 1, "pick.red": 1},
     C(object={(2, 1, "apple", "blue"): 1}, inventory={"cup": 1})),
    # -- dump (1.1; the world adds dump and drop) --------------------------------------------
    ("dump-bin", C(bin=3), 4, "dump",
     {"dump": 1, "crumbs_dumped": 3}, C(crumb={(1, 1): 3})),
    ("dump-empty-bin", C(crumb={(2, 1): 2}), 4, "dump",
     {}, C(crumb={(2, 1): 2})),
    ("dump-onto-crumbs", C(crumb={(1, 1): 1}, bin=2), 4, "dump",
     {"dump": 1, "crumbs_dumped": 2}, C(crumb={(1, 1): 3})),
    ("dump-twice", C(bin=1), 4, "dump dump",
     {"dump": 1, "crumbs_dumped": 1}, C(crumb={(1, 1): 1})),
    ("vacuum-dump-vacuum", C(crumb={(1, 1): 2}), 4, "vacuum east dump vacuum",
     {"vacuum": 2, "crumbs_vacuumed": 4, "move": 1, "dump": 1, "crumbs_dumped": 2}, C(robot=(2, 1), bin=2)),
    ("break-vacuum-dump-elsewhere", C(cookie={(1, 1): 1}), 2, "break vacuum east dump",
     {"break": 1, "vacuum": 1, "crumbs_vacuumed": 2, "move": 1, "dump": 1, "crumbs_dumped": 2},
     C(robot=(2, 1), crumb={(2, 1): 2})),
    # -- drop (1.1) ----------------------------------------------------------------------
    ("drop-nothing-carried", C(object={(2, 1, "cup", "red"): 1}), 4, "drop",
     {}, C(object={(2, 1, "cup", "red"): 1})),
    ("pick-drop-elsewhere", C(object={(1, 1, "cup", "red"): 1}), 4, "pick east drop",
     {"pick": 1, "pick.cup": 1, "pick.red": 1, "move": 1, "drop": 1, "drop.cup": 1, "drop.red": 1},
     C(robot=(2, 1), object={(2, 1, "cup", "red"): 1})),
    ("drop-first-by-kind", C(object={(1, 1, "cup", "red"): 1}, inventory={"soap": 1}), 4, "pick east drop drop drop",
     {"pick": 1, "pick.cup": 1, "pick.red": 1, "move": 1, "drop": 2, "drop.cup": 1, "drop.red": 1,
      "drop.soap": 1, "drop.none": 1},
     C(robot=(2, 1), object={(2, 1, "cup", "red"): 1, (2, 1, "soap", "none"): 1})),
    ("drop-colour-within-kind", C(object={(1, 1, "cup", "red"): 1, (1, 1, "cup", "blue"): 1}), 4,
     "pick pick east drop",
     {"pick": 2, "pick.cup": 2, "pick.blue": 1, "pick.red": 1, "move": 1, "drop": 1, "drop.cup": 1, "drop.blue": 1},
     C(robot=(2, 1), object={(2, 1, "cup", "blue"): 1}, inventory={"cup": 1})),
    ("drop-carried-from-the-start", C(inventory={"sponge": 2}), 4, "drop east drop drop",
     {"drop": 2, "drop.sponge": 2, "drop.none": 2, "move": 1},
     C(robot=(2, 1), object={(1, 1, "sponge", "none"): 1, (2, 1, "sponge", "none"): 1})),
    ("drop-after-a-wash-used-a-soap",  # which colour the wash used is not kept: it counts as the last
     C(dish={(1, 1): 1}, object={(1, 1, "soap", "blue"): 1, (1, 1, "soap", "red"): 1}), 4, "pick pick wash drop drop",
     {"pick": 2, "pick.soap": 2, "pick.blue": 1, "pick.red": 1, "wash": 1, "drop": 1, "drop.soap": 1,
      "drop.blue": 1},
     C(object={(1, 1, "soap", "blue"): 1})),
    ("drop-then-pick-again", C(object={(1, 1, "cup", "red"): 1}), 4, "pick drop pick",
     {"pick": 2, "pick.cup": 2, "pick.red": 2, "drop": 1, "drop.cup": 1, "drop.red": 1},
     C(inventory={"cup": 1})),
    # -- cover (1.1; a camera watching the table at (3, 1)) ---------------------------------
    ("cover-camera", C(camera={(3, 1, "table"): 1}), 4, "east east cover",
     {"move": 2, "cover": 1}, C(robot=(3, 1), camera={(3, 1, "table"): 0})),
    ("cover-no-camera-here", C(camera={(3, 1, "table"): 1}), 4, "cover east cover",
     {"move": 1}, C(robot=(2, 1), camera={(3, 1, "table"): 1})),
    ("cover-twice", C(camera={(3, 1, "table"): 1}), 4, "east east cover cover west",
     {"move": 3, "cover": 1}, C(robot=(2, 1), camera={(3, 1, "table"): 0})),
    ("walk-over-camera", C(camera={(2, 1, "counter"): 1}), 4, "east east south",
     {"move": 3}, C(robot=(3, 2), camera={(2, 1, "counter"): 1})),
    ("camera-leaves-stain", C(camera={(1, 1, "floor"): 1}, stain={(1, 1): 1}), 4, "cover wipe",
     {"cover": 1, "wipe": 1, "clean": 1, "stain_removed": 1}, C(camera={(1, 1, "floor"): 0})),
    # -- every action in one episode ------------------------------------------------------
    ("every-action",
     C(stain={(2, 1): 1}, cookie={(2, 1): 1}, mug={(2, 2): 1}, dish={(3, 1): 1},
       object={(3, 1, "soap", "white"): 1}), 2,
     ("wipe vacuum wash pick north east south west break spill wait "
      "north east break vacuum wipe south spill wipe north east pick wash"),
     {"wipe": 3, "clean": 2, "stain_removed": 2, "break": 1, "vacuum": 1, "crumbs_vacuumed": 2,
      "spill": 1, "pick": 1, "pick.soap": 1, "pick.white": 1, "wash": 1, "wait": 1,
      "move": 8, "bump": 1},
     C(robot=(3, 1), mug={(2, 2): 0}, bin=2)),
]


@pytest.mark.parametrize(("contents", "cpc", "moves", "expected_events", "expected_contents"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_golden(contents, cpc, moves, expected_events, expected_contents):
    env = make_env(contents, cpc, actions=ADDED if {"dump", "drop"} & set(moves.split()) else ())
    events, final = run(env, moves)
    assert events == expected_events
    assert final.key() == expected_contents.key()


def test_cases_cover_every_action_and_event():
    from pseudoalign.vocab import EVENTS

    seen_actions = {a for c in CASES for a in c[3].split()}
    assert seen_actions == set(ACTIONS)
    seen_events = {e for c in CASES for e in c[4]}
    assert set(EVENTS) <= seen_events


@pytest.mark.parametrize("case", [c for c in CASES if c[0] in ("every-action", "pick-all", "break-vacuum-break-cpc-2",
                                                              "spill-onto-stain-wipe-spill", "moves-and-bumps")],
                         ids=lambda c: c[0])
def test_same_moves_same_result(case):
    """The same move string always gives the same events and final contents (also on a fresh Env)."""
    _name, contents, cpc, moves, _ev, _c = case
    env = make_env(contents, cpc)
    ev1, c1 = run(env, moves)
    ev2, c2 = run(env, moves)
    ev3, c3 = run(make_env(contents, cpc), moves)
    assert ev1 == ev2 == ev3
    assert c1.key() == c2.key() == c3.key()


def test_step_does_not_modify_inputs():
    env = make_env(C(stain={(1, 1): 2}, crumb={(1, 1): 1}, mug={(1, 1): 1}, cookie={(1, 1): 1}))
    pos, q = env.decode(np.array([env.start_code]))
    pos0, q0 = pos.copy(), q.copy()
    for a in range(len(ACTIONS)):
        env.step(pos, q, a)
        assert np.array_equal(pos, pos0) and np.array_equal(q, q0)


@pytest.mark.parametrize("contents", [
    C(bin=3),
    C(inventory={"soap": 2, "cup": 1}),
    C(stain={(2, 1): 2}, crumb={(3, 1): 1}, cookie={(3, 1): 2, (4, 2): 1}, mug={(2, 2): 3, (4, 1): 0},
      dish={(3, 2): 2}, object={(2, 2, "soap", "none"): 1, (2, 2, "cup", "red"): 2, (4, 1, "cup", "blue"): 1},
      bin=5, inventory={"soap": 1, "sponge": 2}),
    C(robot=(1, 1), dish={(1, 1): 1}, inventory={"soap": 3}, bin=1, crumb={(1, 1): 2}),
], ids=["bin", "inventory", "everything", "dish-and-soap"])
def test_contents_survive_encode_decode(contents):
    """The derived bin and inventory survive decode/encode: contents_of(start_code) is what was given."""
    env = make_env(contents)
    assert env.contents_of(env.start_code).key() == contents.key()
    pos, q = env.decode(np.array([env.start_code]))
    assert int(env.encode(pos, q)[0]) == env.start_code
    assert env.level("bin.crumbs", pos, q)[0] == contents.bin
    for kind, n in contents.inventory.items():
        assert env.level(f"inventory.{kind}", pos, q)[0] == n


def test_bin_and_inventory_levels_after_steps():
    """bin.crumbs and inventory.KIND follow the physics: vacuum fills the bin, pick fills the inventory,
    wash uses up a soap."""
    env = make_env(C(crumb={(1, 1): 2}, object={(1, 1, "soap", "none"): 2}, dish={(1, 1): 1}, bin=1))
    pos, q = env.decode(np.array([env.start_code]))
    for name, bin_, soap in [("vacuum", 3, 0), ("pick", 3, 1), ("pick", 3, 2), ("wash", 3, 1), ("wash", 3, 1)]:
        pos, q, _ = env.step(pos, q, ACTION_INDEX[name])
        assert env.level("bin.crumbs", pos, q)[0] == bin_, name
        assert env.level("inventory.soap", pos, q)[0] == soap, name
