"""The one way the command line makes a rich Console: honouring --color and NO_COLOR.

NO_COLOR is read here rather than left to rich: rich's own reading of it (Console's
``no_color`` default) drops the colours but keeps bold, dim and italic, and it does not turn
off the sweep's progress bar; the command line documents NO_COLOR as ``--color never``, no
escape codes at all. rich is imported only when a Console is made.

Owns too ``safe``: the one way text that came from a file (or a command line) is made fit
for a terminal, used by every renderer and message. JSON output does not use it (JSON
escapes control characters itself).
"""

from __future__ import annotations

import errno
import functools
import os
import sys
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

# C0 controls but tab and newline, DEL, C1 controls (0x9b is a CSI on some terminals), and the
# marks that reorder text on screen (bidirectional overrides and isolates): each shown as its
# Python escape, so that an ESC in a title reads \x1b instead of clearing the screen.
_SHOWN = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)] if c not in (0x09, 0x0A)}
_SHOWN.update({c: f"\\u{c:04x}" for c in (0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))})


def safe(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``); tab and newline kept."""
    return text.translate(_SHOWN)


def color_off(color: str) -> bool:
    """--color never, or --color auto with NO_COLOR set."""
    return color == "never" or (color == "auto" and bool(os.environ.get("NO_COLOR")))


@functools.cache
def _console_class() -> type[Console]:
    """rich's Console, but a closed output is left to the command line's one place for it
    (options.py): rich's own on_broken_pipe exits with status 1."""
    from rich.console import Console

    class QuietOnClosedPipe(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    return QuietOnClosedPipe


def console(color: str = "auto", *, stderr: bool = False, record: bool = False, width: int | None = None) -> Console:
    """A rich Console for stdout (or stderr): colour on a terminal unless turned off, always with 'always'."""
    kwargs: dict[str, Any] = {"stderr": stderr, "record": record, "highlight": False}
    if width:
        kwargs["width"] = width
    if color_off(color):
        kwargs["no_color"] = True
        kwargs["color_system"] = None
    elif color == "always":
        kwargs["force_terminal"] = True
    return _console_class()(**kwargs)


def progress_on(color: str, stream: IO[str] | None = None) -> bool:
    """The bar is drawn only on a terminal (stderr), and not with --color never or NO_COLOR."""
    stream = sys.stderr if stream is None else stream
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tty and not color_off(color)
