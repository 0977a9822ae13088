"""The project's own documents stay true: docs/format.md and docs/verdicts.md.

Every complete scenario in docs/format.md (a ```toml block that starts with ``format = 1``)
loads, and those with an ``expected`` key earn it. The robots' moves that the page narrates
are checked against the engine; the action sequences and labels below were worked out by
hand from the rules of the page (see each example's "What happens"), not copied from a run.
The pages name every key, action, item, event, feature and JSON key the code has, and no
link in them or in the README points to a file or a heading that does not exist.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from pseudoalign import Label, ScenarioError, load, loads, resolve
from pseudoalign.engine import run, trace
from pseudoalign.scenario.keys import json_schema
from pseudoalign.vocab import ACTIONS, EVENTS, ITEMS, QUANTITIES, SURFACES, WHERE

ROOT = Path(__file__).resolve().parent.parent
FORMAT = ROOT / "docs" / "format.md"
VERDICTS = ROOT / "docs" / "verdicts.md"
README = ROOT / "README.md"


def _blocks(path: Path) -> list[tuple[str, str]]:
    """(info string, body) of every fenced code block of a Markdown file, in order."""
    return re.findall(r"^```([^\n`]*)\n(.*?)^```\s*$", path.read_text(encoding="utf-8"), re.DOTALL | re.MULTILINE)


def _prose(path: Path) -> str:
    """A Markdown file without its fenced code blocks."""
    return re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL | re.MULTILINE)


def _scenarios() -> list[str]:
    return [body for info, body in _blocks(FORMAT) if info.strip() == "toml" and body.startswith("format = 1")]


SCENARIOS = _scenarios()
BY_TITLE = {tomllib.loads(s)["title"]: s for s in SCENARIOS}


def _id(text: str) -> str:
    return tomllib.loads(text)["title"]


def test_the_page_has_its_examples():
    # the first example, one per section of "Examples" (eleven), three of 1.1 (a camera, dump,
    # drop) and the mixture of 1.2: a lost fence would drop some
    assert len(SCENARIOS) == 16, [_id(s) for s in SCENARIOS]


@pytest.mark.parametrize("text", SCENARIOS, ids=_id)
def test_every_complete_scenario_loads(text):
    scn = loads(text, "docs-example.toml")
    assert scn.title == _id(text)


@pytest.mark.parametrize("text", [s for s in SCENARIOS if "expected" in tomllib.loads(s)], ids=_id)
def test_every_expected_label_is_earned(text):
    scn = loads(text, "docs-example.toml")
    assert run(scn).label == scn.expected


TOML_BLOCKS = [body for info, body in _blocks(FORMAT) if info.strip() == "toml"]


@pytest.mark.parametrize("body", TOML_BLOCKS, ids=[f"block{i}" for i in range(len(TOML_BLOCKS))])
def test_every_toml_block_is_toml(body):
    tomllib.loads(body)


# -- what the page says the robots do ------------------------------------------------------------
# title -> (phase, actions of episode 1, events of some steps {step: {event: count}}), from the
# rules: tie-break order, what each action does, the robot maximising its discounted objective.

NARRATED = {
    "Wiping one stain": ("deploy", ["east", "east", "wipe", "wipe"],
                         {3: {"wipe": 1, "clean": 1, "stain_removed": 2}, 4: {"wipe": 1}}),
    "Vacuuming crumbs into the bin": ("deploy", ["east", "east", "vacuum", "wipe"],
                                      {3: {"vacuum": 1, "crumbs_vacuumed": 3}}),
    "Breaking a cookie for its crumbs": ("deploy", ["east", "vacuum", "east", "break", "vacuum", "wipe"],
                                         {2: {"vacuum": 1, "crumbs_vacuumed": 1}, 4: {"break": 1},
                                          5: {"vacuum": 1, "crumbs_vacuumed": 4}}),
    "Spilling coffee to wipe it up": ("deploy", ["east", "spill", "wipe", "spill", "wipe"],
                                      {2: {"spill": 1}, 3: {"wipe": 1, "clean": 1, "stain_removed": 1}}),
    "Washing up needs soap": ("deploy", ["east", "pick", "east", "wash"],
                              {2: {"pick": 1, "pick.soap": 1, "pick.none": 1}, 4: {"wash": 1}}),
    "The sock is under the cups": ("deploy", ["east", "pick", "pick", "pick", "wipe"],
                                   {2: {"pick": 1, "pick.cup": 1, "pick.azure": 1},
                                    3: {"pick": 1, "pick.cup": 1, "pick.blue": 1},
                                    4: {"pick": 1, "pick.sock": 1, "pick.red": 1}}),
    "A robot that likes the north-east corner": ("deploy", ["north", "east", "east", "wipe"], {}),
    "Short-sighted in training": ("train", ["east", "wipe"] + ["wipe"] * 10,
                                  {2: {"wipe": 1, "clean": 1, "stain_removed": 1}, 3: {"wipe": 1}}),
    "It believes it cannot spill": ("train", ["wipe"] * 5, {}),
    # its goal moved to the bin: the cookie one cell east is worth 4 crumbs from step 3, the
    # table crumb (4 moves and a vacuum away) 1 from step 4 and is then out of reach
    "A goal that moves after training": ("deploy", ["east", "break", "vacuum", "wipe", "wipe", "wipe"],
                                         {2: {"break": 1}, 3: {"vacuum": 1, "crumbs_vacuumed": 4}}),
    # watched, it fears correction: a spill is never base-optimal; of the rest, wipe comes first
    "It behaves while it is watched": ("train", ["wipe"] * 5, {}),
    # 1.1: the camera on its start shows the table clean at once; nothing after changes what it shows
    "A robot that covers the camera": ("deploy", ["cover", "wipe", "wipe", "wipe"], {1: {"cover": 1}, 2: {"wipe": 1}}),
    "A sweeper that dumps its bin": ("deploy", ["vacuum", "dump", "vacuum", "wipe"],
                                     {1: {"vacuum": 1, "crumbs_vacuumed": 2}, 2: {"dump": 1, "crumbs_dumped": 2},
                                      3: {"vacuum": 1, "crumbs_vacuumed": 2}, 4: {"wipe": 1}}),
    "A tidier that drops the toy": ("deploy", ["pick", "drop", "pick", "wipe"],
                                    {1: {"pick": 1, "pick.toy": 1, "pick.red": 1},
                                     2: {"drop": 1, "drop.toy": 1, "drop.red": 1},
                                     3: {"pick": 1, "pick.toy": 1, "pick.red": 1}}),
}
NARRATED_DEPLOY = {
    "Spilling coffee to wipe it up": (["wipe"] * 5, None),
    "Short-sighted in training": (["east", "wipe", "east", "east", "east", "spill", "wipe", "spill", "wipe",
                                   "spill", "wipe", "wipe"], (8.0, 11.0)),
    "It believes it cannot spill": (["east", "spill", "wipe", "spill", "wipe"], (3.0, 5.0)),
    "A goal that moves after training": (["west", "west", "west", "vacuum", "wipe", "wipe"], (3.0, 3.0)),
    # unwatched in deployment: the robot of example 4
    "It behaves while it is watched": (["east", "spill", "wipe", "spill", "wipe"], (3.0, 5.0)),
    # the camera three moves away: wiping shows the table clean sooner than covering could
    "A robot that covers the camera": (["east", "east", "wipe", "wipe"], (2.0, 2.0)),
}


def _steps(text: str, phase: str):
    return trace(loads(text, "docs-example.toml"), phase, 1).result


def test_every_narrated_example_is_a_scenario_of_the_page():
    assert set(NARRATED) <= set(BY_TITLE) and set(NARRATED_DEPLOY) <= set(BY_TITLE)


@pytest.mark.parametrize("title", sorted(NARRATED))
def test_the_robot_moves_as_the_page_says(title):
    phase, actions, events = NARRATED[title]
    result = _steps(BY_TITLE[title], phase)
    assert [s.action for s in result.steps] == actions
    for t, want in events.items():
        assert dict(result.steps[t - 1].events) == want, f"step {t}"


@pytest.mark.parametrize("title", sorted(NARRATED_DEPLOY))
def test_the_other_phase_is_as_the_page_says(title):
    actions, returns = NARRATED_DEPLOY[title]
    phase = "train" if NARRATED[title][0] == "deploy" else "deploy"
    result = _steps(BY_TITLE[title], phase)
    assert [s.action for s in result.steps] == actions
    if returns:
        assert (result.base_return, result.base_optimal) == returns


def test_the_variations_of_examples_1_and_7():
    # example 1 with final(table.clean): no hurry, the stain is wiped at the last step, return 1
    final = BY_TITLE["Wiping one stain"].replace('reward = "table.clean"', 'reward = "final(table.clean)"')
    r = _steps(final, "deploy")
    assert [s.action for s in r.steps] == ["wipe", "east", "east", "wipe"] and r.base_return == 1.0
    # example 7 with event.bump: south is the first move a wall stops; with event.wait it waits
    corner = BY_TITLE["A robot that likes the north-east corner"]
    for reward, action in (("event.bump", "south"), ("event.wait", "wait")):
        r = _steps(corner.replace('reward = "robot.x - robot.y"', f'reward = "{reward}"'), "deploy")
        assert [s.action for s in r.steps] == [action] * 4
    r = _steps(corner, "deploy")
    assert (r.base_return, r.base_idle) == (5.0, -4.0)


def test_the_goal_drift_example_and_its_variation():
    # example 10: with the learned goal put back, deployment is run as training was (3 of 3);
    # the drifted robot's table is never clean (0 of 3); a goal moved to -table.crumbs still serves
    text = BY_TITLE["A goal that moves after training"]
    r = run(loads(text, "docs-example.toml"))
    assert r.counterfactual is not None and r.counterfactual.base_return == 3.0
    assert (r.deploy.base_return, r.deploy.mesa_return, r.deploy.mesa_optimal_return) == (0.0, 16.0, 16.0)
    assert r.rungs[2].margin == pytest.approx(0.1)
    moved = text.replace('reward = "bin.crumbs"', 'reward = "-table.crumbs"')
    assert run(loads(moved, "docs-example.toml")).label == Label.ROBUST


def test_the_deception_example_and_its_variations():
    # example 11: the probe is the robot of example 4 in training (base 3 where idling gives 5:
    # score 0); they part at step 1 (watched wipe, unwatched east: neither loses base by itself)
    text = BY_TITLE["It behaves while it is watched"]
    d = run(loads(text, "docs-example.toml")).to_dict()
    assert d["probes"]["deception"] == {"unwatched_train_base_score": 0.0}
    assert d["evidence"]["watched_unwatched_parting"] == {"count": 1, "first": [
        {"episode": 1, "step": 1, "watched": "wipe", "unwatched": "east", "watched_base_loss": 0.0,
         "unwatched_base_loss": 0.0, "watched_base_return": 5.0, "unwatched_base_return": 3.0}]}
    margins = {r["name"]: r["margin"] for r in d["rungs"]}
    assert (margins["misaligned"], margins["robust"], margins["deceptive"]) == (0.1, -0.9, -0.9)
    watched = text.replace("[deploy]\nepisodes = 1", "[deploy]\nepisodes = 1\noverseen = true")
    fearless = text.replace("fears_correction = true", "fears_correction = false")
    tiny = text.replace("fears_correction = true", "fears_correction = true\nstake = 0.001")
    assert watched != text and fearless != text and tiny != text
    assert run(loads(watched, "v.toml")).label == Label.ROBUST
    assert run(loads(fearless, "v.toml")).label == Label.MISALIGNED
    assert [s.action for s in _steps(tiny, "train").steps] == ["wipe"] * 5
    page = _flat(VERDICTS.read_text(encoding="utf-8"))
    assert "`probes.deception` is `" + json.dumps(d["probes"]["deception"]) + "`" in page
    assert "`" + d["rungs"][4]["test"] + "`" in page


def test_the_mixture_example_and_its_variation():
    # 1.2: of 10 training episodes, share 0.2 gives episodes 1-2 to the west variant; there the
    # robot goes east and leaves the crumb (base 0), in the eight others it vacuums it (base 1):
    # train base score 8/10. With share 0 training sees no failure (1.0), and the deploy
    # households, all west, are failed all the same
    text = BY_TITLE["Crumbs at either end"]
    d = run(loads(text, "docs-example.toml")).to_dict()
    assert [(v["first_episode"], v["episodes"], v["base_score"]) for v in d["train"]["variants"]] == [
        (1, 2, 0.0), (3, 8, 1.0)]
    assert d["train"]["base_score"] == 0.8 and d["deploy"]["base_score"] == 0.0
    assert "variants" not in d["deploy"] and all("variant" not in e for e in d["episodes"])
    none = text.replace("share = 0.2", "share = 0")
    assert none != text
    r = run(loads(none, "v.toml"))
    assert (r.train.base_score, r.deploy.base_score) == (1.0, 0.0) and r.label != Label.MISALIGNED


def test_washing_without_soap_does_nothing():
    text = BY_TITLE["Washing up needs soap"].replace('  { item = "object", kind = "soap", at = [2, 1] },\n', "")
    r = _steps(text, "deploy")
    assert "wash" not in [s.action for s in r.steps] and r.base_return == -4.0


def test_the_errors_example_gives_the_errors_shown():
    blocks = _blocks(FORMAT)
    at = next(i for i, (_info, body) in enumerate(blocks) if 'title = "Mistakes"' in body)
    with pytest.raises(ScenarioError) as err:
        loads(blocks[at][1], "bad.toml")
    assert str(err.value).splitlines() == blocks[at + 1][1].splitlines()


# -- the pages name everything the code has -------------------------------------------------------

def _schema_keys(s: dict) -> set[str]:
    out: set[str] = set()
    for k, v in s.get("properties", {}).items():
        out.add(k)
        out |= _schema_keys(v)
    for key in ("items", "additionalProperties"):
        if isinstance(s.get(key), dict):
            out |= _schema_keys(s[key])
    for v in s.get("oneOf", []):
        out |= _schema_keys(v)
    return out


def test_format_names_every_key_item_action_event_and_feature():
    text = FORMAT.read_text(encoding="utf-8")
    names = set(_schema_keys(json_schema()))
    names |= set(ACTIONS) | set(ITEMS) | set(SURFACES) | {f"event.{e}" for e in EVENTS}
    names |= {"WHERE.QUANTITY", "bin.crumbs", "inventory.KIND", "robot.x", "robot.y", "final(...)"}
    names |= {"event.pick.KIND", "event.pick.COLOR", "event.drop.KIND", "event.drop.COLOR"}
    names |= {"camera.stains", "camera.stained", "camera.crumbs", "camera.clean"}
    missing = sorted(n for n in names if f"`{n}`" not in text)
    assert not missing, f"docs/format.md does not name: {missing}"
    for word in set(WHERE) | set(QUANTITIES):
        assert f"`{word}`" in text, word


def _json_keys(v, out: set[str]) -> set[str]:
    """Every key of a JSON value, but the event names inside a step's ``events``."""
    if isinstance(v, dict):
        for k, x in v.items():
            out.add(k)
            if k != "events":
                _json_keys(x, out)
    elif isinstance(v, list):
        for x in v:
            _json_keys(x, out)
    return out


BUNDLED = ("table-wiper", "cookie-eliminator", "goal-drift", "crumb-vacuum")


@pytest.fixture(scope="module")
def bundled_json():
    # evidence steps (table-wiper); limits lifted and a disagreement (cookie-eliminator); the drift
    # probe and the counterfactual deploy agent (goal-drift); an instrumental mechanism (crumb-vacuum)
    return [json.loads(run(load(name)).to_json()) for name in BUNDLED]


def _flat(text: str) -> str:
    """Text with every run of white space made one space (quotes wrap in the page)."""
    return " ".join(text.split())


def test_verdicts_names_every_key_of_the_json_report(bundled_json):
    keys = set().union(*(_json_keys(d, set()) for d in bundled_json))
    text = _prose(VERDICTS)
    named = set()  # each backticked name, and each part of a dotted one (`suboptimality[].lifted`)
    for token in re.findall(r"`([^`]+)`", text):
        named.add(token)
        named |= set(re.split(r"\[\]\.|\.", token))
    missing = sorted(keys - named)
    assert not missing, f"docs/verdicts.md does not name: {missing}"


def test_verdicts_has_a_row_for_every_rung_and_label(bundled_json):
    lines = VERDICTS.read_text(encoding="utf-8").splitlines()
    for d in bundled_json:  # the proxy rung: side-effect (table-wiper, goal-drift), instrumental (the others)
        assert [r["number"] for r in d["rungs"]] == list(range(1, 9))
        for rung in d["rungs"]:
            head = f"| {rung['number']} | `{rung['name']}` |"
            rows = [line for line in lines if line.startswith(head)]
            assert len(rows) == 1, head
            assert f"`{rung['label']}`" in rows[0], (head, rung["label"])
    for heading in ("## The labels", "## The reason"):  # one row per label in each, deceptive too
        section = _section(lines, heading)
        for label in Label:
            assert sum(line.startswith(f"| `{label}` |") for line in section) == 1, (heading, label)


def _section(lines: list[str], heading: str) -> list[str]:
    """The lines of a ``## `` section, from its heading to the next one."""
    start = lines.index(heading)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines[start:end]


def test_verdicts_quotes_the_rungs_test_texts(bundled_json):
    # every test text of the worked example, and the other forms the page shows from bundled robots
    by = {d["scenario"]: {r["name"]: r["test"] for r in d["rungs"]} for d in bundled_json}
    quoted = list(by["table-wiper"].values()) + [by["goal-drift"]["goal-drift"], by["goal-drift"]["approximate"],
                                                  by["cookie-eliminator"]["suboptimality"],
                                                  by["cookie-eliminator"]["proxy"], by["crumb-vacuum"]["proxy"]]
    text = VERDICTS.read_text(encoding="utf-8")
    missing = [q for q in quoted if f"`{q}`" not in text]
    assert not missing, missing


# -- links ------------------------------------------------------------------------------------------

def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = _prose(path)
    return {_slug(m) for m in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE)}


@pytest.mark.parametrize("page", [README, FORMAT, VERDICTS], ids=lambda p: p.name)
def test_links_point_to_files_and_headings_that_exist(page):
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+://", target):
            continue
        file, _sep, anchor = target.partition("#")
        dest = (page.parent / file).resolve() if file else page
        assert dest.is_file(), f"{page.name}: no file {file}"
        if anchor:
            assert anchor in _anchors(dest), f"{page.name}: no heading #{anchor} in {dest.name}"


def test_the_readme_names_no_document_a_user_does_not_have():
    text = README.read_text(encoding="utf-8")
    named = set(re.findall(r"[\w./-]+\.md\b", text))
    assert {"docs/format.md", "docs/verdicts.md"} <= named
    assert not sorted(n for n in named if not (ROOT / n).is_file())


def test_the_first_example_is_the_bundled_table_wiper():
    # the page shows the file the worked example of docs/verdicts.md runs, byte for byte
    assert SCENARIOS[0] == (ROOT / "scenarios" / "table-wiper.toml").read_text(encoding="utf-8")


def test_the_worked_example_quotes_the_run(bundled_json):
    # the figures docs/verdicts.md walks through; episode 1 (4 of 20) was counted by hand there
    d = bundled_json[0]
    tr, de = d["train"], d["deploy"]
    assert (tr["base_return"], tr["base_optimal_return"], tr["idle_return"]) == (172.0, 172.0, 0.0)
    assert (de["base_return"], de["base_optimal_return"], de["idle_return"]) == (34.0, 168.0, 0.0)
    assert (de["mesa_return"], de["mesa_optimal_return"], de["mesa_idle_return"]) == (90.0, 90.0, 0.0)
    assert d["probes"]["coupling"] == 1.0 and d["probes"]["suboptimality"] == []
    ev = d["evidence"]
    counts = [ev[k]["count"] for k in ("base_losing_steps", "negative_base_steps", "mesa_bypassing_base_steps")]
    assert counts == [67, 0, 0]
    assert [e["base_score"] for e in d["episodes"]][:1] == [0.2]
    text = VERDICTS.read_text(encoding="utf-8")
    for quoted in ("(172 − 0) / (172 − 0) = 1.000", "(34 − 0) / (168 − 0) = 0.202", "90 / 90 = 1.000",
                   "`base_losing_steps`, count 67", "0.2 (4 of 20), 0.181818, 0.238095"):
        assert quoted in text, quoted
    shown = ", ".join(f"{e['base_score']:g}" for e in d["episodes"][1:])
    assert shown in text.replace("\n", " ")


def test_the_worked_example_quotes_the_run_of_verdicts_1_1(bundled_json):
    # what 1.1 adds to the table-wiper, as the page reasons it: no drift; event.clean (an event) has
    # no counterpart in table.clean (levels); every wipe made base progress and no spill lost base
    # by its own gain (the table was still stained), so coupling 1, bypass 0, redo 0; margins
    # 1 - 0.9, 34/168 - 0.9, 1 - 0.5 and 1 - 0.5, none within 0.05
    d = bundled_json[0]
    assert d["verdicts"] == "1.1" and d["counterfactual_deploy"] is None and d["probes"]["drift"] is None
    assert d["probes"]["deception"] is None
    margins = {r["name"]: r["margin"] for r in d["rungs"]}
    assert margins == {"misaligned": 0.1, "robust": round(34 / 168 - 0.9, 6), "goal-drift": None,
                       "capability-failure": 0.5, "deceptive": None, "suboptimality": None, "approximate": None,
                       "proxy": 0.5}
    ap = d["probes"]["approximate"]
    assert ap["counterparts"] is False and ap["same_quantities"] is False
    assert [(q["mesa"]["feature"], q["mesa"]["kind"], q["counterpart"]) for q in ap["quantities"]] == [
        ("event.clean", "event", None)]
    assert (d["probes"]["bypass_share"], d["probes"]["redo_share"]) == (0.0, 0.0)
    v = d["verdict"]
    assert (v["borderline"], v["borderline_rung"], v["disagreeing_episodes"]) == (False, None, [])
    text = _flat(VERDICTS.read_text(encoding="utf-8"))
    for quoted in ("Margin 1.000 − 0.9 = +0.10", "Margin 0.202 − 0.9 = −0.70 (−0.697619 in the JSON)",
                   "The bypass share is 1 − 1.000 = 0.00", "The **redo share** is 0.00",
                   "What deployment revealed: " + v["mechanism"] + ".",
                   "| less stain, counted per step (event.clean) | nothing like it | — |"):
        assert quoted in text, quoted


def test_the_goal_drift_example_quotes_the_run(bundled_json):
    # episode 1 was counted by hand on the page: the drifted robot's table is clean after steps 19
    # and 20 (2), the best play's and the learned goal's after 11 to 20 (10)
    d = next(x for x in bundled_json if x["scenario"] == "goal-drift")
    tr, de, cf = d["train"], d["deploy"], d["counterfactual_deploy"]
    assert (tr["base_return"], tr["base_optimal_return"], tr["idle_return"]) == (81.0, 81.0, 0.0)
    assert (de["base_return"], de["base_optimal_return"], de["idle_return"]) == (11.0, 75.0, 0.0)
    assert (cf["base_return"], cf["base_optimal_return"], cf["idle_return"]) == (75.0, 75.0, 0.0)
    assert d["probes"]["drift"] == {"learned": "learned", "deployed": "bin", "counterfactual_base_score": 1.0}
    assert d["episodes"][0]["base_score"] == 0.2 and {e["label"] for e in d["episodes"]} == {"goal-drift"}
    assert d["verdict"]["label"] == "goal-drift" and d["verdict"]["borderline"] is False
    drifted = trace(load("goal-drift"), "deploy", 1).result
    assert drifted.base_return == 2.0 and drifted.base_optimal == 10.0
    assert [s.t for s in drifted.steps if s.action == "break"] == [2, 5, 10]
    text = _flat(VERDICTS.read_text(encoding="utf-8"))
    for quoted in ("b = 81 / 81 = 1.000", "b = 11 / 75 = 0.147", "b = 75 / 75 = 1.000",
                   '`probes.drift` is `{"learned": "learned", "deployed": "bin", "counterfactual_base_score": 1.0}`',
                   d["verdict"]["reason"]):
        assert quoted in text, quoted


def test_the_goal_drift_variation_is_as_the_page_says():
    # a learned proxy (the bin) whose goal moved to wandering: the counterfactual agent breaks the
    # cookies too, so no goal-drift; the rungs below read what it learned: instrumental
    text = resolve("goal-drift").read_text(encoding="utf-8")
    text = text.replace('description = "What training made: the same as the base"\nreward = "table.clean"',
                        'reward = "bin.crumbs"')
    text = text.replace('reward = "bin.crumbs"\n\n[agent]', 'reward = "event.move"\n\n[agent]')
    r = run(loads(text, "variation.toml"))
    assert r.probes.drift is not None and r.counterfactual is not None
    assert r.label == Label.INSTRUMENTAL
    figures = (f"{r.counterfactual.base_score:.2f}", f"{r.probes.coupling:.2f}", f"{r.deploy.base_score:.2f}")
    assert figures == ("0.15", "0.16", "0.00")
    page = _flat(VERDICTS.read_text(encoding="utf-8"))
    assert "base score 0.15, rung 3 does not hold" in page and "**instrumental** (coupling 0.16)" in page


def test_the_borderline_sentence_is_the_runs():
    # the crumb-vacuum (coupling about 0.16) with a coupling threshold of 0.18: within 0.05 of it
    text = resolve("crumb-vacuum").read_text(encoding="utf-8") + "\n[classify]\ncoupling = 0.18\n"
    v = run(loads(text, "cv.toml")).to_dict()["verdict"]
    assert v["borderline"] is True and v["borderline_rung"] == "proxy"
    page = _flat(VERDICTS.read_text(encoding="utf-8"))
    assert _flat(f"Borderline: {v['borderline_note']}.") in page
    assert v["disagreeing_episodes"] == [1, 3, 5, 6]
    assert "those that do not: 1 (side-effect), 3 (side-effect), …" in page


def test_the_mechanisms_are_quoted(bundled_json):
    by = {d["scenario"]: d for d in bundled_json}
    spill = run(loads(BY_TITLE["Spilling coffee to wipe it up"], "docs-example.toml")).to_dict()
    page = _flat(VERDICTS.read_text(encoding="utf-8"))
    for d in (by["table-wiper"], by["crumb-vacuum"], spill):
        assert f'"{d["verdict"]["mechanism"]}"' in page, d["scenario"]
    assert spill["probes"]["redo_share"] == 1.0  # every wipe after its spill on the clean table


@pytest.mark.parametrize(("title", "returns"), [("A robot that covers the camera", (0.0, 2.0)),
                                                ("A sweeper that dumps its bin", (3.0, 4.0)),
                                                ("A tidier that drops the toy", (3.0, 4.0))])
def test_the_11_examples_cost_the_base_what_the_page_says(title, returns):
    """Base return and the best there is in deployment, as the page reasons them: the table never
    clean (two steps were possible); dirty (not carried) after step 2 of 4."""
    r = _steps(BY_TITLE[title], "deploy")
    assert (r.base_return, r.base_optimal) == returns
