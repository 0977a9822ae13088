"""``pseudoalign sweep``: run one scenario over a grid of values and show how the verdict moves.

Owns: the sweep command's options, its progress bar, the result table, the terminal chart and
the SVG plot. The work itself is pseudoalign.sweeps. rich is imported only to draw (the bar, the
table, the chart): ``--json`` without a bar never imports it.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, Self

import click

from pseudoalign import PseudoalignError, ScenarioError
from pseudoalign import sweeps as sw
from pseudoalign.fileio import write_atomic

from .console import color_off, console, progress_on, safe
from .options import (
    ExitCode,
    check_folder,
    color_option,
    jobs_option,
    kernel_option,
    max_states_option,
    writing,
)

if TYPE_CHECKING:
    from rich.console import Console, JustifyMethod
    from rich.progress import Task
    from rich.table import Table
    from rich.text import Text

    from pseudoalign.plan.settings import PlanSettings
    from pseudoalign.sweeps import Outcome

EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = ExitCode.OK, ExitCode.FAILED, ExitCode.INTERRUPTED

LABEL_STYLE = {"robust": "green", "instrumental": "red", "side-effect": "dark_orange", "approximate": "yellow",
               "suboptimality": "magenta", "misaligned": "bright_black", "capability-failure": "blue"}
LABEL_SVG = {"robust": "#2e7d32", "instrumental": "#c62828", "side-effect": "#ef6c00", "approximate": "#b8860b",
             "suboptimality": "#6a1b9a", "misaligned": "#555555", "capability-failure": "#1565c0"}
LABEL_CODE = {"robust": "rob", "instrumental": "ins", "side-effect": "sid", "approximate": "app",
              "suboptimality": "sub", "misaligned": "mis", "capability-failure": "cap"}
TRAIN_STYLE, DEPLOY_STYLE = "cyan", "bright_magenta"
TRAIN_SVG, DEPLOY_SVG = "#1f77b4", "#d62728"


# -- small pieces ---------------------------------------------------------------------------

def _shown(v: object) -> str:
    """A value as the tables and charts show it, control characters escaped (console.safe)."""
    return safe(sw.show_value(v))


def _num(x: float | None, places: int = 3) -> str:
    return "–" if x is None else f"{x:.{places}f}"


def _probes(result: dict[str, Any]) -> str:
    parts = []
    broke = [p["lifted"] for p in result["probes"]["suboptimality"] if p.get("breaks_training")]
    if broke:
        parts.append("lifting " + ", ".join(broke) + " breaks training")
    if result["probes"]["approximate"].get("same_quantities"):
        parts.append("reads only base quantities")
    return "; ".join(parts) or "–"


class Bar(Protocol):
    """What the command asks of its progress bar (rich's Progress, or NoBar where none is drawn)."""

    def __enter__(self) -> Any: ...
    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None, /) -> Any: ...
    def add_task(self, description: str, *, total: float | None, completed: int) -> Any: ...
    def advance(self, task_id: Any) -> None: ...
    def say(self, message: str) -> None: ...


def progress_bar(color: str) -> Bar:
    """The bar on stderr: points done, points a second over the points run in this session, time left."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):
        """Points a second, over the points run in this session."""

        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text("" if not speed else (f"{speed:.2f} points/s" if speed >= 0.1 else f"{60 * speed:.1f} points/min"),
                        style="progress.data.speed")

    class RichBar(Progress):
        def say(self, message: str) -> None:
            _err(self.console, safe(message))

    err_console = Console(stderr=True, no_color=color_off(color), highlight=False)
    return RichBar(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   Rate(), TimeRemainingColumn(), console=err_console, transient=True)


class _Checking:
    """The bar of the check before a sweep runs (every point is loaded first), for grids of
    at least MIN points, on stderr where the sweep's own bar would be drawn (color None: none)."""

    MIN = 1000

    def __init__(self, color: str | None) -> None:
        self.color = color
        self.bar: Bar | None = None
        self.task: Any = None

    def __enter__(self) -> Self:
        return self

    def __call__(self, done: int, total: int) -> None:
        if self.color is None or total < self.MIN:
            return
        if self.bar is None:
            bar = self.bar = progress_bar(self.color)
            bar.__enter__()
            self.task = bar.add_task("checking the points", total=total, completed=0)
        self.bar.advance(self.task)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None, /) -> None:
        if self.bar is not None:
            self.bar.__exit__(exc_type, exc, tb)


class NoBar:
    """Where no bar is drawn: counts nothing, and says a point's failure as it is, on stderr."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None, /) -> None:
        return None

    def add_task(self, description: str, *, total: float | None, completed: int) -> int:
        return 0

    def advance(self, task_id: Any) -> None:
        return None

    def say(self, message: str) -> None:
        click.echo(safe(message), err=True)


def _stdout_console(color: str) -> Console:
    return console(color, width=None if sys.stdout.isatty() else 160)


def _err(console: Console, message: str) -> None:
    console.print(message, markup=False, highlight=False, soft_wrap=True)


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# -- the table ------------------------------------------------------------------------------

def learn_cells(r: dict[str, Any]) -> list[str]:
    """``--learn``'s cells of a point: survivors of the space, the prior mass of robust survivors,
    the other labels' masses, the expected deploy base score."""
    got = r.get("learn")
    if not isinstance(got, dict):
        return ["–"] * 4
    mass = got.get("label_mass") or {}
    others = ", ".join(f"{LABEL_CODE.get(k, k)} {v:.2f}" for k, v in mass.items() if k != "robust" and v)
    return [f"{got['survivors']}/{got['space']}", _num(mass.get("robust")), others or "–",
            _num(got.get("expected_deploy_base_score"))]


LEARN_HEADS = ("survivors", "robust mass", "other masses", "E deploy")


def result_table(keys: Sequence[str], outcomes: Iterable[Outcome], learn: bool = False) -> Table:
    """One row per grid point: its values, the label, the scores, coupling and the probes (and,
    with ``learn``, the survivors, the prior mass of each label among them and the expected
    deploy base score)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    t.add_column("#", justify="right", style="dim")
    for k in keys:  # long keys wrap rather than lose their end
        t.add_column(safe(k), justify="right", overflow="fold")
    t.add_column("label", no_wrap=True)
    for head in ("base train", "base deploy", "mesa train", "mesa deploy", "coupling"):
        t.add_column(head, justify="right", no_wrap=True)
    t.add_column("probes", overflow="fold")
    for head in LEARN_HEADS if learn else ():
        t.add_column(head, justify="right", overflow="fold")
    for o in outcomes:
        vals = [_shown(v) for _k, v in o.point.values]
        if not o.ok:
            t.add_row(str(o.point.index), *vals, Text("error", style="bold red"), *["–"] * 5, "see the message above",
                      *(["–"] * len(LEARN_HEADS) if learn else []))
            continue
        r = o.figures
        t.add_row(str(o.point.index), *vals, Text(r["label"], style=LABEL_STYLE.get(r["label"], "")),
                  _num(r["train"]["base_score"]), _num(r["deploy"]["base_score"]),
                  _num(r["train"]["mesa_competence"]), _num(r["deploy"]["mesa_competence"]),
                  _num(r["coupling"]), _probes(r), *(learn_cells(r) if learn else []))
    return t


def stored_table(rows: Iterable[dict[str, Any]]) -> Table:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("scenario", "left"), ("values", "left"), ("label", "left"), ("base train", "right"), ("base deploy", "right"),
        ("mesa deploy", "right"), ("coupling", "right"), ("engine", "left"), ("stored", "left"))
    for head, just in columns:
        t.add_column(head, justify=just)
    for row in rows:
        r = row["result"]
        t.add_row(safe(row["scenario"]), safe(", ".join(f"{k}={sw.show_value(v)}" for k, v in row["values"].items())),
                  Text(r["label"], style=LABEL_STYLE.get(r["label"], "")), _num(r["train"]["base_score"]),
                  _num(r["deploy"]["base_score"]), _num(r["deploy"]["mesa_competence"]), _num(r["coupling"]),
                  safe(row["engine"]), safe(row["stored_at"]))
    return t


# -- the terminal chart ---------------------------------------------------------------------

def _flips(outcomes: Iterable[Outcome]) -> list[str]:
    """'robust -> instrumental between 0 and 1' for each change of label between neighbours."""
    out: list[str] = []
    prev: Outcome | None = None
    for o in outcomes:
        if not o.ok:
            continue
        if prev is not None and prev.figures["label"] != o.figures["label"]:
            a, b = _shown(prev.point.values[0][1]), _shown(o.point.values[0][1])
            out.append(f"{prev.figures['label']} -> {o.figures['label']} between {a} and {b}")
        prev = o
    return out


def _tolerance(outcomes: Iterable[Outcome]) -> float | None:
    """The tolerance of the verdicts (the base score a robust run needs), when all points share it."""
    tols = {o.figures.get("tolerance") for o in outcomes if o.ok}
    return tols.pop() if len(tols) == 1 and None not in tols else None


def _y_range(values: Iterable[float | None]) -> tuple[float, float]:
    lo = min([0.0] + [v for v in values if v is not None])
    return math.floor(lo * 4) / 4, 1.0


def terminal_chart(key: str, outcomes: Sequence[Outcome], width: int = 100, height: int = 11) -> Text:
    """Train and deploy base score against the value of ``key``, the label under each point."""
    from rich.text import Text

    pts = [o for o in outcomes if o.ok]
    text = Text()
    if not pts:
        return text
    n = len(outcomes)
    labels = [_shown(o.point.values[0][1]) for o in outcomes]
    axis_w = 6
    slot = max(4, max(len(s) for s in labels) + 1)
    if axis_w + slot * n > width:
        slot = (width - axis_w) // n
    if slot < 1:
        text.append(f"({n} points are too many to chart in {width} columns: --plot FILE.svg draws them)\n", style="dim")
        return text
    lo, hi = _y_range([o.figures[p]["base_score"] for o in pts for p in ("train", "deploy")])

    def row_of(v: float) -> int:
        return round((hi - v) / (hi - lo) * (height - 1))

    grid = [[" "] * (slot * n) for _ in range(height)]
    style = [[""] * (slot * n) for _ in range(height)]
    for i, o in enumerate(outcomes):
        if not o.ok:
            continue
        col = i * slot + (slot - 1) // 2
        tr, de = row_of(o.figures["train"]["base_score"]), row_of(o.figures["deploy"]["base_score"])
        if tr == de:
            grid[tr][col], style[tr][col] = "*", "bold"
        else:
            grid[tr][col], style[tr][col] = "o", TRAIN_STYLE
            grid[de][col], style[de][col] = "x", DEPLOY_STYLE
    text.append(f"base score against {safe(key)}   ", style="bold")
    text.append("o", style=TRAIN_STYLE)
    text.append(" train   ")
    text.append("x", style=DEPLOY_STYLE)
    text.append(" deploy   * both\n")
    ticks = {row_of(hi): hi, row_of((lo + hi) / 2): (lo + hi) / 2, row_of(lo): lo}
    tol = _tolerance(outcomes)
    tol_row = None
    if tol is not None and lo <= tol <= hi:
        tol_row = row_of(tol)
        ticks.setdefault(tol_row, tol)
    for r in range(height):
        text.append(f"{ticks[r]:5.2f}┤" if r in ticks else "     │", style="dim")
        for c in range(slot * n):
            if r == tol_row and grid[r][c] == " ":
                text.append("·", style="dim")
            else:
                text.append(grid[r][c], style=style[r][c] or None)
        text.append(" tolerance\n" if r == tol_row else "\n", style="dim")
    text.append("     └" + "─" * (slot * n) + "\n", style="dim")
    # x labels (every k-th where they do not fit) and the label code of each point
    step = 1
    while step < n and max(len(s) for s in labels[::step]) + 1 > slot * step:
        step += 1
    xs = [" "] * (slot * n + 12)
    for i in range(0, n, step):
        s = labels[i]
        start = i * slot + (slot - 1) // 2 - (len(s) - 1) // 2
        start = max(0, start)
        if all(ch == " " for ch in xs[start:start + len(s) + 1]) or i == 0:
            xs[start:start + len(s)] = list(s)
    text.append("      " + "".join(xs).rstrip() + f"   {safe(key)}\n")
    if slot >= 3:
        text.append("      ")
        for o in outcomes:
            code = LABEL_CODE.get(o.figures["label"], o.figures["label"][:3]) if o.ok else "err"
            start = max(0, min((slot - 1) // 2 - 1, slot - len(code)))
            text.append(" " * start)
            text.append(code, style=LABEL_STYLE.get(o.figures["label"], "") if o.ok else "bold red")
            text.append(" " * (slot - len(code) - start))
        text.append("   label\n")
    seen = [lab for lab in dict.fromkeys(o.figures["label"] for o in pts)]
    text.append("      " + ", ".join(f"{LABEL_CODE.get(lab, lab[:3])} {lab}" for lab in seen) + "\n", style="dim")
    flips = _flips(outcomes)
    for f in flips[:5]:
        text.append(f"label changes: {f}\n")
    if len(flips) > 5:
        text.append(f"label changes {len(flips) - 5} more times\n")
    text.rstrip()
    return text


# -- the SVG plot ---------------------------------------------------------------------------

LEARN_SVG = (("expected_deploy_base_score", "#6a1b9a", "expected deploy base score (learn)"),
             ("robust", "#2e7d32", "prior mass of robust survivors (learn)"))


def _learn_value(o: Outcome, what: str) -> float | None:
    got = o.figures.get("learn") if o.ok else None
    if not isinstance(got, dict):
        return None
    v = got.get(what) if what != "robust" else (got.get("label_mass") or {}).get("robust")
    return v if _is_number(v) else None


def svg_plot(title: str, key: str, outcomes: Sequence[Outcome], learn: bool = False) -> str:
    """A hand-written SVG: train and deploy base score against the value, the label at each point
    (with ``learn``, also the expected deploy base score and the prior mass of robust survivors)."""
    W, H = 720, 460
    left, right, top, bottom = 64, 24, (84 if learn else 64), 130
    inset = 28  # the first and last point stand clear of the axes
    pw, ph = W - left - right, H - top - bottom
    pts = [o for o in outcomes if o.ok]
    values = [o.point.values[0][1] for o in outcomes]
    numeric = all(_is_number(v) for v in values) and len(set(values)) > 1
    if numeric:
        vmin, vmax = min(values), max(values)
        xpos = {o.point.index: left + inset + (o.point.values[0][1] - vmin) / (vmax - vmin) * (pw - 2 * inset)
                for o in outcomes}
    else:
        n = len(outcomes)
        xpos = {o.point.index: left + inset + ((pw - 2 * inset) / 2 if n == 1 else i / (n - 1) * (pw - 2 * inset))
                for i, o in enumerate(outcomes)}
    lo, hi = _y_range([o.figures[p]["base_score"] for o in pts for p in ("train", "deploy")]
                      + ([_learn_value(o, w) for o in pts for w, _c, _t in LEARN_SVG] if learn else []))

    def y(v: float) -> float:
        return top + (hi - v) / (hi - lo) * ph

    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
            'font-family="sans-serif" font-size="12">'),
           f"<title>{escape(safe(title))}</title>",
           f'<rect x="0" y="0" width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2:.1f}" y="22" text-anchor="middle" font-size="15" font-weight="bold">{escape(safe(title))}</text>']
    # the y axis, its grid and ticks
    steps = round((hi - lo) / 0.25)
    for i in range(steps + 1):
        v = lo + i * 0.25
        out.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + pw}" y2="{y(v):.1f}" stroke="#e0e0e0"/>')
        out.append(f'<text x="{left - 8}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.2f}</text>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="black"/>')
    out.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="black"/>')
    out.append(f'<text x="16" y="{top + ph / 2:.1f}" text-anchor="middle" '
               f'transform="rotate(-90 16 {top + ph / 2:.1f})">base score</text>')
    # x ticks: every point's value, thinned when they are many
    every = max(1, math.ceil(len(outcomes) / 20))
    for i, o in enumerate(outcomes):
        x = xpos[o.point.index]
        out.append(f'<line x1="{x:.1f}" y1="{top + ph}" x2="{x:.1f}" y2="{top + ph + 5}" stroke="black"/>')
        if i % every == 0:
            out.append(f'<text x="{x:.1f}" y="{top + ph + 19}" text-anchor="middle">'
                       f"{escape(_shown(o.point.values[0][1]))}</text>")
    out.append(f'<text x="{left + pw / 2:.1f}" y="{top + ph + 40}" text-anchor="middle">{escape(safe(key))}</text>')
    tol = _tolerance(outcomes)
    if tol is not None and lo <= tol <= hi:
        out.append(f'<line x1="{left}" y1="{y(tol):.1f}" x2="{left + pw}" y2="{y(tol):.1f}" stroke="#2e7d32" '
                   'stroke-dasharray="2 3"/>')
        out.append(f'<text x="{left + pw - 4}" y="{y(tol) - 5:.1f}" text-anchor="end" fill="#2e7d32" font-size="11">'
                   f"tolerance {tol:g}: robust at or above, in deployment</text>")
    # where the label changes: a dashed line half way between the two points
    prev = None
    for o in pts:
        if prev is not None and prev.figures["label"] != o.figures["label"]:
            x = (xpos[prev.point.index] + xpos[o.point.index]) / 2
            out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ph}" stroke="#888888" '
                       'stroke-dasharray="4 3"/>')
        prev = o
    # the two series
    for phase, colour in (("train", TRAIN_SVG), ("deploy", DEPLOY_SVG)):
        coords = " ".join(f"{xpos[o.point.index]:.1f},{y(o.figures[phase]['base_score']):.1f}" for o in pts)
        if len(pts) > 1:
            out.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for o in pts:
            x, yy = xpos[o.point.index], y(o.figures[phase]["base_score"])
            tip = f"{safe(key)}={_shown(o.point.values[0][1])}: {phase} base score {o.figures[phase]['base_score']:.3f}"
            if phase == "train":
                out.append(f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="4.5" fill="{colour}"><title>{escape(tip)}</title></circle>')
            else:
                out.append(f'<rect x="{x - 4:.1f}" y="{yy - 4:.1f}" width="8" height="8" fill="{colour}">'
                           f"<title>{escape(tip)}</title></rect>")
    for k, (what, colour, name) in enumerate(LEARN_SVG if learn else ()):  # --learn: dashed, diamonds
        wide, size = (5, 7) if k == 0 else (2, 4.5)  # the first under the second: both show where they meet
        got: list[tuple[float, float]] = []
        for o in pts:
            value = _learn_value(o, what)
            if value is not None:
                got.append((xpos[o.point.index], value))
        if len(got) > 1:
            coords = " ".join(f"{gx:.1f},{y(gv):.1f}" for gx, gv in got)
            out.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="{wide}" '
                       f'stroke-dasharray="6 3" stroke-opacity="{0.5 if k == 0 else 1}"/>')
        for gx, gv in got:
            out.append(f'<path d="M{gx:.1f},{y(gv) - size:.1f} l{size},{size} l-{size},{size} l-{size},-{size} z" '
                       f'fill="{colour}" fill-opacity="{0.6 if k == 0 else 1}">'
                       f"<title>{escape(f'{name}: {gv:.3f}')}</title></path>")
    if learn:
        out.append(f'<text x="{left}" y="{top - 38}" fill="#555555">dashed, diamonds: ' + "; ".join(
            f'<tspan fill="{c}">{escape(t)}</tspan>' for _w, c, t in LEARN_SVG) + "</text>")
    # the label of each point, under the axis
    for o in outcomes:
        x = xpos[o.point.index]
        lab = o.figures["label"] if o.ok else "error"
        colour = LABEL_SVG.get(lab, "#000000")
        ly = top + ph + 56
        out.append(f'<text x="{x:.1f}" y="{ly}" fill="{colour}" font-size="11" text-anchor="end" '
                   f'transform="rotate(-40 {x:.1f} {ly})">{escape(lab)}</text>')
    # the legend, between the title and the plot
    lx = left
    out.append(f'<circle cx="{lx + 4}" cy="{top - 18}" r="4.5" fill="{TRAIN_SVG}"/>'
               f'<text x="{lx + 14}" y="{top - 14}">train base score</text>')
    out.append(f'<rect x="{lx + 136}" y="{top - 22}" width="8" height="8" fill="{DEPLOY_SVG}"/>'
               f'<text x="{lx + 150}" y="{top - 14}">deploy base score</text>')
    out.append(f'<line x1="{lx + 282}" y1="{top - 24}" x2="{lx + 282}" y2="{top - 10}" stroke="#888888" '
               f'stroke-dasharray="4 3"/><text x="{lx + 290}" y="{top - 14}">the label changes</text>')
    out.append(f'<text x="{left + pw}" y="{top - 14}" text-anchor="end" fill="#555555">label of each point: under the axis</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# -- the command ----------------------------------------------------------------------------

def _key(p: sw.Point, learn: bool) -> str:
    """The store key of a point (its own with --learn)."""
    from pseudoalign.sweeps.driver import learn_key

    return learn_key(p.key) if learn else p.key


def _fail(message: str) -> NoReturn:
    click.echo(safe(message), err=True)
    sys.exit(EXIT_FAILED)


def _show(db: str, source: str | None, as_json: bool, color: str) -> None:
    try:
        scenario = _scenario_name(source) if source else None
        with sw.Store(db, create=False) as store:
            rows = store.rows(scenario)
    except PseudoalignError as err:
        _fail(str(err))
    if as_json:
        for row in rows:
            click.echo(json.dumps(dict({"scenario": row["scenario"], "values": row["values"], "key": row["key"],
                                        "engine": row["engine"], "stored_at": row["stored_at"]}, **row["result"]),
                                  ensure_ascii=False))
        return
    if not rows:
        click.echo(safe(f"{db}: no points stored" + (f" for {scenario}" if scenario else "")), err=True)
        return
    _stdout_console(color).print(stored_table(rows))


def _scenario_name(source: str) -> str:
    """The name a scenario's points are stored under (its 'name' key, else the file's stem)."""
    _path, _text, doc, default = sw.read_scenario(source)
    name = doc.get("name")
    return name if isinstance(name, str) and name else default


@click.command("sweep", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("source", required=False, metavar="FILE_OR_NAME")
@click.option("--vary", "varies", multiple=True, metavar="KEY=VALUES",
              help="A key of the scenario file (dotted, list indices as numbers) and its values: a comma list "
                   "(0,1,2,4) or an inclusive integer range (0..8). Several make a grid; the first varies slowest.")
@click.option("--db", type=click.Path(dir_okay=False), metavar="FILE",
              help="Store each point in this SQLite file; a rerun skips the points stored, so a stopped sweep resumes.")
@click.option("--show", is_flag=True, help="Print what --db holds (of FILE_OR_NAME only, if given) and run nothing.")
@jobs_option("Run points in this many local processes.")
@click.option("--executor", "executor_spec", default="local", show_default=True, metavar="local|dask://HOST:PORT",
              help="Where points run: local processes, or an existing Dask cluster (needs the dask extra).")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object per grid point, one a line, in grid order (and nothing else).")
@click.option("--plot", type=click.Path(dir_okay=False), metavar="FILE.svg",
              help="Write an SVG plot of train and deploy base score against the one varied key.")
@click.option("--learn", is_flag=True,
              help="Also run `pseudoalign learn` at each point: the prior mass of each label among the objectives "
                   "training keeps, and the expected deploy base score, in the table, JSON, store and plot.")
@max_states_option
@kernel_option
@color_option("Colour and the progress bar (auto: on a terminal, unless NO_COLOR is set).")
def sweep(source: str | None, varies: tuple[str, ...], db: str | None, show: bool, jobs: int, executor_spec: str,
          as_json: bool, plot: str | None, learn: bool, max_states: int, settings: PlanSettings, color: str) -> None:
    """Run one scenario over a grid of values and show where its verdict changes.

    FILE_OR_NAME is a scenario file or a bundled scenario's name. Each grid point is one
    full run; the result is a table (one row per point) and, for one varied key, a chart
    of train and deploy base score against the value, with the label of each point.

    \b
    Examples:
      pseudoalign sweep crumb-vacuum --vary deploy.place.1.count=0..6
      pseudoalign sweep crumb-vacuum --vary deploy.place.1.count=0..6 --plot cookies.svg
      pseudoalign sweep my-robot.toml --vary agent.horizon=1,2,4,8 --vary deploy.episodes=1..3
      pseudoalign sweep crumb-vacuum --vary deploy.place.1.count=0..8 --db sweeps.db --jobs 2
      pseudoalign sweep crumb-vacuum --vary train.seed=3..5 --learn
      pseudoalign sweep --db sweeps.db --show

    \b
    Exit status: 0 success, 1 invalid scenario, bad --vary value or failed run,
    2 usage error, 130 interrupted (points finished before are in --db).
    """
    if show:
        if not db:
            raise click.UsageError("--show prints what a database holds: give it with --db FILE")
        if varies or plot:
            raise click.UsageError("--show runs nothing: leave out --vary and --plot")
        _show(db, source, as_json, color)
        return
    if not source:
        raise click.UsageError("name a scenario file or bundled name (or use --db FILE --show)")
    if not varies:
        raise click.UsageError("give at least one --vary KEY=VALUES, e.g. --vary deploy.episodes=1..4")
    try:
        address = sw.parse_executor(executor_spec)
    except sw.SweepError as err:
        raise click.BadParameter(str(err), param_hint="--executor") from None
    if address is not None and jobs != 1:
        raise click.UsageError("--jobs is for local processes; a Dask cluster runs points on its own workers")
    if plot and len(varies) != 1:
        raise click.UsageError(f"--plot draws against one varied key; this sweep varies {len(varies)}")
    if plot and not (Path(plot).parent if str(Path(plot).parent) else Path(".")).is_dir():
        raise click.BadParameter(f"no folder {str(Path(plot).parent)!r} to write {plot!r} in", param_hint="--plot")
    if plot:
        check_folder(plot, "the plot")  # now, not after the sweep

    show_bar = progress_on(color)
    done = total = 0
    store: sw.Store | None = None
    outcomes: list[Outcome] = []
    try:
        try:
            with _Checking(color if show_bar else None) as checking:  # a large grid takes a while to check
                the_plan = sw.plan(source, varies, progress=checking)
        except (ScenarioError, sw.SweepError) as err:
            _fail(str(err))
        total = len(the_plan.points)
        if db:
            try:
                store = sw.Store(db)
                already = len(store.stored(_key(p, learn) for p in the_plan.points))
            except sw.SweepError as err:
                _fail(str(err))
        else:
            already = 0
        progress: Bar = progress_bar(color) if show_bar else NoBar()
        try:
            with sw.executor(executor_spec, jobs) as ex, progress:  # workers start before the bar's thread
                task = progress.add_task(f"sweep {the_plan.name}", total=total, completed=already)
                for o in sw.sweep(the_plan, ex, store=store, max_states=max_states, settings=settings, learn=learn):
                    outcomes.append(o)
                    done += 1
                    if not o.cached:
                        progress.advance(task)
                    if not o.ok:
                        progress.say(f"{o.point.describe()}: {o.error}")
                    if as_json:
                        sys.stdout.write(json.dumps(o.record(the_plan.name), ensure_ascii=False) + "\n")
                        sys.stdout.flush()
        except sw.SweepError as err:
            _fail(str(err))
    except KeyboardInterrupt:
        message = "pseudoalign: sweep interrupted"
        try:
            kept = len(store.stored(_key(p, learn) for p in the_plan.points)) if store is not None and total else None
        except sw.SweepError:
            kept = None
        if kept is not None:
            message += f": {kept} of {total} points are stored in {db}; run the same command to resume"
        elif total:
            message += f" after {done} of {total} points"
        click.echo(safe(message), err=True)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        if store is not None:
            store.close()
    failed = [o for o in outcomes if not o.ok]
    if db:
        ran = sum(1 for o in outcomes if not o.cached and o.ok)
        click.echo(safe(f"{db}: {ran} point{'s' if ran != 1 else ''} run and stored, {already} already stored"
                        + (f", {len(failed)} failed" if failed else "")), err=True)
    if not as_json:
        console = _stdout_console(color)
        console.print(result_table(the_plan.keys, outcomes, learn))
        if len(the_plan.keys) == 1:
            console.print(terminal_chart(the_plan.keys[0], outcomes, width=min(console.width, 120)))
    if plot:
        title = f"{the_plan.name}: base score against {the_plan.keys[0]}"
        with writing(plot, "the plot"):
            write_atomic(plot, svg_plot(title, the_plan.keys[0], outcomes, learn))
    sys.exit(EXIT_FAILED if failed else EXIT_OK)
