"""An episode as a picture: the map, the robot's path as a trail, the gains as strips, in SVG.

Owns: ``trace_svg`` (one episode), ``compare_svg`` (the robot beside the base optimum),
``phases_svg`` (train beside deploy), ``panel`` (one episode's elements, for the site), the
palette and the steps that matter (``marked_steps``). Pure functions returning str; every
text from a file passes through html.escape. Imports household, vocab, records, contents.

Drawn to be read when projected at 1280x720 and printed in greyscale: large type, the
Okabe-Ito colour-blind-safe palette, and every colour doubled by a letter or a shape (an
item's glyph, a + or - in a gain strip, a numbered disc at a step that matters).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from attrs import frozen

from ..household import ITEMS
from ..records import StepRecord, Trace
from ..vocab import SURFACES
from ..world.contents import Contents

CELL = 64  # pixels a map cell
BORDER = 14  # pixels of the wall frame around the walkable cells
PAD = 16
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
TITLE = 22  # px: panel titles
TEXT = 18  # px: captions and legends
STRIP = 26  # px: one gain strip's height

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency
BLUE, VERMILLION, ORANGE, GREEN, SKY, PURPLE, YELLOW, BLACK = (
    "#0072B2", "#D55E00", "#E69F00", "#009E73", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
INK = "#111111"
SURFACE_FILL = {"floor": "#FFFFFF", "table": "#F3D9A4", "counter": "#C8C8C8", "cupboard": "#B9A3D0"}
SURFACE_LETTER = {"floor": "", "table": "T", "counter": "=", "cupboard": "%"}
WALL_FILL = "#4D4D4D"
ITEM_COLOR = {"stain": VERMILLION, "crumb": "#8A6D00", "cookie": "#8B4A12", "mug": BLUE, "dish": GREEN,
              "object": "#A2457E", "camera": BLACK}
GAIN_UP, GAIN_DOWN, GAIN_ZERO = BLUE, ORANGE, "#EEEEEE"
#: events that are not the plain business of moving about: a step with another event is marked
PLAIN_EVENTS = frozenset({"move", "bump", "wait"})
#: of a marked step's events, the one it is remembered by (harm first); others by their order
HEADLINES = ("spill", "break", "cover", "dump", "drop", "pick", "wash", "vacuum", "wipe")
#: a mark's colour by its kind: what undoes or hides work vermillion, cleaning blue, else purple
MARK_COLOR = {"spill": VERMILLION, "break": VERMILLION, "cover": VERMILLION, "dump": VERMILLION,
              "wipe": BLUE, "vacuum": BLUE, "wash": BLUE, "clean": BLUE}

ROBOT_WORDS = {"agent": "the robot", "base": "base optimum", "mesa": "mesa optimum"}


def _num(x: float) -> str:
    """A coordinate, the same text on every machine."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def marked_steps(steps: Sequence[StepRecord]) -> tuple[StepRecord, ...]:
    """The steps that matter: those with an event other than moving, bumping or waiting (a
    spill, a break, a cover, a dump, a wipe...), read from the step's own events."""
    return tuple(s for s in steps if any(n not in PLAIN_EVENTS and v for n, v in s.events))


def headline(step: StepRecord) -> str:
    """The event a step is remembered by: the first of HEADLINES it has, else its first event
    other than moving (a marked step's kind)."""
    names = [n for n, v in step.events if v and n not in PLAIN_EVENTS]
    for h in HEADLINES:
        if h in names:
            return h
    return names[0] if names else ""


def mark_groups(steps: Sequence[StepRecord]) -> list[tuple[str, tuple[int, int], list[StepRecord]]]:
    """The marked steps by (kind, cell), each group in step order, the groups by their first step."""
    groups: dict[tuple[str, tuple[int, int]], list[StepRecord]] = {}
    for s in marked_steps(steps):
        groups.setdefault((headline(s), s.robot), []).append(s)
    return sorted(((k, c, g) for (k, c), g in groups.items()), key=lambda x: x[2][0].t)


def _steps_list(ts: Sequence[int]) -> str:
    """Step numbers with runs of consecutive ones joined: 5, 7, 9-12."""
    out: list[str] = []
    i = 0
    while i < len(ts):
        j = i
        while j + 1 < len(ts) and ts[j + 1] == ts[j] + 1:
            j += 1
        out.append(str(ts[i]) if i == j else f"{ts[i]}\u2013{ts[j]}")
        i = j + 1
    return ", ".join(out)


def _events(step: StepRecord) -> str:
    return ", ".join(n + (f" x{v}" if v != 1 else "") for n, v in step.events if n not in PLAIN_EVENTS)


def _items_at(contents: Contents) -> dict[tuple[int, int], list[tuple[str, str, str]]]:
    """Per cell, the items drawn there: (item name, glyph with count, words for a title)."""
    out: dict[tuple[int, int], list[tuple[str, str, str]]] = {}
    for item in sorted(ITEMS, key=lambda i: i.rank):
        for key, n in contents.of(item.name).items():
            cell = (key[0], key[1])
            if item.fixed:
                glyph = item.glyph if n else (item.off.glyph if item.off else item.glyph)
                words = (f"camera watching the {key[2]}" if n else "camera covered") if item.name == "camera" \
                    else item.name
            else:
                glyph = f"{item.glyph}{n}"
                words = f"{n} {item.units}" + (f" ({key[2]})" if item.tags else "")
            out.setdefault(cell, []).append((item.name, glyph, words))
    return out


def _text(x: float, y: float, s: str, size: int = TEXT, *, anchor: str = "start", weight: str = "normal",
          fill: str = INK, extra: str = "") -> str:
    return (f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}"{extra}>{escape(s)}</text>')


def map_elements(surface: Any, contents: Contents, x0: float, y0: float, *, robot: bool = True) -> list[str]:
    """The map's cells (surface fill and letter, walls dark), the items on them, the robot."""
    return cell_elements(surface, x0, y0) + content_elements(contents, x0, y0, robot=robot)


def crop(surface: Any) -> tuple[int, int, int, int]:
    """The walkable cells' bounding box (x, y, width, height): the walls around it are drawn
    as a thin frame, not cell by cell."""
    h, w = surface.shape
    cells = [(x, y) for y in range(h) for x in range(w) if int(surface[y, x]) >= 0]
    if not cells:
        return 0, 0, w, h
    xs, ys = [c[0] for c in cells], [c[1] for c in cells]
    return min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1


def map_origin(surface: Any, x0: float, y0: float) -> tuple[float, float, float, float]:
    """Where cell (0, 0) is drawn so that the cropped map's frame starts at (x0, y0), and the
    frame's width and height."""
    cx, cy, cw, ch = crop(surface)
    return x0 + BORDER - cx * CELL, y0 + BORDER - cy * CELL, cw * CELL + 2 * BORDER, ch * CELL + 2 * BORDER


def cell_elements(surface: Any, x0: float, y0: float) -> list[str]:
    """The map's cells, cell (0, 0) at (x0, y0): surface fill and letter, walls dark, the
    walls around the walkable cells as a frame."""
    cx, cy, cw, ch = crop(surface)
    frame = (f'<rect x="{_num(x0 + cx * CELL - BORDER)}" y="{_num(y0 + cy * CELL - BORDER)}" '
             f'width="{cw * CELL + 2 * BORDER}" height="{ch * CELL + 2 * BORDER}" fill="{WALL_FILL}"/>')
    out = [frame]
    for y in range(cy, cy + ch):
        for x in range(cx, cx + cw):
            s = int(surface[y, x])
            px, py = x0 + x * CELL, y0 + y * CELL
            if s < 0:
                out.append(f'<rect x="{_num(px)}" y="{_num(py)}" width="{CELL}" height="{CELL}" fill="{WALL_FILL}"/>')
                continue
            name = SURFACES[s]
            out.append(f'<rect x="{_num(px)}" y="{_num(py)}" width="{CELL}" height="{CELL}" '
                       f'fill="{SURFACE_FILL[name]}" stroke="#777777" stroke-width="1"><title>{name}</title></rect>')
            if SURFACE_LETTER[name]:
                out.append(_text(px + CELL - 5, py + CELL - 5, SURFACE_LETTER[name], 13, anchor="end",
                                 fill="#6A5A40"))
    return out


def content_elements(contents: Contents, x0: float, y0: float, *, robot: bool = True) -> list[str]:
    """The items on their cells (a glyph and the units, haloed), and the robot."""
    out = []
    for (x, y), items in sorted(_items_at(contents).items()):
        px, py = x0 + x * CELL, y0 + y * CELL
        for k, (name, glyph, words) in enumerate(items[:3]):
            out.append(_text(px + 5, py + (20, CELL - 8, CELL / 2 + 6)[k], glyph, 19, weight="bold",
                             fill=ITEM_COLOR[name],
                             extra=f' class="item" data-item="{name}" stroke="#FFFFFF" stroke-width="4" '
                                   f'paint-order="stroke"><title>{escape(words)}</title'))
    if robot:
        rx, ry = contents.robot
        cx, cy = x0 + rx * CELL + CELL / 2, y0 + ry * CELL + CELL / 2
        out.append(f'<g class="robot"><circle cx="{_num(cx)}" cy="{_num(cy)}" r="15" fill="{BLACK}" '
                   f'stroke="#FFFFFF" stroke-width="3"/>'
                   + _text(cx, cy + 7, "R", 19, anchor="middle", weight="bold", fill="#FFFFFF") + "</g>")
    return out


def _center(cell: tuple[int, int], x0: float, y0: float) -> tuple[float, float]:
    return x0 + cell[0] * CELL + CELL / 2, y0 + cell[1] * CELL + CELL / 2


def trail_elements(trace: Trace, x0: float, y0: float) -> list[str]:
    """The robot's path: exactly one element with ``data-step`` per step (a segment when it
    moved, a ring when it stayed)."""
    out = []
    prev = trace.contents[0].robot
    for s in trace.result.steps:
        (ax, ay), (bx, by) = _center(prev, x0, y0), _center(s.robot, x0, y0)
        if s.robot != prev:
            out.append(f'<line class="trail" data-step="{s.t}" x1="{_num(ax)}" y1="{_num(ay)}" x2="{_num(bx)}" '
                       f'y2="{_num(by)}" stroke="{BLUE}" stroke-width="7" stroke-linecap="round" '
                       f'stroke-opacity="0.75"><title>step {s.t}: {escape(s.action)}</title></line>')
        else:
            out.append(f'<circle class="trail" data-step="{s.t}" cx="{_num(bx)}" cy="{_num(by)}" '
                       f'r="15" fill="none" stroke="{BLUE}" stroke-width="3" '
                       f'stroke-dasharray="5 3"><title>step {s.t}: {escape(s.action)}</title></circle>')
        prev = s.robot
    return out


def mark_elements(trace: Trace, x0: float, y0: float) -> list[str]:
    """A numbered disc at the first step of each kind that matters on each cell (``data-mark``)."""
    out = []
    slot: dict[tuple[int, int], int] = {}
    for kind, cell, group in mark_groups(trace.result.steps):
        cx, cy = _center(cell, x0, y0)
        k = slot.get(cell, 0)
        slot[cell] = k + 1
        cx, cy = cx + CELL / 2 - 13 - 26 * (k // 2 % 2), cy - CELL / 2 + 13 + 28 * (k % 2)
        first = group[0]
        more = f" (and {len(group) - 1} more here: steps {', '.join(str(g.t) for g in group[1:])})" if group[1:] else ""
        out.append(f'<g class="mark" data-mark="{first.t}" data-kind="{escape(kind)}"><circle cx="{_num(cx)}" '
                   f'cy="{_num(cy)}" r="13" fill="{MARK_COLOR.get(kind, PURPLE)}" stroke="#FFFFFF" stroke-width="2"/>'
                   + _text(cx, cy + 5, str(first.t), 14 if first.t < 100 else 11, anchor="middle", weight="bold",
                           fill="#FFFFFF")
                   + f"<title>step {first.t}: {escape(first.action)} ({escape(_events(first))}){escape(more)}"
                     "</title></g>")
    return out


def strip_elements(steps: Sequence[StepRecord], x0: float, y0: float, width: float) -> list[str]:
    """The base and the mesa gain of each step as two strips: blue with + above zero, orange
    with - below, pale when zero."""
    out = []
    n = max(len(steps), 1)
    label_w = 64
    cw = (width - label_w) / n
    for row, (name, attr) in enumerate((("base", "base_gain"), ("mesa", "mesa_gain"))):
        y = y0 + row * (STRIP + 6)
        out.append(_text(x0, y + STRIP - 7, name, TEXT, weight="bold"))
        for i, s in enumerate(steps):
            g = float(getattr(s, attr))
            fill, sign = (GAIN_UP, "+") if g > 1e-9 else (GAIN_DOWN, "\u2212") if g < -1e-9 else (GAIN_ZERO, "")
            x = x0 + label_w + i * cw
            out.append(f'<rect class="gain" data-gain="{name}" data-step="{s.t}" x="{_num(x)}" y="{_num(y)}" '
                       f'width="{_num(max(cw - 1, 1))}" height="{STRIP}" fill="{fill}" stroke="#999999" '
                       f'stroke-width="0.5"><title>step {s.t}: {name} gain {g:+g}</title></rect>')
            if sign and cw >= 10:
                out.append(_text(x + cw / 2, y + STRIP - 7, sign, 17, anchor="middle", weight="bold",
                                 fill="#FFFFFF" if sign == "+" else INK,
                                 extra=f' class="gain sign" data-step="{s.t}"'))
    return out


@frozen
class Panel:
    """One episode's picture: its elements at (0, 0) and its size."""

    body: str
    width: float
    height: float
    steps: int = 0  # the episode's length (a page's replay plays it)


def _caption(trace: Trace) -> str:
    who = ROBOT_WORDS.get(trace.policy, trace.policy)
    return f"{trace.phase}, episode {trace.episode}: {who}"


def panel(trace: Trace, surface: Any = None, title: str | None = None, *, frames: bool = False) -> Panel:
    """One episode: title, the map at the start with the trail over it, a line per step that
    matters, the two gain strips. With ``frames``, the map after every step is drawn too, each
    in a ``<g class="frame" data-frame="K">`` (K = 0 the start) for a page to show one at a time."""
    surface = trace.surface if surface is None else surface
    if surface is None:
        raise ValueError("this trace carries no map: pass the surface (the layout's surface array)")
    steps = trace.result.steps
    marks = marked_steps(steps)
    y: float = PAD + TITLE
    out = [_text(0, TITLE, _caption(trace) if title is None else title, TITLE, weight="bold")]
    ox, oy, map_w, map_h = map_origin(surface, 0, y + 8)
    width = max(map_w, 300 + 0.0)
    out += cell_elements(surface, ox, oy)
    out.append('<g class="trail-all">')
    out += trail_elements(trace, ox, oy)
    out.append("</g>")
    if frames:
        out.append('<g class="frames">')
        for k, c in enumerate(trace.contents):
            hidden = "" if k == 0 else ' display="none"'
            out.append(f'<g class="frame" data-frame="{k}"{hidden}>')
            out += content_elements(c, ox, oy, robot=False)
            out.append("</g>")
        out.append("</g>")
    else:
        out += content_elements(trace.contents[0], ox, oy, robot=False)
    out += mark_elements(trace, ox, oy)
    if frames:
        for k, c in enumerate(trace.contents):
            hidden = "" if k == 0 else ' display="none"'
            out.append(f'<g class="frame-robot" data-frame="{k}"{hidden}>')
            out += content_elements(Contents(robot=c.robot), ox, oy)
            out.append("</g>")
    else:  # the robot where it ended, over its trail
        end = trace.contents[-1].robot
        cx, cy = _center(end, ox, oy)
        out.append(f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="15" fill="{BLACK}" stroke="#FFFFFF" '
                   f'stroke-width="3"><title>where it ended</title></circle>'
                   + _text(cx, cy + 7, "R", 19, anchor="middle", weight="bold", fill="#FFFFFF"))
    y = y + 8 + map_h + 10
    r = trace.result
    y += TEXT + 4
    out.append(_text(0, y, f"{len(steps)} steps; base return {r.base_return:g} (optimum {r.base_optimal:g}), "
                           f"mesa return {r.mesa_return:g}", TEXT))
    kinds: dict[str, list[int]] = {}
    for s in marks:
        kinds.setdefault(headline(s), []).append(s.t)
    for kind, ts in sorted(kinds.items(), key=lambda kv: kv[1][0]):
        line = f"{kind}: step{'s' if len(ts) > 1 else ''} {_steps_list(ts)}"
        chunks = [line]
        while len(chunks[-1]) * 9.6 > width and ", " in chunks[-1]:  # wrap between numbers, never inside
            head, _, _rest = chunks[-1][: int(width / 9.6)].rpartition(", ")
            chunks[-1:] = [head + ",", chunks[-1][len(head) + 2:]]
        for k, chunk in enumerate(chunks):
            y += TEXT + 6
            if k == 0:
                out.append(f'<circle cx="8" cy="{_num(y - 6)}" r="8" fill="{MARK_COLOR.get(kind, PURPLE)}"/>')
            out.append(_text(22, y, chunk, TEXT, extra=' class="marks-line"'))
    y += 12
    out += strip_elements(steps, 0, y, width)
    y += 2 * (STRIP + 6)
    return Panel("\n".join(out), width, y, len(steps))


def _legend(width: float, shown: frozenset[str] = frozenset()) -> tuple[str, float]:
    """A small legend of the items ``shown`` (all when empty), wrapped between entries."""
    entries: list[tuple[str, str, str]] = [("R", BLACK, "robot"), ("\u2014", BLUE, "its path"),
                                           ("3", VERMILLION, "a step that matters, numbered (red: a spill, break, cover or dump)")]
    entries += [(i.glyph + ("" if i.fixed else "2"), ITEM_COLOR[i.name],
                 i.legend or i.units) for i in ITEMS if not shown or i.name in shown]
    entries += [("T", "#6A5A40", "table"), ("=", "#6A5A40", "counter"), ("%", "#6A5A40", "cupboard"),
                ("\u25a0", WALL_FILL, "wall"), ("+", GAIN_UP, "gain"), ("\u2212", GAIN_DOWN, "loss")]
    out, x, y = [], 0.0, TEXT
    for glyph, colour, words in entries:
        gw = len(glyph) * 14 + 8
        w = gw + len(words) * 9.0
        if x and x + w > width:
            x, y = 0.0, y + TEXT + 8
        out.append(_text(x, y, glyph, TEXT, weight="bold", fill=colour))
        out.append(_text(x + gw, y, words, TEXT - 2))
        x += w + 14
    return "\n".join(out), y + 8


def svg_document(panels: Sequence[Panel], title: str = "", *, legend: bool = True, columns: int | None = None,
                 shown: frozenset[str] = frozenset()) -> str:
    """Panels side by side (``columns`` per row, all by default) under a title, with a legend."""
    cols = columns or max(len(panels), 1)
    gap = 40
    rows = [panels[i:i + cols] for i in range(0, len(panels), cols)]
    width = max(sum(p.width for p in row) + gap * (len(row) - 1) for row in rows) + 2 * PAD
    width = max(width, 640)
    parts = []
    y: float = PAD
    if title:
        y += 28
        parts.append(_text(PAD, y, title, 28, weight="bold"))
        y += 8
    for row in rows:
        x: float = PAD
        for p in row:
            parts.append(f'<g class="episode" data-steps="{p.steps}" transform="translate({_num(x)},{_num(y)})">\n'
                         f'{p.body}\n</g>')
            x += p.width + gap
        y += max(p.height for p in row) + 24
    if legend:
        body, lh = _legend(width - 2 * PAD, shown)
        parts.append(f'<g class="legend" transform="translate({_num(PAD)},{_num(y)})">\n{body}\n</g>')
        y += lh
    height = y + PAD
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" height="{_num(height)}" '
            f'viewBox="0 0 {_num(width)} {_num(height)}" font-family="{FONT}">\n'
            f'<rect width="100%" height="100%" fill="#FFFFFF"/>\n' + "\n".join(parts) + "\n</svg>\n")


def items_shown(traces: Sequence[Trace]) -> frozenset[str]:
    """The items that lie somewhere in some step of the traces (the legend names only those)."""
    return frozenset(i.name for i in ITEMS for t in traces for c in t.contents if c.of(i.name))


def trace_svg(trace: Trace, surface: Any = None, title: str = "", *, frames: bool = False) -> str:
    """One episode as a standalone SVG: map, trail, steps that matter, gain strips, legend."""
    return svg_document([panel(trace, surface, frames=frames)], title, shown=items_shown([trace]))


def compare_svg(agent: Trace, other: Trace, surface: Any = None, title: str = "") -> str:
    """The robot's episode beside another policy's (the base optimum) of the same episode."""
    return svg_document([panel(agent, surface), panel(other, surface)], title, shown=items_shown([agent, other]))


def phases_svg(traces: Sequence[Trace], title: str = "", columns: int | None = None, *,
               frames: bool = False) -> str:
    """Several episodes side by side (train beside deploy; with the base optimum, a 2x2 grid)."""
    return svg_document([panel(t, frames=frames) for t in traces], title, columns=columns,
                        shown=items_shown(traces))


def map_svg(surface: Any, contents: Contents, title: str = "") -> str:
    """A map as it lies at an episode's start, robot on its cell, no path (for predicting)."""
    top = TITLE + 8 if title else 0
    ox, oy, mw, mh = map_origin(surface, 0, top)
    body = "\n".join(([_text(0, TITLE, title, TITLE, weight="bold")] if title else [])
                     + map_elements(surface, contents, ox, oy))
    width, height = _num(max(mw, len(title) * 12.5)), _num(top + mh)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="{FONT}">\n{body}\n</svg>\n')


def legend_svg(shown: frozenset[str], width: float = 1000) -> str:
    """The legend alone (the items ``shown``), for a page that draws maps without it."""
    body, h = _legend(width, shown)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" height="{_num(h)}" '
            f'viewBox="0 0 {_num(width)} {_num(h)}" font-family="{FONT}">\n{body}\n</svg>\n')


def returns_chart(series: Sequence[tuple[str, Sequence[float], str, str]], title: str = "",
                  width: float = 590, height: float = 300) -> str:
    """Running sums as lines, one per (name, per-step rewards, colour, dash pattern): a chart
    whose lines differ by dash as well as colour (greyscale print), each named at its end."""
    left, right, top, bottom = 56.0, 178.0, 40.0 if title else 14.0, 40.0
    sums = [[0.0] + [float(x) for x in _running(r)] for _n, r, _c, _d in series]
    n = max((len(s) - 1 for s in sums), default=1) or 1
    lo = min(0.0, *(min(s) for s in sums)) if sums else 0.0
    hi = max(1.0, *(max(s) for s in sums)) if sums else 1.0
    pw, ph = width - left - right, height - top - bottom

    def px(i: int) -> float:
        return left + pw * i / n

    def py(v: float) -> float:
        return top + ph * (1 - (v - lo) / (hi - lo))

    out = [_text(0, 24, title, TITLE, weight="bold")] if title else []
    out.append(f'<line x1="{_num(left)}" y1="{_num(py(lo))}" x2="{_num(left)}" y2="{_num(py(hi))}" stroke="{INK}"/>')
    out.append(f'<line x1="{_num(left)}" y1="{_num(py(0))}" x2="{_num(left + pw)}" y2="{_num(py(0))}" '
               f'stroke="{INK}"/>')
    for v in (lo, hi) if lo < 0 else (hi,):
        out.append(_text(left - 6, py(v) + 6, f"{v:g}", 16, anchor="end"))
    out.append(_text(left - 6, py(0) + 6, "0", 16, anchor="end"))
    out.append(_text(left + pw / 2, height - 8, "step", 16, anchor="middle"))
    out.append(_text(left + pw, height - 8, str(n), 16, anchor="middle"))
    ends: list[float] = []
    for (name, _r, colour, dash), s in zip(series, sums):
        pts = " ".join(f"{_num(px(i))},{_num(py(v))}" for i, v in enumerate(s))
        out.append(f'<polyline class="series" data-series="{escape(name)}" points="{pts}" fill="none" '
                   f'stroke="{colour}" stroke-width="4" stroke-dasharray="{dash}"/>')
        y = py(s[-1]) + 6
        while any(abs(y - e) < 20 for e in ends):  # names that would overlap are moved apart
            y += 20
        ends.append(y)
        out.append(_text(px(len(s) - 1) + 8, y, f"{name} {s[-1]:g}", 16, weight="bold", fill=colour))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" height="{_num(height)}" '
            f'viewBox="0 0 {_num(width)} {_num(height)}" font-family="{FONT}">\n' + "\n".join(out) + "\n</svg>\n")


def _running(xs: Sequence[float]) -> list[float]:
    out, total = [], 0.0
    for x in xs:
        total += x
        out.append(total)
    return out
