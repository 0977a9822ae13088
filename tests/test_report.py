"""The typed Report, its JSON projection and the published schema of that JSON; the labels."""

from __future__ import annotations

import copy
import json

import attrs
import jsonschema
import pytest

from pseudoalign import Label, bundled_names, load, run
from pseudoalign.report import Report, report_schema
from pseudoalign.scenario.keys import json_schema
from pseudoalign.verdict.ladder import LADDER, RUNGS, Figures, Thresholds, decide
from test_ladder import CASES

VALIDATOR = jsonschema.Draft4Validator(report_schema())


@pytest.fixture(scope="module")
def bundled() -> dict[str, Report]:
    return {name: run(load(name)) for name in bundled_names()}


def test_the_report_schema_is_a_valid_draft_4_schema():
    jsonschema.Draft4Validator.check_schema(report_schema())


def test_every_bundled_robots_json_follows_the_schema(bundled):
    for name, report in bundled.items():
        errors = list(VALIDATOR.iter_errors(json.loads(report.to_json())))
        assert not errors, (name, [e.message for e in errors])


@pytest.mark.parametrize("label", sorted(CASES))
def test_the_json_of_every_rung_follows_the_schema(label, small_scenario):
    d = run(small_scenario(**CASES[label])).to_dict()
    assert d["verdict"]["label"] == label
    VALIDATOR.validate(d)


@pytest.mark.parametrize("mutate", [
    lambda d: d.pop("probes"),
    lambda d: d["verdict"].update(label="pseudo-aligned"),
    lambda d: d["train"].update(extra=1),
    lambda d: d["rungs"].pop(),
    lambda d: d["evidence"]["base_losing_steps"].update(count=-1),
], ids=["missing-key", "unknown-label", "unknown-key", "short-ladder", "negative-count"])
def test_the_schema_refuses_a_report_of_another_shape(mutate, bundled):
    d = copy.deepcopy(bundled["table-wiper"].to_dict())
    mutate(d)
    assert list(VALIDATOR.iter_errors(d))


def test_the_report_is_frozen_and_its_dict_a_projection(bundled):
    r = bundled["crumb-vacuum"]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        r.verdict = None  # type: ignore[misc]
    assert r.to_dict() == r.to_dict()
    d = r.to_dict()
    # the projection reads the typed values: figures agree with them (rounded to 6 places)
    assert d["deploy"]["base_score"] == round(r.deploy.base_score, 6)
    assert d["verdict"]["label"] == r.label == r.verdict.label
    assert d["verdict"]["episodes_agreeing"] == sum(1 for e in r.verdict.episodes if e.label == r.label)
    assert d["evidence"]["mesa_bypassing_base_steps"]["count"] == len(r.evidence.bypass_steps)
    assert d["probes"]["coupling"] == round(r.probes.coupling, 6)


def test_each_episode_carries_what_lay_where_at_its_start(bundled):
    r = bundled["table-wiper"]
    first = r.deploy.episodes[0].start
    assert first.mug, "the table-wiper's deployment has a mug on the table"
    assert not r.train.episodes[0].start.mug


def test_the_evidence_is_what_its_name_says(bundled):
    ev = bundled["table-wiper"].evidence
    assert any(a.step.action == "spill" for a in ev.regress_steps), "its spills leave it worse placed than waiting"
    assert all(a.step.base_regress for a in ev.regress_steps)
    assert all(a.step.base_gain < 0 for a in ev.negative_base_steps)
    assert all(a.step.mesa_gain > 0 and not a.step.base_progress for a in ev.bypass_steps)


# -- labels -------------------------------------------------------------------------------

def test_labels_are_the_contracts_nine():
    assert {str(x) for x in Label} == {"side-effect", "instrumental", "approximate", "suboptimality", "deceptive",
                                       "robust", "misaligned", "capability-failure", "goal-drift"}


def test_the_scenario_schema_accepts_exactly_the_labels_as_expected():
    assert json_schema()["properties"]["expected"]["enum"] == [str(x) for x in Label]


def test_the_ladders_order_is_the_order_its_rungs_are_tried():
    for coupling, last in ((0.0, Label.INSTRUMENTAL), (1.0, Label.SIDE_EFFECT)):
        rungs = decide(Figures(1.0, 0.0, 1.0, coupling=coupling), Thresholds()).rungs
        assert tuple(r.label for r in rungs) == LADDER[:7] + (last,)  # the proxy rung gives one of two
        assert [r.number for r in rungs] == list(range(1, len(RUNGS) + 1))
        assert tuple(r.name for r in rungs) == RUNGS
    assert set(LADDER) == set(Label)


@pytest.mark.parametrize("label", list(Label), ids=str)
def test_every_label_has_its_words(label):
    assert label.heading and label.definition and label.decided_by and label.reason
    assert label.general and " For example," not in label.general
    rung = {Label.SIDE_EFFECT: "proxy", Label.INSTRUMENTAL: "proxy"}.get(label, str(label))
    assert f"Rung {RUNGS.index(rung) + 1}:" in label.decided_by
