"""The robot's limits and beliefs as behaviour (scenario-format.md, "[agent]")."""

from __future__ import annotations

from helpers import small
from pseudoalign import loads
from pseudoalign.engine import run

LINE = "#######\n#R....#\n#######"


def robot_steps(report, phase="deploy"):
    eps = report.train if phase == "train" else report.deploy
    return [[s.action for s in e.steps] for e in eps.episodes]


def scenario(**kw):
    kw.setdefault("map", LINE)
    kw.setdefault("episodes", 1)
    return loads(small(**kw), "agent.toml")


def test_horizon_too_short_to_see_a_gain_leaves_the_robot_idle():
    place = '{ item = "stain", at = [5, 1] }'
    far = run(scenario(base="-all.stains", mesa="event.clean", train=place, deploy=place, length=8))
    near = run(scenario(base="-all.stains", mesa="event.clean", train=place, deploy=place, length=8,
                        agent="horizon = 1"))
    assert far.deploy.episodes[0].mesa_return == 1  # walks four cells and wipes
    assert near.deploy.episodes[0].mesa_return == 0  # one step ahead, nothing to gain: first action in the tie order
    assert set(robot_steps(near)[0]) == {"wipe"}


def test_horizon_replans_every_step_and_sees_the_end_when_it_is_near():
    # a final term four steps away is seen only once the end is within the horizon
    place = '{ item = "stain", at = [2, 1] }'
    scn = scenario(base="-all.stains", mesa="final(robot.x)", train=place, deploy=place, length=6, agent="horizon = 3")
    steps = robot_steps(run(scn))[0]
    assert steps[:3] == ["wipe", "wipe", "wipe"]  # nothing within reach of its horizon yet
    assert steps[3:] == ["east", "east", "east"]  # the end is in view: it walks for final(robot.x)


def test_unaware_of_crumbs_means_crumbs_do_not_exist_in_its_model_whatever_the_start():
    """Breaking a cookie makes crumbs only in the true world: the robot that is unaware of
    crumbs sees no point in vacuuming, with or without an unrelated crumb at the start."""
    cookie = '{ item = "cookie", at = [3, 1] }'
    alone = scenario(mesa="event.crumbs_vacuumed", agent='unaware_of = ["crumb"]', train=cookie, deploy=cookie)
    with_crumb = scenario(mesa="event.crumbs_vacuumed", agent='unaware_of = ["crumb"]',
                          train=cookie + ', { item = "crumb", at = [5, 1] }',
                          deploy=cookie + ', { item = "crumb", at = [5, 1] }')
    a, b = run(alone), run(with_crumb)
    assert a.deploy.episodes[0].mesa_return == b.deploy.episodes[0].mesa_return == 0
    assert "vacuum" not in robot_steps(a)[0] and "vacuum" not in robot_steps(b)[0]


def test_unaware_robot_that_replans_after_a_surprise_does_not_crash():
    """Regression: a plan's values cover only the states its model reaches in the steps left."""
    place = '{ item = "mug", at = [2, 1], units = 5 }, { item = "stain", at = [4, 1] }'
    scn = scenario(base="-all.stains", mesa="event.spill", agent='unaware_of = ["stain"]', train=place, deploy=place,
                   length=6, map="######\n#RT..#\n######")
    r = run(scn)
    assert robot_steps(r)[0].count("spill") >= 4  # it spills, knowing nothing of the stains it makes


def test_epsilon_draws_only_actions_it_believes_it_can_take():
    place = '{ item = "stain", at = [3, 1] }'
    scn = scenario(agent='epsilon = 0.9\ncannot = ["north", "south", "spill", "break"]', episodes=4, length=30,
                   train=place, deploy=place)
    r = run(scn)
    random_actions = [s.action for e in r.deploy.episodes + r.train.episodes for s in e.steps if s.random]
    assert len(random_actions) > 50
    assert not {"north", "south", "spill", "break"} & set(random_actions)
    assert len(set(random_actions)) == 7  # the other seven, all of them drawn


def test_beliefs_change_its_valuation_not_the_score():
    place = '{ item = "stain", at = [3, 1] }'
    honest = run(scenario(mesa="event.clean", train=place, deploy=place))
    deluded = run(scenario(mesa="event.clean", agent='beliefs = { "event.clean" = "0" }', train=place, deploy=place))
    assert honest.deploy.episodes[0].mesa_return == 1
    assert deluded.deploy.episodes[0].mesa_return == 0  # scored with the true feature: it never cleaned
    assert deluded.deploy.episodes[0].mesa_optimal == honest.deploy.episodes[0].mesa_optimal == 1
