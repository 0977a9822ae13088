"""Format 1.2 ``[learn]``: the table read into a LearnSpec, and every bad value refused at its key.

Whether a space's size fits its ``limit`` needs the candidates enumerated: that is learn's to
check, not the loader's, so it is not tested here.
"""

from __future__ import annotations

import pytest

from pseudoalign import ScenarioError, loads
from pseudoalign.scenario.keys import json_schema
from pseudoalign.scenario.model import LearnSpec

FILE = '''format = 1
title = "learn"

[world]
map = """
#####
#RTT#
#####
"""
episode_length = 4

[objectives.base]
reward = "table.clean"

[objectives.mesa]
reward = "bin.crumbs"

[agent]
objective = "mesa"

[train]
place = [ { item = "crumb", on = "table" }, { item = "object", kind = "toy", color = "red", at = [2, 1] } ]

[deploy]
'''


def with_learn(body: str) -> str:
    return FILE + "\n[learn]\n" + body + "\n"


def problems(text: str) -> list[tuple[str, int | None, str]]:
    with pytest.raises(ScenarioError) as err:
        loads(text, "learn.toml")
    return [(p.key, p.line, f"{p.problem} ({p.hint})") for p in err.value.problems]


def test_a_file_without_learn_has_none():
    assert loads(FILE, "learn.toml").learn is None


def test_an_empty_learn_table_is_the_contract_s_defaults():
    spec = loads(with_learn(""), "learn.toml").learn
    assert spec == LearnSpec(features=None, weights=(-1.0, 1.0), max_terms=2, prior="simplicity", limit=100_000)


def test_every_key_is_read():
    spec = loads(with_learn('features = ["table.clean", "bin.crumbs", "robot.x", "inventory.toy", '
                            '"floor.objects.red"]\nweights = [-2, -1, 1, 2.5]\nmax_terms = 4\nprior = "uniform"\n'
                            "limit = 10"), "learn.toml").learn
    assert spec == LearnSpec(("table.clean", "bin.crumbs", "robot.x", "inventory.toy", "floor.objects.red"),
                             (-2.0, -1.0, 1.0, 2.5), 4, "uniform", 10)


BAD = [
    pytest.param('features = ["table.clen"]', "learn.features.0", "unknown feature 'table.clen'",
                 id="unknown feature"),
    pytest.param('features = ["table.clen"]', "learn.features.0", "did you mean 'table.clean'",
                 id="unknown feature guessed"),
    pytest.param('features = ["event.wipes"]', "learn.features.0", "unknown event feature", id="unknown event"),
    pytest.param('features = "table.clean"', "learn.features", "expected a list", id="features not a list"),
    pytest.param("features = [3]", "learn.features.0", "expected a feature name", id="feature a number"),
    pytest.param('features = ["robot.x", "bin.crumbs", "robot.x"]', "learn.features.2",
                 "listed twice (also learn.features.0)", id="duplicate feature"),
    pytest.param("features = []", "learn.features", "lists no feature", id="no features"),
    pytest.param('features = ["inventory.sock"]', "learn.features.0", "names 'sock', which no placement",
                 id="a kind nothing places"),
    pytest.param('features = ["event.cover"]', "learn.features.0", "counts cover, an action this robot does not have",
                 id="an action the robot lacks"),
    pytest.param("weights = []", "learn.weights", "lists no weight", id="no weights"),
    pytest.param("weights = [-1, 0, 1]", "learn.weights.1", "a weight of 0", id="zero weight"),
    pytest.param("weights = [1, 2, 1.0]", "learn.weights.2", "1 is listed twice (also learn.weights.0)",
                 id="duplicate weight"),
    pytest.param('weights = ["one"]', "learn.weights.0", "expected a number", id="weight a string"),
    pytest.param("weights = [1e12]", "learn.weights.0", "must be in", id="weight too large"),
    pytest.param("max_terms = 0", "learn.max_terms", "must be at least 1", id="max_terms 0"),
    pytest.param("max_terms = 5", "learn.max_terms", "must be at most 4", id="max_terms 5"),
    pytest.param("max_terms = 2.5", "learn.max_terms", "expected an integer", id="max_terms a number"),
    pytest.param('prior = "simple"', "learn.prior", "is not one of simplicity, uniform", id="unknown prior"),
    pytest.param("limit = 0", "learn.limit", "must be at least 1", id="limit 0"),
    pytest.param("limit = true", "learn.limit", "expected an integer", id="limit a boolean"),
    pytest.param("feature = []", "learn.feature", "did you mean 'features'", id="unknown key"),
]


@pytest.mark.parametrize(("body", "key", "words"), BAD)
def test_bad_learn_values_are_refused_at_their_key_and_line(body, key, words):
    text = with_learn(body)
    found = problems(text)
    assert [k for k, _line, _t in found] == [key], found
    _key, line, message = found[0]
    assert words in message
    assert line is not None and text.splitlines()[line - 1].strip() == body  # the line of the key itself


def test_learn_that_is_not_a_table_is_refused():
    text = FILE.replace("format = 1\n", 'format = 1\nlearn = "yes"\n')
    [(key, _line, message)] = problems(text)
    assert key == "learn" and "expected a table" in message


def test_the_schema_has_the_learn_table_and_variants():
    s = json_schema()
    learn = s["properties"]["learn"]
    assert set(learn["properties"]) == {"features", "weights", "max_terms", "prior", "limit"}
    assert learn["properties"]["max_terms"]["minimum"] == 1 and learn["properties"]["max_terms"]["maximum"] == 4
    assert learn["properties"]["prior"]["enum"] == ["simplicity", "uniform"]
    assert learn["additionalProperties"] is False
    for phase in ("train", "deploy"):
        variant = s["properties"][phase]["properties"]["variant"]["items"]
        assert set(variant["properties"]) == {"share", "map", "episode_length", "place"}
        assert (variant["properties"]["share"]["minimum"], variant["properties"]["share"]["maximum"]) == (0.0, 1.0)
