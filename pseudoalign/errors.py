"""The one exception tree of pseudoalign.

Owns: PseudoalignError and its kinds. Imports nothing of the package.
"""

from __future__ import annotations

from attrs import frozen


class PseudoalignError(Exception):
    """The root of every error pseudoalign raises on purpose."""


@frozen
class Problem:
    """One fault in a scenario file: where it is, what is wrong, what would do."""

    key: str = ""
    problem: str = ""
    line: int | None = None
    column: int | None = None
    hint: str = ""

    def format(self, path: str) -> str:
        where = path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: "
        if self.key:
            text += f"{self.key}: "
        text += self.problem
        if self.hint:
            text += f" ({self.hint})"
        return text

    def to_dict(self) -> dict:
        return {"key": self.key, "line": self.line, "column": self.column,
                "problem": self.problem, "hint": self.hint}


class ScenarioError(PseudoalignError):
    """A scenario file is not valid: carries every problem found in it."""

    def __init__(self, path: str, problems: list[Problem] | tuple[Problem, ...]):
        self.path = str(path)
        self.problems = tuple(problems)
        super().__init__("\n".join(p.format(self.path) for p in self.problems))

    def __reduce__(self):  # rebuilt whole when it comes back from a worker process
        return type(self), (self.path, self.problems)

    @property
    def line(self) -> int | None:
        return self.problems[0].line if self.problems else None

    @property
    def key(self) -> str:
        return self.problems[0].key if self.problems else ""


class LimitError(PseudoalignError):
    """A scenario is valid but too large to run within the configured limits.

    ``figure`` is what was found (a number, or a text such as "more than 2,000,000"),
    ``limit`` the limit, ``advice`` what to reduce.
    """

    def __init__(self, path: str, what: str, figure, limit: float, advice: str):
        self.path, self.what, self.figure, self.limit, self.advice = str(path), what, figure, limit, advice
        shown = f"{figure:,.0f}" if isinstance(figure, (int, float)) else str(figure)
        super().__init__(f"{path}: {what}: {shown}, over the limit of {limit:,.0f}; {advice}")

    def __reduce__(self):  # rebuilt whole when it comes back from a worker process (--jobs)
        return type(self), (self.path, self.what, self.figure, self.limit, self.advice)


class SettingError(PseudoalignError):
    """A setting (such as the planning kernel) asks for what cannot be done here."""


class SweepError(PseudoalignError):
    """A sweep cannot be set up: a bad --vary spec, a key that does not exist, a bad store or executor."""

    def __init__(self, message: str, key: str = ""):
        self.key = key
        super().__init__(message)


class ExecutorError(SweepError):
    """The executor could not be had (Dask missing, the cluster unreachable) or broke during the sweep."""


def did_you_mean(word: str, choices) -> str:
    """'did you mean ...?' for the closest of choices, or ''."""
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""
