"""The one way the command line makes a rich Console: honouring --color and NO_COLOR.

NO_COLOR is read here rather than left to rich: rich's own reading of it (Console's
``no_color`` default) drops the colours but keeps bold, dim and italic, and it does not turn
off the sweep's progress bar; the command line documents NO_COLOR as ``--color never``, no
escape codes at all. rich is imported only when a Console is made.
"""

from __future__ import annotations

import os


def color_off(color: str) -> bool:
    """--color never, or --color auto with NO_COLOR set."""
    return color == "never" or (color == "auto" and bool(os.environ.get("NO_COLOR")))


def console(color: str = "auto", *, stderr: bool = False, record: bool = False, width: int | None = None):
    """A rich Console for stdout (or stderr): colour on a terminal unless turned off, always with 'always'."""
    from rich.console import Console

    kwargs: dict = {"stderr": stderr, "record": record, "highlight": False}
    if width:
        kwargs["width"] = width
    if color_off(color):
        kwargs["no_color"] = True
        kwargs["color_system"] = None
    elif color == "always":
        kwargs["force_terminal"] = True
    return Console(**kwargs)
