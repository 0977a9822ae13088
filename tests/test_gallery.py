"""The gallery: the bundled robots cover every label, each earns its ``expected`` by measurement
and clear of the borderline band, each says where its story comes from (``source``), ``list``
groups them by it and ``explain LABEL`` names the robots written to show the label."""

from __future__ import annotations

import json
import tomllib

import pytest
from click.testing import CliRunner

from pseudoalign import Label, ScenarioError, bundled_names, load, loads, resolve
from pseudoalign.cli.main import cli, source_parts
from pseudoalign.engine import run

NAMES = bundled_names()
#: The robots of issue 14's gallery: their stories cite the work their source names.
GALLERY = ("misaligned", "capability-failure", "soap-and-dishes", "yellow-sock", "corner-crumbs", "potted-plant",
           "absent-supervisor")


@pytest.fixture(scope="module")
def reports():
    return {name: run(load(name)) for name in NAMES}


def _deciding(report):
    return next(r for r in report.rungs if r.passed)


def test_the_gallery_is_bundled():
    assert set(GALLERY) <= set(NAMES)


def test_measured_verdicts_cover_every_label(reports):
    assert {r.label for r in reports.values()} == set(Label)


@pytest.mark.parametrize("name", NAMES)
def test_each_robot_earns_its_expected_label_clear_of_the_borderline_band(name, reports):
    r = reports[name]
    assert r.label == r.scenario.expected
    assert r.verdict.borderline is None, r.verdict.borderline_note
    band = r.scenario.classify.borderline
    # every rung up to the deciding one that compares a figure is at least twice the band away
    for rung in r.rungs[:_deciding(r).number]:
        if rung.margin is not None:
            assert abs(rung.margin) >= 2 * band - 1e-9, (rung.name, rung.margin)


@pytest.mark.parametrize("name", GALLERY)
def test_the_new_robots_earn_their_label_on_the_rung_that_names_it(name, reports):
    r = reports[name]
    deciding = _deciding(r)
    assert r.label == deciding.label
    if r.label == Label.MISALIGNED:  # the control: training would not keep it
        assert r.train.base_score < r.scenario.classify.tolerance - 0.5
    if r.label == Label.CAPABILITY_FAILURE:  # deployed, it pursues nothing, not even its own goal
        assert r.deploy.mesa_competence < r.scenario.classify.competence - 0.25
        assert r.train.base_score >= r.scenario.classify.tolerance


@pytest.mark.parametrize("name", NAMES)
def test_every_robot_has_a_one_line_source(name):
    scn = load(name)
    assert scn.source and "\n" not in scn.source
    assert tomllib.loads(resolve(name).read_text(encoding="utf-8"))["source"] == scn.source


@pytest.mark.parametrize("name", GALLERY)
def test_the_new_stories_cite_their_source(name):
    scn = load(name)
    first_author = scn.source.split()[0]  # "Langosco", "Hubinger", "Leike"
    assert first_author in scn.story and scn.title and scn.expected


# -- the source key ------------------------------------------------------------------------------

_SMALL = """format = 1
title = "t"
{source}
[world]
map = \"\"\"
####
#R.#
####
\"\"\"
episode_length = 2

[objectives.base]
reward = "table.clean"

[agent]
objective = "base"

[train]
episodes = 1

[deploy]
episodes = 1
"""


def test_source_is_read_and_defaults_to_empty():
    assert loads(_SMALL.format(source='source = "Someone 2020 (an example)"'), "s.toml").source == \
        "Someone 2020 (an example)"
    assert loads(_SMALL.format(source=""), "s.toml").source == ""


def test_a_line_break_in_source_is_an_error_that_names_the_key_and_the_fix():
    with pytest.raises(ScenarioError) as info:
        loads(_SMALL.format(source='source = """two\nlines"""'), "s.toml")
    (problem,) = info.value.problems
    assert problem.key == "source" and problem.line == 3
    assert "one line" in problem.problem and "without a line break" in problem.problem


def test_source_changes_no_result():
    with_source = loads(_SMALL.format(source='source = "Someone 2020"'), "s.toml")
    without = loads(_SMALL.format(source=""), "s.toml")
    assert run(with_source).to_json() == run(without).to_json()


# -- list and explain ----------------------------------------------------------------------------

@pytest.mark.parametrize("source, parts", [
    ("Langosco et al. 2022, Goal Misgeneralization in Deep RL (keys and chests)",
     ("Langosco et al. 2022, Goal Misgeneralization in Deep RL", "keys and chests")),
    ("Leike et al. 2017, AI Safety Gridworlds", ("Leike et al. 2017, AI Safety Gridworlds", "")),
    ("A (b) c", ("A (b) c", "")),  # a parenthesis inside is part of the work
    ("", ("", "")),
])
def test_source_parts(source, parts):
    assert source_parts(source) == parts


def _invoke(*args: str) -> str:
    r = CliRunner().invoke(cli, list(args), env={"COLUMNS": "100", "NO_COLOR": "1"}, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.stdout


def test_list_groups_the_robots_under_a_heading_per_source():
    out = _invoke("list", "--color", "never")
    works = {source_parts(load(n).source)[0] for n in NAMES}
    assert len(works) >= 3  # Hubinger et al., Langosco et al., Leike et al. at least
    lines = out.splitlines()
    heading_at = {w: lines.index(w) for w in works}  # each heading is a line of its own
    starts = sorted(heading_at.values())
    for name in NAMES:
        work = source_parts(load(name).source)[0]
        row = next(i for i, ln in enumerate(lines) if ln.strip().startswith(name + " "))
        after = [s for s in starts if s < row]
        assert after and after[-1] == heading_at[work], (name, work)


def test_list_json_keeps_its_fields_and_adds_the_source():
    rows = json.loads(_invoke("list", "--json"))
    assert [r["name"] for r in rows] == list(NAMES)
    for r in rows:
        assert set(r) == {"name", "title", "expected", "story", "source"}
        assert r["source"] == load(r["name"]).source


@pytest.mark.parametrize("label", list(Label))
def test_explain_names_the_robots_written_to_show_the_label(label):
    out = " ".join(_invoke("explain", str(label), "--color", "never").replace("│", " ").split())
    written = [n for n in NAMES if load(n).expected == label]
    assert written, f"no bundled robot is written to show {label}"
    assert "The bundled robots written to show it:" in out
    for n in written:
        assert f"pseudoalign run {n}" in out
    for n in set(NAMES) - set(written):
        assert f"pseudoalign run {n} " not in out + " "


def test_the_readme_gallery_names_every_bundled_robot_with_the_label_it_earns():
    """The README's table of the bundled robots: a row per robot (east-end was once left out),
    whose label is the one the file expects (which the tests above hold to the measured one)."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip().strip("`"): line.split("|")[2].strip()
            for line in readme.splitlines() if line.startswith("| `")}
    for name in NAMES:
        assert rows.get(name) == load(name).expected, name
