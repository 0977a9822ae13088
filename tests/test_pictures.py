"""The robot's path as a picture and the class site: well-formed SVG whose trail has one
element per step, marks at the steps with events other than moving, the replay command's
--save, and a site that loads nothing from the network and is the same bytes every build."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

import pseudoalign as pa
from pseudoalign.cli.main import cli
from pseudoalign.pictures import build_site, compare_svg, marked_steps, replay_html, trace_svg, write_site
from pseudoalign.pictures.site import index_page, source_of

SVG = "{http://www.w3.org/2000/svg}"


def steps_marked(root: ET.Element, attr: str) -> list[int]:
    return [int(e.get(attr, "0")) for e in root.iter() if e.get(attr) is not None]


@pytest.fixture(scope="module")
def wiper():
    return pa.trace(pa.load("table-wiper"), "deploy", 1)


def test_trace_svg_is_xml_with_one_trail_element_per_step(wiper):
    root = ET.fromstring(trace_svg(wiper))
    assert root.tag == SVG + "svg"
    trail = [e for e in root.iter() if e.get("class") == "trail"]
    n = len(wiper.result.steps)
    assert n > 0
    assert len(trail) == n
    assert sorted(int(e.get("data-step", "0")) for e in trail) == list(range(1, n + 1))


def test_marks_are_the_steps_with_events_other_than_moving(wiper):
    # the table-wiper spills coffee in deployment: a spill step is marked, moves are not
    spills = [s.t for s in wiper.result.steps if dict(s.events).get("spill")]
    moves_only = [s.t for s in wiper.result.steps if set(dict(s.events)) <= {"move", "bump", "wait"}]
    assert spills, "the table-wiper spills in deployment episode 1"
    svg = trace_svg(wiper)
    marks = steps_marked(ET.fromstring(svg), "data-mark")
    marked = [s.t for s in marked_steps(wiper.result.steps)]
    assert set(spills) <= set(marked) and not set(moves_only) & set(marked)
    # a disc at the first spill; every marked step named under the map
    assert spills[0] in marks and set(marks) <= set(marked)
    kinds = {e.get("data-kind") for e in ET.fromstring(svg).iter() if e.get("data-mark")}
    assert {"spill", "wipe"} <= kinds
    lines = " ".join("".join(e.itertext()) for e in ET.fromstring(svg).iter() if e.get("class") == "marks-line")
    assert "spill: steps " + str(spills[0]) in lines


def test_gain_strips_have_a_cell_per_step_for_each_objective(wiper):
    root = ET.fromstring(trace_svg(wiper))
    for name in ("base", "mesa"):
        cells = [e for e in root.iter() if e.get("data-gain") == name]
        assert len(cells) == len(wiper.result.steps)
    # the table-wiper's mesa objective gains at each wipe that cleans: those cells, and only
    # those, are drawn as a gain (a colour and a + sign); the others are pale
    gaining = {s.t for s in wiper.result.steps if s.mesa_gain > 0}
    assert gaining and len(gaining) < len(wiper.result.steps)
    fills = {int(e.get("data-step", "0")): e.get("fill") for e in root.iter() if e.get("data-gain") == "mesa"}
    assert len({fills[t] for t in gaining}) == 1
    assert all(fills[t] != fills[next(iter(gaining))] for t in fills if t not in gaining)


def test_compare_draws_both_trails(wiper):
    base = pa.trace(pa.load("table-wiper"), "deploy", 1, "base")
    root = ET.fromstring(compare_svg(wiper, base))
    trail = [e for e in root.iter() if e.get("class") == "trail"]
    assert len(trail) == len(wiper.result.steps) + len(base.result.steps)
    # the base optimum never spills: no spill among its marks
    assert not any(dict(s.events).get("spill") for s in base.result.steps)


def test_text_from_a_file_is_escaped(wiper):
    svg = trace_svg(wiper, title='<script>alert("x")</script> & more')
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    ET.fromstring(svg)


def test_a_trace_displays_itself_in_jupyter(wiper):
    svg = wiper._repr_svg_()
    assert svg is not None and ET.fromstring(svg).tag == SVG + "svg"


def test_replay_html_loads_nothing_from_the_network(wiper):
    page = replay_html([wiper], "table-wiper")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page)
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page
    assert 'id="play"' in page and 'id="slider"' in page


def test_replay_save_svg_and_html(tmp_path):
    r = CliRunner().invoke(cli, ["replay", "table-wiper", "--save", str(tmp_path / "w.svg"), "--compare", "base",
                                 "--phase", "both"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    root = ET.parse(tmp_path / "w.svg").getroot()
    assert len([e for e in root.iter() if e.get("class") == "episode"]) == 4  # train, deploy x agent, base
    r = CliRunner().invoke(cli, ["replay", "table-wiper", "--save", str(tmp_path / "w.html")], catch_exceptions=False)
    assert r.exit_code == 0
    assert (tmp_path / "w.html").read_text().startswith("<!DOCTYPE html>")


def test_replay_save_errors_are_clear(tmp_path):
    r = CliRunner().invoke(cli, ["replay", "table-wiper", "--save", str(tmp_path / "w.png")])
    assert r.exit_code == 2 and ".svg" in r.output and ".html" in r.output
    r = CliRunner().invoke(cli, ["replay", "table-wiper", "--save", str(tmp_path / "no" / "w.svg")])
    assert r.exit_code == 2 and "no folder" in r.output
    r = CliRunner().invoke(cli, ["replay", "table-wiper", "--compare", "base"])
    assert r.exit_code == 2 and "--save" in r.output


def test_replay_without_save_is_unchanged_by_the_new_options():
    a = CliRunner().invoke(cli, ["replay", "faithful", "--color", "never"], catch_exceptions=False)
    b = CliRunner().invoke(cli, ["replay", "faithful", "--color", "never", "--phase", "deploy"],
                           catch_exceptions=False)
    assert a.exit_code == 0 and a.stdout == b.stdout and "<svg" not in a.stdout


def test_index_groups_by_measured_label_and_source():
    page = index_page([("a", "robust", "Hubinger et al."), ("b", "side-effect", "pseudoalign's own"),
                       ("c", "robust", "pseudoalign's own")])
    answers = page.split("By the kind they show")[1]
    assert re.search(r"<b>robust</b></td><td><a href=\"a.html\">a</a>, <a href=\"c.html\">c</a>", answers)
    sources = page.split("By the kind they show")[0]
    assert "robust" not in sources and "side-effect" not in sources  # the answers are not in the first table


def test_source_of_a_file_without_one_is_pseudoalign_s_own():
    assert source_of(pa.load("faithful")) in ("pseudoalign's own", pa.load("faithful").source)


@pytest.mark.slow
def test_site_is_the_same_bytes_every_build_and_loads_nothing(tmp_path):
    names = ["table-wiper", "faithful"]
    for k in (1, 2):
        r = CliRunner().invoke(cli, ["site", str(tmp_path / f"s{k}"), *names], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        assert "running table-wiper" in r.stderr
    files = sorted(p.name for p in (tmp_path / "s1").iterdir())
    assert files == ["faithful.html", "index.html", "table-wiper.html"]
    for f in files:
        a, b = (tmp_path / "s1" / f).read_bytes(), (tmp_path / "s2" / f).read_bytes()
        assert a == b, f
        text = a.decode()
        assert "https://" not in text
        assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    page = (tmp_path / "s1" / "table-wiper.html").read_text()
    report = pa.run("table-wiper")
    assert f'<span id="verdict-label">{report.label}</span>' in page


def test_build_site_pages_carry_the_report_json():
    import json

    files = build_site([pa.load("faithful")])
    page = files["faithful.html"]
    data = json.loads(re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page,
                                re.DOTALL).group(1))
    assert data == json.loads(pa.run("faithful").to_json())


def test_write_site_writes_every_file(tmp_path):
    paths = write_site(tmp_path / "x", {"index.html": "<p>é</p>", "a.html": "a"})
    assert sorted(p.name for p in paths) == ["a.html", "index.html"]
    assert (tmp_path / "x" / "index.html").read_text(encoding="utf-8") == "<p>é</p>"


def test_site_errors_name_the_folder(tmp_path):
    (tmp_path / "afile").write_text("x")
    r = CliRunner().invoke(cli, ["site", str(tmp_path / "afile"), "faithful"])
    assert r.exit_code == 2 and "afile" in r.output
    r = CliRunner().invoke(cli, ["site", str(tmp_path / "no" / "site"), "faithful"])
    assert r.exit_code == 2 and "no folder" in r.output and "create it first" in r.output


def test_returns_chart_draws_a_larger_sum_higher():
    from pseudoalign.pictures.svg import returns_chart

    root = ET.fromstring(returns_chart([("up", [1.0, 1.0, 1.0], "#0072B2", "none"),
                                        ("flat", [0.0, 0.0, 0.0], "#E69F00", "10 6")]))
    lines = {e.get("data-series"): e.get("points", "").split() for e in root.iter() if e.get("class") == "series"}
    assert sorted(lines) == ["flat", "up"] and len(lines["up"]) == 4  # the start and three steps
    y_end = {k: float(v[-1].split(",")[1]) for k, v in lines.items()}
    assert y_end["up"] < y_end["flat"]  # SVG's y grows downwards
    assert lines["flat"][0] == lines["up"][0]  # both start at 0
