"""The household additions of 1.1 (spec: scenario-format.md, "Additions of 1.1"): cameras and
``cover``, ``dump`` and ``drop`` and ``[world] actions``; what the loader refuses, what the
camera features read, the order of preference, and that a world lacking an action never
takes it. The move strings of the physics are in test_physics.py, the properties in
test_invariants.py. Every expected value here was reasoned from the spec's words.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import pseudoalign as pa
from helpers import small
from pseudoalign.errors import ScenarioError
from pseudoalign.vocab import ACTIONS
from pseudoalign.world.contents import Contents
from pseudoalign.world.env import Env
from pseudoalign.world.layout import parse_map

# x = column, y = row.  (1,1) R floor, (2,1)-(4,1) table, (5,1) floor; row 2 floor
MAP = """
#######
#RTTT.#
#.....#
#######
"""

ELEVEN = ["wipe", "vacuum", "wash", "pick", "north", "east", "south", "west", "break", "spill", "wait"]


def test_the_order_of_preference_is_the_contracts():
    assert list(ACTIONS) == ["wipe", "vacuum", "wash", "pick", "north", "east", "south", "west", "break", "spill",
                             "dump", "drop", "cover", "wait"]


def _env(contents: Contents, actions=()) -> Env:
    return Env(parse_map(MAP, {}).surface, contents, 4, actions=actions)


def test_a_format_1_world_has_the_eleven_actions_only():
    env = _env(Contents(robot=(1, 1), stain={(2, 1): 1}))
    assert [a for a, has in zip(ACTIONS, env.acts) if has] == ELEVEN
    env = _env(Contents(robot=(1, 1), camera={(3, 1, "table"): 1}), actions=("drop",))
    assert [a for a, has in zip(ACTIONS, env.acts) if has] == ELEVEN[:-1] + ["drop", "cover", "wait"]


def test_an_action_the_world_lacks_does_nothing_and_costs_no_slots():
    c = Contents(robot=(1, 1), crumb={(1, 1): 2}, object={(2, 1, "cup", "red"): 1})
    plain, added = _env(c), _env(c, actions=("dump", "drop"))
    assert plain.S == 2  # one crumb slot, one object slot: dump and drop would need every cell
    assert added.S == 2 * 10  # a crumb slot and a cup slot on each of the 10 cells
    pos, q = plain.decode(np.array([plain.start_code]))
    pos, q, _ = plain.step(pos, q, ACTIONS.index("vacuum"))
    for name in ("dump", "drop", "cover"):
        p2, q2, ev = plain.step(pos, q, ACTIONS.index(name))
        assert ev == {} and np.array_equal(q2, q) and np.array_equal(p2, pos), name
    nxt, events = plain.transitions(plain.encode(pos, q))
    for name in ("dump", "drop", "cover"):
        assert nxt[ACTIONS.index(name)][0] == plain.encode(pos, q)[0] and events[ACTIONS.index(name)] == {}


# -- camera features ----------------------------------------------------------------------------


def _levels(env: Env, moves: str = "") -> dict[str, float]:
    pos, q = env.decode(np.array([env.start_code]))
    for m in moves.split():
        pos, q, _ = env.step(pos, q, ACTIONS.index(m))
    return {f: float(env.level(f, pos, q)[0])
            for f in ("camera.stains", "camera.stained", "camera.crumbs", "camera.clean")}


MESS: dict = {"stain": {(3, 1): 2, (4, 1): 1, (2, 2): 5}, "crumb": {(2, 1): 3, (1, 2): 1}}  # table: 3 units on 2 cells, 3 crumbs


def test_an_uncovered_camera_shows_its_surface_as_it_is():
    env = _env(Contents(robot=(1, 1), camera={(5, 2, "table"): 1}, **MESS))
    assert _levels(env) == {"camera.stains": 3, "camera.stained": 2, "camera.crumbs": 3, "camera.clean": 0}


def test_a_covered_camera_shows_its_surface_clean():
    env = _env(Contents(robot=(1, 1), camera={(1, 1, "table"): 1}, **MESS))
    assert _levels(env, "cover") == {"camera.stains": 0, "camera.stained": 0, "camera.crumbs": 0,
                                     "camera.clean": 1}
    # the mess is still there
    pos, q = env.decode(np.array([env.start_code]))
    pos, q, _ = env.step(pos, q, ACTIONS.index("cover"))
    assert env.level("table.stains", pos, q)[0] == 3


def test_a_camera_watching_the_floor_shows_the_floor_not_the_table():
    env = _env(Contents(robot=(1, 1), camera={(5, 1, "floor"): 1}, **MESS))
    assert _levels(env) == {"camera.stains": 5, "camera.stained": 1, "camera.crumbs": 1, "camera.clean": 0}


def test_a_camera_watching_the_counter_shows_the_counter_not_the_table():
    counter = "#######\n#R==TT#\n#######"
    env = Env(parse_map(counter, {}).surface,
              Contents(robot=(1, 1), camera={(1, 1, "counter"): 1}, stain={(4, 1): 2, (5, 1): 1}), 4)
    assert _levels(env) == {"camera.stains": 0, "camera.stained": 0, "camera.crumbs": 0, "camera.clean": 1}
    env = Env(parse_map(counter, {}).surface,
              Contents(robot=(1, 1), camera={(1, 1, "counter"): 1}, stain={(2, 1): 2, (5, 1): 1}), 4)
    assert _levels(env) == {"camera.stains": 2, "camera.stained": 1, "camera.crumbs": 0, "camera.clean": 0}


def test_cameras_sum_and_clean_needs_every_camera_clean():
    env = _env(Contents(robot=(1, 1), camera={(1, 1, "table"): 1, (5, 2, "table"): 1}, **MESS))
    assert _levels(env) == {"camera.stains": 6, "camera.stained": 4, "camera.crumbs": 6, "camera.clean": 0}
    assert _levels(env, "cover") == {"camera.stains": 3, "camera.stained": 2, "camera.crumbs": 3, "camera.clean": 0}


def test_no_camera_shows_clean_and_nothing():
    env = _env(Contents(robot=(1, 1), **MESS))
    assert _levels(env) == {"camera.stains": 0, "camera.stained": 0, "camera.crumbs": 0, "camera.clean": 1}


# -- the loader ---------------------------------------------------------------------------------


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as e:
        pa.loads(text, "t.toml")
    return [f"{p.key}: {p.problem}" for p in e.value.problems]


CAMERA = '{ item = "camera", at = [5, 2], watches = "table" }'


def test_a_camera_file_loads():
    scn = pa.loads(small(mesa="camera.clean", train=CAMERA, deploy=CAMERA + ', { item = "stain", at = [2, 1] }'),
                   "t.toml")
    assert scn.deploy.place[0].spec.watches == "table"
    assert scn.actions == ()


@pytest.mark.parametrize(("placement", "key", "words"), [
    ('{ item = "camera", on = "table", watches = "table" }', "train.place.0.on", "fixed cell"),
    ('{ item = "camera", at = [2, 1], units = 1, watches = "table" }', "train.place.0.units", "takes no units"),
    ('{ item = "camera", at = [2, 1] }', "train.place.0.watches", "needs a watches"),
    ('{ item = "camera", at = [2, 1], watches = "all" }', "train.place.0.watches", "one surface, not 'all'"),
    ('{ item = "camera", at = [2, 1], watches = "tabel" }', "train.place.0.watches", "not 'tabel'"),
    ('{ item = "stain", at = [2, 1], watches = "table" }', "train.place.0.watches", "only cameras"),
])
def test_bad_camera_placements(placement, key, words):
    probs = _problems(small(train=placement))
    assert any(p.startswith(key) and words in p for p in probs), probs


def test_two_cameras_on_one_cell_is_an_error_naming_both():
    probs = _problems(small(train=f'{CAMERA}, {{ item = "camera", at = [5, 2], watches = "floor" }}'))
    assert probs == ["train.place.1.at: a second camera on cell [5, 2]: train.place.0.at puts one there already"]


def test_a_camera_of_the_legend_and_one_placed_on_its_cell():
    text = small(map=MAP.replace("#RTTT.#", "#RTTTC#"), train='{ item = "camera", at = [5, 1], watches = "floor" }',
                 extra='[world.legend.C]\nsurface = "floor"\nitems = [{ item = "camera", watches = "table" }]')
    assert _problems(text) == [
        "train.place.0.at: a second camera on cell [5, 1]: world.legend.C.items.0 puts one there already"]


def test_world_actions_must_be_dump_or_drop():
    probs = _problems(small(extra="").replace("episode_length = 10", 'episode_length = 10\nactions = ["jump"]'))
    assert any(p.startswith("world.actions.0") for p in probs), probs


def _with_actions(text: str, actions: str) -> str:
    """The text with ``[world] actions`` set (right after the world's episode_length)."""
    return re.sub(r"(episode_length = \d+)", rf"\1\nactions = {actions}", text, count=1)


@pytest.mark.parametrize(("mesa", "agent", "key", "words"), [
    ("event.dump", "", "objectives.mesa.reward", "'event.dump' counts dump"),
    ("event.crumbs_dumped", "", "objectives.mesa.reward", "does not add 'dump'"),
    ("event.drop.cup", "", "objectives.mesa.reward", "does not add 'drop'"),
    ("event.cover", "", "objectives.mesa.reward", "no distribution places a camera"),
    ("table.clean", 'cannot = ["drop"]', "agent.cannot.0", "'drop' is an action this robot does not have"),
    ("table.clean", 'cannot = ["cover"]', "agent.cannot.0", "no distribution places a camera"),
])
def test_names_of_actions_the_robot_does_not_have(mesa, agent, key, words):
    train = '{ item = "stain", on = "table", count = 2 }, { item = "object", kind = "cup", at = [5, 1] }'
    probs = _problems(small(mesa=mesa, agent=agent, train=train))
    assert any(p.startswith(key) and words in p for p in probs), probs


def test_names_of_actions_the_world_adds_load():
    train = '{ item = "stain", on = "table", count = 2 }, { item = "object", kind = "cup", at = [5, 1] }, ' + CAMERA
    text = _with_actions(small(mesa="event.dump + event.crumbs_dumped + event.drop.cup + event.cover",
                               agent='cannot = ["drop", "cover"]', train=train), '["dump", "drop"]')
    scn = pa.loads(text, "t.toml")
    assert scn.actions == ("dump", "drop")


def test_cannot_every_action_the_robot_has():
    probs = _problems(small(agent=f"cannot = {ELEVEN!r}".replace("'", '"')))
    assert any(p.startswith("agent.cannot") and "names every action" in p for p in probs), probs


# -- the robot ----------------------------------------------------------------------------------

TEN = [a for a in ELEVEN if a != "wait"]


@pytest.mark.parametrize(("cannot", "first"), [
    ([], "dump"),
    (["dump"], "drop"),
    (["dump", "drop"], "cover"),
    (["dump", "drop", "cover"], "wait"),
])
def test_ties_follow_the_order_of_preference(cannot, first):
    """With the eleven's first ten ruled out and nothing to gain, what is left ties: the robot takes
    the first of dump, drop, cover, wait it has."""
    text = _with_actions(small(base="table.clean", mesa="table.clean", train=CAMERA, deploy=CAMERA,
                               agent=f"cannot = {TEN + cannot!r}".replace("'", '"'), length=3, episodes=1),
                         '["dump", "drop"]')
    steps = pa.trace(pa.loads(text, "t.toml")).result.steps
    assert [s.action for s in steps] == [first] * 3


def test_a_format_1_robot_with_nothing_left_but_waiting_waits():
    text = small(agent=f"cannot = {TEN!r}".replace("'", '"'), length=3, episodes=1)
    assert [s.action for s in pa.trace(pa.loads(text, "t.toml")).result.steps] == ["wait"] * 3


def test_epsilon_draws_the_added_actions_too():
    """A robot that can only wait, with epsilon near 1: its random steps come from every action it has."""
    text = _with_actions(small(agent="epsilon = 0.99", length=60, episodes=1, train=CAMERA, deploy=CAMERA),
                         '["dump", "drop"]')
    taken = {s.action for s in pa.trace(pa.loads(text, "t.toml")).result.steps if s.random}
    assert {"dump", "drop", "cover"} <= taken
    plain = {s.action for s in pa.trace(pa.loads(small(agent="epsilon = 0.99", length=60, episodes=1), "t.toml"))
             .result.steps if s.random}
    assert plain <= set(ELEVEN) and len(plain) > 5


def _camera_run(deploy_camera: str, length: int):
    text = small(base="table.clean", mesa="camera.clean", length=length, episodes=1,
                 train='{ item = "stain", at = [[2, 1], [3, 1]] }',
                 deploy='{ item = "stain", at = [[2, 1], [3, 1]] }, ' + deploy_camera)
    faithful = text.replace('reward = "camera.clean"', 'reward = "table.clean"')
    return (pa.trace(pa.loads(text, "t.toml")).result.steps, pa.trace(pa.loads(faithful, "t.toml")).result.steps)


def test_a_camera_valuer_is_faithful_while_the_camera_is_out_of_reach():
    """The camera at (5, 2), six steps away, in an episode of four: it cannot be covered, so the
    robot that values what the camera shows acts as the one that values the table."""
    mesa, base = _camera_run('{ item = "camera", at = [5, 2], watches = "table" }', 4)
    assert [s.action for s in mesa] == [s.action for s in base]
    assert "cover" not in [s.action for s in mesa]


def test_a_camera_valuer_covers_a_camera_within_reach():
    """The camera on the robot's start cell: covering it is one step and shows the table clean
    at once, sooner than wiping two stains could."""
    mesa, base = _camera_run('{ item = "camera", at = [1, 1], watches = "table" }', 4)
    assert mesa[0].action == "cover"
    assert "cover" not in [s.action for s in base]


def test_a_graph_never_steps_an_action_the_world_lacks():
    """The planner's graph: the actions the robot does not have lead nowhere (identity rows, among
    the still ones), and planning masks them, so they cost nothing."""
    from pseudoalign.plan.graph import Graph

    env = _env(Contents(robot=(1, 1), stain={(2, 1): 1}, crumb={(3, 1): 2}))
    g = Graph(env, 4)
    for name in ("dump", "drop", "cover"):
        a = ACTIONS.index(name)
        assert np.array_equal(g.next[a], np.arange(g.N)) and a in g.still
    # the same world with dump and drop: dump acts once the bin holds crumbs, so it is not still
    g2 = Graph(_env(Contents(robot=(1, 1), stain={(2, 1): 1}, crumb={(3, 1): 2}), actions=("dump", "drop")), 4)
    assert ACTIONS.index("dump") not in g2.still and ACTIONS.index("drop") in g2.still
    # within 4 steps a dump can only put the crumbs back where they lay (east east vacuum dump):
    # no new state; within 5 it can put them on a neighbour
    assert g2.N == g.N
    assert Graph(_env(Contents(robot=(1, 1), stain={(2, 1): 1}, crumb={(3, 1): 2}), actions=("dump",)), 5).N > \
        Graph(env, 5).N


def test_dump_and_drop_slots_are_laid_only_within_reach():
    """With an episode of 2 steps, an action acts on the start or a neighbour (the robot stood
    there after at most 1 step): dump and drop may put things only there. What lies further
    keeps its slot."""
    c = Contents(robot=(1, 1), crumb={(5, 2): 3}, object={(4, 2, "cup", "red"): 1})
    env = Env(parse_map(MAP, {}).surface, c, 4, depth=2, actions=("dump", "drop"))
    crumb_cells = sorted(s.cell for s in env.slots if s.kind == "crumb")
    object_cells = sorted(s.cell for s in env.slots if s.kind == "object")
    assert crumb_cells == [(1, 1), (1, 2), (2, 1), (5, 2)]
    assert object_cells == [(1, 1), (1, 2), (2, 1), (4, 2)]
    pos, q = env.decode(np.array([env.start_code]))
    assert env.level("all.crumbs", pos, q)[0] == 3 and env.level("all.objects", pos, q)[0] == 1
    assert env.contents_of(env.start_code).key() == c.key()


def test_a_second_camera_in_a_list_of_cells_is_named_by_its_index():
    probs = _problems(small(train='{ item = "camera", at = [[2, 1], [5, 2], [2, 1]], watches = "table" }'))
    assert probs == ["train.place.0.at.2: a second camera on cell [2, 1]: train.place.0.at.0 puts one there already"]


def test_the_optimum_never_uses_an_action_the_world_lacks():
    """Planning only wait, which costs 1 a step: dump, drop and cover, which the world lacks,
    are no way to stay put for free (a plan is over the actions the robot has)."""
    from pseudoalign.plan.graph import Graph
    from pseudoalign.plan.kernels import plan_values
    from pseudoalign.scenario.expr import parse

    env = Env(parse_map("###\n#R#\n###", {}).surface, Contents(robot=(1, 1)), 4)
    g = Graph(env, 2, events=["wait"])
    # a robot that believes it cannot take any of the eleven but wait (cannot does not name the others)
    only_wait = np.array([a in ("wait", "dump", "drop", "cover") for a in ACTIONS])
    v, _ = plan_values(g, parse("-event.wait"), 2, allowed=only_wait)
    assert v[0] == -2.0
    # in a world that adds dump and drop, dumping (an empty bin) is a free stay
    g2 = Graph(Env(env.surface, Contents(robot=(1, 1)), 4, actions=("dump", "drop")), 2, events=["wait"])
    v2, _ = plan_values(g2, parse("-event.wait"), 2, allowed=only_wait)
    assert v2[0] == 0.0
