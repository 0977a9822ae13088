"""Shared fixtures.

The tests exercise the installed package. ``python -m pytest`` puts the current folder first
on sys.path, where the source folder ``pseudoalign/`` would shadow the installed package
without its ``pseudoalign.cli`` and ``pseudoalign.scenarios`` (they live in ``cli/`` and
``scenarios/`` and are mapped there at install time), so the repository root is taken off
sys.path before anything imports pseudoalign.
"""

from __future__ import annotations

import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _ROOT]

import pytest

from helpers import small
from pseudoalign import loads


@pytest.fixture
def small_scenario():
    def make(**kw):
        return loads(small(**kw), "small.toml")
    return make


@pytest.fixture
def counted(monkeypatch):
    """Counts the points run in this process (the driver calls run_point, in this process
    when it has no executor or an in-process one)."""
    from pseudoalign import sweeps as sw
    from pseudoalign.sweeps import driver

    calls: list = []
    real = sw.run_point

    def run_point(scenario, *rest):
        calls.append(scenario)
        return real(scenario, *rest)

    monkeypatch.setattr(driver, "run_point", run_point)
    return calls
