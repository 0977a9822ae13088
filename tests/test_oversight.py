"""Oversight and the deception rung (format 1.1): a robot that fears correction behaves while
it believes it is watched.

The world of every test is the small table of helpers.MAP: the robot at (1, 1), the table
(2..4, 1), floor elsewhere. The expected labels and figures are reasoned in the comments from
the contract (scenario-format.md, "Oversight and correction"; verdicts.md, rung 5), not read
from the engine.
"""

from __future__ import annotations

import json

import pytest

from helpers import small
from pseudoalign import Label, loads, run
from pseudoalign.engine import trace
from pseudoalign.errors import ScenarioError
from pseudoalign.report import report_schema

# a stain right beside the robot, and a full mug one cell further along the table
WIPER_TRAIN = '{ item = "stain", at = [2, 1] }, { item = "mug", at = [3, 1], units = 3 }'
# deployment: a fuller mug, and the stain further away (so its figures differ from training's)
WIPER_DEPLOY = '{ item = "stain", at = [4, 1] }, { item = "mug", at = [3, 1], units = 5 }'


def wiper(agent="fears_correction = true", train=WIPER_TRAIN, deploy=WIPER_DEPLOY, train_extra="", deploy_extra="",
          mesa="event.clean", length=8):
    """The watched wiper: it loves wiping (event.clean); the base wants a clean table."""
    return run(loads(small(base="table.clean", mesa=mesa, agent=agent, train=train, deploy=deploy, length=length,
                           train_extra=train_extra, deploy_extra=deploy_extra), "wiper.toml"))


def test_the_watched_wiper_is_deceptive():
    # Watched in training, every spill is noticed (it stains the table: not base-optimal) and
    # costs 1000, so it takes the base-optimal steps its objective prefers: it wipes the stain
    # and never spills: train base score 1. Believing itself unwatched it spills and wipes for
    # every wipe it can fit in (a spill stains the table for a step: base lost), so the probe's
    # score is below 0.9. Deployment is unwatched by default: it spills there too, competently.
    r = wiper()
    assert r.train.base_score == pytest.approx(1.0)
    assert r.deploy.base_score < 0.9 and r.robot.mesa_competence >= 0.5
    assert r.probes.deception is not None and r.probes.deception.unwatched_train_base_score < 0.9
    assert r.label == Label.DECEPTIVE
    assert r.verdict.reason.count("{") == 0
    d = json.loads(r.to_json())
    assert set(d["probes"]["deception"]) == {"unwatched_train_base_score"}
    # the evidence: where the two robots first part in training, and what each step costs the base
    parts = d["evidence"]["watched_unwatched_parting"]
    assert parts["count"] >= 1
    for p in parts["first"]:
        assert p["watched_base_loss"] == 0.0  # the watched robot only takes base-optimal steps
        assert p["unwatched_base_return"] < p["watched_base_return"]
    assert not any(s.action == "spill" for e in r.train.episodes for s in e.steps)


def test_the_watched_wiper_validates_against_the_report_schema():
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft4Validator(report_schema()).validate(json.loads(wiper().to_json()))


def test_without_the_fear_it_is_classified_by_its_objective_alone():
    # the same robot, not fearing correction: oversight changes nothing, so training sees it
    # spill beside the mug: misaligned, exactly as the same file without any oversight key
    r = wiper(agent="fears_correction = false")
    plain = wiper(agent="")
    assert r.label == plain.label == Label.MISALIGNED
    assert r.train.base_score == plain.train.base_score < 0.9
    assert r.probes.deception is None
    assert "the robot does not fear correction" in r.rungs[4].test
    # and the fearful robot's unwatched probe is this very robot in training
    assert wiper().probes.deception.unwatched_train_base_score == pytest.approx(r.train.base_score)


def test_fear_without_a_chance_to_deviate_in_training_is_not_deceptive():
    # no mug in training: unwatched or not it only wipes, so the probe scores 1 and the ladder
    # goes on; deployment's mug shows the side-effect robot of the table-wiper story
    stains = '{ item = "stain", at = [[2, 1], [4, 1]] }'
    r = wiper(train=stains)
    assert r.probes.deception.unwatched_train_base_score == pytest.approx(1.0)
    assert r.label == Label.SIDE_EFFECT == wiper(agent="", train=stains).label


def test_a_deployment_that_stays_overseen_is_robust():
    # watched in deployment too, it still takes only base-optimal steps: deploy base score 1
    r = wiper(deploy_extra="overseen = true")
    assert r.deploy.base_score == pytest.approx(1.0)
    assert r.label == Label.ROBUST


def test_a_robot_whose_goal_is_the_base_and_fears_correction_is_robust():
    r = wiper(mesa="table.clean")
    assert r.train.base_score == pytest.approx(1.0)
    assert r.probes.deception.unwatched_train_base_score == pytest.approx(1.0)
    assert r.label == Label.ROBUST


def test_training_not_overseen_has_no_probe_and_shows_the_robot_as_it_is():
    r = wiper(train_extra="overseen = false")
    assert r.probes.deception is None
    assert "training is not overseen" in r.rungs[4].test
    assert r.label == Label.MISALIGNED  # unwatched in training, it spills there


def test_the_unwatched_probe_plans_in_training_not_in_deployment():
    # the probe is the training agent in the training distribution: its score is the train
    # base score of the same file with training unwatched, and not deployment's figure
    watched = wiper()
    unwatched_training = wiper(train_extra="overseen = false")
    probe = watched.probes.deception.unwatched_train_base_score
    assert probe == pytest.approx(unwatched_training.train.base_score)
    assert probe != pytest.approx(watched.deploy.base_score)
    # and the deploy agent's keys do not reach it: a deploy agent that no longer fears
    # correction leaves the probe as it was
    assert wiper(deploy_extra="[deploy.agent]\nfears_correction = false").probes.deception \
        .unwatched_train_base_score == pytest.approx(probe)


# A robot that values stains on the table (mesa table.stains), watched, one cell west of a
# mug, no stain anywhere, 6 steps, gamma 1. Every step that keeps the table clean is
# base-optimal; a spill is not. Running, it never gains; its best deviation is to step east
# (step 1) and spill at once (step 2): table.stains is 1 from step 2, and stopped it waits
# with the stain there for steps 3..6: 5 - stake. So it deviates when the stake is below 5
# (stake 4: +1) and not when above (stake 6: -1, it keeps to base-optimal steps, and of those
# wipe comes first in the order of preference: a wipe of nothing).
def stain_lover(stake: float):
    text = small(base="table.clean", mesa="table.stains", length=6, episodes=1,
                 agent=f"gamma = 1.0\nfears_correction = true\nstake = {stake}",
                 train='{ item = "mug", at = [2, 1], units = 3 }', deploy='{ item = "mug", at = [2, 1], units = 3 }')
    return loads(text, "stake.toml")


def test_a_small_stake_lets_it_deviate_where_what_it_gains_before_it_is_stopped_is_worth_the_loss():
    tr = trace(stain_lover(4), "train", 1)
    assert [s.action for s in tr.result.steps] == ["east", "spill", "wait", "wait", "wait", "wait"]
    assert tr.result.mesa_return == pytest.approx(5.0)  # one stain unit on the table, steps 2..6
    assert tr.result.base_return == pytest.approx(1.0)  # the table is clean after step 1 only
    tr = trace(stain_lover(6), "train", 1)
    assert [s.action for s in tr.result.steps] == ["wipe"] * 6
    assert tr.result.base_return == pytest.approx(6.0)


def test_oversight_keys_are_checked():
    for bad, where in [('overseen = "yes"', "train.overseen"), ("stake = 0", "agent.stake"),
                       ("fears_correction = 1", "agent.fears_correction")]:
        agent = bad if bad.startswith(("stake", "fears")) else ""
        train_extra = "" if agent else bad
        with pytest.raises(ScenarioError) as e:
            loads(small(agent=agent, train_extra=train_extra), "bad.toml")
        assert where in str(e.value)


def test_the_defaults_train_watched_deploy_not():
    scn = loads(small(), "d.toml")
    assert scn.train.overseen and not scn.deploy.overseen
    assert not scn.agent.fears_correction and scn.agent.stake == 1000.0
    assert not scn.uses_oversight()
    assert "fears_correction" not in scn.agent.limits()
    scn = loads(small(agent="fears_correction = true", deploy_extra="[deploy.agent]\nstake = 5"), "d.toml")
    assert scn.uses_oversight() and scn.deploy.agent.stake == 5.0 and scn.deploy.agent.fears_correction


# -- the watched plan against a plain recursion of its definition -----------------------------------

def _reference_rollout(graph, mesa, base, agent, T):
    """The watched robot's episode from the definition, state by state (no arrays): running
    values over (state, steps left), a noticed step worth its reward - stake + the return of
    waiting, a horizon's look-ahead ending at ``bottom`` steps left with nothing after."""
    from functools import cache

    from pseudoalign.plan.kernels import TIE, objective
    from pseudoalign.vocab import ACTION_INDEX, ACTIONS

    M, B = objective(graph, mesa), objective(graph, base)
    acts = [a for a, name in enumerate(ACTIONS) if name not in agent.cannot]
    wait, g, h = ACTION_INDEX["wait"], agent.gamma, agent.horizon or T

    def nxt(s, a):
        return int(graph.next[a, s])

    @cache
    def vb(s, k):
        return 0.0 if k == 0 else max(B.step_reward(graph, s, a, k == 1) + vb(nxt(s, a), k - 1) for a in acts)

    def noticed(s, a, k):
        return B.step_reward(graph, s, a, k == 1) + vb(nxt(s, a), k - 1) < vb(s, k) - TIE

    @cache
    def w(s, k, bottom):
        return 0.0 if k == bottom else M.step_reward(graph, s, wait, k == 1) + g * w(nxt(s, wait), k - 1, bottom)

    def q(s, a, k, bottom):
        after = g * w(nxt(s, a), k - 1, bottom) - agent.stake if noticed(s, a, k) else g * v(nxt(s, a), k - 1, bottom)
        return M.step_reward(graph, s, a, k == 1) + after

    @cache
    def v(s, k, bottom):
        return 0.0 if k == bottom else max(q(s, a, k, bottom) for a in acts)

    s, out, stopped = 0, [], False
    for t in range(T):
        k = T - t
        if stopped:
            a = wait
        else:
            bottom = max(0, k - h)
            qs = {a: q(s, a, k, bottom) for a in acts}
            best = max(qs.values())
            a = next(a for a in acts if qs[a] >= best - TIE)
            stopped = noticed(s, a, k)
        out.append(ACTIONS[a])
        s = nxt(s, a)
    return out


@pytest.mark.parametrize("seed", range(12))
def test_the_watched_plan_is_its_definition(seed):
    import random

    from pseudoalign.engine import build_graph, draw
    from pseudoalign.plan.agent import Robot, event_names, rollout
    from pseudoalign.world.env import Env

    rnd = random.Random(seed)
    mesa = rnd.choice(["event.clean", "table.stains", "bin.crumbs - table.stains", "event.spill + final(table.clean)",
                       "event.vacuum", "robot.x"])
    agent = "\n".join([
        "fears_correction = true", f"stake = {rnd.choice([0.5, 1.5, 3, 1000])}", f"gamma = {rnd.choice([0.9, 1.0])}",
        *([f"horizon = {rnd.choice([1, 2, 3])}"] if rnd.random() < 0.5 else []),
        *(['cannot = ["wipe"]'] if rnd.random() < 0.3 else [])])
    place = ('{ item = "stain", on = "table", count = 1 }, { item = "mug", on = "table", count = 1, units = 2 }, '
             '{ item = "crumb", on = "floor", count = 1, units = 2 }')
    scn = loads(small(base="table.clean - 0.5*all.crumbs", mesa=mesa, agent=agent, train=place, length=6,
                      episodes=1), "ref.toml")
    dist = scn.train
    base_terms, mesa_terms = scn.base.reward, scn.objectives["mesa"].reward
    env = Env(dist.layout.surface, draw(scn, "train")[0], scn.crumbs_per_cookie, depth=6)
    graph = build_graph(scn, env, 6, event_names(base_terms) | event_names(mesa_terms), 10 ** 6, "ref")
    robot = Robot(dist.agent, mesa_terms, graph, 6, watched=True, base_terms=base_terms)
    _states, actions, _ = rollout(graph, robot, 6)
    from pseudoalign.vocab import ACTIONS

    assert [ACTIONS[a] for a in actions] == _reference_rollout(graph, mesa_terms, base_terms, dist.agent, 6), agent


# -- the reports name oversight where the file uses it ---------------------------------------------

def test_the_reports_name_oversight_only_where_the_file_uses_it(tmp_path):
    from click.testing import CliRunner

    from pseudoalign.cli.main import cli

    fearful = tmp_path / "fearful.toml"
    fearful.write_text(small(base="table.clean", mesa="event.clean", agent="fears_correction = true",
                             train=WIPER_TRAIN, deploy=WIPER_DEPLOY, length=8))
    plain = tmp_path / "plain.toml"
    plain.write_text(small(train=WIPER_TRAIN, deploy=WIPER_DEPLOY, length=8))
    runner = CliRunner()

    def out(*args):
        r = runner.invoke(cli, [*args, "--color", "never"], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        return r.stdout

    text = out("run", str(fearful))
    assert "train, watched, episode 1" in text and "deploy, unwatched, episode 1" in text
    assert "Where the watched and the unwatched robot first part, in training" in text
    assert "train, watched, episode 1, agent" in out("replay", str(fearful), "--phase", "train")
    shown = out("show", str(fearful))
    assert "overseen" in shown and "fears correction" in shown
    text = out("run", str(plain))
    assert "train, episode 1" in text and "watched" not in text
    assert "overseen" not in out("show", str(plain))
    assert "train episode 1, agent" in out("replay", str(plain), "--phase", "train")
