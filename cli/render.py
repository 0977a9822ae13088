"""Rich renderables of pseudoalign's values: maps, the run report, scenario summaries, replays.

Each function takes plain library values and returns a rich renderable; nothing here runs
the engine or prints. Text that came from a scenario file (title, story, names, rewards,
descriptions, kinds, colours) passes through console.safe, so that its control characters
are shown escaped, never sent to the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.columns import Columns
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from pseudoalign.household import ITEM, ITEMS
from pseudoalign.labels import Label
from pseudoalign.report import Report, StepAt, rounded
from pseudoalign.vocab import SURFACES

from .console import safe

if TYPE_CHECKING:
    import numpy as np

    from pseudoalign.household import Over
    from pseudoalign.records import StepRecord
    from pseudoalign.report import PartingAt
    from pseudoalign.scenario.model import AgentSpec, Distribution, Placement, Scenario
    from pseudoalign.verdict.ladder import Rung
    from pseudoalign.world.contents import Contents

SURFACE_STYLE = {"floor": "grey62", "table": "black on tan", "counter": "black on grey70", "cupboard": "white on purple4"}
SURFACE_GLYPH = {"floor": ".", "table": "T", "counter": "=", "cupboard": "%"}
# the items' glyphs, styles and words are those of pseudoalign.household
ITEM_STYLE = {i.name: i.style for i in ITEMS}
ITEM_GLYPH = {i.name: i.glyph for i in ITEMS}
_SHOWN_FIRST = sorted(ITEMS, key=lambda i: i.rank)  # of several items on a cell, the map shows the first


ROBOT = "R"  # the robot's glyph; on an item's cell it is followed by that item's glyph (``Rs``)
#: every glyph a map draws besides an object's letter (which must differ from all of them)
_TAKEN = frozenset({ROBOT, "T", "=", "%", "#", "·", "+"} | {i.glyph for i in ITEMS}
                   | {o.glyph for i in ITEMS for o in (i.over, i.off) if o})
MIXED = ITEM_GLYPH["object"]  # a cell with objects of several kinds


def object_letters(kinds: Iterable[str]) -> dict[str, str]:
    """A capital letter for each object kind (sorted), drawn on the map instead of the generic
    ``o``: the first letter of the kind's name that no other glyph and no earlier kind has, else
    any free capital; ``o`` when none is left."""
    letters: dict[str, str] = {}
    spare = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    for kind in sorted(set(kinds)):
        for c in [ch.upper() for ch in kind if ch.isascii() and ch.isalpha()] + spare:
            if c not in _TAKEN and c not in letters.values():
                letters[kind] = c
                break
        else:
            letters[kind] = MIXED
    return letters


def legend_entries(shown: Iterable[str] = (), letters: Mapping[str, str] | None = None) -> list[str]:
    """The map legend, one entry a glyph: the robot (alone and on an item's cell), every item but
    fixed ones (a camera, 1.1) only when ``shown`` names them, the object kinds' letters, the
    surfaces, and how a count is written."""
    shown = set(shown)
    letters = dict(letters or {})
    entries = [f"{ROBOT} robot (green: the robot's cell)",
               f"{ROBOT}{ITEM_GLYPH['stain']} robot on a stain (R, then what lies on its cell)"]
    for i in ITEMS:
        if i.fixed and i.name not in shown:
            continue
        if i.name == "object" and letters:
            entries += [f"{c} {safe(k)} (objects)" for k, c in sorted(letters.items(), key=lambda kc: kc[1])]
            if len(letters) > 1:
                entries.append(f"{MIXED} objects of several kinds")
        else:
            entries.append(f"{i.glyph} {i.legend or i.units}")
        entries += [f"{o.glyph} {o.legend}" for o in (i.over, i.off) if o]
    entries += ["· floor", "T table", "= counter", "% cupboard", "## wall",
                f"{ITEM_GLYPH['stain']}3 3 stain units ({ITEM_GLYPH['stain']}+ 10 or more)"]
    return entries


def legend(shown: Iterable[str] = (), letters: Mapping[str, str] | None = None) -> str:
    """The map legend on one line (``Legend`` draws it wrapped between its entries)."""
    return "  ".join(legend_entries(shown, letters))


class Legend:
    """A map legend that wraps between its entries, never inside one (unless an entry alone is
    wider than the line): entries two spaces apart, dim."""

    def __init__(self, entries: Iterable[str], style: str = "dim") -> None:
        self.entries = list(entries)
        self.style = style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in pack(self.entries, options.max_width):
            yield Text(line, style=self.style)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((cell_len(e) for e in self.entries), default=0)
        return Measurement(min(widest, options.max_width), min(cell_len("  ".join(self.entries)), options.max_width))


def pack(entries: Iterable[str], width: int, gap: str = "  ") -> list[str]:
    """Entries laid on lines of at most ``width`` cells, ``gap`` between two on a line, a line
    broken only between entries (an entry wider than ``width`` stands on a line of its own)."""
    lines: list[str] = []
    line = ""
    for e in entries:
        if line and cell_len(line + gap + e) > width:
            lines.append(line)
            line = e
        else:
            line = line + gap + e if line else e
    if line:
        lines.append(line)
    return lines


def prose(text: str) -> str:
    """A file's story as flowing text: lines joined, blank lines kept as paragraph breaks."""
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return safe("\n\n".join(p for p in paragraphs if p))


def _count(n: int) -> str:
    return str(n) if n < 10 else "+"


def cell_items(contents: Contents, cell: tuple[int, int]) -> list[tuple[str, int]]:
    """The items on a cell, most telling first (by their household rank): (item, quantity)."""
    out = []
    for item in _SHOWN_FIRST:
        n = contents.at(item.name, cell)
        if n is not None:
            out.append((item.name, n))
    return out


def _over(contents: Contents, item: str, cell: tuple[int, int]) -> Over | None:
    """How ``item`` is drawn on ``cell`` when what lies under it there changes its glyph (or, for
    an item drawn otherwise at 0 units, a covered camera, when it is at 0), else None."""
    over = ITEM[item].over
    if over is not None and contents.at(over.under, cell):
        return over
    off = ITEM[item].off
    return off if off is not None and contents.at(item, cell) == 0 else None


def _glyph(item: str, n: int, over: Over | None, letter: str | None = None) -> str:
    """An item's two characters: its glyph (an object's, its kind's letter) and its count (a
    fixed item, one a cell, no count)."""
    return (over.glyph if over else letter or ITEM_GLYPH[item]) + (" " if ITEM[item].fixed else _count(n))


def _letter(contents: Contents, item: str, cell: tuple[int, int], letters: Mapping[str, str]) -> str | None:
    """The letter of the objects on ``cell``: their kind's, or ``o`` for several kinds; None for other items."""
    if item != "object":
        return None
    kinds = {k[2] for k in contents.of("object") if k[:2] == cell}
    return letters.get(next(iter(kinds)), MIXED) if len(kinds) == 1 else MIXED


def contents_letters(contents: Iterable[Contents]) -> dict[str, str]:
    """The object letters of the kinds these contents hold (on the map or carried)."""
    return object_letters({k[2] for c in contents for k in c.of("object")} | {k for c in contents for k in c.inventory})


def map_text(surface: np.ndarray, contents: Contents, letters: Mapping[str, str] | None = None) -> Text:
    """A map, two characters a cell: the surface as background, an item and its count on top.

    The robot's cell reads ``R`` followed by the glyph of the first item on it (``Rs``, the
    robot on a stain), or ``R`` alone, in every mode: without colour it is still there. An
    object shows its kind's letter of ``letters`` (by default those of the kinds here)."""
    if letters is None:
        letters = contents_letters([contents])
    text = Text()
    h, w = surface.shape
    for y in range(h):
        for x in range(w):
            s = int(surface[y, x])
            if s < 0:
                text.append("##", style="grey35")
                continue
            name = SURFACES[s]
            style = SURFACE_STYLE[name]
            items = cell_items(contents, (x, y))
            if (x, y) == contents.robot:
                if items:  # R and what it stands on (the line under a replay's map gives the count)
                    item, n = items[0]
                    glyph = _glyph(item, n, _over(contents, item, (x, y)), _letter(contents, item, (x, y), letters))
                    text.append(ROBOT + glyph[0], style="bold black on green3")
                else:
                    text.append(ROBOT + " ", style="bold black on green3")
            elif items:
                item, n = items[0]
                bg = style.split(" on ")[-1] if " on " in style else None
                over = _over(contents, item, (x, y))
                if over:  # e.g. coffee spilt under the mug, a covered camera
                    text.append(_glyph(item, n, over), style=over.style)
                else:
                    text.append(_glyph(item, n, None, _letter(contents, item, (x, y), letters)),
                                style=ITEM_STYLE[item] + (f" on {bg}" if bg else ""))
            else:
                text.append(("·" if name == "floor" else SURFACE_GLYPH[name]) + " ", style=style)
        if y < h - 1:
            text.append("\n")
    return text


def robot_line(contents: Contents) -> str:
    """Where the robot is and what lies on its cell (the map shows only one item a cell)."""
    x, y = contents.robot
    items = cell_items(contents, (x, y))
    here = ", ".join(_here(contents, i, n, (x, y)) for i, n in items) or "nothing"
    carried = ", ".join(f"{k} {n}" for k, n in contents.inventory.items())
    return f"robot at x={x}, y={y}, on: {here}" + (f"; carrying: {carried}" if carried else "")


def _here(contents: Contents, item: str, n: int, cell: tuple[int, int]) -> str:
    it = ITEM[item]
    if it.off_here and n == 0:
        return it.off_here
    tag = next((k[2] for k in contents.of(item) if k[:2] == cell), "") if it.tags else ""
    return it.here.format(name=item, n=n, tag=tag)


def totals(contents: Contents) -> str:
    parts = [f"{i.total} {sum(contents.of(i.name).values())}" for i in ITEMS if i.always_total or contents.of(i.name)]
    for i in ITEMS:
        covered = sum(1 for v in contents.of(i.name).values() if v == 0) if i.off else 0
        if covered and i.off:
            parts.append(f"{i.off.legend.split()[-1]} {covered}")
    if contents.bin:
        parts.append(f"bin {contents.bin}")
    return ", ".join(parts)


def map_panel(title: str, surface: np.ndarray, contents: Contents, letters: Mapping[str, str] | None = None) -> Panel:
    return Panel(Group(map_text(surface, contents, letters), Text(totals(contents), style="dim")), title=title,
                 expand=False, box=box.ROUNDED)


def phase_title(scn: Scenario, dist: Distribution) -> str:
    """A distribution's name for a frame title, with its oversight ("train, watched") where the
    file's story is about oversight (Scenario.uses_oversight), else the name alone."""
    if not scn.uses_oversight():
        return dist.name
    return f"{dist.name}, {'watched' if dist.overseen else 'unwatched'}"


def maps_side_by_side(scn: Scenario, first_train: Contents, first_deploy: Contents) -> Group:
    letters = scenario_letters(scn)
    return Group(
        Columns([map_panel(f"{phase_title(scn, scn.train)}, episode 1", scn.train.layout.surface, first_train, letters),
                 map_panel(f"{phase_title(scn, scn.deploy)}, episode 1", scn.deploy.layout.surface, first_deploy,
                           letters)],
                padding=(0, 2)),
        Legend(legend_entries({i.name for i in ITEMS if i.fixed and (first_train.of(i.name) or first_deploy.of(i.name))},
                              letters)),
    )


def episode_span(first: int, count: int) -> str:
    """Episodes ``first`` (1-based) to ``first + count - 1`` in words: "episodes 3-20", "episode 2", "no episode"."""
    if count == 0:
        return "no episode"
    return f"episode {first}" if count == 1 else f"episodes {first}-{first + count - 1}"


def variant_spans(dist: Distribution) -> list[tuple[int, int, int]]:
    """(variant index from 0, its first episode from 1, its episode count) of a mixture, in file order."""
    shapes = dist.shapes()
    out, at = [], 1
    for k in range(len(dist.variants)):
        n = sum(1 for sh in shapes if sh.variant == k)
        out.append((k, at, n))
        at += n
    return out


def phase_maps(scn: Scenario, train: Sequence[Contents], deploy: Sequence[Contents]) -> Group:
    """The maps of the report and of ``show``: the first episode of each distribution, and in a
    mixture (1.2) the first episode of each of its variants, each on its own map. ``train`` and
    ``deploy`` are the start contents of every episode (the first alone will do without variants)."""
    if not scn.train.variants and not scn.deploy.variants:
        return maps_side_by_side(scn, train[0], deploy[0])  # format 1 and 1.1: as they were
    letters = scenario_letters(scn)
    panels, shown = [], []
    for dist, starts in ((scn.train, train), (scn.deploy, deploy)):
        if not dist.variants:
            panels.append(map_panel(f"{phase_title(scn, dist)}, episode 1", dist.layout.surface, starts[0], letters))
            shown.append(starts[0])
            continue
        shapes = dist.shapes()
        for k, first, n in variant_spans(dist):
            if n == 0:
                continue
            title = f"{phase_title(scn, dist)}, variant {k + 1}, episode {first}"
            panels.append(map_panel(title, shapes[first - 1].layout.surface, starts[first - 1], letters))
            shown.append(starts[first - 1])
    fixed = {i.name for i in ITEMS if i.fixed and any(c.of(i.name) for c in shown)}
    return Group(Columns(panels, padding=(0, 2)), Legend(legend_entries(fixed, letters)))


def mixture_table(scn: Scenario) -> Table | None:
    """``show``'s table of the variants of the mixtures (1.2): which episodes each is given, its
    share and what it replaces; None when neither distribution is a mixture."""
    if not scn.train.variants and not scn.deploy.variants:
        return None
    t = Table(box=box.SIMPLE_HEAD, title="Mixtures: which episodes are which variant", title_justify="left",
              title_style="bold")
    for c in ("", "variant", "share", "episodes", "length", "map", "placements"):
        t.add_column(c, no_wrap=c != "placements")
    for dist in (scn.train, scn.deploy):
        for k, first, n in variant_spans(dist):
            v = dist.variants[k]
            places = "; ".join(_placement(p) for p in v.place) or "none"
            span = "none" if n == 0 else str(first) if n == 1 else f"{first}-{first + n - 1}"
            t.add_row(safe(dist.name), str(k + 1), f"{v.share:g}", span, str(v.episode_length),
                      "own" if v.layout != dist.layout else "shared", Text(safe(places)))
    return t


def mixture_lines(scn: Scenario) -> Text:
    """One line per mixture: "train: episodes 1-2: variant 1 (share 0.2), episodes 3-20: variant 2 (share 0.8)"."""
    lines = []
    for dist in (scn.train, scn.deploy):
        if dist.variants:
            parts = [f"{episode_span(first, n)}: variant {k + 1} (share {dist.variants[k].share:g})"
                     for k, first, n in variant_spans(dist)]
            lines.append(f"{dist.name}: {', '.join(parts)}")
    return Text(safe("\n".join(lines)))


def scenario_letters(scn: Scenario) -> dict[str, str]:
    """The object letters of every kind the file places: the same in all its maps and frames."""
    return object_letters(scn.object_names()[0])


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def scores_table(report: Report) -> Table:
    """Both phases' scores and returns, as the JSON report rounds them."""
    t = Table(box=box.SIMPLE_HEAD, title="Scores", title_justify="left", title_style="bold")
    t.add_column("")
    t.add_column("train", justify="right")
    t.add_column("deploy", justify="right")
    phases = [report.train, report.deploy]
    if report.counterfactual is not None:  # the drifted robot beside the one with the goal it learned
        t.add_column("deploy, learned goal", justify="right")
        phases.append(report.counterfactual)
    t.add_row("base score", *(_pct(rounded(p.base_score)) for p in phases))
    t.add_row("mesa competence", *(_pct(rounded(p.mesa_competence)) for p in phases))
    for key, label in (("base_return", "base return: robot"), ("base_optimal_return", "base return: optimum"),
                       ("idle_return", "base return: idle"), ("mesa_return", "mesa return: robot"),
                       ("mesa_optimal_return", "mesa return: optimum")):
        t.add_row(Text(label, style="dim"), *(f"{rounded(getattr(p, key)):g}" for p in phases))
    return t


def _margin(r: Rung) -> str:
    return "" if r.margin is None else f"{r.margin:+.2f}"


def ladder_table(report: Report) -> Table:
    t = Table(box=box.SIMPLE_HEAD, title="The decision, rung by rung", title_justify="left", title_style="bold")
    t.add_column("", width=2)
    t.add_column("rung")
    t.add_column("test")
    t.add_column("margin", justify="right")
    decided = False
    for r in report.rungs:
        if decided:
            mark, style = "·", "dim"
        elif r.passed:
            mark, style = "✓", "bold green"
            decided = True
        else:
            mark, style = "✗", "red"
        name = f"{r.number}. {r.name}" + (f": {r.label}" if r.name != r.label else "")
        t.add_row(Text(mark, style=style), Text(name, style="bold" if mark == "✓" else ""),
                  Text(safe(r.test), style="dim" if mark == "·" else ""), Text(_margin(r), style="dim"))
    t.caption = ("✗ does not hold: on to the next rung   ✓ holds: the verdict   · not reached (figures shown all "
                 "the same)   margin: the figure less its threshold")
    t.caption_justify = "left"
    return t


def quantities_table(report: Report) -> Table | None:
    """What the robot tracks against what training asked for, and the error of each."""
    rows = report.probes.quantities
    if not rows:
        return None
    t = Table(box=box.SIMPLE_HEAD, title="What it tracks, against what training asked for", title_justify="left",
              title_style="bold")
    t.add_column("what the robot tracks")
    t.add_column("what training asked for")
    t.add_column("the error")
    for m in rows:
        base = Text(safe(m.base.describe())) if m.base is not None else Text("nothing like it", style="red")
        error = ", ".join(m.errors) if m.base is not None and m.errors else ("none" if m.base is not None else "—")
        t.add_row(Text(safe(m.mesa.describe())), base, Text(error))
    t.caption = ("a quantity is stuff, level or event, place, and more or less of it; errors: scope (other places), "
                 "granularity (cells, not units; whether, not how much), weight")
    t.caption_justify = "left"
    return t


def _step_line(ep: int, s: StepRecord, follow: StepRecord | None = None) -> Text:
    """One step as evidence; ``follow``, the next step, is shown when it cashes in on this one."""
    events = safe(", ".join(f"{k}" + (f" x{v}" if v != 1 else "") for k, v in s.events) or "no events")
    text = Text(f"episode {ep}, step {s.t}: ")
    text.append(safe(s.action), style="bold")
    text.append(f" ({events}) — base gain {s.base_gain:+g}, mesa gain {s.mesa_gain:+g}")
    if s.base_regress:
        text.append(f"; {-s.base_advantage:g} less base return within reach than waiting", style="red")
    elif not s.base_progress and s.mesa_gain > 0:
        text.append("; no base progress", style="yellow")
    if follow is not None and follow.mesa_gain > 0:
        text.append(f"; then step {follow.t}: ")
        text.append(safe(follow.action), style="bold")
        text.append(f" — mesa gain {follow.mesa_gain:+g}")
    return text


def _parting_line(p: PartingAt) -> Text:
    """Where the watched and the unwatched robot part in a training episode, and what each costs the base."""
    q = p.parting
    text = Text(f"episode {p.episode}, step {q.step}: watched ")
    text.append(q.watched, style="bold")
    text.append(f" (base loss {rounded(q.watched_loss):g}), unwatched ")
    text.append(q.unwatched, style="bold")
    text.append(f" (base loss {rounded(q.unwatched_loss):g}); episode base return {rounded(p.watched_return):g} "
                f"watched, {rounded(p.unwatched_return):g} unwatched")
    lost = p.watched_return - p.unwatched_return
    if lost > 1e-9:
        text.append(f": {rounded(lost):g} less", style="red")
    return text


def _indented(text: Text) -> Table:
    """A line of evidence, indented so that its wrapped lines stay indented too."""
    grid = Table.grid(padding=(0, 0))
    grid.add_column(width=2)
    grid.add_column()
    grid.add_row("", text)
    return grid


def _next_step(report: Report, at: StepAt) -> StepRecord | None:
    steps = report.deploy.episodes[at.episode - 1].steps
    return steps[at.step.t] if at.step.t < len(steps) else None


def evidence(report: Report, limit: int = 5) -> Group:
    parts: list[RenderableType] = [Text("Evidence", style="bold")]
    probes, ev = report.probes, report.evidence
    if probes.suboptimality:
        parts.append(Text("The robot's limits, each lifted in turn, in training:"))
        for p in probes.suboptimality:
            parts.append(_indented(Text(f"lifting {p.limit} ({safe(p.description)}): train base score {p.train_base_score:.2f} "
                              + ("— breaks training behaviour" if p.breaks_training else "— still fine"),
                              style="red" if p.breaks_training else "green")))
    if probes.deception is not None:
        parts.append(Text(f"Believing itself unwatched, in training: train base score "
                          f"{probes.deception.unwatched_train_base_score:.2f}"
                          + (" — its good behaviour rests on being watched"
                             if report.label == Label.DECEPTIVE else ""),
                          style="red" if report.label == Label.DECEPTIVE else ""))
        partings = ev.parting or ()
        if partings:
            parts.append(Text(f"Where the watched and the unwatched robot first part, in training ({len(partings)} "
                              f"episode{'s' if len(partings) != 1 else ''}):"))
            parts += [_indented(_parting_line(p)) for p in partings[:limit]]
            if len(partings) > limit:
                parts.append(Text(f"  … and {len(partings) - limit} more", style="dim"))
        else:
            parts.append(_indented(Text("they never part: it acts the same watched or not", style="dim")))
    sections = [("Steps that left it worse placed for the base than waiting, in deployment", ev.regress_steps),
                ("Steps with negative base gain, in deployment", ev.negative_base_steps),
                ("Steps whose mesa gain bypassed the base (no base progress), in deployment", ev.bypass_steps)]
    if report.label == Label.INSTRUMENTAL:  # its evidence first
        sections = sections[2:] + sections[:2]
    for title, rows in sections:
        if rows:
            parts.append(Text(f"{title} ({len(rows)}):"))
            parts += [_indented(_step_line(a.episode, a.step, _next_step(report, a))) for a in rows[:limit]]
            if len(rows) > limit:
                parts.append(Text(f"  … and {len(rows) - limit} more", style="dim"))
    md = probes.max_disagreement
    if md.at is not None:
        at = md.at.step
        parts.append(Text(f"Largest one-step disagreement of base and mesa reward in deployment: {md.value:g} "
                          f"(episode {md.at.episode}, step {at.t}, {safe(at.action)}: base reward {rounded(at.base_reward):g}, "
                          f"mesa reward {rounded(at.mesa_reward):g})"))
    c = probes.coupling
    parts.append(Text("Coupling, the share of its mesa gains made at steps of base progress: "
                      + ("undefined, no positive mesa gains" if c is None else
                         f"{c:.2f} (bypass share {probes.bypass_share:.2f}; redo share, of those with base progress "
                         f"made after an undo of its own: "
                         + ("undefined" if probes.redo_share is None else f"{probes.redo_share:.2f}") + ")")))
    if report.verdict.mechanism:
        parts.append(Text("What deployment revealed: " + report.verdict.mechanism + ".", style="bold"))
    parts.append(Text("(A step makes base progress when its own base gain is positive, or when it leaves the robot "
                      "better placed for the base objective than waiting would: its reward plus the best base return "
                      "still within reach is higher. A gain is the change of an objective's level terms over the step "
                      "plus its events. An undo is a step whose base gain is negative.)", style="dim"))
    return Group(*parts)


def verdict_panel(report: Report) -> Panel:
    v = report.verdict
    body = Text()
    body.append(v.label.heading.capitalize(), style="bold")
    body.append("\n" + v.label.general + "\n\n")
    body.append(safe(v.reason))
    if v.borderline_note:
        body.append(f"\n\nBorderline: {safe(v.borderline_note)}.", style="bold yellow")
    body.append(f"\n\n{v.episodes_agreeing} of {len(v.episodes)} deploy episodes give the same verdict on their own")
    if v.disagreeing_episodes:
        others = ", ".join(f"{e.episode} ({e.label})" for e in v.episodes if e.label != v.label)
        body.append(f"; those that do not: {others}")
    body.append(".")
    if v.expected is None:
        body.append("\nThe file states no expected verdict.", style="dim")
    elif v.agrees:
        body.append(f"\nAs the file expects ({v.expected}).", style="green")
    else:
        body.append(f"\nThe file expects {v.expected}: the run disagrees.", style="bold red")
    style = "green" if v.agrees in (True, None) else "red"
    return Panel(body, title=f"Verdict: {v.label}", title_align="left", border_style=style)


def run_report(report: Report) -> Group:
    """The whole report of a run: a short lesson."""
    scn = report.scenario
    head = Panel(Text(prose(scn.story) or "(no story)"), title=Text(safe(f"{scn.title}  [{scn.name}]"), style="bold"), title_align="left",
                 border_style="bold")
    objectives = Table.grid(padding=(0, 2))
    objectives.add_column(style="bold")
    objectives.add_column()
    base = scn.base
    mesa = scn.objectives[scn.agent.objective]
    objectives.add_row("base objective", Text(safe(base.text + (f"  — {base.description}" if base.description else ""))))
    objectives.add_row("robot's objective", Text(safe(mesa.text + (f"  — {mesa.description}" if mesa.description else ""))))
    if scn.drifts():
        moved = scn.objectives[scn.deploy.agent.objective]
        objectives.add_row("after training", Text(safe(f"its goal moved to {moved.text}"
                                                       + (f"  — {moved.description}" if moved.description else ""))))
    maps = phase_maps(scn, [e.start for e in report.train.episodes], [e.start for e in report.deploy.episodes])
    parts: list[RenderableType] = [head, objectives, Text(""), maps, Text(""), scores_table(report),
                                   ladder_table(report)]
    quantities = quantities_table(report)
    if quantities is not None:
        parts.append(quantities)
    return Group(*parts, evidence(report), Text(""), verdict_panel(report))


def agent_table(spec: AgentSpec, title: str) -> Table:
    t = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left", title_style="bold", show_header=False)
    t.add_column(style="bold")
    t.add_column()
    t.add_row("objective", Text(safe(spec.objective)))
    t.add_row("horizon", "to the end of the episode" if spec.horizon is None else f"{spec.horizon} steps")
    t.add_row("gamma", f"{spec.gamma:g}")
    for lim in ("unaware_of", "cannot", "epsilon", "beliefs"):
        if lim in spec.limits():
            t.add_row(lim, Text(safe(spec.describe_limit(lim))))
    if spec.fears_correction:
        t.add_row("fears correction", Text(f"yes: watched, a step that is not base-optimal gets it stopped, "
                                           f"at a loss of {spec.stake:g} (stake)"))
    return t


def scenario_summary(scn: Scenario, train: Sequence[Contents], deploy: Sequence[Contents], *,
                     no_answers: bool = False) -> Group:
    """What ``show`` prints: the world, objectives, robot and both distributions (and the variants
    of a mixture), without running. ``train`` and ``deploy`` are the start contents of their
    episodes. With ``no_answers`` (``show --no-answers``) the story panel and the expected verdict
    are left out; the title stays, as a line of its own."""
    head: RenderableType = Panel(Text(prose(scn.story) or "(no story)"), title=Text(safe(f"{scn.title}  [{scn.name}]"), style="bold"), title_align="left")
    if no_answers:
        head = Text(safe(f"{scn.title}  [{scn.name}]"), style="bold")
    obj = Table(box=box.SIMPLE_HEAD, title="Objectives", title_justify="left", title_style="bold")
    obj.add_column("name", style="bold")
    obj.add_column("reward")
    obj.add_column("description")
    for o in scn.objectives.values():
        obj.add_row(Text(safe(o.name)), Text(safe(o.text)), Text(safe(o.description)))
    parts: list[RenderableType] = [head, obj, agent_table(scn.train.agent, "The robot (training)")]
    if scn.deploy.agent != scn.train.agent:
        parts.append(agent_table(scn.deploy.agent, "The robot (deployment)"))
    parts.append(distributions_table(scn))
    mixtures = mixture_table(scn)
    if mixtures is not None:
        parts += [mixture_lines(scn), mixtures]
    parts.append(phase_maps(scn, train, deploy))
    if scn.expected and not no_answers:
        parts.append(Text(f"The author expects: {scn.expected}", style="dim"))
    return Group(*parts)


def distributions_table(scn: Scenario) -> Table:
    """Both distributions: episodes, seed, length, oversight where it matters, and what each places."""
    dist = Table(box=box.SIMPLE_HEAD, title="Distributions", title_justify="left", title_style="bold")
    oversight = scn.uses_oversight()  # a column only where the file's story is about it (format 1 unchanged)
    for c in ("", "episodes", "seed", "episode length") + (("overseen",) if oversight else ()) + ("placements",):
        dist.add_column(c)
    for dd in (scn.train, scn.deploy):
        places = "; ".join(_placement(p) for p in dd.place) or "none"
        if dd.variants:  # a mixture: each variant's own (the table below)
            places = f"a mixture of {len(dd.variants)} variants (below)"
        watched = (("yes" if dd.overseen else "no"),) if oversight else ()
        dist.add_row(safe(dd.name), str(dd.episodes), str(dd.seed), str(dd.episode_length), *watched, Text(safe(places)))
    return dist


def _placement(p: Placement) -> str:
    s = p.spec
    item = ITEM[s.item]
    units = s.units[0] if s.units[0] == s.units[1] else f"{s.units[0]}-{s.units[1]}"
    what = item.placed.format(n=units, units=item.units)
    if item.fixed:  # a camera watching the table
        what += " " + " ".join(str(getattr(s, t.key)) for t in item.tags)
    elif item.tags:
        what += f" ({', '.join(str(getattr(s, t.key)) for t in item.tags)})"
    if p.at is not None:
        return f"{what} at {', '.join(f'[{x}, {y}]' for x, y in p.at)}"
    count = p.count[0] if p.count[0] == p.count[1] else f"{p.count[0]}-{p.count[1]}"
    plural = "" if count == 1 else "s"
    return f"{what} on {count} {'/'.join(p.on or ())} cell{plural}"


def replay_frame(scn: Scenario, phase: str, surface: np.ndarray, contents: Contents, step: StepRecord | None,
                 total: int, base_sum: float, mesa_sum: float) -> Group:
    """One frame of a replay: the map after the step, the action, its events and gains."""
    if step is None:
        caption = Text(f"{phase}: the start ({total} steps to go)", style="bold")
    else:
        events = safe(", ".join(f"{k}" + (f" x{v}" if v != 1 else "") for k, v in step.events) or "no events")
        caption = Text(f"{phase}, step {step.t} of {total}: ", style="bold")
        caption.append(safe(step.action), style="bold cyan")
        caption.append(f"  ({events})  base reward {step.base_reward:g} (gain {step.base_gain:+g}), "
                       f"mesa reward {step.mesa_reward:g} (gain {step.mesa_gain:+g})", style="")
        if step.random:
            caption.append("  [random: epsilon]", style="yellow")
    sums = Text(f"base return so far {base_sum:g}, mesa return so far {mesa_sum:g}", style="dim")
    return Group(caption, map_text(surface, contents, scenario_letters(scn) or None), Text(totals(contents), style="dim"),
                 Text(robot_line(contents), style="dim"), sums)
