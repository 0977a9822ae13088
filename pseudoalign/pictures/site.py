"""A static site for a class, and an animated replay page: HTML that works from file://.

Owns: ``replay_html`` (a self-contained page that plays episodes), ``scenario_page`` (one
scenario: predict first, then the verdict, the checklist, the evidence, the replay),
``index_page`` (the gallery), ``build_site`` (runs the robots: file name -> text) and
``write_site`` (writes those files into a folder). Inline CSS and JS only, nothing from the
network; print CSS reveals everything and hides the controls. Every text from a file passes
through html.escape; each page's data is the Report's ``to_dict()`` as JSON. The same
scenarios give the same bytes. Imports labels, records, pictures.svg; build_site imports engine
and plan.settings, write_site fileio, when called.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..labels import Label
from ..records import Trace
from .svg import BLUE, ORANGE, VERMILLION, items_shown, legend_svg, map_svg, panel, returns_chart, svg_document

if TYPE_CHECKING:
    from ..plan.settings import PlanSettings
    from ..report import Report
    from ..scenario.model import Scenario

OWN_SOURCE = "pseudoalign's own"

CSS = """
:root { --ink: #111; --paper: #fff; --blue: #0072B2; --orange: #E69F00; --red: #D55E00; --green: #009E73; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Verdana, Arial, sans-serif; font-size: 20px; line-height: 1.4;
       color: var(--ink); background: var(--paper); margin: 0 auto; padding: 16px 28px; max-width: 1400px; }
h1 { font-size: 34px; margin: 4px 0 10px; } h2 { font-size: 27px; margin: 22px 0 8px; }
h3 { font-size: 22px; margin: 14px 0 6px; }
a { color: var(--blue); } nav { font-size: 18px; }
.row { display: flex; flex-wrap: wrap; gap: 28px; align-items: flex-start; }
.box { border: 3px solid var(--ink); border-radius: 8px; padding: 10px 16px; margin: 10px 0; }
.predict button, .controls button, #reveal-kinds { font-size: 22px; padding: 8px 16px; margin: 4px 6px 4px 0;
       border: 3px solid var(--ink); border-radius: 8px; background: #fff; cursor: pointer; }
.predict button:hover, .controls button:hover { background: #DDEBF7; }
.predict button.chosen { background: var(--ink); color: #fff; }
.verdict { font-size: 30px; font-weight: bold; }
.right { color: #005A8C; } .wrong { color: #A33F00; }
.hidden-until { display: none; } .hidden-until.revealed { display: block; }
ul.ladder { list-style: none; padding-left: 0; } ul.ladder li { margin: 4px 0; }
.mark-yes { font-weight: bold; color: #005A8C; } .mark-no { font-weight: bold; color: #555; }
.controls { position: sticky; top: 0; background: #fff; padding: 6px 0; z-index: 2; border-bottom: 2px solid #ccc; }
.controls input[type=range] { width: 360px; vertical-align: middle; height: 28px; }
.controls output { font-size: 22px; font-weight: bold; margin-left: 10px; }
svg { max-width: 100%; height: auto; }
.trail.later, .mark.later { opacity: 0.12; } .gain.later { opacity: 0.2; }
.frame.off, .frame-robot.off { display: none; }
table.gallery { border-collapse: collapse; } table.gallery a { white-space: nowrap; } table.gallery td { padding: 4px 14px 4px 0; vertical-align: top; }
.small { font-size: 17px; color: #333; }
@media print {
  body { font-size: 12pt; max-width: none; padding: 0; }
  .controls, .predict .choices, nav, .no-print { display: none !important; }
  .hidden-until { display: block !important; }
  .frame, .frame-robot { display: none !important; }
  .frame[data-frame="0"], .frame-robot[data-frame="0"] { display: inline !important; }
  .trail.later, .mark.later, .gain.later { opacity: 1 !important; }
  section { break-inside: avoid-page; }
}
"""

JS = """
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent || 'null');
  var episodes = Array.prototype.slice.call(document.querySelectorAll('.replay g.episode'));
  var slider = document.getElementById('slider'), out = document.getElementById('frame-no');
  var most = 0, timer = null, frame = 0;
  episodes.forEach(function (g) {
    most = Math.max(most, +g.getAttribute('data-steps'));
    g.querySelectorAll('.frame, .frame-robot').forEach(function (f) { f.removeAttribute('display'); });
  });
  function show(k) {
    frame = Math.max(0, Math.min(most, k));
    episodes.forEach(function (g) {
      var f = Math.min(frame, +g.getAttribute('data-steps'));
      g.querySelectorAll('.frame, .frame-robot').forEach(function (el) {
        el.classList.toggle('off', +el.getAttribute('data-frame') !== f); });
      g.querySelectorAll('[data-step]').forEach(function (el) {
        el.classList.toggle('later', +el.getAttribute('data-step') > f); });
      g.querySelectorAll('[data-mark]').forEach(function (el) {
        el.classList.toggle('later', +el.getAttribute('data-mark') > f); });
    });
    if (slider) { slider.value = frame; }
    if (out) { out.textContent = frame === 0 ? 'the start' : 'step ' + frame + ' of ' + most; }
  }
  function pause() { if (timer !== null) { clearInterval(timer); timer = null; } }
  function play() {
    pause();
    if (frame >= most) { show(0); }
    timer = setInterval(function () { if (frame >= most) { pause(); } else { show(frame + 1); } }, 700);
  }
  function on(id, fn) { var b = document.getElementById(id); if (b) { b.addEventListener('click', fn); } }
  on('play', play); on('pause', pause);
  on('step', function () { pause(); show(frame + 1); });
  on('back', function () { pause(); show(frame - 1); });
  on('start', function () { pause(); show(0); });
  if (slider) {
    slider.max = most;
    slider.addEventListener('input', function () { pause(); show(+slider.value); });
  }
  if (episodes.length) { show(0); }
  document.querySelectorAll('.predict .choices button').forEach(function (b) {
    b.addEventListener('click', function () {
      document.querySelectorAll('.predict .choices button').forEach(function (o) { o.classList.remove('chosen'); });
      b.classList.add('chosen');
      var guess = b.getAttribute('data-label'), label = data && data.verdict ? data.verdict.label : '';
      var said = document.getElementById('you-said');
      said.textContent = 'You predicted ' + guess + '. ' +
        (guess === label ? 'Right: the run shows ' + label + '.' : 'The run shows ' + label + '.');
      said.className = guess === label ? 'right' : 'wrong';
      document.querySelectorAll('.hidden-until').forEach(function (s) { s.classList.add('revealed'); });
    });
  });
  var reveal = document.getElementById('reveal-kinds');
  if (reveal) { reveal.addEventListener('click', function () {
    document.querySelectorAll('.hidden-until').forEach(function (s) { s.classList.add('revealed'); }); }); }
})();
"""

CONTROLS = ('<div class="controls" role="group" aria-label="replay controls">'
            '<button id="start" type="button">&#x25C0;&#x25C0; start</button>'
            '<button id="back" type="button">&#x25C0; back</button>'
            '<button id="play" type="button">&#x25B6; play</button>'
            '<button id="pause" type="button">&#x25AE;&#x25AE; pause</button>'
            '<button id="step" type="button">step &#x25B6;</button>'
            '<input id="slider" type="range" min="0" max="0" value="0" step="1" aria-label="step">'
            '<output id="frame-no">the start</output></div>')


def _json(value: Any) -> str:
    """JSON safe inside a <script> element (no '<' to close it early)."""
    return json.dumps(value, ensure_ascii=False, indent=None, separators=(",", ":")).replace("<", "\\u003c")


def _page(title: str, body: str, data: Any = None) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n"
            f"<script type=\"application/json\" id=\"report-data\">{_json(data)}</script>\n"
            f"<script>{JS}</script>\n</body>\n</html>\n")


def replay_svg(traces: Sequence[Trace], columns: int | None = None) -> str:
    """The animated replay's picture: every episode with the map after each step (frames)."""
    return svg_document([panel(t, frames=True) for t in traces], columns=columns, shown=items_shown(traces))


def replay_html(traces: Sequence[Trace], title: str, columns: int | None = None) -> str:
    """A self-contained page that plays episodes side by side (play, pause, step, a slider)."""
    body = (f"<h1>{escape(title)}</h1>\n{CONTROLS}\n<div class=\"replay\">\n{replay_svg(traces, columns)}</div>\n"
            "<p class=\"small\">The blue line is the robot's path; a numbered disc marks a step with an event "
            "other than moving (red: a spill, a break, a cover or a dump). Under each map, the base and the mesa "
            "objective's gain at every step.</p>")
    return _page(title, body)


def _paragraphs(text: str) -> str:
    paras = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return "\n".join(f"<p>{escape(p)}</p>" for p in paras if p)


def _evidence(d: dict[str, Any]) -> str:
    words = {"negative_base_steps": "steps where the base objective lost",
             "mesa_bypassing_base_steps": "steps that gained the mesa objective and did nothing for the base",
             "base_losing_steps": "steps that left the base worse placed than waiting",
             "watched_unwatched_parting": "training episodes where the watched and the unwatched robot part"}
    out = []
    for key, part in d.items():
        rows = []
        for r in part.get("first", []):
            if "action" in r:
                ev = ", ".join(f"{k}" + (f" x{v}" if v != 1 else "") for k, v in r.get("events", {}).items())
                rows.append(f"deploy episode {r['episode']}, step {r['step']}: {r['action']} ({ev}); base gain "
                            f"{r['base_gain']:+g}, mesa gain {r['mesa_gain']:+g}")
            else:
                rows.append(", ".join(f"{k} {v}" for k, v in r.items()))
        items = "".join(f"<li>{escape(x)}</li>" for x in rows)
        out.append(f"<li><b>{part.get('count', 0)}</b> {escape(words.get(key, key))}"
                   + (f"<ul>{items}</ul>" if items else "") + "</li>")
    return f"<ul>{''.join(out)}</ul>"


def best_deploy_episode(report: Report) -> int:
    """The deploy episode to replay: the first whose own verdict is the run's (else the first)."""
    for e in report.verdict.episodes:
        if e.label == report.label:
            return e.episode
    return 1


def scenario_page(report: Report, traces: Sequence[Trace], source: str = "") -> str:
    """One scenario's page: its world and maps, predict first, then the verdict, the story, the
    ladder as a checklist, the evidence, the replay of ``traces`` (train agent, train base,
    deploy agent, deploy base) and their gains."""
    scn = report.scenario
    d = report.to_dict()
    starts = [t for t in traces if t.policy == "agent"]
    maps = "".join(f"<div>{map_svg(t.surface, t.contents[0], f'{t.phase}, episode {t.episode}, at the start')}"
                   "</div>" for t in starts if t.surface is not None)
    maps += f'<div class="legend">{legend_svg(items_shown(starts), 1000)}</div>'
    learned = scn.learned
    objectives = (f"<p><b>Training rewarded</b> (the base objective): <code>{escape(scn.base.text)}</code><br>"
                  f"<b>The robot learned</b> (the mesa objective): <code>{escape(learned.text)}</code></p>")
    train = d["train"]
    how = (f"<p>In training the robot scored <b>{train['base_score']:.2f}</b> on the base objective "
           "(1 is the base optimum, 0 waiting). What will it do in deployment?</p>")
    choices = "".join(f'<button type="button" data-label="{escape(str(lab))}">{escape(str(lab))}</button>'
                      for lab in Label)
    predict = (f'<section class="predict box"><h2>Predict first</h2>{how}'
               f'<p class="no-print">Choose the kind of alignment you expect; then the verdict, the story and the '
               f'evidence appear.</p><div class="choices">{choices}</div><p id="you-said" aria-live="polite"></p>'
               "</section>")
    v = d["verdict"]
    checks = "".join(f'<li><span class="{"mark-yes" if r["holds"] else "mark-no"}">'
                     f'{"&#x2714; yes" if r["holds"] else "&#x2716; no"}</span> '
                     f'rung {r["number"]}, {escape(r["name"])}: {escape(r["test"])}'
                     + (f' <span class="small">(margin {r["margin"]:g})</span>' if r["margin"] is not None else "")
                     + "</li>" for r in d["rungs"])
    verdict = (f'<section class="box"><h2>The verdict</h2><p class="verdict">'
               f'<span id="verdict-label">{escape(v["label"])}</span></p>'
               f'<p>{escape(Label(v["label"]).heading)}. {escape(v["reason"])}</p>'
               + (f'<p>{escape(v["mechanism"])}</p>' if v.get("mechanism") else "")
               + (f'<p class="small">{escape(v["borderline_note"])}</p>' if v.get("borderline_note") else "")
               + f'<p class="small">{v["episodes_agreeing"]} of {v["episodes"]} deploy episodes show it on their own.'
               "</p></section>")
    story = f'<section><h2>The story</h2>{_paragraphs(scn.story)}' + (
        f'<p class="small">Source: {escape(source)}</p>' if source else "") + "</section>"
    ladder = f"<section><h2>The checklist (the verdict ladder)</h2><ul class=\"ladder\">{checks}</ul></section>"
    evidence = f"<section><h2>The evidence</h2>{_evidence(d['evidence'])}</section>"
    replay = (f"<section><h2>The replay: the robot beside the base optimum</h2>{CONTROLS}"
              f"<div class=\"replay\">{replay_svg(traces, columns=2)}</div>"
              "<p class=\"small\">Left the robot, right what the base objective's exact optimum does in the same "
              "episode. The blue line is the path; a numbered disc marks a step with an event other than moving "
              "(red: a spill, a break, a cover or a dump). The strips chart each step's gain: + blue, "
              "&#x2212; orange.</p></section>")
    charts = "".join(f"<div>{gains_chart(ts)}</div>" for ts in _by_phase(traces))
    replay += f"<section id=\"gains\"><h2>The gains, charted</h2><div class=\"row\">{charts}</div>{GAINS_NOTE}</section>"
    body = (f'<nav><a href="index.html">&#x2190; all robots</a></nav>\n<h1>{escape(scn.name)}</h1>\n'
            f'<section><h2>The household</h2><div class="row">{maps}</div>{objectives}</section>\n{predict}\n'
            f'<div class="hidden-until" id="reveal">\n{verdict}\n{story}\n{ladder}\n{evidence}\n{replay}\n</div>')
    return _page(f"pseudoalign: {scn.name}", body, d)


def _by_phase(traces: Sequence[Trace]) -> list[list[Trace]]:
    out: dict[str, list[Trace]] = {}
    for t in traces:
        out.setdefault(t.phase, []).append(t)
    return list(out.values())


def gains_chart(traces: Sequence[Trace]) -> str:
    """One episode's running returns: the robot's base and mesa, the base optimum's base."""
    series = []
    for t in traces:
        steps = t.result.steps
        who = "robot" if t.policy == "agent" else "optimum" if t.policy == "base" else f"{t.policy} optimum"
        series.append((f"{who}: base", [s.base_reward for s in steps], BLUE if t.policy == "agent" else ORANGE,
                       "none" if t.policy == "agent" else "10 6"))
        if t.policy == "agent":
            series.append((f"{who}: mesa", [s.mesa_reward for s in steps], VERMILLION, "3 4"))
    first = traces[0]
    return returns_chart(series, f"{first.phase}, episode {first.episode}: returns so far")


GAINS_NOTE = ("<p class=\"small\">The running sums of each step's reward: the robot's base return (solid blue), the "
              "base optimum's (dashed orange: the most the base objective could have had), and the robot's mesa "
              "return (dotted vermillion).</p>")


def source_of(scn: Scenario) -> str:
    """Where the story comes from, one line; the gallery groups files without one as pseudoalign's own."""
    return str(getattr(scn, "source", "") or "").strip() or OWN_SOURCE


def index_page(entries: Sequence[tuple[str, str, str]]) -> str:
    """The gallery: (name, measured label, source) of every page, by source (no answers), then by
    the kind each shows, revealed on request."""
    by_source: dict[str, list[str]] = {}
    by_label: dict[str, list[str]] = {}
    for name, label, source in entries:
        by_source.setdefault(source, []).append(name)
        by_label.setdefault(label, []).append(name)

    def links(names: list[str]) -> str:
        return ", ".join(f'<a href="{escape(n)}.html">{escape(n)}</a>' for n in names)

    sources = "".join(f"<tr><td><b>{escape(src)}</b></td><td>{links(names)}</td></tr>"
                      for src, names in sorted(by_source.items(), key=lambda kv: (kv[0] == OWN_SOURCE, kv[0])))
    order = [str(lab) for lab in Label]
    kinds = "".join(f"<tr><td><b>{escape(lab)}</b></td><td>{links(by_label[lab])}</td></tr>"
                    for lab in sorted(by_label, key=lambda x: order.index(x) if x in order else len(order)))
    body = ("<h1>pseudoalign: robots for a class</h1>\n"
            "<p>Each page shows a household robot trained on one objective that learned another. Open one, look "
            "at the maps and the objectives, predict which kind of alignment the robot will show in deployment, "
            "then reveal the verdict and watch the replay.</p>\n"
            f"<section><h2>The robots, by where the story comes from</h2><table class=\"gallery\">{sources}"
            "</table></section>\n"
            "<section><h2>By the kind they show (measured by running them)</h2>"
            "<p class=\"no-print\"><button id=\"reveal-kinds\" type=\"button\">show the answers</button></p>"
            f"<div class=\"hidden-until\"><table class=\"gallery\">{kinds}</table></div></section>")
    return _page("pseudoalign: robots for a class", body, {"pages": [e[0] for e in entries]})


def build_site(scenarios: Sequence[Scenario], *, max_states: int | None = None, settings: PlanSettings | None = None,
               progress: Callable[[Scenario, int, int], Callable[[int, int], None] | None] | None = None,
               ) -> dict[str, str]:
    """Run every scenario and trace its replays: file name -> page text (``index.html`` and
    ``NAME.html``). ``progress(scn, i, n)`` is called before the i-th (from 1) of n runs and may
    return the engine's progress callback for it."""
    from ..engine import DEFAULT_MAX_STATES, run, trace
    from ..plan.settings import DEFAULT

    ms = DEFAULT_MAX_STATES if max_states is None else max_states
    st = DEFAULT if settings is None else settings
    files: dict[str, str] = {}
    entries = []
    for i, scn in enumerate(scenarios, start=1):
        cb = progress(scn, i, len(scenarios)) if progress is not None else None
        report = run(scn, max_states=ms, settings=st, progress=cb)
        ep = best_deploy_episode(report)
        traces = [trace(scn, phase, k, policy, max_states=ms, settings=st)
                  for phase, k in (("train", 1), ("deploy", ep)) for policy in ("agent", "base")]
        files[f"{scn.name}.html"] = scenario_page(report, traces, source_of(scn))
        entries.append((scn.name, str(report.label), source_of(scn)))
    files["index.html"] = index_page(entries)
    return dict(sorted(files.items()))


def write_site(folder: str | Path, files: dict[str, str]) -> list[Path]:
    """Write the files of ``build_site`` into ``folder`` (made when missing), each whole or not at all."""
    from ..fileio import write_atomic

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        path = out / name
        write_atomic(path, text.encode("utf-8"))
        paths.append(path)
    return paths
