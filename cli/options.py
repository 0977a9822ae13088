"""What the commands of ``pseudoalign`` share: their options, the exit statuses, and the one
place where the library's errors become click exceptions.

Owns: ``--color``, ``--max-states``, ``--jobs`` and ``--kernel`` (whose value is the
PlanSettings the engine plans with); ``ExitCode``; ``PseudoalignGroup``, the click group that
turns a PseudoalignError or a Ctrl-C into a click exception with its status, and ends a
command whose standard output was closed (``| head``) quietly with status 0; and the one
place where an operating-system error on an output path becomes a one-line message
(``writing``, ``cannot_write``, ``check_folder``). Click's own main (standalone mode) then
prints it and exits. Imports click, and of the package its errors, the engine's default
state limit and the planner's settings; never rich.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, NoReturn, TypeVar

import click

from pseudoalign.engine import DEFAULT_MAX_STATES
from pseudoalign.errors import PseudoalignError, SettingError
from pseudoalign.plan.kernels import PROCESS_TIER
from pseudoalign.plan.settings import KERNELS, PlanSettings

from .console import safe

F = TypeVar("F", bound=Callable[..., Any])


class ExitCode(enum.IntEnum):
    """The statuses of every command (README, "Exit statuses")."""

    OK = 0
    FAILED = 1  # an invalid scenario, a limit exceeded, a failed check, run or sweep point
    USAGE = 2  # click's UsageError: an unknown option, a missing argument, a value of the wrong form
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


EPILOG = "Exit status: 0 success, 1 invalid scenario, failed check or limit exceeded, 2 usage error, 130 interrupted."
# A closed standard output (the reader went away, as `| head` does) is not an error of ours:
# the command stops writing and ends with OK (README, "What you can rely on"). 0, not the 141
# of a process killed by SIGPIPE: output that fits in the pipe's buffer is never refused, so
# a status of its own for a closed pipe would vary from run to run.


# -- errors ---------------------------------------------------------------------------------

class Failure(click.ClickException):
    """A command could not do what was asked: its message as it is (no "Error: "), on stderr,
    status 1. Its kinds below differ in status only (click keeps the status on the class)."""

    exit_code = int(ExitCode.FAILED)

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(safe(self.format_message()), file=file, err=file is None)  # it may quote a file's text


class SettingFailure(Failure):
    """The environment or an option asks for what cannot be done here: a usage error, status 2."""

    exit_code = int(ExitCode.USAGE)


class Interrupted(Failure):
    """Ctrl-C: status 130."""

    exit_code = int(ExitCode.INTERRUPTED)


class PseudoalignGroup(click.Group):
    """A click group whose commands may raise the library's errors: each becomes a Failure here,
    and only here. A SettingError (the environment asks for what cannot be done) is a usage
    error, status 2; every other PseudoalignError (ScenarioError, LimitError) says what is wrong
    with the scenario, status 1; Ctrl-C is one line, status 130. Ctrl-C comes to click's own
    handling too, but that prints "Aborted!" with status 1. A closed stdout ends the command
    quietly with status 0, whatever it had found (click's own handling of it gives 1); Ctrl-C
    and an error that stops the command keep theirs. An OSError no command foresaw (stdout on
    a full disk) is one line, status 1.

    ``lazy`` names commands kept in their own module ("module:attribute", relative to this
    package), imported only when that command runs or the commands are listed: ``run`` never
    imports the sweep's modules (sqlite3 among them)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, str] = {}

    def add_lazy(self, name: str, where: str) -> None:
        self.lazy[name] = where

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            import importlib

            module, _sep, attr = self.lazy[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module, __package__), attr), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        with _closed_output_is_ok():
            try:
                try:
                    result = super().invoke(ctx)
                except BaseException as err:
                    # the command's own end (Exit, SystemExit) gives way to the one status of a closed
                    # stdout; Ctrl-C, or an error that stopped the command, keeps its status and message
                    ended = isinstance(err, (click.exceptions.Exit, SystemExit))
                    if not closed_output(err) and _flush_closed() and ended:
                        raise click.exceptions.Exit(int(ExitCode.OK)) from None
                    raise
                with writing("<stdout>", "the output"):  # here, not at exit, where it would print a traceback
                    sys.stdout.flush()
                return result
            except KeyboardInterrupt:
                raise Interrupted("pseudoalign: interrupted") from None
            except SettingError as err:
                raise SettingFailure(f"pseudoalign: {err}") from None
            except PseudoalignError as err:
                raise Failure(str(err)) from None
            except OSError as err:
                if closed_output(err):
                    raise
                # the last resort, for what no command foresaw (stdout on a full disk, mid-report):
                # one line with the system's reason, rather than a traceback
                if err.filename is None and _stdout_error(err):
                    raise cannot_write("<stdout>", err, "the output") from None
                raise Failure(f"{err.filename or 'pseudoalign'}: {err.strerror or err}") from None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        with _closed_output_is_ok():  # --help and --version print here
            return super().parse_args(ctx, args)


# -- a closed standard output -----------------------------------------------------------------

def closed_output(err: BaseException) -> bool:
    """The error of writing to a pipe whose reader has gone."""
    return isinstance(err, OSError) and err.errno == errno.EPIPE


def _stdout_error(err: OSError) -> bool:
    """Whether ``err`` is of the kind writing to stdout gives (no file named, a write's errno)."""
    return err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


def _discard_output() -> None:
    """Send what is left of stdout nowhere, so that nothing fails at exit either; stderr too when
    it is the same pipe (``2>&1 | head``), else it still carries a failure's message."""
    try:
        out = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):
        return  # not a file (a test's captured output)
    fds = [out]
    try:
        err = sys.stderr.fileno()
        a, b = os.fstat(out), os.fstat(err)
        if (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino):
            fds.append(err)
    except (OSError, ValueError, AttributeError):
        pass
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in fds:
            os.dup2(null, fd)
    finally:
        os.close(null)
    try:
        sys.stdout.flush()  # what was left in the buffer goes to /dev/null now
    except (OSError, ValueError):
        pass


def _flush_closed() -> bool:
    """Flush stdout; True, with the rest of its output discarded, when its reader has gone."""
    try:
        sys.stdout.flush()
    except OSError as err:
        if not closed_output(err):
            raise
        _discard_output()
        return True
    return False


@contextlib.contextmanager
def _closed_output_is_ok() -> Iterator[None]:
    try:
        yield
    except OSError as err:
        if not closed_output(err):
            raise
        _discard_output()
        raise click.exceptions.Exit(int(ExitCode.OK)) from None


# -- errors on output paths -------------------------------------------------------------------

_WRITE_HINTS = {
    errno.ENOSPC: "the disk is full: free some space or write elsewhere",
    errno.EDQUOT: "the disk quota is used up: free some space or write elsewhere",
    errno.EFBIG: "the file is larger than this process may write: write elsewhere or raise the limit",
    errno.EROFS: "the file system is read-only: write elsewhere",
    errno.EACCES: "not allowed to write there: choose a folder you can write in",
    errno.EPERM: "not allowed to write there, an immutable or protected file or folder: choose another place",
    errno.ENOENT: "no such folder: create it first, or choose another",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder: give a file's name",
    errno.EEXIST: "a file of that name is in the way",
}


def cannot_write(path: str | os.PathLike, err: OSError, what: str = "", verb: str = "write") -> Failure:
    """An operating-system error on an output path as one line: the path, what failed, a fix."""
    reason = err.strerror or str(err) or type(err).__name__
    hint = _WRITE_HINTS.get(err.errno or 0)
    return Failure(f"{path}: cannot {verb}{' ' + what if what else ''}: {reason}" + (f" ({hint})" if hint else ""))


@contextlib.contextmanager
def writing(path: str | os.PathLike, what: str = "", verb: str = "write") -> Iterator[None]:
    """Around the writing of ``path``: an OSError becomes a one-line Failure naming it (status 1)."""
    try:
        yield
    except OSError as err:
        if closed_output(err):
            raise
        raise cannot_write(path, err, what, verb) from None


def check_folder(path: str | os.PathLike, what: str = "") -> None:
    """Fail now, before any long work, when ``path``'s folder cannot take a new file: it is
    missing, not a folder, read-only, immutable or not ours. A file made and removed there
    (unnamed where the system allows) is the test: permission bits do not tell root's case."""
    import tempfile  # here: a command that writes no file does not import it at start-up

    real = Path(os.path.realpath(path))  # a symbolic link is written through (fileio.write_atomic)
    folder = real.parent
    with writing(path, what):
        if real.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        with tempfile.TemporaryFile(dir=folder):
            pass


def exit_with(failed: bool) -> NoReturn:
    """End the command: status 1 when some part failed (its messages are on stderr), else 0."""
    click.get_current_context().exit(int(ExitCode.FAILED if failed else ExitCode.OK))


# -- options --------------------------------------------------------------------------------

def color_option(help: str = "Colour in the output: auto uses it on a terminal unless NO_COLOR is set.") -> Callable[[F], F]:
    return click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
                        show_default=True, help=help)


max_states_option = click.option(
    "--max-states", type=click.IntRange(1), default=DEFAULT_MAX_STATES, show_default=True,
    help="Refuse an episode whose reachable states exceed this.")


def jobs_option(help: str = "Run episodes in this many processes.") -> Callable[[F], F]:
    return click.option("--jobs", "-j", type=click.IntRange(1), default=1, show_default=True, help=help)


def _plan_settings(ctx: click.Context, param: click.Parameter, value: str) -> PlanSettings:
    """--kernel's value as the engine takes it; numba where it cannot run is refused here,
    before anything plans."""
    try:
        PROCESS_TIER.check(value)
    except SettingError as err:
        raise click.BadParameter(str(err), ctx, param) from None
    return PlanSettings(kernel=value)


kernel_option = click.option(
    "--kernel", "settings", type=click.Choice(KERNELS, case_sensitive=False), default="auto", show_default=True,
    envvar="PSEUDOALIGN_KERNEL", show_envvar=True, callback=_plan_settings,
    help="Which kernel plans (the output is the same with any): numpy's; numba's (the extra pseudoalign[fast]), "
         "compiled, quicker on long plans without event terms but 0.3-0.8 s to load; or auto: numpy's, then "
         "numba's where it is installed, once this process has planned about 0.5 s.")
