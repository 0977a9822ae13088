"""The progress bar of a long run (``run`` and ``check``): episodes done, elapsed, time left.

Owns: ``RunProgress``, the callback that ``pseudoalign.engine.run(progress=...)`` calls. The
bar is drawn on stderr only where ``progress_on`` (cli/sweep.py) allows it (a terminal, and
not --color never or NO_COLOR), and only once a run has taken ``DELAY`` seconds, so a short run
shows nothing; it is transient, so it leaves nothing on stderr and nothing ever on stdout.
rich is imported only when the bar is drawn. Imports cli.console, cli.sweep.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from .console import color_off, progress_on

#: seconds a run goes before its bar appears
DELAY = 1.0


class RunProgress:
    """``progress(done, total)`` for one run; a context manager that removes the bar at the end.

    The bar appears at the first episode done after ``DELAY`` seconds (the engine calls back as
    episodes finish; no thread is started before it, so none runs while a pool forks)."""

    def __init__(self, description: str, color: str, *, enabled: bool | None = None, delay: float = DELAY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        # as given on the command line: shown whole, its control characters escaped
        self.description = "".join(c if c.isprintable() else repr(c)[1:-1] for c in description)
        self.color, self.delay, self.clock = color, delay, clock
        self.enabled = progress_on(color) if enabled is None else enabled
        self.start: float | None = None
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if self.start is None:
            self.start = now
        if self.bar is None:
            if done == 0 or done >= total or now - self.start < self.delay:
                return
            self.bar = self._make_bar()
            self.task = self.bar.add_task(self.description, total=total, completed=done)
            self.bar.start()
            return
        self.bar.update(self.task, completed=done)

    def _make_bar(self) -> Any:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        err = Console(stderr=True, no_color=color_off(self.color), highlight=False)
        return Progress(TextColumn("{task.description}", style="progress.description", markup=False), BarColumn(),
                        MofNCompleteColumn(),
                        TextColumn("episodes"), TimeElapsedColumn(), TimeRemainingColumn(), console=err,
                        transient=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
