"""The command line's allocator setting (cli/allocator.py): made on glibc, and never where the
user has set glibc's malloc variables or tunables, or on another C library."""

from __future__ import annotations

import os
import sys

import pytest

from pseudoalign.cli import allocator


def _glibc() -> bool:
    try:
        return sys.platform.startswith("linux") and bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError):
        return False


def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for k in list(os.environ):
        if k.startswith("MALLOC_") or k == "GLIBC_TUNABLES":
            monkeypatch.delenv(k)


def test_made_exactly_where_glibc_runs_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    _clean(monkeypatch)
    assert allocator.keep_freed_blocks() is _glibc()


@pytest.mark.parametrize("name, value", [("MALLOC_ARENA_MAX", "2"), ("MALLOC_MMAP_THRESHOLD_", "131072"),
                                         ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1")])
def test_the_users_own_malloc_settings_rule(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    _clean(monkeypatch)
    monkeypatch.setenv(name, value)
    assert allocator.keep_freed_blocks() is False


def test_not_glibc_means_no_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    _clean(monkeypatch)
    monkeypatch.setattr(os, "confstr", lambda name: "")  # what a C library other than glibc answers
    assert allocator.keep_freed_blocks() is False
    monkeypatch.setattr(sys, "platform", "darwin")
    assert allocator.keep_freed_blocks() is False
