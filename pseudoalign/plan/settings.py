"""How the planner does its work: which kernel, block sizes, when to tier up, how to index.

Owns: ``PlanSettings`` (a frozen value passed from ``engine.run`` down to the graph and the
kernels) and ``KERNELS``. Imports errors only.

No setting changes what is computed, only how: every choice gives the same bits (the tests
in tests/test_kernels.py and tests/test_graph.py hold both sides of each to that). The
defaults are what a run uses; tests make blocks tiny to cross every boundary.
"""

from __future__ import annotations

from typing import Any

from attrs import Attribute, field, frozen

from ..errors import SettingError

KERNELS = ("auto", "numpy", "numba")


def _known_kernel(_instance: Any, _attribute: Attribute[str], value: str) -> None:
    if value not in KERNELS:
        raise SettingError(f"kernel {value!r} is not a kernel: use one of {', '.join(KERNELS)}")


def _positive(_instance: Any, attribute: Attribute[int], value: int) -> None:
    if value < 1:
        raise SettingError(f"{attribute.name} must be at least 1, not {value!r}")


@frozen
class PlanSettings:
    """The planner's settings.

    ``kernel``: "numpy" (numpy's backup, in cache-sized blocks), "numba" (the loop compiled by
    numba, the extra ``pseudoalign[fast]``: quicker on long plans without event terms, 0.3-0.8 s
    to load), or "auto": numpy's until the process has
    planned ``tier_up`` state-steps with it (about 0.5 s), then numba's where it can run.
    ``chunk``: states per block of numpy's backup (a block's q[a, s] stays in cache);
    ``compiled_chunk``: states per call of the compiled kernel; ``parallel_min``: the fewest
    states a backup splits between threads. ``dense_space``: code spaces up to this size are
    indexed by a direct table (4 bytes a code), larger ones by a hash set. ``full_table``: code
    spaces up to this size have the physics applied to every code at once, when enumerated
    ``full_table_depth`` or more layers deep (a few layers reach few of the codes).
    ``reuse``: episodes of a run that are the same (fixed placements: the same start, length,
    objectives and robot) share one graph, its objective arrays and plans (engine.work_key);
    off, each episode makes its own. Rollouts are each episode's own either way.
    """

    kernel: str = field(default="auto", validator=_known_kernel)
    chunk: int = field(default=16384, validator=_positive)
    compiled_chunk: int = field(default=4 * 16384, validator=_positive)
    parallel_min: int = field(default=4 * 16384, validator=_positive)
    tier_up: int = 30_000_000
    dense_space: int = 1 << 25
    full_table: int = 1 << 16
    full_table_depth: int = 8
    reuse: bool = True


DEFAULT = PlanSettings()
