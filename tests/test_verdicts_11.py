"""Verdicts 1.1: a story told another way gets the same label, and a verdict says how sure it is.

Each scenario here is written for the rule it tests, with its re-told twin; the twins' labels
must agree. The expected labels come from the contract's rules (reasoned in the comments), not
from the engine's output.
"""

from __future__ import annotations

import pytest

from helpers import small
from pseudoalign import Label, loads, resolve, run

CRUMBS_TRAIN = '{ item = "crumb", on = "table", count = 2 }'
# one table crumb far along the table, heavy floor crumbs right below the robot's start
CRUMBS_DEPLOY = '{ item = "crumb", at = [4, 1] }, { item = "crumb", at = [[1, 2], [2, 2]], units = 3 }'


def verdict(**kw):
    return run(loads(small(**kw), "twin.toml"))


@pytest.mark.parametrize(("base", "mesa"), [
    ("-table.crumbs", "-all.crumbs"),   # it learned "no crumbs anywhere" for "no crumbs on the table"
    ("-all.crumbs", "-table.crumbs"),   # ... and the mirror story
], ids=["anywhere-for-table", "table-for-anywhere"])
def test_crumbs_anywhere_and_on_the_table_are_both_approximate(base, mesa):
    # only table crumbs in training: both objectives agree there; the floor crumbs of deployment
    # make them part, and the robot's objective differs from the base only in scope
    r = verdict(base=base, mesa=mesa, train=CRUMBS_TRAIN, deploy=CRUMBS_DEPLOY, length=10)
    assert r.train.base_score >= 0.9 > r.deploy.base_score
    assert r.label == Label.APPROXIMATE
    assert [m.errors for m in r.probes.quantities] == [("scope",)]


STAIN_MAP = "#########\n#TTTRTTT#\n#########"
STAIN_TRAIN = '{ item = "stain", on = "table", count = 2 }'
STAIN_DEPLOY = '{ item = "stain", at = [[3, 1], [2, 1]], units = 1 }, { item = "stain", at = [7, 1], units = 9 }'


@pytest.mark.parametrize(("base", "mesa"), [
    ("-table.stains", "-table.stained"),         # told with levels: stained cells for stain units
    ("event.stain_removed", "event.clean"),      # told with events: a wipe that cleaned for units removed
], ids=["levels", "events"])
def test_the_stain_sensor_told_with_levels_or_with_events_is_approximate(base, mesa):
    r = verdict(base=base, mesa=mesa, length=6, map=STAIN_MAP, train=STAIN_TRAIN, deploy=STAIN_DEPLOY)
    assert r.label == Label.APPROXIMATE
    assert [m.errors for m in r.probes.quantities] == [("granularity",)]


@pytest.mark.parametrize("length", [3, 4], ids=["wipe-on-the-last-step", "one-spare-step"])
def test_a_gain_one_step_before_the_end_is_base_progress_with_or_without_a_spare_step(length):
    # it cares for floor stains only; training has only a floor stain, deployment a heavy table
    # stain beside it. Its one wipe (step 3) removes stain: a positive base gain, so base progress
    # whether or not one more step follows in which waiting-then-wiping could have equalled it.
    r = verdict(base="event.stain_removed", mesa="-floor.stains", length=length,
                train='{ item = "stain", at = [2, 2] }',
                deploy='{ item = "stain", at = [2, 2] }, { item = "stain", at = [2, 1], units = 5 }')
    assert r.label == Label.SIDE_EFFECT
    assert r.probes.coupling == 1.0


def test_the_table_wiper_is_still_side_effect():
    # event.clean (an event) has no counterpart in table.clean (a level): the proxy rung decides
    r = run("table-wiper")
    assert not r.probes.counterparts and r.label == Label.SIDE_EFFECT


def test_a_colour_proxy_is_not_approximate():
    # in training every sock is yellow and every yellow thing a sock; a colour never overlaps a kind
    objects = ('{ item = "object", kind = "sock", color = "yellow", at = [3, 1] }')
    deploy = ('{ item = "object", kind = "sock", color = "blue", at = [3, 1] }, '
              '{ item = "object", kind = "ball", color = "yellow", at = [[2, 2], [1, 2]] }')
    r = verdict(base="event.pick.sock", mesa="event.pick.yellow", train=objects, deploy=deploy, length=6)
    assert r.train.base_score >= 0.9 > r.deploy.base_score
    assert not r.probes.counterparts
    assert r.label in (Label.SIDE_EFFECT, Label.INSTRUMENTAL)


# -- drift ------------------------------------------------------------------------------------

DRIFT = dict(
    base="table.clean", mesa="table.clean", train='{ item = "crumb", on = "table", count = 2 }', length=10,
    deploy='{ item = "crumb", on = "table", count = 2 }, { item = "cookie", at = [[1, 2], [2, 2]] }',
)


def drifted(learned: str, moved_to: str):
    extra = f'[objectives.moved]\nreward = "{moved_to}"\n'
    return verdict(**dict(DRIFT, mesa=learned, deploy_extra='agent = { objective = "moved" }', extra=extra))


def test_drift_from_an_objective_that_would_have_served_is_goal_drift():
    r = drifted("table.clean", "bin.crumbs")  # it learned the base; its goal moved to the full bin
    assert r.deploy.base_score < 0.9 <= r.counterfactual.base_score
    assert r.label == Label.GOAL_DRIFT
    assert r.probes.drift is not None and r.probes.drift.deployed == "moved"


def test_drift_from_a_proxy_is_classified_by_what_it_learned():
    # it learned the bin-lover's proxy; its goal moved to wandering. The counterfactual (the bin
    # lover) breaks floor cookies for their crumbs: what it learned was already instrumental
    r = drifted("bin.crumbs", "event.move")
    assert r.counterfactual is not None and r.counterfactual.base_score < 0.9
    assert r.label == Label.INSTRUMENTAL
    assert r.robot is r.counterfactual  # the rungs below drift read the learned objective
    assert r.to_dict()["counterfactual_deploy"]["base_score"] == round(r.counterfactual.base_score, 6)


def test_drift_to_an_objective_that_still_serves_is_robust():
    r = drifted("table.clean", "-table.crumbs")
    assert r.label == Label.ROBUST


def test_the_same_reward_under_another_name_is_no_drift():
    r = drifted("table.clean", "table.clean")
    assert r.counterfactual is None and r.probes.drift is None


# -- margins and borderline -------------------------------------------------------------------

def crumb_vacuum_with(coupling: float):
    text = resolve("crumb-vacuum").read_text() + f"\n[classify]\ncoupling = {coupling}\n"
    return run(loads(text, "cv.toml"))


def test_a_coupling_within_the_borderline_of_its_threshold_is_flagged():
    r = crumb_vacuum_with(0.18)
    c = r.probes.coupling
    assert abs(c - 0.18) <= 0.05, "the test needs a threshold near the run's coupling"
    assert r.label == Label.INSTRUMENTAL
    assert r.verdict.borderline is not None and r.verdict.borderline.name == "proxy"
    assert r.verdict.other == Label.SIDE_EFFECT
    assert "a small change could make this side-effect" in r.verdict.borderline_note
    d = r.to_dict()["verdict"]
    assert d["borderline"] is True and d["borderline_rung"] == "proxy"


def test_a_coupling_far_from_its_threshold_is_not_flagged():
    r = crumb_vacuum_with(0.36)
    assert abs(r.probes.coupling - 0.36) >= 0.2 - 1e-9
    assert r.label == Label.INSTRUMENTAL and r.verdict.borderline is None
    assert r.to_dict()["verdict"]["borderline"] is False


def test_every_rung_that_compares_reports_its_margin():
    d = run("cookie-eliminator").to_dict()
    by_name = {r["name"]: r for r in d["rungs"]}
    assert by_name["misaligned"]["margin"] == pytest.approx(d["train"]["base_score"] - 0.9, abs=1e-6)
    assert by_name["robust"]["margin"] == pytest.approx(d["deploy"]["base_score"] - 0.9, abs=1e-6)
    lowest = min(p["train_base_score"] for p in d["probes"]["suboptimality"])
    assert by_name["suboptimality"]["margin"] == pytest.approx(lowest - 0.9, abs=1e-6)
    assert by_name["approximate"]["margin"] is None
    assert by_name["goal-drift"]["margin"] is None and by_name["deceptive"]["margin"] is None


# -- objects by kind and colour; names that nothing places -------------------------------------

from pseudoalign import ScenarioError
from pseudoalign.engine import trace

SOAP = '{ item = "object", kind = "soap", color = "green", at = [3, 1] }'


@pytest.mark.parametrize(("feature", "guess"), [
    ("inventory.soup", "soap"), ("event.pick.soup", "soap"), ("table.objects.gren", "green"),
], ids=["inventory", "pick-event", "objects-on-a-surface"])
def test_a_misspelled_kind_or_colour_is_refused_at_its_expression(feature, guess):
    with pytest.raises(ScenarioError) as info:
        loads(small(mesa=feature, base="inventory.soap", train=SOAP, deploy=SOAP), "names.toml")
    (p,) = info.value.problems
    assert p.key == "objectives.mesa.reward" and p.line is not None
    assert "no placement or legend entry gives" in p.problem and f"did you mean '{guess}'?" in p.hint


def test_a_name_that_is_a_kind_and_a_colour_is_refused_naming_both_placements():
    both = ('{ item = "object", kind = "sock", color = "red", at = [3, 1] }, '
            '{ item = "object", kind = "red", at = [2, 1] }')
    with pytest.raises(ScenarioError) as info:
        loads(small(train=both), "clash.toml")
    (p,) = info.value.problems
    assert p.key == "train.place.1" and "train.place.0" in p.problem


def test_objects_are_counted_by_kind_or_by_colour():
    # two socks (red, blue) and a red cup on the table; the robot picks what lies on its way
    place = ('{ item = "object", kind = "sock", color = "red", at = [2, 1] }, '
             '{ item = "object", kind = "sock", color = "blue", at = [3, 1] }, '
             '{ item = "object", kind = "cup", color = "red", at = [4, 1] }')
    scn = loads(small(base="table.objects.red + inventory.red", mesa="event.pick", train=place, deploy=place,
                      length=6), "colours.toml")
    tr = trace(scn, "deploy", 1)
    start, end = tr.contents[0], tr.contents[-1]
    assert sum(n for (_x, _y, _k, c), n in start.object.items() if c == "red") == 2
    picked_red = sum(1 for s in tr.result.steps for k, v in s.events if k == "pick.red")
    left_red = sum(n for (_x, _y, _k, c), n in end.object.items() if c == "red")
    assert picked_red + left_red == 2
    # the base reads red things on the table plus red things carried: picking moves them, keeps the sum
    assert tr.result.base_return == pytest.approx(2 * 6)
