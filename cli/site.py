"""``pseudoalign site DIR [NAMES...]``, and ``replay --save FILE.svg|FILE.html``: pictures on disk.

Owns: the site command (runs the robots with progress on stderr, writes the pages through
pseudoalign.pictures.write_site) and ``save_replay`` (the replay command's --save,
--compare and --phase both). The drawing is pseudoalign.pictures'; here are the options,
the checks of the paths before any long work, and the messages. Imports click, options,
progress and the library.
"""

from __future__ import annotations

from pathlib import Path

import click

from pseudoalign import PlanSettings, Scenario, bundled_names, load

from .options import EPILOG, check_folder, color_option, kernel_option, max_states_option, writing
from .progress import RunProgress

SAVE_KINDS = (".svg", ".html")


def save_replay(scenario: str, phase: str, episode: int, policy: str, save: str | None, compare: str | None,
                max_states: int, settings: PlanSettings) -> None:
    """The replay command with --save: the episode(s) drawn into FILE.svg or FILE.html."""
    from pseudoalign.engine import trace
    from pseudoalign.fileio import write_atomic
    from pseudoalign.pictures import phases_svg, replay_html

    if save is None:
        raise click.UsageError("--compare and --phase both draw a picture: add --save FILE.svg or --save FILE.html")
    suffix = Path(save).suffix.lower()
    if suffix not in SAVE_KINDS:
        raise click.BadParameter(f"'{save}' must end in .svg (a picture) or .html (a page that plays it)",
                                 param_hint="--save")
    if not Path(save).resolve().parent.is_dir():
        raise click.BadParameter(f"no folder '{Path(save).parent}' to write into: create it first",
                                 param_hint="--save")
    check_folder(save, "the replay")  # now, not after the planning
    scn = load(scenario)
    phases = ("train", "deploy") if phase == "both" else (phase,)
    for p in phases:
        dist = scn.train if p == "train" else scn.deploy
        if episode > dist.episodes:
            raise click.BadParameter(f"{p} has {dist.episodes} episodes", param_hint="--episode")
    policies = (policy,) + ((compare,) if compare is not None and compare != policy else ())
    traces = [trace(scn, p, episode, pol, max_states=max_states, settings=settings)
              for p in phases for pol in policies]
    title = f"{scn.name}: " + ", ".join(f"{p} episode {episode}" for p in phases)
    if suffix == ".svg":
        text = phases_svg(traces, title, columns=len(policies) if len(phases) > 1 and len(policies) > 1 else None)
    else:
        text = replay_html(traces, title, columns=len(policies))
    with writing(save, "the replay"):
        write_atomic(save, text)
    click.echo(f"wrote {save}", err=True)


@click.command("site", epilog=EPILOG)
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False))
@click.argument("names", nargs=-1, metavar="[FILE_OR_NAME...]")
@max_states_option
@kernel_option
@color_option()
def site_command(folder: str, names: tuple[str, ...], max_states: int, settings: PlanSettings, color: str) -> None:
    """Write a static site for a class into DIR: an index and a page per robot.

    Each page shows the household, asks the class to predict the kind of alignment first,
    then reveals the verdict, the story, the checklist, the evidence and an animated replay
    (the robot beside the base optimum, train and deploy). It works from the file system,
    without a network: open DIR/index.html in a browser. Without names, every bundled robot.

    \b
    Examples:
      pseudoalign site class
      pseudoalign site class table-wiper crumb-vacuum my-robot.toml
    """
    from pseudoalign.pictures import build_site, write_site

    chosen = names or tuple(bundled_names())
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise click.BadParameter(f"'{folder}' is a file, not a folder", param_hint="DIR")
    if not out.resolve().parent.is_dir():
        raise click.BadParameter(f"no folder '{out.parent}' to make '{out.name}' in: create it first",
                                 param_hint="DIR")
    with writing(out, "the site's folder", "make"):
        out.mkdir(exist_ok=True)
    check_folder(out / "index.html", "the site")
    scenarios: list[Scenario] = [load(n) for n in chosen]
    bars: list[RunProgress] = []

    def progress(scn: Scenario, i: int, n: int) -> RunProgress:
        for b in bars:
            b.close()
        click.echo(f"site: running {scn.name} ({i} of {n})", err=True)
        bar = RunProgress(scn.name, color)
        bars.append(bar)
        return bar

    try:
        files = build_site(scenarios, max_states=max_states, settings=settings, progress=progress)
    finally:
        for b in bars:
            b.close()
    with writing(out, "the site"):
        write_site(out, files)
    click.echo(f"wrote {len(files)} pages into {folder}: open {out / 'index.html'} in a browser", err=True)
