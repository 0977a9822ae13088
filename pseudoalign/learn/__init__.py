"""``learn`` (format 1.2, learn.md): the objectives training cannot tell apart, and what each
would do in deployment.

Owns: nothing of its own; the public names of space.py (the candidates), search.py (the
search), result.py (LearnResult) and store.py (LearnStore, the --db file). No click, no rich,
no printing.
"""

from __future__ import annotations

from .result import LearnResult, LearnRow
from .search import search, with_objective
from .space import Candidate, LearnError, Space, derived_features, space_of, text_of

__all__ = ["Candidate", "LearnError", "LearnResult", "LearnRow", "Space", "derived_features", "search",
           "space_of", "text_of", "with_objective"]
