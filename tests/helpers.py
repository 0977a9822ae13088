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
place = [{train}]

[deploy]
episodes = {episodes}
seed = 2
place = [{deploy}]
{deploy_extra}
{extra}
"""


def small(base="table.clean", mesa="table.clean", agent="", train='{ item = "stain", on = "table", count = 2 }',
          deploy='{ item = "stain", on = "table", count = 2 }', deploy_extra="", length=10, episodes=2, extra="", map=MAP) -> str:
    return SMALL.format(base=base, mesa=mesa, agent=textwrap.dedent(agent), train=train, deploy=deploy,
                        deploy_extra=textwrap.dedent(deploy_extra), length=length, episodes=episodes, extra=extra, map=map.strip())


