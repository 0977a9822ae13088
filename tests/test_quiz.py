"""``pseudoalign quiz``: predict, then reveal. The flow with typed answers, the handout of
``--no-input``, the ends of a round (input running out, Ctrl-C), and that nothing on a page
before the question names the robot's kind: neither the label, nor the story, the title,
the name or the file."""

from __future__ import annotations

import builtins
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pseudoalign import bundled_names, load, resolve
from pseudoalign.cli.main import cli
from pseudoalign.cli.quiz import CHOICES, parse_label
from pseudoalign.labels import Label

BOX = re.compile(r"[│╭╮╰╯─]")


def quiz(*args: str, input: str | None = None, columns: str = "100"):
    return CliRunner().invoke(cli, ["quiz", "--color", "never", *args], input=input, env={"COLUMNS": columns},
                              catch_exceptions=False)


def flat(text: str) -> str:
    """Text without the boxes' lines, white space collapsed: what a reader reads, line breaks aside."""
    return " ".join(BOX.sub(" ", text).split())


def pages(out: str) -> list[str]:
    """Each robot's page: from its header up to the list of labels it is asked to choose from."""
    starts = [m.start() for m in re.finditer(r"Robot \d+ of \d+", out)]
    return [out[a:out.index("Labels: 1 ", a)] for a in starts]


# -- reading an answer --------------------------------------------------------------------------

@pytest.mark.parametrize("typed, label", [
    ("side-effect", Label.SIDE_EFFECT), ("Side_Effect", Label.SIDE_EFFECT), ("side effect", Label.SIDE_EFFECT),
    ("inst", Label.INSTRUMENTAL), ("cap", Label.CAPABILITY_FAILURE), ("g", Label.GOAL_DRIFT),
    ("1", CHOICES[0]), (" 9 ", CHOICES[8]), ("ROBUST", Label.ROBUST),
])
def test_a_label_may_be_typed_whole_by_its_first_letters_or_by_number(typed, label):
    assert parse_label(typed) is label


@pytest.mark.parametrize("typed, says", [
    ("s", "could be side-effect or suboptimality"), ("", "type a label"), ("0", "from 1 to 9"),
    ("10", "from 1 to 9"), ("proxy", "is not a label"), ("xyz", "is not a label"),
])
def test_what_names_no_label_says_why(typed, says):
    got = parse_label(typed)
    assert isinstance(got, str) and says in got


def test_the_list_is_every_label_once():
    assert sorted(CHOICES) == sorted(Label)


# -- the flow -----------------------------------------------------------------------------------

def test_a_right_answer_with_a_reason_is_marked_right_and_scored():
    r = quiz("table-wiper", input="side-effect\nit spills to wipe again\n")
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "✓ right: you said side-effect" in out
    assert "Your reason: it spills to wipe again" in out
    assert "Verdict: side-effect" in out and "The decision, rung by rung" in out and "Evidence" in out
    assert "Robot 1 was: The table-wiping robot  [table-wiper]" in out
    assert out.rstrip().endswith("Score: 1 of 1 right")


def test_a_wrong_answer_is_marked_wrong_and_the_verdict_still_revealed():
    r = quiz("table-wiper", input="robust\n\n")
    assert r.exit_code == 0, r.output
    assert "✗ not this time: you said robust; the run measures side-effect." in r.stdout
    assert "Your reason" not in r.stdout  # Enter skipped it
    assert "Score: 0 of 1 right" in r.stdout


def test_bad_input_is_asked_again_until_it_names_a_label():
    r = quiz("table-wiper", "--no-reason", input="zzz\ns\n42\n1\n")
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert out.count("Robot 1: which label?") == 4
    assert "'zzz' is not a label" in out and "could be side-effect or suboptimality" in out
    assert "42 is not in the list" in out
    assert "✓ right: you said side-effect" in out  # 1 is side-effect in the printed list
    assert "Why, in one line?" not in out


def test_a_round_scores_several_robots():
    r = quiz("table-wiper", "stain-sensor", input="side\n\nrobust\nbecause\n")
    assert r.exit_code == 0, r.output
    assert "Robot 1 of 2" in r.stdout and "Robot 2 of 2" in r.stdout
    assert "Score: 1 of 2 right" in r.stdout


def test_the_answer_is_marked_against_the_measurement_not_the_files_expected(tmp_path):
    text = Path(resolve("table-wiper")).read_text().replace('expected = "side-effect"', 'expected = "robust"')
    f = tmp_path / "wrongly-expected.toml"
    f.write_text(text)
    r = quiz(str(f), input="side-effect\n\n")
    assert "✓ right: you said side-effect" in r.stdout
    assert "The file expects robust: the run disagrees." in r.stdout


def test_the_replay_is_of_the_episode_chosen_by_its_base_regret():
    from pseudoalign.cli.quiz import episode_to_show
    from pseudoalign.engine import run

    report = run(load("table-wiper"))
    shown = episode_to_show(report)
    same = [e for e in report.deploy.episodes
            if report.verdict.episodes[e.index - 1].label == report.verdict.label]
    assert max(e.base_optimal - e.base_return for e in same) == pytest.approx(
        report.deploy.episodes[shown.episode - 1].base_optimal - report.deploy.episodes[shown.episode - 1].base_return)
    out = quiz("table-wiper", input="1\n\n").stdout
    assert f"Replay: deploy episode {shown.episode}: the largest base regret" in out
    assert f"deploy episode {shown.episode}, step " in out and "spill" in out.split("Replay:")[1]


# -- ending a round -----------------------------------------------------------------------------

def test_the_end_of_input_ends_the_round_with_the_score_so_far():
    r = quiz("table-wiper", "stain-sensor", input="side-effect\n\n")
    assert r.exit_code == 0, r.output
    assert "(input ended)" in r.stdout
    assert r.stdout.rstrip().endswith("Score: 1 of 1 right (1 not reached)")


def test_ctrl_c_ends_the_round_with_the_score_so_far_and_status_130(monkeypatch):
    answers = iter(["side-effect", ""])

    def typed() -> str:
        try:
            return next(answers)
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr(builtins, "input", lambda *a: typed())
    r = CliRunner().invoke(cli, ["quiz", "--color", "never", "table-wiper", "stain-sensor"])
    assert r.exit_code == 130
    assert "Score: 1 of 1 right (1 not reached)" in r.stdout
    assert "interrupted" in r.stderr


def test_a_bad_file_is_named_before_the_round_starts(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("format = 1\n")
    r = quiz("table-wiper", str(bad), input="")
    assert r.exit_code == 1
    assert "bad.toml" in r.stderr and "Robot 1" not in r.stdout


# -- --no-input and what a page must not say ----------------------------------------------------

@pytest.fixture(scope="module")
def handout() -> str:
    r = quiz("--no-input")
    assert r.exit_code == 0, r.output
    return r.stdout


def test_no_input_prints_every_bundled_robot_page_then_reveal_in_list_order(handout):
    names = bundled_names()
    assert len(pages(handout)) == len(names)
    positions = [handout.index(f"[{n}]") for n in names]  # revealed, in the order of `list`
    assert positions == sorted(positions)
    for k, n in enumerate(names, start=1):
        page_at = handout.index(f"Robot {k} of {len(names)}")
        reveal_at = handout.index(f"Robot {k}: the reveal")
        assert page_at < reveal_at < handout.index(f"[{n}]")
    assert "which label?" not in handout and "Score:" not in handout
    assert handout.count("Your label: ____") == len(names)


@pytest.mark.parametrize("name", bundled_names())
def test_a_page_names_neither_the_label_nor_the_story_title_name_or_file(name, handout):
    k = bundled_names().index(name)
    scn = load(name)
    page = flat(pages(handout)[k])
    for shown in ("base objective", "the robot's objective", "In training it scored"):
        assert shown in page
    # a mixture draws a map per variant, titled by its first episode
    assert re.search(r"train(, \w+)?(, variant \d+)?, episode \d+", page)
    assert re.search(r"deploy(, \w+)?(, variant \d+)?, episode \d+", page)
    secrets = [scn.title, scn.name, Path(scn.path).name, str(scn.path), scn.expected or "never-a-label"]
    for s in secrets:
        assert s.lower() not in page.lower(), s
    story = flat(scn.story).lower().split()
    runs = {" ".join(story[i:i + 6]) for i in range(len(story) - 5)}
    assert not [r for r in runs if r in page.lower()]  # not six words of the story in a row
    assert flat(scn.story).split(". ")[0].lower() not in page.lower()
    revealed = flat(handout.split(f"Robot {k + 1}: the reveal")[1])
    assert f"Verdict: {scn.expected}" in revealed  # the bundled robots earn their expected label (test_bundled)


def test_a_page_names_no_file_given_by_path(tmp_path):
    f = tmp_path / "tell-tale-name.toml"
    f.write_text(Path(resolve("stain-sensor")).read_text())
    r = quiz("--no-input", str(f))
    page = flat(pages(r.stdout)[0])
    assert "tell-tale" not in page and str(tmp_path) not in page


def test_the_help_teaches_with_an_example():
    r = CliRunner().invoke(cli, ["quiz", "--help"])
    assert r.exit_code == 0
    assert "For a class" in r.stdout and "pseudoalign quiz table-wiper" in r.stdout and "--no-input" in r.stdout


# -- list and show without the answers ----------------------------------------------------------

def test_list_and_show_no_answers_hide_the_expected_verdict_and_the_story():
    runner = CliRunner()
    listed = runner.invoke(cli, ["list", "--no-answers", "--color", "never"], env={"COLUMNS": "200"}).stdout
    import json

    rows = json.loads(runner.invoke(cli, ["list", "--no-answers", "--json"]).stdout)
    assert [r["name"] for r in rows] == bundled_names() and all(set(r) == {"name", "title", "source"} for r in rows)
    for name in bundled_names():
        scn = load(name)
        assert name in listed and scn.title in listed
        assert scn.story.split()[0:6] and " ".join(scn.story.split()[:6]) not in listed
        shown = flat(runner.invoke(cli, ["show", name, "--no-answers", "--color", "never"]).stdout)
        assert "The author expects" not in shown
        story = flat(scn.story).split()
        assert " ".join(story[:6]) not in shown
        assert scn.title in shown
    without_names = f" {flat(listed)} "
    for name in bundled_names():  # a name stays (it is how a robot is run), even one that is a label's
        without_names = without_names.replace(f" {name} ", " ", 1)
    for label in Label:
        assert f" {label.value} " not in without_names, label
