"""The memory allocator of a command's process: the one system setting the command line makes.

glibc's malloc gives a large block (over a threshold that grows as blocks are freed, to
32 MiB at most) back to the system as soon as it is freed, and takes fresh pages for the next
one: each page of a graph's layers and of a plan's kept values is then faulted in and zeroed
again. The README's sweep spent a sixth of its time so (0.4 s of system time in 2.2 s).
``keep_freed_blocks`` asks glibc to serve blocks up to ``MMAP_THRESHOLD`` from its heap and to
keep up to ``TRIM_THRESHOLD`` free at the heap's top for the next ones: measured side by side,
about a tenth quicker on the sweep and on a 4 M-state run, with the same peak memory within
1% (BENCHMARKS.md). Larger blocks still go back at once. Nothing changes on a system without
glibc, or where the user has set glibc's own ``MALLOC_*`` variables or malloc tunables
(``GLIBC_TUNABLES``): theirs rule.

The library never calls this: a notebook's process is its owner's. Processes forked by
``--jobs`` inherit the setting.
"""

from __future__ import annotations

import os
import sys

#: mallopt's parameter numbers (glibc's malloc.h)
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
MMAP_THRESHOLD = 64 << 20
TRIM_THRESHOLD = 256 << 20
TOP_PAD = 16 << 20


def keep_freed_blocks() -> bool:
    """Tune glibc's malloc as above; whether it was done (False where it does not apply)."""
    if not sys.platform.startswith("linux") or any(k.startswith("MALLOC_") for k in os.environ) \
            or "malloc" in os.environ.get("GLIBC_TUNABLES", ""):
        return False
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):  # musl and others: not glibc's options
            return False
    except (ValueError, OSError):
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    done = [mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD), mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD),
            mallopt(M_TOP_PAD, TOP_PAD)]
    return all(ok == 1 for ok in done)
