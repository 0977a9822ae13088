"""The state bound (pseudoalign.limits): a true upper bound on the reachable states, never above
the plain product bound, tight for short episodes, and a Python int on the largest maps.

"True upper bound" is checked against the real count, ``Graph(env, depth).N``, on random tiny
worlds with every kind of item. How long the bounds and the refusals take on the largest maps
is measured by benchmarks/run.py (the same cases), not asserted here.
"""

from __future__ import annotations

import math
import random
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import random_worlds
from pseudoalign import limits
from pseudoalign.limits import describe, state_bound
from pseudoalign.plan.graph import Graph
from pseudoalign.world.contents import Contents
from pseudoalign.world.env import Env
from pseudoalign.world.layout import parse_map



def worlds(max_w: int = 4, max_h: int = 3):
    """(map text, Contents, crumbs_per_cookie): a random small world with random items of every kind."""
    return random_worlds(glyphs="..TT=%#", kinds=("soap", "cup"), colors=("none", "red"), units=3, max_items=2, max_cpc=4, max_bin=3, max_w=max_w, max_h=max_h)


def build(map_text: str, contents: Contents, cpc: int) -> Env:
    layout = parse_map(map_text, {})
    assert layout.start == contents.robot
    return Env(layout.surface, contents, cpc)


def product_bound(env: Env) -> int:
    out = int(env.P)
    for s in env.slots:
        out *= len(s[3])
    return out


def bfs_count(env: Env, depth: int) -> int:
    seen, frontier = {env.start_pos}, {env.start_pos}
    for _ in range(depth):
        frontier = {int(q) for p in frontier for q in env.move[p]} - seen
        seen |= frontier
    return len(seen)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.integers(0, 5))
def test_bound_is_an_upper_bound_and_beats_the_product(world, depth):
    env = build(*world)
    bound = state_bound(env, depth)
    assert isinstance(bound, int)
    real = Graph(env, depth).N
    assert real <= bound <= product_bound(env)


@settings(max_examples=40, deadline=None)
@given(worlds(), st.integers(0, 4))
def test_bound_grows_with_depth(world, depth):
    env = build(*world)
    assert state_bound(env, depth) <= state_bound(env, depth + 1)


@settings(max_examples=40, deadline=None)
@given(worlds(max_w=6, max_h=5), st.integers(0, 8))
def test_without_items_the_bound_is_the_exact_count(world, depth):
    """No item: a state is a position, and the bound is exactly the positions within reach."""
    map_text, contents, cpc = world
    env = build(map_text, Contents(robot=contents.robot), cpc)
    assert state_bound(env, depth) == Graph(env, depth).N == bfs_count(env, depth)


@settings(max_examples=40, deadline=None)
@given(worlds(), st.integers(1, 5))
def test_log_space_path_is_an_upper_bound_of_the_exact_one(world, depth):
    """The floating-point path (used for huge maps) rounds up: never below the exact sum, and close to it."""
    env = build(*world)
    exact = state_bound(env, depth)
    approx = state_bound(env, depth, exact_budget=-1)  # every sum that is not the full product: the log-space path
    assert Graph(env, depth).N <= exact <= approx <= min(exact * 1.01 + 100, product_bound(env))


def test_log_space_sum_on_heterogeneous_values():
    rng = random.Random(7)
    xs = sorted(rng.choice([1, 2, 3, 10, 1000, 10 ** 6]) for _ in range(300))
    for d in (1, 2, 7, 50, 150, 299):
        exact = limits._sum_esp_exact(xs, d)
        upper = limits._sum_esp_upper(xs, d)
        assert exact <= upper
        assert math.log(upper) - math.log(exact) < 1e-2


def test_short_episode_and_tiny_depths():
    env = build("#####\n#R.T#\n#####", Contents(robot=(1, 1), stain={(3, 1): 2}, crumb={(1, 1): 1}), 4)
    assert state_bound(env, 0) == 1 == Graph(env, 0).N
    # one step: 2 positions; only the start cell (crumb: 2 configurations) can change
    assert state_bound(env, 1) == 2 * 2
    assert Graph(env, 1).N <= state_bound(env, 1)


def open_map(w: int, h: int, start: tuple[int, int]) -> str:
    rows = ["#" * (w + 2)] + ["#" + "." * w + "#" for _ in range(h)] + ["#" * (w + 2)]
    x, y = start
    rows[y] = rows[y][:x] + "R" + rows[y][x + 1:]
    return "\n".join(rows)


def test_big_map_with_forty_crumb_cells_is_far_over_two_million():
    start = (30, 30)
    layout = parse_map(open_map(60, 60, start), {})
    rng = random.Random(1)
    near = [(x, y) for y in range(1, 61) for x in range(1, 61)
            if (x, y) != start and abs(x - start[0]) + abs(y - start[1]) <= 12]
    crumbs = {c: rng.randint(1, 3) for c in rng.sample(near, 40)}
    env = Env(layout.surface, Contents(robot=start, crumb=crumbs), 4)
    assert env.P == 3600
    bound = state_bound(env, 30)
    assert bound > 1000 * 2_000_000
    assert bound <= product_bound(env)
    # a short episode of the same world: small, and still above the real count (enumerated with
    # the bound as its limit, so that the hash set is sized for it rather than for 2**25 codes)
    small = state_bound(env, 3)
    assert small < 10_000
    assert Graph(env, 3, max_states=small).N <= small


def test_largest_map_every_cell_full_gives_a_python_int_bound():
    """64 x 64 with an item on every cell and long episodes: no enumeration, no overflow, a Python int."""
    layout = parse_map(open_map(62, 62, (31, 31)), {})
    rng = random.Random(2)
    cells = [(x, y) for y in range(1, 63) for x in range(1, 63) if (x, y) != (31, 31)]
    stain = {c: rng.randint(1, 30) for c in cells}
    mugs = {c: rng.randint(0, 5) for c in rng.sample(cells, 300)}
    with np.errstate(over="ignore"):
        env = Env(layout.surface, Contents(robot=(31, 31), stain=stain, mug=mugs), 4)
    for depth in (1, 10, 200, 3000, 10_000):
        bound = state_bound(env, depth)
        assert isinstance(bound, int) and 1 <= bound <= product_bound(env)
        describe(bound)


DESCRIBED = [
    (0, "0"), (7, "7"), (12_345, "12,345"), (999_999, "999,999"),
    (1_100_000_000_000, "about 1.1e12"), (9_999_999, "about 1.0e7"), (2_000_000, "about 2.0e6"),
    (10 ** 5000, "about 1.0e5000"), (3 * 10 ** 400, "about 3.0e400"),
]


@pytest.mark.parametrize(("bound", "text"), DESCRIBED, ids=[t for _b, t in DESCRIBED])  # no str() of 5000 digits
def test_describe(bound, text):
    assert describe(bound) == text


@settings(max_examples=60, deadline=None)
@given(worlds(), st.integers(0, 6))
def test_lower_bound_is_at_most_the_real_count(world, depth):
    from pseudoalign.limits import state_lower_bound

    env = build(*world)
    low, cells = state_lower_bound(env, depth)
    assert low == 2 ** cells
    assert low <= Graph(env, depth).N


def test_forty_crumb_cells_on_a_large_floor_are_refused_at_once():
    """The case of the issue: refused by the lower bound, with the figure, before any enumeration
    (an enumeration stopped at the limit would say "more than 2,000,000 (stopped at ...)")."""
    from pseudoalign import loads
    from pseudoalign.engine import run
    from pseudoalign.errors import LimitError

    rows = ["#" * 62] + ["#" + "." * 60 + "#" for _ in range(60)] + ["#" * 62]
    rows[1] = "#R" + "." * 59 + "#"
    text = ('format = 1\ntitle = "forty"\n[world]\nmap = """\n' + "\n".join(rows) + '\n"""\nepisode_length = 300\n'
            '[objectives.base]\nreward = "floor.clean"\n[objectives.mesa]\nreward = "bin.crumbs"\n'
            '[agent]\nobjective = "mesa"\n[train]\nplace = [ { item = "crumb", on = "floor", count = 40 } ]\n'
            '[deploy]\nplace = [ { item = "crumb", on = "floor", count = 40 } ]\n')
    with pytest.raises(LimitError) as info:
        run(loads(text, "forty.toml"))
    message = str(info.value)
    assert message.startswith("forty.toml: train episode 1: reachable states: at least 2**")
    assert "over the limit of 2,000,000" in message and "fewer items" in message and "stopped at" not in message
    found = re.search(r"at least 2\*\*(\d+) = ([\d,]+) \(the robot can reach (\d+) cells with items in turn "
                      r"within 300 steps", message)
    assert found, message
    cells, low = int(found.group(1)), int(found.group(2).replace(",", ""))
    assert low == 2 ** cells > 2_000_000 and int(found.group(3)) == cells <= 40  # 2**cells, of the forty cells
