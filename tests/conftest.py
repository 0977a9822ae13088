"""Shared fixtures."""

from __future__ import annotations

import pytest

from helpers import small
from pseudoalign import loads


@pytest.fixture
def small_scenario():
    def make(**kw):
        return loads(small(**kw), "small.toml")
    return make
