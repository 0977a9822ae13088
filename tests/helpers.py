"""Small scenario texts written for the tests."""

from __future__ import annotations

import textwrap

MAP = """
#######
#RTTT.#
#.....#
#######
"""

# A small table world: the robot at the left of a short table. Tests fill in the rest.
SMALL = """
format = 1
title = "test"

[world]
map = \"\"\"
{map}
\"\"\"
episode_length = {length}

[objectives.base]
reward = "{base}"

[objectives.mesa]
reward = "{mesa}"

[agent]
objective = "mesa"
{agent}

[train]
episodes = {episodes}
seed = 1
place = [{train}]{train_extra}

[deploy]
episodes = {episodes}
seed = 2
place = [{deploy}]
{deploy_extra}
{extra}
"""


def small(base="table.clean", mesa="table.clean", agent="", train='{ item = "stain", on = "table", count = 2 }',
          deploy='{ item = "stain", on = "table", count = 2 }', deploy_extra="", length=10, episodes=2, extra="", map=MAP,
          train_extra="") -> str:
    return SMALL.format(base=base, mesa=mesa, agent=textwrap.dedent(agent), train=train, deploy=deploy,
                        train_extra="\n" + textwrap.dedent(train_extra) if train_extra else "",
                        deploy_extra=textwrap.dedent(deploy_extra), length=length, episodes=episodes, extra=extra, map=map.strip())




def random_worlds(*, glyphs: str, kinds: tuple, colors: tuple, units: int, max_items: int, max_w: int = 4,
                  max_h: int = 3, max_cpc: int = 5, max_bin: int = 5, cameras: int = 0):
    """A hypothesis strategy of (map text, Contents, crumbs_per_cookie): a random small walled world
    (inner glyphs drawn from ``glyphs``) with random items of every kind, up to ``units`` a cell,
    and up to ``cameras`` cameras (1.1), one a cell at most, each watching a random surface,
    some already covered."""
    from hypothesis import strategies as st

    from pseudoalign.world.contents import Contents

    @st.composite
    def worlds(draw):
        h = draw(st.integers(1, max_h))
        w = draw(st.integers(1, max_w))
        grid = [[draw(st.sampled_from(glyphs)) for _x in range(w)] for _y in range(h)]
        sx, sy = draw(st.integers(0, w - 1)), draw(st.integers(0, h - 1))
        grid[sy][sx] = "R"
        rows = ["#" * (w + 2)] + ["#" + "".join(r) + "#" for r in grid] + ["#" * (w + 2)]
        cells = [(x + 1, y + 1) for y in range(h) for x in range(w) if grid[y][x] != "#"]
        cell = st.sampled_from(cells)
        amount = st.integers(0, units)
        few = st.integers(0, max(units - 1, 1))
        stain = draw(st.dictionaries(cell, amount, max_size=max_items))
        crumb = draw(st.dictionaries(cell, amount, max_size=max_items))
        cookie = draw(st.dictionaries(cell, few, max_size=max_items))
        mug = draw(st.dictionaries(cell, amount, max_size=max(max_items - 1, 1)))
        dish = draw(st.dictionaries(cell, few, max_size=max_items))
        obj = draw(st.dictionaries(st.tuples(cell, st.sampled_from(kinds), st.sampled_from(colors)),
                                   st.integers(0, 2), max_size=max_items + 1))
        objects = {(c[0], c[1], k, col): n for (c, k, col), n in obj.items()}
        inventory = draw(st.dictionaries(st.sampled_from(kinds), st.integers(0, 2), max_size=2))
        camera = {}
        if cameras:
            from pseudoalign.vocab import SURFACES

            placed = draw(st.dictionaries(cell, st.tuples(st.sampled_from(SURFACES), st.integers(0, 1)),
                                          max_size=cameras))
            camera = {(c[0], c[1], watched): n for c, (watched, n) in placed.items()}
        contents = Contents(camera=camera, robot=(sx + 1, sy + 1), stain=stain, crumb=crumb, cookie=cookie, mug=mug, dish=dish,
                            object=objects, bin=draw(st.integers(0, max_bin)), inventory=inventory)
        return "\n".join(rows), contents, draw(st.integers(1, max_cpc))

    return worlds()


def compiled_kernel_serves() -> bool:
    """Whether numba's kernel can run here, asked of a KernelTier of its own: this process's
    (PROCESS_TIER) is left as it was, so ``auto`` still starts on numpy's in later tests."""
    from pseudoalign.plan.kernels import KernelTier

    return KernelTier().compiled() is not None
