"""What the commands of ``pseudoalign`` share: their options, the exit statuses, and the one
place where the library's errors become click exceptions.

Owns: ``--color``, ``--max-states``, ``--jobs`` and ``--kernel`` (whose value is the
PlanSettings the engine plans with); ``ExitCode``; ``PseudoalignGroup``, the click group that
turns a PseudoalignError or a Ctrl-C into a click exception with its status. Click's own main
(standalone mode) then prints it and exits. Imports click, and of the package its errors,
the engine's default state limit and the planner's settings; never rich.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import IO, Any, NoReturn, TypeVar

import click

from pseudoalign.engine import DEFAULT_MAX_STATES
from pseudoalign.errors import PseudoalignError, SettingError
from pseudoalign.plan.kernels import PROCESS_TIER
from pseudoalign.plan.settings import KERNELS, PlanSettings

F = TypeVar("F", bound=Callable[..., Any])


class ExitCode(enum.IntEnum):
    """The statuses of every command (README, "Exit statuses")."""

    OK = 0
    FAILED = 1  # an invalid scenario, a limit exceeded, a failed check, run or sweep point
    USAGE = 2  # click's UsageError: an unknown option, a missing argument, a value of the wrong form
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


EPILOG = "Exit status: 0 success, 1 invalid scenario, failed check or limit exceeded, 2 usage error, 130 interrupted."


# -- errors ---------------------------------------------------------------------------------

class Failure(click.ClickException):
    """A command could not do what was asked: its message as it is (no "Error: "), on stderr."""

    def __init__(self, message: str, exit_code: int = ExitCode.FAILED):
        super().__init__(message)
        self.exit_code = int(exit_code)

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.format_message(), file=file, err=file is None)


class PseudoalignGroup(click.Group):
    """A click group whose commands may raise the library's errors: each becomes a Failure here,
    and only here. A SettingError (the environment asks for what cannot be done) is a usage
    error, status 2; every other PseudoalignError (ScenarioError, LimitError) says what is wrong
    with the scenario, status 1; Ctrl-C is one line, status 130. Ctrl-C comes to click's own
    handling too, but that prints "Aborted!" with status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Failure("pseudoalign: interrupted", ExitCode.INTERRUPTED) from None
        except SettingError as err:
            raise Failure(f"pseudoalign: {err}", ExitCode.USAGE) from None
        except PseudoalignError as err:
            raise Failure(str(err)) from None


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
    help="Which kernel plans (the output is the same with any): numpy's; numba's, compiled, about twice as quick "
         "on large graphs but about 0.6 s to load; or auto: numpy's, then numba's where it can run once this "
         "process has planned about 0.5 s.")
