"""The loader: every fault of a file reported as FILE:LINE: key.path: problem, all at once."""

from __future__ import annotations

import pytest

from helpers import small
from pseudoalign import ScenarioError, load, loads
from pseudoalign.scenario.keys import json_schema
from pseudoalign.vocab import ACTIONS

GOOD = small()


def errors_of(text: str | bytes) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        loads(text, "s.toml")
    return info.value


def line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.split("\n"), start=1) if needle in ln)


BAD = [
    # (id, edit of GOOD as (old, new), key path, words in the problem, words in the hint, text on the reported line)
    ("unknown-key", ('objective = "mesa"', 'objective = "mesa"\nhorizn = 3'), "agent.horizn", "unknown key", "horizon", 'horizn'),
    ("bad-type", ("episode_length = 10", 'episode_length = "ten"'), "world.episode_length", "expected an integer", "", 'episode_length'),
    ("below-minimum", ("episode_length = 10", "episode_length = 0"), "world.episode_length", "at least 1", "", 'episode_length'),
    ("gamma-out-of-range", ('objective = "mesa"', 'objective = "mesa"\ngamma = 0'), "agent.gamma", "(0.0, 1.0]", "", 'gamma'),
    ("unknown-feature", ('reward = "table.clean"', 'reward = "table.clen"'), "objectives.base.reward", "unknown feature", "table.clean", 'table.clen'),
    ("bad-expression", ('reward = "table.clean"', 'reward = "2 * * table.clean"'), "objectives.base.reward", "column 5", "", '* *'),
    ("unknown-objective", ('objective = "mesa"', 'objective = "mesaa"'), "agent.objective", "no objective named", "mesa", 'mesaa'),
    ("unknown-item", ('item = "stain"', 'item = "stian"'), "train.place.0.item", "not one of", "stain", 'stian'),
    ("count-too-large", ('count = 2 }]\n\n[deploy]', 'count = 99 }]\n\n[deploy]'), "train.place.0.count", "only", "count <=", 'count = 99'),
    ("unknown-action", ('objective = "mesa"', 'objective = "mesa"\ncannot = ["jump"]'), "agent.cannot.0", "not one of", "", 'jump'),
    ("cannot-everything", ('objective = "mesa"', 'objective = "mesa"\ncannot = ' + str(list(ACTIONS)).replace("'", '"')),
     "agent.cannot", "names every action", "wait", 'cannot = ['),
    ("huge-number", ('reward = "table.clean"', 'reward = "1e308*table.clean - 1e308*all.clean"'),
     "objectives.base.reward", "at most 1,000,000,000", "", '1e308'),
    ("belief-key", ('objective = "mesa"', 'objective = "mesa"\nbeliefs = { "bin.crumb" = "0" }'), "agent.beliefs.bin.crumb", "unknown feature", "", 'bin.crumb'),
    ("unaware-of-nothing", ('objective = "mesa"', 'objective = "mesa"\nunaware_of = ["cookies"]'), "agent.unaware_of.0", "no item", "cookie", 'cookies'),
    ("wrong-format", ("format = 1", "format = 2"), "format", "at most 1", "", 'format = 2'),
    ("missing-title", ('title = "test"', ""), "title", "required key is missing", "", None),
    ("placement-both", ('{ item = "stain", on = "table", count = 2 }]\n\n[deploy]',
                        '{ item = "stain", on = "table", at = [2, 1] }]\n\n[deploy]'), "train.place.0", "exactly one of", "", 'at = [2, 1]'),
    ("at-wall", ('{ item = "stain", on = "table", count = 2 }]\n\n[deploy]',
                 '{ item = "stain", at = [0, 0] }]\n\n[deploy]'), "train.place.0.at", "a wall", "column", 'at = [0, 0]'),
    ("kind-on-stain", ('item = "stain", on = "table", count = 2 }]\n\n[deploy]',
                       'item = "stain", kind = "x", on = "table", count = 2 }]\n\n[deploy]'), "train.place.0.kind", "only objects", "", 'kind = "x"'),
    ("object-without-kind", ('{ item = "stain", on = "table", count = 2 }]\n\n[deploy]',
                             '{ item = "object", on = "floor" }]\n\n[deploy]'), "train.place.0.kind", "needs a kind", "", '"object"'),
    ("bad-range", ('count = 2 }]\n\n[deploy]', 'count = [3, 1] }]\n\n[deploy]'), "train.place.0.count", "min <= max", "", '[3, 1]'),
    ("no-base", ("[objectives.base]", "[objectives.bsae]"), "objectives", "objectives.base", "bsae", 'objectives.bsae'),
]


@pytest.mark.parametrize(("edit", "key", "problem", "hint", "needle"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_each_fault_names_file_line_key_and_problem(edit, key, problem, hint, needle):
    old, new = edit
    assert old in GOOD, "the test's edit must apply"
    text = GOOD.replace(old, new, 1)
    err = errors_of(text)
    found = [p for p in err.problems if p.key == key]
    assert found, str(err)
    p = found[0]
    assert problem in p.problem, str(err)
    assert hint in p.hint, str(err)
    if needle is None:  # a missing key has no line of its own
        assert str(err).splitlines()[0].startswith(f"s.toml: {key}: ")
    else:
        assert needle in text.split("\n")[p.line - 1], (p.line, str(err))
        assert str(err).splitlines()[0].startswith(f"s.toml:{err.problems[0].line}: ")


def test_cannot_with_a_typo_is_not_read_as_every_action():
    """Ten real actions and one unknown name: the unknown name is the fault, not 'every action'."""
    names = [a for a in ACTIONS if a not in ("wait", "dump", "drop", "cover")] + ["jump"]  # format 1's ten
    text = GOOD.replace('objective = "mesa"', 'objective = "mesa"\ncannot = ' + str(names).replace("'", '"'), 1)
    err = errors_of(text)
    assert [p.key for p in err.problems] == ["agent.cannot.10"], str(err)


def test_all_faults_of_a_file_are_reported_at_once():
    text = GOOD.replace("episode_length = 10", "episode_length = 0").replace('objective = "mesa"', 'objective = "mesa"\nhorizn = 1')
    err = errors_of(text)
    assert {p.key for p in err.problems} >= {"world.episode_length", "agent.horizn"}


@pytest.mark.parametrize(("row", "glyph_line"), [(1, "#RTTX.#"), (2, "#...X.#")])
def test_map_faults_point_at_the_row(row, glyph_line):
    old_row = "#RTTT.#" if row == 1 else "#.....#"
    text = GOOD.replace(old_row, glyph_line)
    err = errors_of(text)
    assert err.problems[0].key == "world.map"
    assert "unknown glyph 'X'" in err.problems[0].problem
    assert err.problems[0].line == line_of(text, glyph_line)


@pytest.mark.parametrize(("mapping", "problem"), [
    ("#######\n#RTTT.#\n#.....\n#######", "same width"),
    ("#######\n#RTTT.#\n#.....R\n#######", "walls all round"),
    ("#######\n#.TTT.#\n#.....#\n#######", "exactly one R"),
    ("#######\n#RTTR.#\n#.....#\n#######", "exactly one R"),
], ids=["ragged", "open-edge", "no-start", "two-starts"])
def test_map_shape_faults(mapping, problem):
    text = GOOD.replace("#######\n#RTTT.#\n#.....#\n#######", mapping)
    assert problem in str(errors_of(text))


@pytest.mark.parametrize(("data", "problem"), [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"\x00\x01\x02", "not a text file"),
    (b"\xff\xfe title", "not UTF-8"),
    (b"format = 1\ntitle = \"x\"\n[world\n", "not valid TOML"),
    (b"[[[", "not valid TOML"),
], ids=["empty", "blank", "binary", "latin", "toml-syntax", "toml-garbage"])
def test_files_that_are_not_scenarios_get_one_line(data, problem):
    err = errors_of(data)
    assert problem in str(err)
    assert len(str(err).splitlines()) == 1


def test_toml_syntax_error_has_line_and_column():
    err = errors_of(b'format = 1\ntitle = "x"\n[world\nmap = 1\n')
    assert err.problems[0].line == 3 and err.problems[0].column is not None


def test_unknown_bundled_name_suggests_the_close_one():
    with pytest.raises(ScenarioError) as info:
        load("table-wipr")
    assert "did you mean 'table-wiper'" in str(info.value)


def test_a_good_file_loads_with_defaults():
    scn = loads(GOOD, "s.toml")
    assert scn.name == "scenario" and scn.agent.gamma == 0.99 and scn.agent.horizon is None
    assert scn.classify.tolerance == 0.9 and scn.crumbs_per_cookie == 4
    assert scn.train.episodes == 2 and scn.train.episode_length == 10


def test_deploy_agent_overrides_only_what_it_names():
    text = GOOD.replace('objective = "mesa"', 'objective = "mesa"\nhorizon = 3\nunaware_of = ["cookie"]').replace(
        "seed = 2", "seed = 2\nagent = { horizon = 9 }")
    scn = loads(text, "s.toml")
    assert scn.train.agent.horizon == 3 and scn.deploy.agent.horizon == 9
    assert scn.deploy.agent.unaware_of == ("cookie",)


def test_legend_puts_fixed_items(tmp_path):
    text = GOOD.replace("#RTTT.#", "#RTTm.#").replace(
        "episode_length = 10", 'episode_length = 10\nlegend = { m = { surface = "table", items = [ { item = "mug", units = 5 } ] } }')
    scn = loads(text, "s.toml")
    from pseudoalign.world.draw import draw_episodes

    eps = draw_episodes(scn.train, scn.legend)
    assert all(e.mug == {(4, 1): 5} for e in eps)


def test_legend_cannot_redefine_builtin_glyphs():
    text = GOOD.replace("episode_length = 10", 'episode_length = 10\nlegend = { T = { surface = "floor" } }')
    assert "built-in glyph" in str(errors_of(text))


def test_schema_describes_every_top_level_key():
    s = json_schema()
    assert s["$schema"].startswith("http://json-schema.org/draft-04")
    assert set(s["required"]) == {"format", "title", "world", "objectives", "agent", "train", "deploy"}
    assert s["additionalProperties"] is False
