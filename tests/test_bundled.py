"""Every bundled scenario runs, earns its expected label with a margin, and the JSON keeps the contract."""

from __future__ import annotations

import json

import pytest

from pseudoalign import Label, bundled_names, load
from pseudoalign.engine import run

NAMES = bundled_names()
LABELS = {str(label) for label in Label}


def test_the_five_robots_are_bundled():
    assert {"table-wiper", "crumb-vacuum", "cookie-eliminator", "stain-sensor", "faithful"} <= set(NAMES)


@pytest.fixture(scope="module")
def reports():
    return {name: run(load(name)) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_verdict_equals_expected(name, reports):
    r = reports[name]
    assert r.scenario.expected is not None, "a bundled scenario says what it expects"
    assert r.label == r.scenario.expected
    assert r.to_dict()["verdict"]["agrees"] is True


@pytest.mark.parametrize("name", NAMES)
def test_labels_are_earned_with_a_margin(name, reports):
    """No deploy base score within 0.1 of the tolerance; proxy coupling at least 0.2 from its threshold."""
    r = reports[name]
    tol = r.scenario.classify.tolerance
    assert abs(r.deploy.base_score - tol) >= 0.1 - 1e-9  # 1.0 against 0.9 is the widest a robust run can be
    if r.label == "misaligned":  # the control training would not keep: well below the tolerance instead
        assert r.train.base_score <= tol - 0.1 + 1e-9
    else:
        assert r.train.base_score >= tol + 0.1 - 1e-9
    if r.label in ("side-effect", "instrumental"):
        assert abs(r.probes.coupling - r.scenario.classify.coupling) >= 0.2
    assert r.verdict.borderline is None, r.verdict.borderline_note
    if r.counterfactual is not None:  # goal drift: the learned objective clears the tolerance widely
        assert r.counterfactual.base_score >= tol + 0.1 - 1e-9


@pytest.mark.parametrize("name", NAMES)
def test_json_report_keeps_the_contract(name, reports):
    d = json.loads(reports[name].to_json())
    assert d["format"] == 1 and d["verdicts"] == "1.1" and d["scenario"] == name
    v = d["verdict"]
    assert v["label"] in LABELS and isinstance(v["reason"], str) and v["reason"]
    assert v["expected"] in LABELS and v["agrees"] in (True, False)
    assert 0 <= v["episodes_agreeing"] <= v["episodes"] == load(name).deploy.episodes
    for phase in ("train", "deploy"):
        for key in ("base_score", "mesa_competence", "base_return", "base_optimal_return", "idle_return"):
            assert isinstance(d[phase][key], float)
        assert d[phase]["base_score"] <= 1.0
    p = d["probes"]
    assert isinstance(p["suboptimality"], list)
    for item in p["suboptimality"]:
        assert item["lifted"] in ("horizon", "unaware_of", "cannot", "epsilon", "beliefs")
        assert isinstance(item["train_base_score"], float)
    assert isinstance(p["approximate"]["same_quantities"], bool)
    assert isinstance(p["approximate"]["max_disagreement"], float)
    assert p["coupling"] is None or 0.0 <= p["coupling"] <= 1.0


def test_no_code_reads_name_or_expected_to_decide(reports):
    """Renaming a scenario and changing its expected label changes nothing but those fields."""
    import attrs

    scn = load("crumb-vacuum")
    other = attrs.evolve(scn, name="table-wiper", expected="side-effect")
    a, b = run(scn).to_dict(), run(other).to_dict()
    assert a["verdict"]["label"] == b["verdict"]["label"] == "instrumental"
    assert b["verdict"]["agrees"] is False
    for d in (a, b):
        d.pop("scenario"), d["verdict"].pop("expected"), d["verdict"].pop("agrees")
    assert a == b


def test_suboptimality_robot_breaks_training_under_both_of_its_limits(reports):
    probes = reports["cookie-eliminator"].to_dict()["probes"]["suboptimality"]
    assert {p["lifted"] for p in probes} == {"unaware_of", "beliefs"}
    assert all(p["breaks_training"] for p in probes)
