"""The map: which cells are walls, what surface each cell has, where the robot starts.

Owns: parsing a map string with its legend. Imports vocab only.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

import numpy as np
from attrs import field, frozen

from ..vocab import GLYPHS, START, SURFACES, WALL


class MapError(ValueError):
    """Faults of one map: a list of (row index or None, message)."""

    def __init__(self, faults: list[tuple[int | None, str]]):
        self.faults = faults
        super().__init__("; ".join(m for _, m in faults))


@frozen(eq=False)
class Layout:
    """A parsed map. ``surface[y, x]`` is an index into SURFACES, or -1 for a wall."""

    rows: tuple[str, ...]
    surface: np.ndarray = field(repr=False)
    start: tuple[int, int]
    legend_cells: tuple[tuple[int, int, str], ...]  # (x, y, glyph) of legend glyphs

    @property
    def width(self) -> int:
        return len(self.rows[0])

    @property
    def height(self) -> int:
        return len(self.rows)

    def cells_of(self, surfaces: Iterable[str]) -> list[tuple[int, int]]:
        """Cells (x, y) whose surface is one of ``surfaces``, in row-major order."""
        idx = [SURFACES.index(s) for s in surfaces]
        ys, xs = np.nonzero(np.isin(self.surface, idx))
        return list(zip(xs.tolist(), ys.tolist()))

    def walkable(self, x: int, y: int) -> bool:
        return 0 <= y < self.height and 0 <= x < self.width and self.surface[y, x] >= 0


def map_rows(text: str) -> list[str]:
    """The rows of a map string: blank lines at the ends dropped, common indent and trailing spaces removed."""
    lines = textwrap.dedent(text).split("\n")
    lines = [ln.rstrip() for ln in lines]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def parse_map(text: str, legend: dict[str, str]) -> Layout:
    """``legend`` maps extra glyphs to surface names. Raises MapError with every fault found."""
    rows = map_rows(text)
    faults: list[tuple[int | None, str]] = []
    if not rows:
        raise MapError([(None, "the map is empty")])
    width = len(rows[0])
    starts = []
    surface = np.full((len(rows), max(len(r) for r in rows)), -1, dtype=np.int8)
    legend_cells = []
    for y, row in enumerate(rows):
        if len(row) != width:
            faults.append((y, f"row {y} is {len(row)} wide but row 0 is {width}: all rows must be the same width"))
        for x, g in enumerate(row):
            if g == WALL:
                continue
            if g in GLYPHS:
                surface[y, x] = SURFACES.index(GLYPHS[g])
                if g == START:
                    starts.append((x, y))
            elif g in legend:
                surface[y, x] = SURFACES.index(legend[g])
                legend_cells.append((x, y, g))
            else:
                known = "# . T = % R" + "".join(f" {k}" for k in sorted(legend))
                faults.append((y, f"unknown glyph {g!r} at x={x}, y={y} (glyphs: {known}; add others under [world.legend])"))
            edge = y in (0, len(rows) - 1) or x in (0, len(row) - 1)
            if edge:
                faults.append((y, f"the map must have walls all round, found {g!r} at x={x}, y={y}"))
    if len(starts) != 1:
        faults.append((None, f"the map must hold exactly one R (the robot's start), found {len(starts)}"))
    if faults:
        raise MapError(faults)
    return Layout(tuple(rows), surface[:, :width].copy(), starts[0], tuple(legend_cells))
