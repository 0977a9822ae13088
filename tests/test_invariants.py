"""Physics invariants as properties over random worlds and random action sequences
(spec: scenario-format.md, "Items" and "Actions and events").

Each example is a random small map (floor, table, counter, cupboard and inner walls), random
items of every kind (stain, crumb, cookie, mug with coffee, dish, objects of a few kinds
including soap), a random crumbs_per_cookie, a random bin and inventory, and a random sequence
of actions, stepped one at a time with ``env.step`` (a batch of one). After every step:

- no quantity is negative, every quantity stays one its slot can encode, the bin and the
  inventory too are never negative;
- cookie matter is conserved: crumbs_per_cookie * cookies + crumbs on cells + bin crumbs;
- coffee + stain units change only on a wipe, and then by exactly ``stain_removed``;
- objects are conserved: lying + carried + soaps used up by washing;
- the robot never stands on a wall, and moves at most one cell;
- only the cell the robot stood on changes;
- the events match the state changes (move, bump, wipe/clean, vacuum, break, spill, wash, pick
  and pick.KIND / pick.COLOR, wait; 1.1: cover, dump/crumbs_dumped, drop and drop.KIND /
  drop.COLOR);
- 1.1, in worlds that add dump and drop and hold cameras: a dump empties the bin onto the
  robot's cell and a drop puts one carried object there (matter stays conserved, by the
  bin and the inventory as derived), a camera only ever goes from watching to covered.

And the scalar stepper (``env.step`` on rows of quantities) and the vectorised one
(``env.transitions`` on state codes) agree on next states and events, for random states and
every action; a batch step equals the same rows stepped one at a time.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import random_worlds
from pseudoalign.household import ACTION
from pseudoalign.vocab import ACTIONS, EVENTS, MOVES
from pseudoalign.world.contents import Contents
from pseudoalign.world.env import SLOT_KINDS, Env
from pseudoalign.world.layout import parse_map

A = len(ACTIONS)
SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def worlds(max_w: int = 4, max_h: int = 3):
    """(map text, Contents, crumbs_per_cookie): a random small world with random items of every kind."""
    return random_worlds(glyphs="...TT==%%#", kinds=("soap", "cup", "sponge"), colors=("none", "red", "blue"), units=4, max_items=3, max_w=max_w, max_h=max_h)


def worlds_11(max_w: int = 3, max_h: int = 2):
    """Random worlds with cameras (1.1), smaller: dump and drop give crumbs and objects a slot
    on every cell."""
    return random_worlds(glyphs="..T=%#", kinds=("soap", "cup"), colors=("none", "red", "blue"), units=2, max_items=2,
                         max_w=max_w, max_h=max_h, max_cpc=3, max_bin=3, cameras=2)


ADDED = st.sampled_from([(), ("dump",), ("drop",), ("dump", "drop")])


def build(map_text: str, contents: Contents, cpc: int, absent: frozenset[str] = frozenset(),
          actions: tuple[str, ...] = ()) -> Env:
    """The world, or a robot's model of it without the items ``absent`` (they are never made)."""
    layout = parse_map(map_text, {})
    assert layout.start == contents.robot
    return Env(layout.surface, contents.without(absent), cpc, absent=absent, actions=actions)


def tag_carried(env: Env, q) -> dict[tuple, int]:
    """Per object tag (kind, colour), the units gone from the map (with those carried from the start)."""
    return {s.tag: int(env.store(q, "inventory", s.tag)[0]) for s in env.slots if s.kind == "object"}


def total(env: Env, q: np.ndarray, kind: str) -> int:
    return int(q[0, env.mask(kind)].sum())


def ev_of(ev: dict, name: str) -> int:
    v = ev.get(name, 0)
    return int(np.asarray(v).reshape(-1)[0])


def carried(env: Env, pos, q) -> dict[str, int]:
    return {k: int(env.level(f"inventory.{k}", pos, q)[0]) for k in env.obj_kinds}


def snapshot(env: Env, pos, q) -> dict:
    return {
        "pos": int(pos[0]),
        "q": q[0].copy(),
        **{k: total(env, q, k) for k in SLOT_KINDS},
        "bin": int(env.level("bin.crumbs", pos, q)[0]),
        "carried": carried(env, pos, q),
        "tags": tag_carried(env, q),
    }


def check_state(env: Env, pos, q) -> None:
    x, y = env.cells[int(pos[0])]
    assert env.surface[y, x] >= 0, "the robot stands on a wall"
    assert (q >= 0).all(), f"a negative quantity: {q}"
    for i, s in enumerate(env.slots):
        assert int(q[0, i]) in s[3], f"slot {s[:3]} holds {int(q[0, i])}, not one of its values {s[3]}"
    assert env.level("bin.crumbs", pos, q)[0] >= 0
    for k, n in carried(env, pos, q).items():
        assert n >= 0, f"carrying {n} of {k}"


def check_step(env: Env, action: int, before: dict, after: dict, ev: dict) -> None:
    name = ACTIONS[action]
    cpc = env.cpc
    for e in ev:
        assert e in EVENTS or e.startswith(("pick.", "drop.")), f"unknown event {e}"
    if not env.acts[action]:  # an action the robot does not have here: nothing at all
        assert not ev and np.array_equal(before["q"], after["q"]) and before["pos"] == after["pos"]
        return
    # the robot: on a neighbouring cell at most
    p0, p1 = before["pos"], after["pos"]
    moved = p0 != p1
    if moved:
        (x0, y0), (x1, y1) = env.cells[p0], env.cells[p1]
        assert name in MOVES and (x1 - x0, y1 - y0) == MOVES[name]
    assert ev_of(ev, "move") == int(moved)
    assert ev_of(ev, "bump") == int(name in MOVES and not moved)
    assert ev_of(ev, "wait") == int(name == "wait")
    assert ev_of(ev, "wipe") == int(name == "wipe")
    # only the robot's cell (where it stood when it acted) changes, and only what the action's
    # declaration says it takes and makes (the bounds and the reachable values read those)
    changed = np.nonzero(before["q"] != after["q"])[0]
    act = ACTION[name]
    for i in changed.tolist():
        assert int(env.slot_pos[i]) == p0, f"{name} changed {env.slots[i][:3]} away from the robot"
        kind, old, new = env.slots[i].kind, int(before["q"][i]), int(after["q"][i])
        assert kind in (act.acts_on, act.makes), f"{name} changed {kind}, declared to act on {act.acts_on!r}"
        if kind == act.acts_on:
            assert new == (0 if act.takes is None else old - act.takes), (name, old, new)
        elif act.takes_from:  # 1.1: put back from a store, all of it (dump) or one (drop)
            assert new == old + (before["bin"] if act.takes is None else act.takes), (name, old, new)
        else:
            assert new == old + env.gain(act), (name, old, new)
    # cookie matter is conserved
    matter0 = cpc * before["cookie"] + before["crumb"] + before["bin"]
    matter1 = cpc * after["cookie"] + after["crumb"] + after["bin"]
    assert matter0 == matter1
    # coffee + stain: only a wipe changes it, by exactly the stain removed
    wet0, wet1 = before["coffee"] + before["stain"], after["coffee"] + after["stain"]
    removed = ev_of(ev, "stain_removed")
    assert wet0 - wet1 == (removed if name == "wipe" else 0)
    assert removed == (before["stain"] - after["stain"] if name == "wipe" else 0)
    assert ev_of(ev, "clean") == int(name == "wipe" and removed > 0)
    # vacuum: the drop of crumbs on cells, into the bin
    sucked = ev_of(ev, "crumbs_vacuumed")
    assert sucked == (before["crumb"] - after["crumb"] if name == "vacuum" else 0)
    assert sucked >= 0
    assert ev_of(ev, "vacuum") == int(sucked > 0)
    dumped = ev_of(ev, "crumbs_dumped")
    assert dumped == (before["bin"] if name == "dump" else 0)
    assert ev_of(ev, "dump") == int(dumped > 0)
    assert after["bin"] - before["bin"] == sucked - dumped
    if name == "dump":
        assert after["bin"] == 0 and after["crumb"] - before["crumb"] == dumped
    # break: one cookie into cpc crumbs
    broke = ev_of(ev, "break")
    assert broke == int(before["cookie"] - after["cookie"] == 1)
    assert before["cookie"] - after["cookie"] in (0, 1)
    if name != "vacuum":
        assert after["crumb"] - before["crumb"] == cpc * broke + dumped
    assert broke == 0 or name == "break"
    # spill: one coffee unit into one stain unit
    spilt = ev_of(ev, "spill")
    assert spilt == int(before["coffee"] - after["coffee"] == 1)
    assert before["coffee"] - after["coffee"] in (0, 1)
    assert spilt == 0 or name == "spill"
    if name == "spill":
        assert after["stain"] - before["stain"] == spilt
    # wash: one dish, one carried soap
    washed = ev_of(ev, "wash")
    assert washed == int(before["dish"] - after["dish"] == 1)
    assert before["dish"] - after["dish"] in (0, 1)
    assert washed == 0 or name == "wash"
    soap0, soap1 = before["carried"].get("soap", 0), after["carried"].get("soap", 0)
    if washed:
        assert soap0 >= 1 and soap1 == soap0 - 1
    # pick: one object from the cell into the inventory, and the events name it
    picked = ev_of(ev, "pick")
    lying = before["object"] - after["object"]
    rose = {k: after["carried"].get(k, 0) - before["carried"].get(k, 0) for k in env.obj_kinds}
    dropped = ev_of(ev, "drop")
    assert picked == int(lying == 1 and sum(rose.values()) == 1)
    assert dropped == int(lying == -1 and sum(rose.values()) == -1)
    assert dropped == 0 or name == "drop"
    if dropped:
        (i,) = changed.tolist()
        kind, color = env.slots[i].tag
        assert rose[kind] == -1 and ev_of(ev, f"drop.{kind}") == 1 and ev_of(ev, f"drop.{color}") == 1
        # the first by kind, then colour, of what it carries
        held = [t for t, n in before["tags"].items() if n > 0 and before["carried"].get(t[0], 0) > 0]
        assert min(held) == (kind, color)
    elif name == "drop":
        assert not any(n > 0 and before["carried"].get(t[0], 0) > 0 for t, n in before["tags"].items())
    if not dropped:
        assert not any(e.startswith("drop.") and ev_of(ev, e) for e in ev)
    # cover: a camera on the robot's cell goes from watching to covered, and never back
    covered = ev_of(ev, "cover")
    assert covered == int(before["camera"] - after["camera"] == 1)
    assert before["camera"] - after["camera"] in (0, 1)
    assert covered == 0 or name == "cover"
    assert picked == 0 or name == "pick"
    if picked:
        (i,) = changed[env.slot_kind[changed] == SLOT_KINDS.index("object")].tolist()
        kind, color = env.slots[i][2]
        assert rose[kind] == 1
        assert ev_of(ev, f"pick.{kind}") == 1 and ev_of(ev, f"pick.{color}") == 1
        # the first by kind, then colour, of the objects lying on that cell
        here = [(env.slots[j][2], j) for j in range(env.S)
                if env.slots[j][0] == "object" and int(env.slot_pos[j]) == p0 and before["q"][j] > 0]
        assert min(here)[1] == i
    else:
        assert not any(e.startswith("pick.") and ev_of(ev, e) for e in ev)
    # objects are conserved: lying + carried + soaps used up
    objs0 = before["object"] + sum(before["carried"].values())
    objs1 = after["object"] + sum(after["carried"].values()) + washed
    assert objs0 == objs1
    # an action with nothing to act on does nothing
    if name in ("wait",) or (name in MOVES and not moved):
        assert changed.size == 0


def walk(env: Env, actions: list[int]) -> None:
    """Step ``env`` from its start through ``actions``, checking every state and every step,
    and that each state stays encodable and round-trips."""
    pos, q = env.decode(np.array([env.start_code], dtype=np.int64))
    check_state(env, pos, q)
    before = snapshot(env, pos, q)
    for a in actions:
        pos, q, ev = env.step(pos, q, a)
        check_state(env, pos, q)
        after = snapshot(env, pos, q)
        check_step(env, a, before, after, ev)
        p2, q2 = env.decode(env.encode(pos, q))
        assert np.array_equal(p2, pos) and np.array_equal(q2, q)
        before = after


@pytest.mark.slow
@SETTINGS
@given(worlds(), st.lists(st.integers(0, A - 1), max_size=25))
def test_physics_invariants_over_random_episodes(world, actions):
    walk(build(*world), actions)


@pytest.mark.slow
@SETTINGS
@given(worlds(), st.lists(st.sampled_from(["wipe", "vacuum", "break", "spill", "wash", "pick", "wait"]), max_size=12),
       st.lists(st.integers(0, A - 1), max_size=10))
def test_invariants_when_acting_in_place_first(world, in_place, then):
    """Biased towards actions on the start cell (where items often are), then anything."""
    env = build(*world)
    pos, q = env.decode(np.array([env.start_code], dtype=np.int64))
    before = snapshot(env, pos, q)
    for a in [ACTIONS.index(n) for n in in_place] + then:
        pos, q, ev = env.step(pos, q, a)
        check_state(env, pos, q)
        after = snapshot(env, pos, q)
        check_step(env, a, before, after, ev)
        before = after


def events_equal(e1: dict, e2: dict, rows: int) -> None:
    for name in set(e1) | set(e2):
        a = np.broadcast_to(np.asarray(e1.get(name, 0)), (rows,))
        b = np.broadcast_to(np.asarray(e2.get(name, 0)), (rows,))
        assert np.array_equal(a, b), f"event {name}: {a.tolist()} != {b.tolist()}"


ACTION_NAMES = st.sampled_from(ACTIONS)
IN_PLACE = st.sampled_from(["wipe", "vacuum", "break", "spill", "wash", "pick", "dump", "drop", "cover"])


@st.composite
def random_states(draw, env: Env):
    """Random reachable states (the codes the planner steps): ends of random walks from the start,
    biased towards acting in place so that quantities change."""
    walks = draw(st.lists(st.lists(st.one_of(ACTION_NAMES, IN_PLACE), max_size=12), min_size=1, max_size=6))
    pos, q = env.decode(np.array([env.start_code] * len(walks), dtype=np.int64))
    for t in range(max(len(w) for w in walks)):
        for r, w in enumerate(walks):
            if t < len(w):
                p2, q2, _ = env.step(pos[r:r + 1], q[r:r + 1], ACTIONS.index(w[t]))
                pos[r], q[r] = p2[0], q2[0]
    return pos, q


@pytest.mark.slow
@SETTINGS
@given(st.data())
def test_scalar_and_vectorised_steppers_agree(data):
    """On random states of random worlds, and of a robot's models of them (some items absent:
    a break then leaves no crumbs, a spill no stain); 1.1: of worlds that hold cameras and add
    dump and drop (the random walks dump crumbs and drop objects)."""
    absent = data.draw(st.frozensets(st.sampled_from(["stain", "crumb", "mug", "object", "camera"]), max_size=2),
                       label="absent")
    added = data.draw(ADDED, label="actions")
    world = data.draw(worlds_11() if added else worlds(), label="world")
    env = build(*world, absent=absent, actions=added)
    pos, q = data.draw(random_states(env), label="states")
    rows = pos.size
    codes = env.encode(pos, q)
    p_back, q_back = env.decode(codes)
    assert np.array_equal(p_back, pos) and np.array_equal(q_back, q)
    nxt, events = env.transitions(codes)
    assert nxt.shape == (A, rows)
    for a in range(A):
        pos2, q2, ev = env.step(pos, q, a)
        assert np.array_equal(env.encode(pos2, q2), nxt[a]), f"{ACTIONS[a]}: next states differ"
        events_equal(ev, events[a], rows)
        # step_codes is transitions for one action
        c1, e1 = env.step_codes(codes, a)
        assert np.array_equal(c1, nxt[a])
        events_equal(e1, events[a], rows)
        # a batch step equals the rows stepped one at a time
        for r in range(rows):
            pr, qr, er = env.step(pos[r:r + 1], q[r:r + 1], a)
            assert int(pr[0]) == int(pos2[r]) and np.array_equal(qr[0], q2[r])
            events_equal(er, {k: np.asarray(v)[r:r + 1] for k, v in ev.items()}, 1)


@pytest.mark.slow
@SETTINGS
@given(worlds_11(), ADDED, st.lists(st.sampled_from(ACTIONS), max_size=25))
def test_physics_invariants_with_dump_drop_and_cameras(world, added, actions):
    """1.1: dump and drop conserve matter (the bin and the inventory as derived), cover only
    covers, and an action the world lacks does nothing."""
    walk(build(*world, actions=added), [ACTIONS.index(name) for name in actions])
