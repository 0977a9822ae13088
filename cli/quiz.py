"""``pseudoalign quiz``: predict, then reveal, at the terminal (a class's round of robots).

Owns: the quiz command, the page a robot is shown on before its answer (no title, story,
name, file name or expected verdict: "Robot 1", "Robot 2"...), reading a label from the
user (a label, an unambiguous prefix of one, or its number in the printed list), the
reveal (the run's verdict, the rung-by-rung checklist, the evidence and the replay of the
deploy episode that shows the verdict best) and the score over the round.

The verdict is the engine's, by measurement (``pseudoalign.engine.run``, as ``run`` does):
the user's answer is marked against it, never against the file's ``expected``. Imports
click, the package's engine, labels and report, and (only when the command runs) rich and
the renderers of render.py, whose verdict, checklist and evidence it shows as they are.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import click
from attrs import frozen

from pseudoalign import LimitError, PlanSettings, Report, Scenario, bundled_names
from pseudoalign.engine import run as run_scenario
from pseudoalign.engine import trace
from pseudoalign.labels import Label

from .console import console, safe
from .options import EPILOG, Failure, Interrupted, color_option, jobs_option, kernel_option, max_states_option
from .progress import RunProgress

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from pseudoalign.records import EpisodeResult

CHOICES: tuple[Label, ...] = tuple(Label)  # the numbered list, in the taxonomy's order (never the answer's)


class EndOfInput(Exception):
    """The user's input ended (EOF) before the round did."""


# -- reading an answer ------------------------------------------------------------------------

def parse_label(text: str, choices: Sequence[Label] = CHOICES) -> Label | str:
    """The label ``text`` names, or a message saying why it names none.

    ``text`` may be a label (``side-effect``; ``_`` or a space for ``-``, any case), an
    unambiguous prefix of one (``inst``), or its number in ``choices`` (from 1)."""
    v = "-".join(text.strip().lower().replace("_", " ").replace("-", " ").split())
    if not v:
        return "type a label, the first letters of one, or its number"
    if v.isdigit():
        n = int(v)
        if 1 <= n <= len(choices):
            return choices[n - 1]
        return f"{v} is not in the list: a number from 1 to {len(choices)}"
    exact = [lab for lab in choices if lab.value == v]
    if exact:
        return exact[0]
    starting = [lab for lab in choices if lab.value.startswith(v)]
    if len(starting) == 1:
        return starting[0]
    if starting:
        return f"{text.strip()!r} could be {' or '.join(lab.value for lab in starting)}: type more of it"
    return f"{text.strip()!r} is not a label: a number from 1 to {len(choices)}, or a label's first letters"


def _read(prompt: str) -> str:
    """One line from the user after ``prompt`` (stdout); EOF raises EndOfInput."""
    click.echo(prompt, nl=False)
    try:
        line = input()
    except EOFError:
        click.echo()
        raise EndOfInput from None
    return line


def ask_label(out: Console, number: int) -> Label:
    """Ask until the answer names a label."""
    while True:
        got = parse_label(_read(f"Robot {number}: which label? "))
        if isinstance(got, Label):
            return got
        out.print(safe(got), style="yellow")


# -- choosing the episode to replay -----------------------------------------------------------

@frozen
class Shown:
    """The deploy episode a reveal replays, and the measured rule that chose it, in words."""

    episode: int  # 1-based
    why: str


def episode_to_show(report: Report) -> Shown:
    """Of the deploy episodes whose own verdict is the run's (all, when none is), the one with
    the largest base regret (the base optimum less the robot's base return): where the verdict
    costs the base most. Ties go to the one with most at stake (the optimum less idling), then
    to the first."""
    verdict = report.verdict
    agreeing = {e.episode for e in verdict.episodes if e.label == verdict.label}
    eps: list[EpisodeResult] = [e for e in report.deploy.episodes if e.index in agreeing] or list(report.deploy.episodes)

    def key(e: EpisodeResult) -> tuple[float, float, int]:
        return (-(e.base_optimal - e.base_return), -(e.base_optimal - e.base_idle), e.index)

    best = min(eps, key=key)
    regret = best.base_optimal - best.base_return
    among = "of those whose own verdict is " + verdict.label.value if agreeing else "of all (none has the run's verdict alone)"
    return Shown(best.index, f"deploy episode {best.index}: the largest base regret {among} "
                             f"(optimum {best.base_optimal:g}, robot {best.base_return:g}, regret {regret:g})")


# -- the page and the reveal ------------------------------------------------------------------

def page(report: Report, number: int, total: int) -> RenderableType:
    """What the class sees before answering: the world and the robot, nothing that names its kind
    (no title, story, name, file name or expected verdict)."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from .render import agent_table, distributions_table, mixture_lines, mixture_table, phase_maps

    scn = report.scenario
    objectives = Table.grid(padding=(0, 2))
    objectives.add_column(style="bold")
    objectives.add_column()
    for role, name in (("base objective", "base"), ("the robot's objective", scn.agent.objective)):
        o = scn.objectives[name]
        objectives.add_row(role, Text(safe(o.text + (f"  — {o.description}" if o.description else ""))))
    if scn.deploy.agent.objective != scn.agent.objective:
        o = scn.objectives[scn.deploy.agent.objective]
        objectives.add_row("in deployment", Text(safe(f"its objective is {o.text}"
                                                       + (f"  — {o.description}" if o.description else ""))))
    parts: list[RenderableType] = [objectives, agent_table(scn.train.agent, "The robot (training)")]
    if scn.deploy.agent != scn.train.agent:
        parts.append(agent_table(scn.deploy.agent, "The robot (deployment)"))
    parts.append(distributions_table(scn))
    mixtures = mixture_table(scn)
    if mixtures is not None:  # a mixture's variants: which episodes are which (the table "below")
        parts += [mixture_lines(scn), mixtures]
    parts += [phase_maps(scn, [e.start for e in report.train.episodes], [e.start for e in report.deploy.episodes]),
              Text(""),
              Text(f"In training it scored {report.train.base_score:.2f} on the base objective and "
                   f"{report.train.mesa_competence:.2f} on its own (1 the optimum, 0 no better than idling).",
                   style="bold")]
    return Panel(Group(*parts), title=Text(f"Robot {number} of {total}", style="bold"), title_align="left")


def choices_text() -> RenderableType:
    """The numbered labels to choose from, in the taxonomy's order, the same for every robot."""
    from rich.console import Group
    from rich.text import Text

    from .render import Legend

    entries = [f"{i} {lab.value}" for i, lab in enumerate(CHOICES, start=1)]
    entries[0] = "Labels: " + entries[0]
    return Group(Legend(entries, style=""),  # wrapped between labels, never inside one
                 Text("(a number, a label, or its first letters; pseudoalign explain says what each means)",
                      style="dim"))


def reveal(report: Report, number: int, answer: Label | None, reason: str, settings: PlanSettings,
           max_states: int) -> RenderableType:
    """The answer: what the robot was, the mark, the verdict, the checklist, the evidence, a replay."""
    from rich.console import Group
    from rich.rule import Rule
    from rich.text import Text

    from .render import evidence, ladder_table, prose, quantities_table, verdict_panel

    scn = report.scenario
    verdict = report.verdict.label
    parts: list[RenderableType] = [Rule(Text(f"Robot {number}: the reveal", style="bold"), align="left")]
    if answer is None:
        mark = Text("(no answer asked)", style="dim")
    elif answer == verdict:
        mark = Text(f"✓ right: you said {answer.value}, and the run measures {verdict.value}.", style="bold green")
    else:
        mark = Text(f"✗ not this time: you said {answer.value}; the run measures {verdict.value}.", style="bold red")
    parts.append(mark)
    if reason:
        parts.append(Text(safe(f"Your reason: {reason}"), style="italic"))
    head = Text(safe(f"Robot {number} was: {scn.title}  [{scn.name}]"), style="bold")
    parts += [head, Text(prose(scn.story) or "(no story)"), Text(""), verdict_panel(report), ladder_table(report)]
    quantities = quantities_table(report)
    if quantities is not None:
        parts.append(quantities)
    parts += [evidence(report), Text("")]
    parts += list(replay(scn, episode_to_show(report), settings, max_states))
    return Group(*parts)


def replay(scn: Scenario, shown: Shown, settings: PlanSettings, max_states: int) -> Iterator[RenderableType]:
    """The chosen deploy episode, step by step: a map at the start, after every step that changes
    what lies where, gains or loses either objective anything or leaves the robot worse placed for
    the base than waiting, and at the end; a line for each other step (a move, a wipe of nothing)."""
    from rich.text import Text

    from .render import replay_frame

    tr = trace(scn, "deploy", shown.episode, "agent", max_states=max_states, settings=settings)
    surface = scn.deploy.shapes()[shown.episode - 1].layout.surface
    steps = tr.result.steps
    yield Text(f"Replay: {shown.why}", style="bold")
    title = f"deploy episode {shown.episode}"
    yield replay_frame(scn, title, surface, tr.contents[0], None, len(steps), 0.0, 0.0)
    base_sum = mesa_sum = 0.0
    for i, step in enumerate(steps):
        base_sum += step.base_reward
        mesa_sum += step.mesa_reward
        changed = tr.contents[i].key()[1:] != tr.contents[i + 1].key()[1:]  # beyond where the robot stands
        telling = changed or step.base_gain != 0 or step.mesa_gain != 0 or step.base_regress
        if telling or i == len(steps) - 1:
            yield Text("")
            yield replay_frame(scn, title, surface, tr.contents[i + 1], step, len(steps), base_sum, mesa_sum)
        else:
            events = ", ".join(k for k, _ in step.events) or "no events"
            yield Text(safe(f"  step {step.t}: {step.action} ({events})"), style="dim")
    r = tr.result
    yield Text(f"base return {r.base_return:g} (optimum {r.base_optimal:g}, idle {r.base_idle:g}); "
               f"mesa return {r.mesa_return:g} (optimum {r.mesa_optimal:g})", style="bold")


# -- the command ------------------------------------------------------------------------------

QUIZ_HELP = """Predict, then reveal: guess each robot's kind of alignment before the engine says.

For a class: each robot is shown as "Robot 1", "Robot 2"... without its title, story,
name or expected verdict: the world, the base objective and the robot's own, its limits
and beliefs, the first training and deployment maps, and how it scored in training.
Students say which label the run will earn (and, if they like, why, in one line); then
the reveal: the verdict the engine measured, its rung-by-rung checklist and evidence,
whether the answer was right, and a replay of the deploy episode that shows the verdict
best (the largest base regret among the episodes that earn it on their own). A score is
kept over the round and printed at the end.

With no FILE_OR_NAME, a round of every bundled robot, in the order of 'pseudoalign list'.
A label may be typed whole, by its first letters (inst), or by its number in the list.
--no-input prints every page followed by its reveal without asking: a handout, or a
projector script. Ctrl-C or the end of input stops the round with the score so far.

\b
Examples:
  pseudoalign quiz                              a round of the bundled robots
  pseudoalign quiz table-wiper crumb-vacuum     two of them
  pseudoalign quiz my-robot.toml                your own
  pseudoalign quiz --no-input --color never > handout.txt
"""


@click.command(help=QUIZ_HELP, epilog=EPILOG)
@click.argument("scenarios", nargs=-1, metavar="[FILE_OR_NAME...]")
@click.option("--no-input", is_flag=True, help="Print each page and its reveal without asking (handouts, tests).")
@click.option("--no-reason", is_flag=True, help="Do not ask for a one-line reason after each label.")
@max_states_option
@jobs_option("Run episodes in this many processes (the verdict is the same as with 1).")
@kernel_option
@color_option()
def quiz(scenarios: tuple[str, ...], no_input: bool, no_reason: bool, max_states: int, jobs: int,
         settings: PlanSettings, color: str) -> None:
    from pseudoalign import ScenarioError, load

    names = list(scenarios) or list(bundled_names())
    loaded: list[Scenario] = []
    for name in names:  # every file checked before the round starts (a bad one is named now, not mid-class)
        try:
            loaded.append(load(name))
        except ScenarioError as err:
            click.echo(safe(str(err)), err=True)
    if len(loaded) < len(names):
        raise Failure("pseudoalign quiz: fix the files above, or leave them out of the round")
    out = console(color)
    right = asked = 0

    def score() -> None:
        if asked:
            out.print(f"Score: {right} of {asked} right" + (f" ({len(loaded) - asked} not reached)"
                                                           if asked < len(loaded) else ""), style="bold")
        elif not no_input:
            out.print("Score: no answers given", style="bold")

    try:
        for number, scn in enumerate(loaded, start=1):
            try:
                with RunProgress(f"robot {number}", color) as progress:  # the bar names no file
                    report = run_scenario(scn, max_states=max_states, jobs=jobs, settings=settings,
                                          progress=progress)
            except LimitError as err:
                click.echo(safe(f"robot {number}: {err}"), err=True)
                continue
            out.print(page(report, number, len(loaded)))
            out.print(choices_text())
            answer: Label | None = None
            reason = ""
            if no_input:
                out.print("Your label: ____________   Why: ________________________________________")
            else:
                answer = ask_label(out, number)
                asked += 1
                right += answer == report.verdict.label
                if not no_reason:
                    reason = " ".join(_read("Why, in one line? (Enter to skip) ").split())
            out.print()
            out.print(reveal(report, number, answer, reason, settings, max_states))
            out.print()
    except EndOfInput:
        out.print("(input ended)", style="dim")
        score()
        return
    except KeyboardInterrupt:
        out.print()
        score()
        raise Interrupted("pseudoalign: interrupted") from None
    score()
