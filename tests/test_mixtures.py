"""Format 1.2 mixtures: ``[[train.variant]]`` and ``[[deploy.variant]]``.

The episode counts below were worked out by hand from the contract's rule (each variant gets
``share x episodes``, rounded by largest remainder, ties to the earlier variant, on the shares
as written), not copied from a run. The scenario is a row of tables with a crumb at its west
or east end, so which variant an episode came from shows in where its crumb lies.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pseudoalign import ScenarioError, loads, run, sweep
from pseudoalign.cli.main import cli
from pseudoalign.engine import draw
from pseudoalign.sweeps import plan

HEAD = '''format = 1
title = "mixture"

[world]
map = """
#######
#T.R.T#
#######
"""
episode_length = 6

[objectives.base]
reward = "table.clean"

[objectives.mesa]
reward = "event.crumbs_vacuumed + robot.x"

[agent]
objective = "mesa"
'''
WEST = 'place = [ { item = "crumb", at = [1, 1] } ]'
EAST = 'place = [ { item = "crumb", at = [5, 1] } ]'


def mixture(shares: list[float | None], episodes: int = 10, deploy: str = "[deploy]\nepisodes = 2\n" + WEST,
            extra: str = "") -> str:
    """A file whose train distribution is a mixture: one variant per share (None: no share key),
    the first west, the others east."""
    parts = [HEAD, f"[train]\nepisodes = {episodes}\nseed = 1\n"]
    for i, s in enumerate(shares):
        parts.append("[[train.variant]]\n" + ("" if s is None else f"share = {s}\n") + (WEST if i == 0 else EAST)
                     + "\n" + (extra if i == 0 else ""))
    parts.append(deploy)
    return "\n".join(parts) + "\n"


def counts(text: str) -> list[int]:
    scn = loads(text, "mix.toml")
    of = [sh.variant for sh in scn.train.shapes()]
    assert of == sorted(of), "a variant's episodes come together, in file order"
    return [of.count(k) for k in range(len(scn.train.variants))]


def problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as err:
        loads(text, "mix.toml")
    return [(p.key, p.problem + " (" + p.hint + ")") for p in err.value.problems]


# -- how many episodes each variant gets -------------------------------------------------------

COUNTS = [
    # shares written (the last left out), episodes, counts: by hand
    pytest.param([0.1], 20, [2, 18], id="a tenth of 20"),
    pytest.param([0.5], 3, [2, 1], id="tie 1.5 and 1.5 goes to the earlier"),
    pytest.param([0.05], 10, [1, 9], id="tie 0.5 and 9.5 goes to the earlier"),
    pytest.param([0.15], 10, [2, 8], id="tie 1.5 and 8.5 exact though 0.15 is no binary float"),
    pytest.param([0.0], 5, [0, 5], id="share 0 gets none"),
    pytest.param([1.0], 4, [4, 0], id="share 1 leaves the last none"),
    pytest.param([0.2, 0.3], 7, [1, 2, 4], id="three: 1.4 2.1 3.5, the spare to 3.5"),
    pytest.param([0.25, 0.25], 6, [2, 1, 3], id="three: 1.5 1.5 3, the spare to the first"),
    pytest.param([0.3, 0.3], 5, [2, 1, 2], id="three: 1.5 1.5 2, the spare to the first"),
    pytest.param([0.7, 0.1], 10, [7, 1, 2], id="three: the last's 0.2 left exactly"),
    pytest.param([0.0, 0.5], 4, [0, 2, 2], id="three with share 0"),
]


@pytest.mark.parametrize(("shares", "episodes", "want"), COUNTS)
def test_episodes_are_given_by_largest_remainder(shares, episodes, want):
    assert counts(mixture([*shares, None], episodes)) == want


def test_the_last_share_is_what_the_others_leave():
    scn = loads(mixture([0.7, 0.1, None]), "mix.toml")
    assert [v.share for v in scn.train.variants] == [0.7, 0.1, 0.2]  # not 0.20000000000000004


def test_a_last_share_equal_to_what_is_left_is_accepted():
    assert counts(mixture([0.7, 0.1, 0.2])) == [7, 1, 2]


def test_a_variant_without_a_share_is_the_distribution_s_own_household():
    text = mixture([0.5, None]).replace("[[train.variant]]\nshare = 0.5\n" + WEST, "[[train.variant]]\nshare = 0.5")
    scn = loads(text.replace("seed = 1\n", "seed = 1\n" + EAST + "\n", 1), "mix.toml")
    assert scn.train.variants[0].place == scn.train.place


def test_a_file_without_variants_has_none():
    scn = loads(mixture([0.5, None]).split("[[train.variant]]")[0] + "[deploy]\n", "plain.toml")
    assert scn.train.variants == () and {sh.variant for sh in scn.train.shapes()} == {None}


# -- what is refused ----------------------------------------------------------------------------

def test_a_positive_share_that_rounds_to_no_episode_is_refused_with_the_count_needed():
    # 0.04 of 10 is 0.4 against 9.6: the spare goes to 0.6. It gets one when 0.04 n > 0.5
    # beats the other's remainder, first at n = 13 (0.52 against 12.48)
    [(key, text)] = problems(mixture([0.04, None]))
    assert key == "train.variant.0.share"
    assert "rounds to no episode" in text and "13 episodes" in text and "train.episodes = 13" in text


def test_a_tie_lost_to_an_earlier_variant_is_refused_too():
    # 0.25 and 0.25 of 2: 0.5, 0.5 and 1; the spare goes to the first, the second gets none. Of 3
    # (0.75, 0.75, 1.5) the two spares go to the first two
    [(key, text)] = problems(mixture([0.25, 0.25, None], 2))
    assert key == "train.variant.1.share" and "3 episodes" in text


def test_a_last_variant_that_rounds_to_no_episode_is_refused_at_its_table():
    # the last is left 0.03: of n episodes it gets one once 0.03 n > 0.5, from n = 17
    [(key, text)] = problems(mixture([0.97, None]))
    assert key == "train.variant.1" and "17 episodes" in text


def test_a_share_that_would_need_too_many_episodes_says_so():
    [(key, text)] = problems(mixture([0.0001, None]))
    assert key == "train.variant.0.share" and "more than 1,000 episodes" in text


BAD = [
    pytest.param(mixture([0.6, 0.5, None]), "train.variant", "add up to 1.1 (0.6 + 0.5)", id="shares over 1"),
    pytest.param(mixture([0.5, 0.4]), "train.variant.1.share", "takes what the others leave, 0.5", id="last share wrong"),
    pytest.param(mixture([None, None]), "train.variant.0", "needs a share", id="share missing"),
    pytest.param(mixture([1.5, None]), "train.variant.0.share", "must be in [0.0, 1.0]", id="share over 1"),
    pytest.param(mixture(['"half"', None]), "train.variant.0.share", "expected a number", id="share a string"),
    pytest.param(mixture([0.5, None], extra="episode_length = 0\n"), "train.variant.0.episode_length",
                 "at least 1", id="episode_length 0"),
    pytest.param(mixture([0.5, None], extra="shares = 0.5\n"), "train.variant.0.shares", "did you mean 'share'",
                 id="unknown key"),
    pytest.param(mixture([0.5, None], extra='map = """\n#####\n#T.T#\n#####\n"""\n'), "train.variant.0.map",
                 "R", id="map without a robot"),
    pytest.param(mixture([0.5, None]).replace("[[train.variant]]", "variant = []\n[[x]]", 1).split("[[x]]")[0]
                 + "[deploy]\n", "train.variant", "at least one variant", id="empty list"),
    pytest.param(mixture([0.5, None]).replace("at = [1, 1]", "at = [2, 0]"), "train.variant.0.place.0.at",
                 "cell [2, 0] is a wall", id="at on a wall"),
    pytest.param(mixture([0.5, None]).replace('at = [1, 1]', 'on = "table", count = 3'),
                 "train.variant.0.place.0.count", "has only 2", id="count over the cells"),
    pytest.param(mixture([0.5, None]).replace('{ item = "crumb", at = [1, 1] }',
                                              '{ item = "camera", at = [2, 1], watches = "table" }, '
                                              '{ item = "camera", at = [2, 1], watches = "floor" }'),
                 "train.variant.0.place.1.at", "a second camera on cell [2, 1]", id="two cameras on a cell"),
    pytest.param(mixture([0.5, None]).replace('{ item = "crumb", at = [1, 1] }',
                                              '{ item = "object", kind = "red", at = [2, 1] }, '
                                              '{ item = "object", kind = "toy", color = "red", at = [2, 1] }', 1),
                 "train.variant.0.place.0", "the kind of this object and the colour", id="kind and colour clash"),
    pytest.param(mixture([0.5, None]).replace('{ item = "crumb", at = [1, 1] }', '{ item = "crumb", at = [1, 1] }, '
                                              '{ item = "camera", on = "table" }'),
                 "train.variant.0.place.1.on", "fixed cell", id="camera with on"),
]


@pytest.mark.parametrize(("text", "key", "words"), BAD)
def test_bad_variants_are_refused_at_their_key(text, key, words):
    found = problems(text)
    assert any(k == key and words in t for k, t in found), found


def test_the_distribution_s_placements_are_checked_on_a_variant_s_own_map():
    # the distribution places on 2 table cells; the variant's map has one
    text = mixture([0.5, None]).replace("seed = 1\n", 'seed = 1\nplace = [ { item = "crumb", on = "table", '
                                                      'count = 2 } ]\n', 1)
    text = text.replace("[[train.variant]]\nshare = 0.5\n" + WEST,
                        '[[train.variant]]\nshare = 0.5\nmap = """\n#####\n#TR.#\n#####\n"""')
    found = problems(text)
    want = ("asks for up to 2 cells but table has only 1 (the robot's start does not count) on the map of "
            "train.variant.0 (use count <= 1)")
    assert found == [("train.place.0.count", want)]


def test_an_error_in_a_nested_variant_table_names_its_line():
    text = HEAD + ("[train]\nepisodes = 4\n[[train.variant]]\nshare = 0.5\n[[train.variant.place]]\nitem = \"crumb\"\n"
                   "at = [1, 1]\n[[train.variant]]\n[[train.variant.place]]\nitem = \"crumb\"\nat = [9, 9]\n[deploy]\n")
    with pytest.raises(ScenarioError) as err:
        loads(text, "mix.toml")
    [p] = err.value.problems
    assert p.key == "train.variant.1.place.0.at" and "outside the map" in p.problem
    assert text.splitlines()[p.line - 1] == "at = [9, 9]"


def test_what_only_a_variant_places_counts_for_names_and_actions():
    # a reward reading an object kind and a camera's cover, both placed only in a variant
    text = mixture([0.5, None]).replace('{ item = "crumb", at = [1, 1] }',
                                        '{ item = "object", kind = "toy", at = [2, 1] }, '
                                        '{ item = "camera", at = [4, 1], watches = "table" }')
    text = text.replace('reward = "event.crumbs_vacuumed + robot.x"', 'reward = "inventory.toy + event.cover"')
    scn = loads(text, "mix.toml")
    assert scn.object_names()[0] == frozenset({"toy"})
    misspelt = text.replace("inventory.toy", "inventory.tyo")
    assert any("did you mean 'toy'" in t for _k, t in problems(misspelt))


# -- running a mixture ----------------------------------------------------------------------------

def test_each_episode_starts_as_its_variant_places_it():
    # 0.2 of 10: episodes 1-2 west (crumb at [1, 1]), 3-10 east ([5, 1]); the deploy mixture of
    # 0.5 of 2 gives episode 1 west and 2 east
    deploy = "[deploy]\nepisodes = 2\n[[deploy.variant]]\nshare = 0.5\n" + WEST + "\n[[deploy.variant]]\n" + EAST
    scn = loads(mixture([0.2, None], deploy=deploy), "mix.toml")
    report = run(scn)
    assert [e.start.crumb for e in report.train.episodes] == [{(1, 1): 1}] * 2 + [{(5, 1): 1}] * 8
    assert [e.start.crumb for e in report.deploy.episodes] == [{(1, 1): 1}, {(5, 1): 1}]
    d = report.to_dict()
    assert [(v["variant"], v["first_episode"], v["episodes"]) for v in d["train"]["variants"]] == [(1, 1, 2), (2, 3, 8)]
    # west, the robot goes east and leaves the crumb; east, it vacuums it: base 0 and 1 by variant
    assert [v["base_score"] for v in d["train"]["variants"]] == [0.0, 1.0]
    assert [(e["episode"], e["variant"]) for e in d["episodes"]] == [(1, 1), (2, 2)]
    assert [v["base_score"] for v in d["deploy"]["variants"]] == [0.0, 1.0]


def test_draw_gives_the_same_households_as_the_run():
    scn = loads(mixture([0.2, None]), "mix.toml")
    assert draw(scn, "train") == [e.start for e in run(scn).train.episodes]


def test_json_is_the_same_across_jobs_and_hash_seeds(tmp_path: Path):
    deploy = "[deploy]\nepisodes = 3\n[[deploy.variant]]\nshare = 0.34\n" + WEST + "\n[[deploy.variant]]\n" + EAST
    f = tmp_path / "mix.toml"
    f.write_text(mixture([0.3, 0.3, None], deploy=deploy), encoding="utf-8")
    outs = []
    for jobs, seed in (("1", "0"), ("2", "1"), ("2", "12345")):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        p = subprocess.run([sys.executable, "-m", "pseudoalign.cli.main", "run", str(f), "--json", "--jobs", jobs],
                           check=False, capture_output=True, env=env, timeout=300,
                           cwd=tmp_path)  # at the repository's root, its source would shadow the install
        assert p.returncode == 0, p.stderr
        outs.append(p.stdout)
    assert outs[0] == outs[1] == outs[2]
    d = json.loads(outs[0])
    assert [v["episodes"] for v in d["train"]["variants"]] == [3, 3, 4]
    assert [e["variant"] for e in d["episodes"]] == [1, 2, 2]  # 1.02 and 1.98: the spare to 0.98


def test_show_names_which_episodes_are_which_variant(tmp_path: Path):
    f = tmp_path / "mix.toml"
    f.write_text(mixture([0.2, None]), encoding="utf-8")
    out = CliRunner().invoke(cli, ["show", str(f), "--color", "never"], env={"COLUMNS": "100"})
    assert out.exit_code == 0, out.output
    assert "train: episodes 1-2: variant 1 (share 0.2), episodes 3-10: variant 2 (share 0.8)" in out.output
    assert "train, variant 1, episode 1" in out.output and "train, variant 2, episode 3" in out.output
    assert "deploy, episode 1" in out.output


def test_the_run_report_draws_a_map_per_variant(tmp_path: Path):
    f = tmp_path / "mix.toml"
    f.write_text(mixture([0.2, None]), encoding="utf-8")
    out = CliRunner().invoke(cli, ["run", str(f), "--color", "never"], env={"COLUMNS": "100"})
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    head = next(i for i, ln in enumerate(lines) if "train, variant 1, episode 1" in ln)
    assert "train, variant 2, episode 3" in lines[head]
    # the west crumb in the first variant's map, the east crumb in the second's
    row = lines[head + 2]
    first, second = row.split("│  │")[:2]
    assert first.index(":1") < first.index("T")
    assert second.index("T") < second.index(":1")


def test_a_sweep_over_a_variant_share_changes_the_episode_counts(tmp_path: Path):
    f = tmp_path / "mix.toml"
    f.write_text(mixture([0.2, None]), encoding="utf-8")
    key = "train.variant.0.share"
    the_plan = plan(str(f), [f"{key}=0,0.1,0.5"])
    assert [[sh.variant for sh in pt.scenario.train.shapes()].count(0) for pt in the_plan.points] == [0, 1, 5]
    results = list(sweep(str(f), {key: [0, 0.1, 0.5]}))
    # each west episode is one the robot fails, each east one it passes: train base score 1 - share
    assert [o.result["train"]["base_score"] for o in results] == [1.0, 0.9, 0.5]


def test_a_mixture_and_its_report_follow_the_schemas():
    import tomllib

    import jsonschema

    from pseudoalign.report import report_schema
    from pseudoalign.scenario.keys import json_schema

    deploy = "[deploy]\nepisodes = 2\n[[deploy.variant]]\nshare = 0.5\n" + WEST + "\n[[deploy.variant]]\n" + EAST
    text = mixture([0.2, None], deploy=deploy)
    jsonschema.Draft4Validator(json_schema()).validate(tomllib.loads(text))
    d = json.loads(run(loads(text, "mix.toml")).to_json())
    jsonschema.Draft4Validator(report_schema()).validate(d)
    d["episodes"][0]["variant"] = 0  # variants are numbered from 1
    assert list(jsonschema.Draft4Validator(report_schema()).iter_errors(d))


def test_replay_draws_an_episode_on_its_variant_s_map(tmp_path: Path):
    # the first variant has its own 3-cell map (5 glyphs wide: 10 characters), the second the
    # world's 7-cell-wide row (14 characters)
    own = '[[train.variant]]\nshare = 0.5\nmap = """\n#####\n#RTT#\n#####\n"""\n'
    text = HEAD + "[train]\nepisodes = 2\n" + own + "[[train.variant]]\n[deploy]\n"
    f = tmp_path / "own.toml"
    f.write_text(text, encoding="utf-8")
    for episode, wall in (("1", "#" * 10), ("2", "#" * 14)):
        out = CliRunner().invoke(cli, ["replay", str(f), "--phase", "train", "--episode", episode, "--color", "never"])
        assert out.exit_code == 0, out.output
        assert out.output.splitlines()[1] == wall


def test_every_bad_placement_of_a_variant_is_reported_at_once():
    text = mixture([0.5, None]).replace('place = [ { item = "crumb", at = [1, 1] } ]',
                                        'place = [ { item = "crumb", at = [0, 0] }, { item = "crumb", at = [9, 9] } ]', 1)
    assert [k for k, _t in problems(text)] == ["train.variant.0.place.0.at", "train.variant.0.place.1.at"]
