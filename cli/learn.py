"""``pseudoalign learn``: which objectives training cannot tell apart, and what each would do.

Owns: the command, its rich report (the space, what training kept, the verdicts weighed by the
prior, the simplest survivors, one sentence of conclusion) and its progress bar. rich is imported
only when something is drawn: ``--json`` imports none. Imports pseudoalign (learn, load), cli's
options, console and progress.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from pseudoalign import LimitError, PlanSettings, ScenarioError, load
from pseudoalign.errors import SweepError
from pseudoalign.labels import Label

from .console import console, safe
from .options import EPILOG, ExitCode, color_option, exit_with, jobs_option, kernel_option, max_states_option
from .progress import RunProgress

if TYPE_CHECKING:
    from rich.console import RenderableType

    from pseudoalign.learn import LearnResult

#: what each stage of the search is called on the bar
STAGES = {"train": "every candidate in training", "ladder": "the survivors, whole ladder"}


class LearnProgress(RunProgress):
    """``progress(stage, done, total)`` of ``pseudoalign.learn``: one transient bar per stage, on
    stderr only on a terminal (as ``run``'s), each after its ``DELAY``."""

    def __init__(self, name: str, color: str, **kwargs: Any) -> None:
        super().__init__(name, color, **kwargs)
        self.name = self.description
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:  # type: ignore[override]
        if stage != self.stage:
            self.close()
            self.stage, self.start = stage, None
            self.description = f"{self.name}: {STAGES.get(stage, stage)}"
        super().__call__(done, total)

    def _make_bar(self) -> Any:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from .console import color_off

        err = Console(stderr=True, no_color=color_off(self.color), highlight=False)
        return Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                        TextColumn("tasks"), TimeElapsedColumn(), console=err, transient=True)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def conclusion(r: LearnResult) -> str:
    """One sentence, in plain words, of what the search says."""
    if not r.rows:
        return (f"No objective of the {r.space_size:,} survives training, not even the base: the robot's limits "
                "keep every candidate below the tolerance, so training could not have produced a working robot here.")
    top, mass = max(r.label_mass, key=lambda lm: lm[1])
    robust = r.mass(Label.ROBUST)
    head = (f"Training cannot rule out {r.survivors:,} of {r.space_size:,} objectives; weighed by the prior, "
            f"it most likely produced a {top.value} robot ({_pct(mass)})")
    if robust >= 1 - 1e-9:
        return head + ", and every survivor is robust: this training distribution pins the goal down."
    if robust == 0:
        return head + ", and none of the survivors is robust: no objective training keeps does the job in deployment."
    return (head + f", but {_pct(1 - robust)} of that prior lies on objectives that are not robust: "
            f"expect a deploy base score of {_pct(r.expected_deploy_base_score)}.")


def learn_report(r: LearnResult, title: str = "") -> RenderableType:
    """The rich report of a search: space, survivors and classes, verdicts by prior, the simplest."""
    from rich import box
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    parts: list[RenderableType] = []
    head = Text()
    head.append(f"{safe(title or r.scenario)}\n", style="bold")
    head.append(f"The space: {r.space_size:,} candidate objectives, sums of 1 to {r.max_terms} terms with "
                f"coefficients {', '.join(_num(w) for w in r.weights)}, weighed by a {r.prior} prior, over "
                f"{len(r.features)} features {'derived from what the file places' if r.derived_features else 'of [learn]'}:\n")
    head.append("  " + ", ".join(safe(f) for f in r.features) + "\n")
    head.append(f"Each was given to the robot in place of its learned objective and run on the train distribution; "
                f"it survives when its train base score is at least {_pct(r.tolerance)}.")
    if not r.deploy_takes_candidate:
        head.append("\nThe file's robot drifts to another objective in deployment; it keeps that drift here, so "
                    "the candidates differ in deployment through the counterfactual rung.")
    parts.append(head)
    kept = Text()
    kept.append("\n\nWhat training kept\n", style="bold")
    kept.append(f"  {r.survivors:,} survivors, in {r.classes:,} behaviour class{'es' if r.classes != 1 else ''} "
                "(the same actions in every train episode).\n")
    if r.base_class is None:
        kept.append("  The base objective itself does not survive: the robot's limits keep even it below the tolerance.")
    else:
        n = r.base_class_size - 1
        kept.append(f"  The base objective is in class {r.base_class}: training cannot tell these {n:,} "
                    f"objective{'s' if n != 1 else ''} from the base.")
    parts.append(kept)
    if r.rows:
        bars = Table(box=box.SIMPLE, title="What training most likely produced", title_justify="left",
                     title_style="bold", caption="prior mass among the survivors, renormalised over them",
                     caption_justify="left")
        bars.add_column("label")
        bars.add_column("prior mass", justify="right")
        bars.add_column("", min_width=20)
        bars.add_column("survivors", justify="right")
        counts = dict(r.label_counts)
        for lab, m in sorted(r.label_mass, key=lambda lm: -lm[1]):
            bars.add_row(lab.value, _pct(m), "█" * max(1, round(30 * m)) if m > 0 else "", str(counts[lab]))
        parts.append(bars)
        parts.append(Text(f"Expected deploy base score under the prior: {_pct(r.expected_deploy_base_score)}"))
        table = Table(box=box.SIMPLE, title="\nThe ten simplest survivors", title_justify="left", title_style="bold")
        table.add_column("objective", no_wrap=True)
        for col in ("prior", "train", "deploy"):
            table.add_column(col, justify="right")
        table.add_column("label")
        table.add_column("class", justify="right")
        for row in r.simplest(10):
            mark = {"base": " (base)", "mesa": " (the file's)"}.get(row.origin, "")
            table.add_row(safe(row.objective) + mark, f"{row.prior:.4f}", _pct(row.train_base_score),
                          _pct(row.deploy_base_score), row.label.value, str(row.behaviour_class))
        parts.append(table)
    parts.append(Panel(Text(conclusion(r)), title="In plain words", title_align="left", box=box.ROUNDED))
    return Group(*parts)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


@click.command("learn", epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("source", metavar="FILE_OR_NAME")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object (and nothing else).")
@jobs_option("Run candidates in this many local processes (the output is the same as with 1).")
@click.option("--executor", "executor_spec", default="local", show_default=True, metavar="local|dask://HOST:PORT",
              help="Where candidates run: local processes, or an existing Dask cluster (needs the dask extra).")
@click.option("--db", "db", default=None, metavar="FILE", type=click.Path(dir_okay=False),
              help="A SQLite file that keeps each candidate's result as it is done; the same command again "
                   "reads what it holds and computes the rest (the output is the same).")
@max_states_option
@kernel_option
@color_option("Colour and the progress bar (auto: on a terminal, unless NO_COLOR is set).")
def learn(source: str, as_json: bool, jobs: int, executor_spec: str, db: str | None, max_states: int,
          settings: PlanSettings, color: str) -> None:
    """Why would training produce a robot that wants the wrong thing? Search the objectives
    training cannot tell apart, and see what each would do in deployment.

    Every candidate objective of the space (the file's [learn] table, or features derived
    from what it places: sums of one or two terms with coefficients -1 and 1) is given to the
    robot in place of what it learned, all its other [agent] keys kept, and run on the train
    distribution. Those whose train base score reaches the tolerance survive: training would
    have kept them. Survivors that act the same in every train episode form one behaviour
    class; nothing training observes can tell them apart. Each survivor is then classified by
    the whole ladder, as `pseudoalign run` would classify the file with that objective, and
    the verdicts are weighed by the prior (simpler objectives weigh more).

    \b
    Examples:
      pseudoalign learn crumb-vacuum
      pseudoalign learn crumb-vacuum --json
      pseudoalign learn my-robot.toml --jobs 2
      pseudoalign learn my-robot.toml --db my-robot.learn.sqlite
    """
    from pseudoalign import learn as search
    from pseudoalign.executors import parse_executor
    from pseudoalign.learn import LearnError

    try:
        address = parse_executor(executor_spec)
    except SweepError as err:
        raise click.BadParameter(str(err), param_hint="--executor") from None
    if address is not None and jobs != 1:
        raise click.UsageError("--jobs is for local processes; a Dask cluster runs candidates on its own workers")
    try:
        scn = load(source)
    except ScenarioError as err:
        click.echo(safe(str(err)), err=True)
        exit_with(True)
    try:
        with LearnProgress(source, color) as progress:
            result = search(scn, max_states=max_states, jobs=jobs, settings=settings, progress=progress,
                            executor=None if address is None else executor_spec, db=db)
    except KeyboardInterrupt:
        kept = f": what finished is kept in {db}; run the same command to resume" if db is not None else ""
        click.echo(safe(f"pseudoalign: learn interrupted{kept}"), err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
    except (LimitError, LearnError, SweepError) as err:
        click.echo(safe(str(err)), err=True)
        exit_with(True)
    if as_json:
        sys.stdout.write(result.to_json() + "\n")
        sys.stdout.flush()
        return
    out = console(color)
    out.print(learn_report(result, scn.title))
