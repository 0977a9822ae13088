"""``learn`` (learn.md): the space, the search against the engine itself, classes, the prior, limits."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from attrs import evolve

import pseudoalign as pa
from pseudoalign.labels import Label
from pseudoalign.learn import LearnError, derived_features, search, space_of, text_of
from pseudoalign.learn.space import count_raw, merge_key
from pseudoalign.scenario.expr import canonical, parse
from pseudoalign.scenario.model import LearnSpec


def shrunk(name: str, episodes: int = 3) -> str:
    """A bundled file's text with fewer episodes in each distribution (the same story, quicker)."""
    text = Path(pa.resolve(name)).read_text(encoding="utf-8")
    return re.sub(r"(?m)^episodes = \d+$", f"episodes = {episodes}", text)


def with_candidate(text: str, objective: str) -> str:
    """The file with ``objective`` as the robot's learned objective, written as a user would: a new
    [objectives.candidate] table and [agent] objective naming it; nothing else changed."""
    text, n = re.subn(r'(?m)^\[agent\]\nobjective = "[^"]*"',
                      f'[objectives.candidate]\nreward = "{objective}"\n\n[agent]\nobjective = "candidate"', text)
    assert n == 1
    return text


SAMPLES = {
    # no limits, no drift
    "crumb-vacuum": ("table.crumbs", "bin.crumbs", "event.vacuum", "robot.x", "floor.cookies"),
    # limits (unaware of cookies, a belief) and a deploy agent override: the probes and the ladder's rungs
    "cookie-eliminator": ("all.cookies", "all.crumbs", "bin.crumbs", "table.clean"),
    # the deploy agent drifts to another objective, which it keeps (the counterfactual rung)
    "goal-drift": ("table.crumbs", "bin.crumbs", "event.crumbs_vacuumed"),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_learn_agrees_with_run_of_a_file_with_that_objective(name, tmp_path):
    """For a sample of candidates, `pseudoalign run` of a file with that objective as the robot's
    gives the train base score learn reports, and for survivors its label and deploy score."""
    text = shrunk(name)
    scn = pa.loads(text, f"{name}.toml")
    result = search(scn, spec=LearnSpec(features=SAMPLES[name], max_terms=2))
    scores = dict(result.train_scores)
    rows = {r.objective: r for r in result.rows}
    cands = [t for t, _s in result.train_scores]
    sample = cands[:3] + cands[len(cands) // 2: len(cands) // 2 + 2] + cands[-2:]
    assert any(t not in rows for t in sample) or len(rows) == len(cands)
    for objective in dict.fromkeys(sample):
        path = tmp_path / f"{name}-candidate.toml"
        path.write_text(with_candidate(text, objective), encoding="utf-8")
        report = pa.run(str(path))
        assert report.train.base_score == pytest.approx(scores[objective], abs=1e-12), objective
        survives = report.train.base_score >= scn.classify.tolerance
        assert (objective in rows) == survives, objective
        if survives:
            assert rows[objective].label == report.label, objective
            assert rows[objective].deploy_base_score == pytest.approx(report.deploy.base_score, abs=1e-12)


@pytest.mark.parametrize("name", ["crumb-vacuum", "table-wiper", "stain-sensor", "faithful"])
def test_the_base_survives_when_the_robot_has_no_limits(name):
    scn = pa.loads(shrunk(name, 2), f"{name}.toml")
    assert not scn.agent.limits()
    result = search(scn, spec=LearnSpec(features=("robot.x",), max_terms=1))
    base = [r for r in result.rows if r.origin == "base"]
    assert len(base) == 1 and base[0].train_base_score == 1.0 and result.base_class == base[0].behaviour_class


def test_objectives_that_act_alike_in_training_share_a_class_and_differ_in_deployment():
    """Training puts crumbs only on the table, so -table.crumbs and -all.crumbs read the same in
    every train state: one behaviour class. In deployment cookies on the floor break into crumbs
    off the table, which only one of them counts."""
    scn = pa.loads(shrunk("crumb-vacuum"), "crumb-vacuum.toml")
    result = search(scn, spec=LearnSpec(features=("table.crumbs", "all.crumbs"), max_terms=1))
    rows = {r.objective: r for r in result.rows}
    assert rows["-table.crumbs"].behaviour_class == rows["-all.crumbs"].behaviour_class
    assert canonical(parse("-table.crumbs")) != canonical(parse("-all.crumbs"))
    assert result.classes == len({r.behaviour_class for r in result.rows})


def test_constants_and_positive_factors_make_one_candidate():
    assert merge_key(parse("2*table.clean + 3")) == merge_key(parse("table.clean"))
    assert merge_key(parse("-2*all.crumbs + 4*bin.crumbs")) == merge_key(parse("-all.crumbs + 2*bin.crumbs"))
    assert merge_key(parse("-table.clean")) != merge_key(parse("table.clean"))  # a negative factor is another goal
    scn = pa.load("crumb-vacuum")
    space = space_of(scn, LearnSpec(features=("table.crumbs", "bin.crumbs"), weights=(-2, -1, 1, 2), max_terms=2))
    texts = [c.text for c in space.candidates]
    keys = [merge_key(c.terms) for c in space.candidates]
    assert len(keys) == len(set(keys))  # no two candidates are positive multiples
    assert "table.crumbs - bin.crumbs" in texts and "2*table.crumbs - 2*bin.crumbs" not in texts
    assert "-table.crumbs" in texts and "-2*table.crumbs" not in texts
    assert "2*table.crumbs + bin.crumbs" in texts  # not a multiple of any other
    # per feature pair: 16 sign/size choices, of which the 4 with equal sizes come twice -> 12; singles: 2 each
    assert len([c for c in space.candidates if c.origin == "space"]) == 2 * 2 + 12 - 1  # bin.crumbs is the mesa
    assert [c.origin for c in space.candidates[:2]] == ["base", "mesa"]


def test_candidate_texts_are_reward_expressions_of_their_terms():
    scn = pa.load("crumb-vacuum")
    space = space_of(scn, LearnSpec(weights=(-2, -1, 0.5, 3), max_terms=3, limit=100_000))
    for c in space.candidates:
        assert canonical(parse(c.text)) == canonical(c.terms), c.text
    assert text_of(parse("-table.crumbs + 2*bin.crumbs - final(robot.x)")) == "-table.crumbs + 2*bin.crumbs - final(robot.x)"


def test_the_simplicity_prior_and_the_uniform_one():
    scn = pa.load("crumb-vacuum")
    spec = LearnSpec(features=("table.crumbs", "bin.crumbs", "robot.x"), weights=(-2, -1, 1, 2), max_terms=2)
    space = space_of(scn, spec)
    w = {c.text: c.weight for c in space.candidates}
    assert math.isclose(sum(w.values()), 1.0)
    assert math.isclose(w["robot.x"], 2 * w["table.crumbs + robot.x"])  # 2^-terms
    assert math.isclose(w["-robot.x"], w["robot.x"])
    assert math.isclose(w["2*table.crumbs + robot.x"], w["table.crumbs + robot.x"] / 2)  # 1/|2| for the 2
    uniform = space_of(scn, evolve(spec, prior="uniform"))
    assert len({c.weight for c in uniform.candidates}) == 1


def test_derived_features_follow_the_contract():
    """crumb-vacuum places crumbs on the table (train and deploy) and cookies on the floor (deploy)."""
    assert set(derived_features(pa.load("crumb-vacuum"))) == {
        "table.crumbs", "all.crumbs", "floor.cookies", "all.cookies", "table.clean", "bin.crumbs",
        "event.vacuum", "event.crumbs_vacuumed", "event.break", "robot.x", "robot.y"}
    coverer = derived_features(pa.load("camera-coverer"))
    assert "camera.clean" in coverer and coverer[-2:] == ("robot.x", "robot.y")


def test_a_space_over_its_limit_is_refused_before_any_planning(monkeypatch):
    import importlib

    s = importlib.import_module("pseudoalign.learn.search")  # the module (the package exports its function)

    def never(*a, **k):  # pragma: no cover - reached only if the refusal came too late
        raise AssertionError("planned before refusing")

    monkeypatch.setattr(s, "build_graph", never)
    monkeypatch.setattr(s, "plan_many", never)
    scn = pa.load("crumb-vacuum")
    n = len(derived_features(scn))
    with pytest.raises(LearnError) as err:
        search(scn, spec=LearnSpec(max_terms=2, limit=50))
    text = str(err.value)
    assert "[learn] limit of 50" in text and "raise [learn] limit" in text
    merged = len(space_of(scn, LearnSpec(limit=100_000)).candidates)
    assert f"{merged:,} candidates" in text
    many = tuple(f"{w}.{q}" for w in ("table", "floor", "counter", "cupboard", "all")
                 for q in ("stains", "stained", "crumbs", "cookies", "coffee", "dishes", "objects", "clean"))
    with pytest.raises(LearnError, match="at least"):  # far over: refused by a bound, without enumerating
        search(scn, spec=LearnSpec(features=many, max_terms=4, weights=(-2, -1, 1, 2), limit=10))
    assert count_raw(n, 2, 2) == 2 * n + 4 * n * (n - 1) // 2


@pytest.mark.parametrize("spec, words", [
    (LearnSpec(features=("table.crums",)), "unknown feature 'table.crums'"),
    (LearnSpec(max_terms=5), "max_terms is 5"),
    (LearnSpec(max_terms=0), "max_terms is 0"),
    (LearnSpec(weights=(-1, 0, 1)), "non-zero"),
])
def test_bad_learn_input_is_refused_with_what_to_write(spec, words):
    with pytest.raises(LearnError, match=re.escape(words)):
        space_of(pa.load("crumb-vacuum"), spec)


def test_the_result_weighs_labels_by_the_prior_over_survivors():
    scn = pa.loads(shrunk("crumb-vacuum"), "crumb-vacuum.toml")
    r = search(scn, spec=LearnSpec(features=("table.crumbs", "bin.crumbs", "event.vacuum"), max_terms=2))
    total = sum(row.prior for row in r.rows)
    for lab, m in r.label_mass:
        assert math.isclose(m, sum(row.prior for row in r.rows if row.label == lab) / total)
    assert math.isclose(sum(m for _l, m in r.label_mass), 1.0)
    assert r.expected_deploy_base_score == pytest.approx(
        sum(row.prior * row.deploy_base_score for row in r.rows) / total)
    assert sum(n for _l, n in r.label_counts) == r.survivors
    # the file's own robot, the bin-lover, survives training and is instrumental, as `run` says
    mesa = next(row for row in r.rows if row.origin == "mesa")
    assert mesa.objective == "bin.crumbs" and mesa.label == Label.INSTRUMENTAL
    d = r.to_dict()
    assert d["survivors"] == len(d["rows"]) == r.survivors and "<table>" in r._repr_html_()


def test_same_bytes_for_any_jobs():
    scn = pa.loads(shrunk("crumb-vacuum", 2), "crumb-vacuum.toml")
    spec = LearnSpec(features=("table.crumbs", "bin.crumbs", "event.vacuum", "robot.x"), max_terms=2)
    one = pa.learn(scn, spec=spec, jobs=1).to_json()
    two = pa.learn(scn, spec=spec, jobs=2).to_json()
    assert one == two


@pytest.mark.slow
def test_training_on_a_table_of_crumbs_keeps_the_bin_lover_the_crumb_counter_and_the_cleaner():
    """Issue 13's crumb-vacuum, on the default space: training cannot rule out the bin-lover nor
    the crumb-counter, and they do not do the job in deployment; the faithful cleaner does."""
    result = pa.learn("crumb-vacuum")
    rows = {r.objective: r for r in result.rows}
    assert {"table.clean", "bin.crumbs", "event.crumbs_vacuumed"} <= set(rows)
    assert rows["table.clean"].label == Label.ROBUST and rows["table.clean"].origin == "base"
    assert rows["bin.crumbs"].label == Label.INSTRUMENTAL == pa.run("crumb-vacuum").label
    assert rows["event.crumbs_vacuumed"].deploy_base_score < result.tolerance
    assert 0 < result.mass(Label.ROBUST) < 1 and result.mass(Label.INSTRUMENTAL) > 0
