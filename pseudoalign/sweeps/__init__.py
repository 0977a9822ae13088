"""Sweeps: one scenario run over a grid of values put into its TOML document.

A package of one module per job; this module only gathers their public names:

- ``vary``: parsing ``--vary KEY=VALUES`` specs (Vary, parse_vary, parse_values, show_value);
- ``document``: a key of the document checked against the loader's key table (``locate``,
  errors naming the key, with "did you mean") and a value put in (``set_value``);
- ``points``: the grid, the point keys, and ``plan``, which loads every point once, before
  anything runs (Plan, Point, point_key, read_scenario);
- ``run``: ``run_point``, for any process or Dask worker, and ``figures``, what a sweep
  keeps of a run; ``Known``, the episodes points share (a train phase no --vary changes runs
  once per process, not once per point);
- ``store``: the SQLite file of a sweep (Store);
- ``driver``: ``sweep``, which runs a plan through an executor into the store (Outcome).

Executors (local processes, a Dask cluster) are pseudoalign.executors, shared with the
engine. Never prints; no click, no rich.
"""

from __future__ import annotations

from ..errors import ExecutorError, SweepError
from ..executors import DASK_EXTRA, executor, parse_executor
from .document import locate, set_value
from .driver import Outcome, sweep
from .points import Plan, Point, grid, plan, point_document, point_key, read_scenario
from .run import figures, learn_figures, run_point
from .store import APPLICATION_ID, SCHEMA, Store
from .vary import (
    MAX_POINTS,
    Vary,
    parse_value,
    parse_values,
    parse_vary,
    show_value,
    split_key,
)

__all__ = [
    "APPLICATION_ID", "DASK_EXTRA", "MAX_POINTS", "SCHEMA", "ExecutorError", "Outcome", "Plan", "Point", "Store",
    "SweepError", "Vary", "executor", "figures", "grid", "learn_figures", "locate", "parse_executor", "parse_value", "parse_values",
    "parse_vary", "plan", "point_document", "point_key", "read_scenario", "run_point", "set_value", "show_value",
    "split_key", "sweep",
]
