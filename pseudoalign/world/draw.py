"""Drawing the environments of a distribution: one seeded generator, placements in file order.

Owns: Contents of each episode. Imports numpy, household, contents. Reads scenario values, never files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..household import ITEM, ITEMS
from .contents import Cell, Contents

if TYPE_CHECKING:  # scenario values, read only
    from ..scenario.model import Distribution, ItemSpec, Legend
    from .layout import Layout


def _units(rng: np.random.Generator, lo_hi: tuple[int, int]) -> int:
    lo, hi = lo_hi
    return lo if lo == hi else int(rng.integers(lo, hi + 1))


def _put(acc: dict[str, dict[Any, int]], spec: ItemSpec, cell: Cell, units: int) -> None:
    """Add ``units`` of a placed item to a cell (a tagged item, such as an object, by its tag)."""
    tags = ITEM[spec.item].tags
    key = cell + tuple(getattr(spec, t.key) for t in tags) if tags else cell
    acc[spec.item][key] = acc[spec.item].get(key, 0) + units


def fixed_contents(layout: Layout, legend: Legend, rng: np.random.Generator) -> dict[str, Any]:
    """What the map's legend glyphs put on their cells (a units range is drawn per episode)."""
    acc: dict[str, Any] = {i.name: {} for i in ITEMS}
    for x, y, g in layout.legend_cells:
        for spec in legend[g][1]:
            _put(acc, spec, (x, y), _units(rng, spec.units))
    return acc


def draw_episodes(dist: Distribution, legend: Legend) -> list[Contents]:
    """The ``dist.episodes`` environments of a distribution, from its seed: each from its own
    shape (its variant's map and placements in a mixture), all from the one generator."""
    rng = np.random.default_rng(dist.seed)
    out = []
    for shape in dist.shapes():
        layout = shape.layout
        acc = fixed_contents(layout, legend, rng)
        for p in shape.place:
            if p.at is not None:
                cells = list(p.at)
            else:
                pool = [c for c in layout.cells_of(p.on or ()) if c != layout.start]  # on, as at is not
                n = _units(rng, p.count)
                picks = rng.choice(len(pool), size=n, replace=False).tolist() if n else []
                cells = [pool[i] for i in picks]
            for cell in cells:
                _put(acc, p.spec, cell, _units(rng, p.spec.units))
        out.append(Contents(robot=layout.start, **acc))
    return out
