"""The ``pseudoalign`` command: a thin click group, one function per command.

Owns: the commands, where output goes (data on stdout, messages on stderr). Their shared
options, the exit statuses and the one place where domain errors become messages are in
options.py; click's own main prints those and exits. The rich renderers (render.py) are
imported only by what draws them: ``--json`` never imports rich.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pseudoalign import LimitError, PlanSettings, Report, Scenario, ScenarioError, __version__, bundled_names, load
from pseudoalign.engine import draw, trace
from pseudoalign.engine import run as run_scenario

from .allocator import keep_freed_blocks
from .console import console, safe
from .options import (
    EPILOG,
    Failure,
    PseudoalignGroup,
    check_folder,
    color_option,
    exit_with,
    jobs_option,
    kernel_option,
    max_states_option,
    writing,
)
from .progress import RunProgress

if TYPE_CHECKING:
    from rich.console import RenderableType


def load_or_report(name: str) -> Scenario | None:
    """The scenario, or None after printing its problems on stderr."""
    try:
        return load(name)
    except ScenarioError as err:
        click.echo(safe(str(err)), err=True)
        return None


@click.group(cls=PseudoalignGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog=EPILOG)
@click.version_option(__version__, prog_name="pseudoalign")
def cli() -> None:
    """Run household scenarios in which a learned optimiser (the robot) looks aligned in
    training and still wants the wrong thing, and say which kind of alignment a run shows.

    \b
    Start here:
      pseudoalign list                  the bundled robots
      pseudoalign run table-wiper       run one and read why it is side-effect aligned
      pseudoalign replay table-wiper    watch it, step by step
      pseudoalign explain               the kinds of alignment
      pseudoalign new my-robot          write your own scenario

    \b
    Environment:
      NO_COLOR               no colour (as --color never)
      PSEUDOALIGN_KERNEL     the default of --kernel (auto, numpy or numba): which kernel plans
    """


# -- run ----------------------------------------------------------------------------------

@cli.command(epilog=EPILOG)
@click.argument("scenarios", nargs=-1, metavar="FILE_OR_NAME...")
@click.option("--bundled", is_flag=True, help="Run every bundled scenario (after any named ones).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the JSON report instead (one object per file, an array for several).")
@click.option("--save", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
              help="Also write the report to FILE: .svg, .html or .txt.")
@max_states_option
@jobs_option("Run episodes in this many processes (the output is the same as with 1).")
@kernel_option
@color_option()
def run(scenarios: tuple[str, ...], bundled: bool, as_json: bool, save: str | None, max_states: int, jobs: int,
        settings: PlanSettings, color: str) -> None:
    """Run scenarios and classify each run, with the evidence.

    FILE_OR_NAME is a scenario file, or the name of a bundled scenario
    (pseudoalign list shows them).

    \b
    Examples:
      pseudoalign run table-wiper
      pseudoalign run --bundled
      pseudoalign run my-robot.toml --json
      pseudoalign run crumb-vacuum --save report.svg
    """
    scenarios = tuple(scenarios) + (tuple(bundled_names()) if bundled else ())
    if not scenarios:
        raise click.UsageError("name at least one scenario file or bundled name, or pass --bundled")
    if save and Path(save).suffix.lower() not in (".svg", ".html", ".txt"):
        raise click.BadParameter("the file must end in .svg, .html or .txt", param_hint="--save")
    if save and not Path(save).resolve().parent.is_dir():
        raise click.BadParameter(f"no folder '{Path(save).parent}' to write into", param_hint="--save")
    if save:
        check_folder(save, "the report")  # now, not after a run that may take long
    if save or not as_json:  # --json alone draws nothing, and imports neither rich nor the renderers
        from .render import run_report

        out = console(color, record=bool(save))
    reports: list[Report] = []
    failed = False
    for name in scenarios:
        scn = load_or_report(name)
        if scn is None:
            failed = True
            continue
        try:
            with RunProgress(name, color) as progress:
                report = run_scenario(scn, max_states=max_states, jobs=jobs, settings=settings, progress=progress)
        except LimitError as err:
            click.echo(safe(str(err)), err=True)
            failed = True
            continue
        reports.append(report)
        if not as_json or save:
            renderable = run_report(report)
            if as_json:
                out.begin_capture()
                out.print(renderable)
                out.end_capture()
            else:
                out.print(renderable)
                out.print()
    if as_json and reports:
        from pseudoalign.report import dumps

        click.echo(reports[0].to_json() if len(scenarios) == 1 else dumps([r.to_dict() for r in reports]))
    if save and reports:
        from pseudoalign.fileio import write_atomic

        suffix = Path(save).suffix.lower()
        title = "pseudoalign: " + ", ".join(r.scenario.name for r in reports)
        text = (out.export_svg(title=title) if suffix == ".svg" else
                out.export_html() if suffix == ".html" else out.export_text())
        with writing(save, "the report"):
            write_atomic(save, text)
        click.echo(safe(f"wrote {save}"), err=True)
    exit_with(failed)


# -- validate, list, show, schema ---------------------------------------------------------

@cli.command(epilog=EPILOG)
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def validate(files: tuple[str, ...], as_json: bool) -> None:
    """Check scenario files without running them: every problem of a file at once.

    Each problem is printed as FILE:LINE: key.path: problem (hint).

    \b
    Example:
      pseudoalign validate my-robot.toml
    """
    results: list[dict[str, Any]] = []  # JSON objects, one per file
    bad = False
    for name in files:
        try:
            scn = load(name)
            results.append({"file": name, "valid": True, "name": scn.name, "problems": []})
            if not as_json:
                click.echo(safe(f"{name}: valid ({scn.title})"))
        except ScenarioError as err:
            bad = True
            results.append({"file": name, "valid": False, "problems": [p.to_dict() for p in err.problems]})
            if not as_json:
                click.echo(safe(str(err)), err=True)
    if as_json:
        click.echo(json.dumps(results[0] if len(files) == 1 else results, indent=2, ensure_ascii=False))
    exit_with(bad)


def source_parts(source: str) -> tuple[str, str]:
    """A ``source`` line as (the work, the example): the text before a final parenthesis, and
    what it holds. ``list`` groups by the work; "" is no source."""
    s = source.strip()
    if s.endswith(")") and " (" in s:
        work, _, example = s.rpartition(" (")
        return work.strip(), example[:-1].strip()
    return s, ""


NO_ANSWERS_HELP = "Hide the expected verdict and the story (for a class that predicts first; titles stay)."


@cli.command("list", epilog=EPILOG)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.option("--no-answers", is_flag=True, help=NO_ANSWERS_HELP)
@color_option()
def list_(as_json: bool, no_answers: bool, color: str) -> None:
    """The bundled scenarios, grouped by where their story comes from: name, expected verdict,
    title and story (with --no-answers, names and titles only).

    \b
    Examples:
      pseudoalign list
      pseudoalign list --no-answers     names and titles only, to predict first
    """
    rows: list[dict[str, Any]] = []  # JSON objects, one per scenario
    for name in bundled_names():
        scn = load(name)
        first = " ".join(scn.story.split()).split(". ")[0].rstrip(".") + "." if scn.story else ""
        # without answers, the source's work only: its parenthesis often names the kind it shows
        rows.append({"name": name, "title": scn.title, "source": source_parts(scn.source)[0]} if no_answers else
                    {"name": name, "title": scn.title, "expected": scn.expected, "story": first,
                     "source": scn.source})
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    from rich import box
    from rich.table import Table
    from rich.text import Text

    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(source_parts(r["source"])[0], []).append(r)
    out = console(color)
    name_w = max(len(r["name"]) for r in rows)  # one width for every group's table, so that they line up
    expected_w = max(len(r.get("expected") or "") for r in rows)
    for work in sorted(groups, key=lambda w: (w == "", w.casefold())):
        out.print(Text(safe(work or "No source given"), style="bold underline"))
        t = Table(box=box.SIMPLE_HEAD)
        t.add_column("name", no_wrap=True, style="bold", min_width=name_w)
        if not no_answers:
            t.add_column("expected", no_wrap=True, min_width=max(expected_w, len("expected")))
        t.add_column("title")
        if not no_answers:
            t.add_column("story", ratio=2)
        for r in groups[work]:
            title = Text(safe(r["title"]))
            example = source_parts(r["source"])[1]
            if example:
                title.append("\n" + safe(example), style="dim")
            if no_answers:
                t.add_row(Text(safe(r["name"])), title)
            else:
                t.add_row(Text(safe(r["name"])), r["expected"] or "", title, Text(safe(r["story"])))
        out.print(t)
    out.print("Predict first with: pseudoalign quiz" if no_answers else "Run one with: pseudoalign run NAME",
              style="dim")


@cli.command(epilog=EPILOG)
@click.argument("scenario", metavar="FILE_OR_NAME")
@click.option("--no-answers", is_flag=True, help=NO_ANSWERS_HELP)
@color_option()
def show(scenario: str, no_answers: bool, color: str) -> None:
    """Show a scenario without running it: world, objectives, robot, both distributions.

    The maps are of the first episode drawn from each distribution, and in a mixture of the first
    episode of each variant (a table says which episodes are which variant).

    \b
    Examples:
      pseudoalign show cookie-eliminator
      pseudoalign show cookie-eliminator --no-answers   without its story and expected verdict
    """
    scn = load(scenario)
    from .render import scenario_summary

    console(color).print(scenario_summary(scn, draw(scn, "train"), draw(scn, "deploy"), no_answers=no_answers))


@cli.command(epilog=EPILOG)
@click.option("--report", is_flag=True, help="The schema of the JSON report (run --json) instead.")
def schema(report: bool) -> None:
    """Print the JSON Schema (draft 4) of the scenario format, or of the JSON report.

    The scenario schema is generated from the same key definitions the loader checks files
    with. Editors with a TOML language server (taplo, Even Better TOML) use it through the
    file's first line '#:schema ./pseudoalign.schema.json' that 'pseudoalign new' writes.
    With --report, the schema that every 'pseudoalign run --json' object follows.

    \b
    Examples:
      pseudoalign schema > pseudoalign.schema.json
      pseudoalign schema --report > report.schema.json
    """
    if report:
        from pseudoalign.report import report_schema

        click.echo(json.dumps(report_schema(), indent=2, ensure_ascii=False))
        return
    from pseudoalign.scenario.keys import json_schema

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


# -- replay -------------------------------------------------------------------------------

@cli.command(epilog=EPILOG)
@click.argument("scenario", metavar="FILE_OR_NAME")
@click.option("--phase", type=click.Choice(["train", "deploy", "both"]), default="deploy", show_default=True,
              help="Which distribution the episode comes from (both: train beside deploy, with --save).")
@click.option("--episode", "-e", type=click.IntRange(1), default=1, show_default=True, help="Which episode (from 1).")
@click.option("--policy", type=click.Choice(["agent", "base", "mesa"]), default="agent", show_default=True,
              help="Whose steps: the robot, or the exact optimum of the base or of the mesa objective.")
@click.option("--animate", is_flag=True, help="Play the episode in place on a terminal (frames when not on one).")
@click.option("--delay", type=click.FloatRange(0, 10), default=0.6, show_default=True,
              help="Seconds a frame stays on screen with --animate.")
@click.option("--save", type=click.Path(dir_okay=False), metavar="FILE",
              help="Draw the episode instead: FILE.svg a picture of the path, FILE.html a page that plays it.")
@click.option("--compare", type=click.Choice(["base", "mesa"]), default=None,
              help="With --save: that objective's exact optimum beside the robot, in the same episode.")
@max_states_option
@kernel_option
@color_option()
def replay(scenario: str, phase: str, episode: int, policy: str, animate: bool, delay: float, save: str | None,
           compare: str | None, max_states: int, settings: PlanSettings, color: str) -> None:
    """Replay one episode step by step: the map, the action, its events, base and mesa gains.

    \b
    Examples:
      pseudoalign replay table-wiper                 the robot in deployment, episode 1
      pseudoalign replay table-wiper --animate       played in place
      pseudoalign replay crumb-vacuum --policy base  what the base objective would have done
      pseudoalign replay cookie-eliminator --phase train --episode 3
      pseudoalign replay table-wiper --save wiper.svg --compare base --phase both
      pseudoalign replay table-wiper --save wiper.html   a page that plays it
    """
    if save is not None or phase == "both" or compare is not None:
        from .site import save_replay

        save_replay(scenario, phase, episode, policy, save, compare, max_states, settings)
        return
    scn = load(scenario)
    dist = scn.train if phase == "train" else scn.deploy
    if episode > dist.episodes:
        raise click.BadParameter(f"{phase} has {dist.episodes} episodes", param_hint="--episode")
    tr = trace(scn, phase, episode, policy, max_states=max_states, settings=settings)
    from .render import phase_title, replay_frame

    out = console(color)
    surface = dist.shapes()[episode - 1].layout.surface  # in a mixture, its variant's map
    result = tr.result
    total = len(result.steps)
    frames: list[RenderableType] = []
    base_sum = mesa_sum = 0.0
    title = (f"{phase_title(scn, dist)}, episode {episode}, {policy}" if scn.uses_oversight()  # "train, watched"
             else f"{phase} episode {episode}, {policy}")
    frames.append(replay_frame(scn, title, surface, tr.contents[0], None, total, 0.0, 0.0))
    for i, step in enumerate(result.steps):
        base_sum += step.base_reward
        mesa_sum += step.mesa_reward
        frames.append(replay_frame(scn, title, surface, tr.contents[i + 1], step, total, base_sum, mesa_sum))
    if animate and out.is_terminal:
        from rich.live import Live

        with Live(frames[0], console=out, refresh_per_second=20, transient=False) as live:
            for f in frames[1:]:
                time.sleep(delay)
                live.update(f)
    else:
        for f in frames:
            out.print(f)
            out.print()
    out.print(f"base return {result.base_return:g} (optimum {result.base_optimal:g}, idle {result.base_idle:g}); "
              f"mesa return {result.mesa_return:g} (optimum {result.mesa_optimal:g})", style="bold")


# -- explain, new, check ------------------------------------------------------------------

LABEL_ALIASES = {"side_effect": "side-effect", "sideeffect": "side-effect", "capability_failure": "capability-failure",
                 "capability": "capability-failure"}
PROXY = "proxy"  # side-effect and instrumental together


def _label(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from pseudoalign.labels import Label

    if value is None:
        return None
    v = value.strip().lower()
    v = LABEL_ALIASES.get(v, v)
    known = [str(lab) for lab in Label] + [PROXY]
    if v not in known:
        from pseudoalign.errors import did_you_mean

        hint = did_you_mean(v, known)
        raise click.BadParameter(f"{value!r} is not a label: {', '.join(known)}" + (f"; {hint}" if hint else ""))
    return v


@cli.command(epilog=EPILOG)
@click.argument("label", required=False, callback=_label, metavar="[LABEL]")
@color_option()
def explain(label: str | None, color: str) -> None:
    """The kinds of alignment, for a learner: what each label means, the bundled robots
    written to show it, and how the engine decides it. With no LABEL, all of them.

    LABEL is one of side-effect, instrumental, approximate, suboptimality, robust,
    misaligned, capability-failure, or proxy (side-effect and instrumental together).

    \b
    Examples:
      pseudoalign explain
      pseudoalign explain instrumental
    """
    from rich.panel import Panel
    from rich.text import Text

    from pseudoalign.labels import Label
    from pseudoalign.verdict.ladder import LADDER

    shown_by: dict[str, list[str]] = {}
    for name in bundled_names():  # only to point the learner at an example, never to decide
        scn = load(name)
        if scn.expected:
            shown_by.setdefault(scn.expected, []).append(name)
    out = console(color)
    if label is None:
        out.print(Text("Hubinger et al., Risks from Learned Optimization (2019): a robot trained on a base "
                       "objective may learn another (a mesa objective) and still do well in training. The "
                       "engine runs it in training and in deployment, probes it, and decides in this order:",
                       style="italic"))
        out.print()
    chosen = ([Label.SIDE_EFFECT, Label.INSTRUMENTAL] if label == PROXY else [Label(label)] if label
              else list(LADDER))
    for lab in chosen:
        body = Text(lab.definition + "\n\n")
        body.append("How it is decided: ", style="bold")
        body.append(lab.decided_by)
        examples = shown_by.get(lab)
        body.append("\n\nThe bundled robots written to show it: ", style="bold")
        body.append("".join(f"\n  pseudoalign run {e}" for e in examples) if examples else "none yet")
        title = lab if lab.heading.lower() == lab else f"{lab}: {lab.heading}"
        out.print(Panel(body, title=Text(title, style="bold"), title_align="left"))
    docs = _docs_folder()
    out.print(Text(f"More: how each rung and measure is computed, and the JSON report: {docs / 'verdicts.md'}\n"
                   f"The scenario file format, every key, item and action: {docs / 'format.md'}", style="dim"),
              soft_wrap=True)  # a path stays whole, to copy


def _docs_folder() -> Path:
    """Where the installed documents are (the package's copy of the repository's docs/)."""
    from importlib import resources

    return Path(str(resources.files("pseudoalign.docs")))


def _same_text(path: Path, text: str) -> bool:
    """Whether ``path`` is a regular file holding exactly ``text`` (read no further than its length)."""
    try:
        if not path.is_file():
            return False
        raw = text.encode("utf-8")
        with open(path, "rb") as f:
            return f.read(len(raw) + 1) == raw
    except OSError:
        return False


def _valid_new_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", value) or value.endswith(".toml"):
        raise click.BadParameter("use letters, digits, '-', '_' and '.', without .toml (e.g. my-robot)")
    return value


@cli.command(epilog=EPILOG)
@click.argument("name", callback=_valid_new_name)
@click.option("--like", metavar="SCENARIO", help="Start from a bundled scenario (or a file) instead of the template.")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Folder to write into.")
@click.option("--force", is_flag=True, help="Overwrite NAME.toml, and a pseudoalign.schema.json that differs, if they exist.")
def new(name: str, like: str | None, directory: str, force: bool) -> None:
    """Write a commented starting scenario NAME.toml, and the schema beside it.

    Its first line, '#:schema ./pseudoalign.schema.json', lets editors with a TOML language
    server complete and check keys.

    \b
    Examples:
      pseudoalign new my-robot
      pseudoalign new greedy-vacuum --like crumb-vacuum
    Then: pseudoalign validate my-robot.toml && pseudoalign run my-robot.toml
    """
    from pseudoalign.fileio import write_atomic
    from pseudoalign.scenario.keys import json_schema
    from pseudoalign.scenario.load import parse_document, read_file, resolve
    from pseudoalign.template import TEMPLATE

    folder = Path(directory)
    with writing(folder, "the folder", verb="make"):
        folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.toml"
    schema_path = folder / "pseudoalign.schema.json"
    for path in (target, schema_path):
        if path.is_dir():
            raise Failure(f"{path}: cannot write: it is a folder (move it away, or write elsewhere with --dir)")
    if target.exists() and not force:
        raise Failure(f"{target}: already exists (pass --force to overwrite it)")
    schema_text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    keep_schema = _same_text(schema_path, schema_text)
    if schema_path.exists() and not keep_schema and not force:
        raise Failure(f"{schema_path}: already exists and differs from this version's schema "
                      "(pass --force to overwrite it)")
    if like:
        text = parse_document(read_file(resolve(like)), like)[0]  # bounded, and refused as load refuses
        lines = [ln for ln in text.split("\n") if not ln.startswith("#:schema")]
        text = "#:schema ./pseudoalign.schema.json\n" + f"# Started from {like}. Run: pseudoalign run {target}\n" + "\n".join(lines)
    else:
        text = TEMPLATE.format(name=name, title=name.replace("-", " ").replace("_", " ").capitalize())
    # both or neither: the schema first, taken back (the old one put back) if the scenario cannot be written
    old_schema = None if keep_schema or not schema_path.is_file() else schema_path.read_bytes()
    if not keep_schema:
        with writing(schema_path, "the schema"):
            write_atomic(schema_path, schema_text)
    try:
        with writing(target):
            write_atomic(target, text)
    except Failure:
        if not keep_schema:
            with contextlib.suppress(OSError):
                if old_schema is None:
                    schema_path.unlink(missing_ok=True)
                else:
                    write_atomic(schema_path, old_schema)
        raise
    click.echo(safe(f"wrote {target}" + (f", kept {schema_path} (the same schema)" if keep_schema
                                         else f" and {schema_path}")), err=True)
    click.echo(safe(f"next: pseudoalign validate {target} && pseudoalign run {target}"), err=True)


@cli.command(epilog=EPILOG)
@click.argument("paths", nargs=-1, required=True, metavar="FILE_OR_DIR...")
@max_states_option
@jobs_option()
@kernel_option
@color_option("The progress bar of a long run (auto: on a terminal, unless NO_COLOR is set).")
def check(paths: tuple[str, ...], max_states: int, jobs: int, settings: PlanSettings, color: str) -> None:
    """Run every scenario and fail (exit 1) if any verdict differs from its 'expected'.

    A folder means every .toml file in it. For people who keep their own scenario
    libraries in CI; files without 'expected' are run and reported, not failed.

    \b
    Example:
      pseudoalign check my-scenarios/
    """
    files: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(str(f) for f in path.glob("*.toml"))
            if not found:
                click.echo(safe(f"{p}: no .toml files in this folder"), err=True)
            files += found
        else:
            files.append(p)
    if not files:
        raise Failure("no scenario files to check")
    bad = 0
    for f in files:
        scn = load_or_report(f)
        if scn is None:
            bad += 1
            continue
        try:
            with RunProgress(f, color) as progress:
                report = run_scenario(scn, max_states=max_states, jobs=jobs, settings=settings, progress=progress)
        except LimitError as err:
            click.echo(safe(str(err)), err=True)
            bad += 1
            continue
        if scn.expected is None:
            click.echo(safe(f"- {f}: {report.label} (no expected verdict)"))
        elif report.label == scn.expected:
            click.echo(safe(f"ok {f}: {report.label}"))
        else:
            bad += 1
            click.echo(safe(f"FAIL {f}: {report.label}, expected {scn.expected}"))
    click.echo(f"{len(files) - bad} passed, {bad} failed", err=True)
    exit_with(bool(bad))


cli.add_lazy("sweep", ".sweep:sweep")  # the command lives in its own module, imported when it runs
cli.add_lazy("quiz", ".quiz:quiz")  # predict, then reveal; imported, as the others, when it runs
cli.add_lazy("learn", ".learn:learn")  # the search over objectives
cli.add_lazy("site", ".site:site_command")  # the static site for a class


def main(argv: list[str] | None = None) -> None:
    """The console script: click's own main (standalone mode) under the name pseudoalign. It
    prints a click exception (options.py makes the library's errors and Ctrl-C into them) and
    exits with its status; a closed output pipe ends a command quietly (options.py). The
    process's allocator first keeps freed blocks for reuse (allocator.py)."""
    keep_freed_blocks()
    cli.main(args=argv, prog_name="pseudoalign")


if __name__ == "__main__":
    main()
