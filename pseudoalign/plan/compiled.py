"""The backup compiled with numba: one loop over the states, no temporaries.

Owns: ``best_plain`` and ``add_events``, the same arithmetic as kernels._numpy_chunk (one
add per event row, in order, then the largest), as loops over states that release the GIL.
Imports numba; kernels imports this module only once a process has planned enough to repay
loading it (or the kernel numba is asked for), and tries both loops before any plan.
Compiled code is cached beside this file, or in numba's cache folder where that cannot be
written; where neither can, each process compiles again (about a second).
"""

from __future__ import annotations

import numba
import numpy as np


def _jit(fn):
    try:
        return numba.njit(nogil=True, cache=True, boundscheck=False)(fn)
    except RuntimeError:  # nowhere to keep compiled code: compile it in each process
        return numba.njit(nogil=True, boundscheck=False)(fn)


@_jit
def best_plain(lo, hi, w, nxt, plain, plain_still, out):
    """out[s] = the largest of w[nxt[j, s]] over the first ``plain`` rows (the actions that
    change some state and read no event), and of w[s] when ``plain_still`` (an allowed action
    changes nothing here and reads no event); -inf when neither. A loop simple enough for the
    compiler to gather several states at once."""
    for s in range(lo, hi):
        best = w[s] if plain_still else -np.inf
        for j in range(plain):
            x = w[nxt[j, s]]
            if x > best:
                best = x
        out[s] = best


@_jit
def add_events(lo, hi, w, nxt, plain, ev, ev_slot, ev_cand, n_cand, out):
    """out[s] = the larger of out[s] and the q of the actions that read events: for the rows
    j >= plain, w[nxt[j, s]] plus the event rows e with ev_slot[e] == j, in order; for the
    still actions c < n_cand, w[s] plus the rows with ev_cand[e] == c, in order."""
    moving = nxt.shape[0]
    n_ev = ev.shape[0]
    for s in range(lo, hi):
        best = out[s]
        for j in range(plain, moving):
            x = w[nxt[j, s]]
            for e in range(n_ev):
                if ev_slot[e] == j:
                    x += ev[e, s]
            if x > best:
                best = x
        for c in range(n_cand):
            x = w[s]
            for e in range(n_ev):
                if ev_cand[e] == c:
                    x += ev[e, s]
            if x > best:
                best = x
        out[s] = best

