"""The ``pseudoalign`` command: a thin click group, one function per command.

Owns: options, exit statuses, where output goes. Domain errors become messages here only.
"""

from __future__ import annotations

import json
import sys

import click

from pseudoalign import LimitError, PseudoalignError, ScenarioError, __version__, bundled_names, load
from pseudoalign.engine import DEFAULT_MAX_STATES
from pseudoalign.engine import run as run_scenario

from .text import plain_report

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pseudoalign")
def cli():
    """Run household scenarios in which a learned optimiser (the robot) looks aligned in
    training and still wants the wrong thing, and say which kind of alignment a run shows.

    \b
    Exit status: 0 success, 1 invalid scenario (or a limit exceeded), 2 usage error.
    """


def _fail(err: PseudoalignError) -> None:
    click.echo(str(err), err=True)
    sys.exit(EXIT_INVALID)


@cli.command()
@click.argument("scenarios", nargs=-1, metavar="FILE_OR_NAME...")
@click.option("--bundled", is_flag=True, help="Run every bundled scenario (after any named ones).")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report (one object per file, an array for several).")
@click.option("--max-states", type=click.IntRange(1), default=DEFAULT_MAX_STATES, show_default=True,
              help="Refuse an episode whose reachable states exceed this.")
@click.option("--jobs", "-j", type=click.IntRange(1), default=1, show_default=True,
              help="Run episodes in this many processes (same output as 1).")
def run(scenarios, bundled, as_json, max_states, jobs):
    """Run scenarios and classify each run.

    FILE_OR_NAME is a scenario file, or the name of a bundled scenario
    (see the scenarios/ folder): table-wiper, crumb-vacuum, cookie-eliminator,
    stain-sensor, faithful.

    \b
    Examples:
      pseudoalign run table-wiper
      pseudoalign run --bundled
      pseudoalign run my-robot.toml --json
    """
    scenarios = tuple(scenarios) + (tuple(bundled_names()) if bundled else ())
    if not scenarios:
        raise click.UsageError("name at least one scenario file or bundled name, or pass --bundled")
    reports = []
    failed = False
    for name in scenarios:
        try:
            scn = load(name)
            report = run_scenario(scn, max_states=max_states, jobs=jobs)
        except (ScenarioError, LimitError) as err:
            click.echo(str(err), err=True)
            failed = True
            continue
        reports.append(report)
        if not as_json:
            click.echo(plain_report(report))
    if as_json and reports:
        data = [r.to_dict() for r in reports]
        click.echo(json.dumps(data[0] if len(scenarios) == 1 else data, indent=2, ensure_ascii=False))
    sys.exit(EXIT_INVALID if failed else EXIT_OK)


def main():
    try:
        cli.main(prog_name="pseudoalign", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("pseudoalign: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
