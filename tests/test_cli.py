"""The command line, as a user meets it: every command, its exit status and its messages."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from pseudoalign import bundled_names, resolve
from pseudoalign.cli.main import cli, main

LABELS = ["side-effect", "instrumental", "approximate", "suboptimality", "deceptive", "robust", "misaligned",
          "capability-failure", "goal-drift"]
SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.fixture
def runner():
    return CliRunner()


def invoke(runner, *args, env=None):
    return runner.invoke(cli, list(args), env=env, catch_exceptions=False)


# -- run ---------------------------------------------------------------------------------

def test_run_reads_like_a_lesson(runner):
    r = invoke(runner, "run", "table-wiper", "--color", "never")
    assert r.exit_code == 0, r.output
    out = r.stdout
    for part in ("The table-wiping robot", "train, episode 1", "deploy, episode 1", "base score",
                 "The decision, rung by rung", "8. proxy: side-effect", "spill", "Verdict: side-effect",
                 "As the file expects (side-effect)"):
        assert part in out, part
    assert "\x1b[" not in out


def test_run_json_is_one_object_or_an_array(runner):
    one = json.loads(invoke(runner, "run", "stain-sensor", "--json").stdout)
    assert one["scenario"] == "stain-sensor" and one["verdict"]["label"] == "approximate"
    two = json.loads(invoke(runner, "run", "stain-sensor", "faithful", "--json").stdout)
    assert [d["scenario"] for d in two] == ["stain-sensor", "faithful"]


def test_json_has_no_colour_even_when_asked(runner):
    out = invoke(runner, "run", "stain-sensor", "--json", "--color", "always").stdout
    assert "\x1b[" not in out
    json.loads(out)


def test_color_always_and_no_color(runner):
    assert "\x1b[" in invoke(runner, "run", "stain-sensor", "--color", "always").stdout
    assert "\x1b[" not in invoke(runner, "run", "stain-sensor", env={"NO_COLOR": "1"}).stdout


def test_run_without_scenarios_is_a_usage_error(runner):
    r = invoke(runner, "run")
    assert r.exit_code == 2 and "--bundled" in r.stderr


def test_run_with_an_invalid_file_reports_it_and_runs_the_rest(runner, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("format = 1\ntitle = 3\n")
    r = invoke(runner, "run", str(bad), "stain-sensor", "--json")
    assert r.exit_code == 1
    assert f"{bad}:2: title: expected a string" in r.stderr
    assert json.loads(r.stdout)[0]["scenario"] == "stain-sensor"


@pytest.mark.parametrize("suffix", [".svg", ".html", ".txt"])
def test_save_writes_the_report(runner, tmp_path, suffix):
    target = tmp_path / f"report{suffix}"
    r = invoke(runner, "run", "stain-sensor", "--save", str(target))
    assert r.exit_code == 0
    text = target.read_text()
    assert "approximate" in text
    if suffix == ".svg":
        ET.fromstring(text)  # whole, well-formed XML
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_save_refuses_other_suffixes(runner, tmp_path):
    r = invoke(runner, "run", "stain-sensor", "--save", str(tmp_path / "r.pdf"))
    assert r.exit_code == 2 and ".svg, .html or .txt" in r.stderr


def test_limit_is_a_clear_error(runner):
    r = invoke(runner, "run", "table-wiper", "--max-states", "50")
    assert r.exit_code == 1 and "over the limit of 50" in r.stderr


def test_report_snapshot_at_fixed_width():
    """The text of the report at 100 columns, compared with a reviewed snapshot."""
    from rich.console import Console

    from pseudoalign import load
    from pseudoalign.cli.render import run_report
    from pseudoalign.engine import run

    scn = load("table-wiper")
    console = Console(width=100, record=True, no_color=True, color_system=None, file=io.StringIO())
    console.print(run_report(run(scn)))
    text = console.export_text()
    snap = SNAPSHOTS / "table-wiper-100.txt"
    assert text == snap.read_text()


# -- validate, list, show, schema -----------------------------------------------------------

def test_validate_good_and_bad(runner, tmp_path):
    good = invoke(runner, "validate", str(resolve("faithful")))
    assert good.exit_code == 0 and "valid" in good.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text(resolve("faithful").read_text().replace('objective = "mesa"', 'objective = "mesa"\nhorizn = 2')
                   .replace("episode_length = 30", "episode_length = -1"))
    r = invoke(runner, "validate", str(bad))
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert any(ln.startswith(f"{bad}:") and "agent.horizn" in ln and "did you mean 'horizon'" in ln for ln in lines)
    assert any("world.episode_length" in ln for ln in lines)
    j = json.loads(invoke(runner, "validate", str(bad), "--json").stdout)
    assert j["valid"] is False and {p["key"] for p in j["problems"]} >= {"agent.horizn", "world.episode_length"}


@pytest.mark.parametrize(("content", "words"), [
    (b"", "the file is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file"),
    (b"title = 'x\n", "not valid TOML"),
], ids=["empty", "binary", "toml-syntax"])
def test_validate_non_scenarios_get_one_line(runner, tmp_path, content, words):
    f = tmp_path / "x.toml"
    f.write_bytes(content)
    r = invoke(runner, "validate", str(f))
    assert r.exit_code == 1 and words in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.output


def test_validate_missing_file(runner):
    r = invoke(runner, "validate", "no-such-file.toml")
    assert r.exit_code == 1 and "no such file" in r.stderr


def test_list(runner):
    r = invoke(runner, "list", "--color", "never")
    assert r.exit_code == 0
    for name in bundled_names():
        assert name in r.stdout
    rows = json.loads(invoke(runner, "list", "--json").stdout)
    assert {r["name"]: r["expected"] for r in rows}["crumb-vacuum"] == "instrumental"
    assert all(r["title"] and r["story"] for r in rows)


def test_show_runs_nothing_and_shows_everything(runner, monkeypatch):
    import pseudoalign.cli.main as m

    monkeypatch.setattr(m, "run_scenario", lambda *a, **k: pytest.fail("show must not run the engine"))
    r = invoke(runner, "show", "cookie-eliminator", "--color", "never")
    assert r.exit_code == 0
    for part in ("Objectives", "The robot (training)", "unaware_of", "The robot (deployment)", "Distributions",
                 "train, episode 1", "deploy, episode 1"):
        assert part in r.stdout, part


def test_schema_validates_every_bundled_file(runner):
    import tomllib

    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(invoke(runner, "schema").stdout)
    jsonschema.Draft4Validator.check_schema(schema)
    for name in bundled_names():
        jsonschema.Draft4Validator(schema).validate(tomllib.loads(resolve(name).read_text()))
    bad = tomllib.loads(resolve("faithful").read_text())
    bad["agent"]["horizn"] = 3
    assert list(jsonschema.Draft4Validator(schema).iter_errors(bad))


# -- replay -------------------------------------------------------------------------------

def test_replay_shows_the_spill(runner):
    r = invoke(runner, "replay", "table-wiper", "--color", "never")
    assert r.exit_code == 0
    before, after = r.stdout.split("step 10 of 30: spill")
    assert "coffee 8" in before and "coffee 7" not in before
    assert "coffee 7" in after.split("step 11 of 30")[0]  # one unit of coffee became stain
    assert "base return" in r.stdout


def test_replay_base_policy_does_not_spill(runner):
    r = invoke(runner, "replay", "table-wiper", "--policy", "base", "--color", "never")
    assert r.exit_code == 0 and ": spill" not in r.stdout


def test_replay_animate_without_a_terminal_prints_frames(runner):
    r = invoke(runner, "replay", "stain-sensor", "--animate", "--delay", "0", "--color", "never")
    assert r.exit_code == 0 and r.stdout.count("step ") >= 14


@pytest.mark.parametrize(("args", "words"), [
    (["--episode", "99"], "has 8 episodes"),
    (["--phase", "later"], "'later' is not one of"),
    (["--policy", "oracle"], "'oracle' is not one of"),
], ids=["episode", "phase", "policy"])
def test_replay_bad_options(runner, args, words):
    r = invoke(runner, "replay", "table-wiper", *args)
    assert r.exit_code == 2 and words in r.stderr


# -- explain, new, check --------------------------------------------------------------------

def test_explain_all_and_one(runner):
    r = invoke(runner, "explain", "--color", "never")
    assert r.exit_code == 0
    for label in LABELS:
        assert label in r.stdout
    one = invoke(runner, "explain", "instrumental", "--color", "never")
    assert "pseudoalign run crumb-vacuum" in one.stdout and "Rung 8" in one.stdout
    assert invoke(runner, "explain", "sideways").exit_code == 2


def test_explain_points_to_the_installed_documents(runner):
    out = invoke(runner, "explain", "approximate", "--color", "never").stdout
    paths = [Path(w) for w in out.split() if w.endswith(".md")]
    assert {p.name for p in paths} == {"verdicts.md", "format.md"}
    for p in paths:
        assert p.is_file() and p.read_text(encoding="utf-8").startswith("# "), p


def test_new_writes_a_file_that_validates_and_runs(runner, tmp_path):
    r = invoke(runner, "new", "my-robot", "--dir", str(tmp_path))
    assert r.exit_code == 0
    f = tmp_path / "my-robot.toml"
    assert f.read_text().splitlines()[0] == "#:schema ./pseudoalign.schema.json"
    json.loads((tmp_path / "pseudoalign.schema.json").read_text())
    assert invoke(runner, "validate", str(f)).exit_code == 0
    ran = json.loads(invoke(runner, "run", str(f), "--json").stdout)
    assert ran["scenario"] == "my-robot" and ran["verdict"]["label"] in LABELS
    again = invoke(runner, "new", "my-robot", "--dir", str(tmp_path))
    assert again.exit_code == 1 and "already exists" in again.stderr
    assert invoke(runner, "new", "my-robot", "--dir", str(tmp_path), "--force").exit_code == 0


def test_new_like_a_bundled_scenario(runner, tmp_path):
    r = invoke(runner, "new", "greedy", "--like", "crumb-vacuum", "--dir", str(tmp_path))
    assert r.exit_code == 0
    text = (tmp_path / "greedy.toml").read_text()
    assert text.startswith("#:schema ") and 'reward = "bin.crumbs"' in text
    assert invoke(runner, "validate", str(tmp_path / "greedy.toml")).exit_code == 0


def test_new_refuses_bad_names(runner, tmp_path):
    assert invoke(runner, "new", "my robot", "--dir", str(tmp_path)).exit_code == 2
    assert invoke(runner, "new", "x", "--like", "nope", "--dir", str(tmp_path)).exit_code == 1


def test_check_passes_and_fails(runner, tmp_path):
    for name in ("stain-sensor", "faithful"):
        shutil.copy(resolve(name), tmp_path / f"{name}.toml")
    ok = invoke(runner, "check", str(tmp_path))
    assert ok.exit_code == 0 and "2 passed, 0 failed" in ok.stderr
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(resolve("faithful").read_text().replace('expected = "robust"', 'expected = "instrumental"'))
    r = invoke(runner, "check", str(tmp_path))
    assert r.exit_code == 1 and "FAIL" in r.stdout and "expected instrumental" in r.stdout


def test_help_of_every_command_shows_an_example(runner):
    for cmd in ("run", "validate", "list", "show", "replay", "explain", "new", "schema", "check"):
        r = invoke(runner, cmd, "--help")
        assert r.exit_code == 0 and "Example" in r.stdout and "Exit status" in r.stdout, cmd


def test_ctrl_c_is_one_line_and_status_130(monkeypatch, capsys):
    import pseudoalign.cli.main as m

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(m, "run_scenario", interrupted)
    with pytest.raises(SystemExit) as info:
        main(["run", "stain-sensor"])
    assert info.value.code == 130
    err = capsys.readouterr().err
    assert err.strip() == "pseudoalign: interrupted"


@pytest.mark.parametrize("command", [["run", "faithful", "--json"], ["replay", "faithful"], ["check", "faithful"],
                                     ["sweep", "faithful", "--vary", "deploy.seed=1..2", "--json"]])
@pytest.mark.parametrize("given", ["env", "option"])
def test_a_wrong_kernel_is_a_usage_error_before_anything_plans(command, given, monkeypatch, capsys):
    import pseudoalign.cli.main as m
    from pseudoalign import engine

    ran = []
    monkeypatch.setattr(m, "run_scenario", lambda *a, **k: ran.append(a))
    monkeypatch.setattr(engine, "run_episode", lambda *a, **k: ran.append(a))
    if given == "env":
        monkeypatch.setenv("PSEUDOALIGN_KERNEL", "Fastest")
    else:
        command = command + ["--kernel", "Fastest"]
    with pytest.raises(SystemExit) as info:
        main(command)
    assert info.value.code == 2 and not ran
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.strip().endswith("Error: Invalid value for '--kernel' (env var: 'PSEUDOALIGN_KERNEL'): "
                                    "'Fastest' is not one of 'auto', 'numpy', 'numba'.")


def pseudoalign_process(*args: str, cwd, env: dict | None = None) -> subprocess.CompletedProcess:
    """The command in a fresh process of this environment, as a user starts it. From a folder
    other than the repository's root, whose source folder would shadow the installed package."""
    return subprocess.run([sys.executable, "-c", "from pseudoalign.cli.main import main; main()", *args],
                          capture_output=True, text=True, cwd=cwd, env=dict(os.environ, **(env or {})), check=False)


@pytest.mark.parametrize("given", ["env", "option"])
def test_numba_asked_for_where_it_cannot_run_is_a_usage_error_before_anything_plans(given, tmp_path):
    args = ["sweep", "faithful", "--vary", "deploy.seed=1..3", "--json", "--db", str(tmp_path / "points.db")]
    env = {"NUMBA_DISABLE_JIT": "1"}  # numba's loops would run as Python: the kernel cannot serve
    if given == "env":
        env["PSEUDOALIGN_KERNEL"] = "numba"
    else:
        args += ["--kernel", "NUMBA"]
    r = pseudoalign_process(*args, cwd=tmp_path, env=env)
    assert r.returncode == 2 and r.stdout == ""
    why = "RuntimeError: NUMBA_DISABLE_JIT is set" if importlib.util.find_spec("numba") else "No module named 'numba'"
    assert ("Error: Invalid value for '--kernel' (env var: 'PSEUDOALIGN_KERNEL'): numba's compiled kernel cannot "
            f"run here ({why}") in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "points.db").exists()  # refused before anything ran


def test_the_kernel_asked_for_is_the_one_the_engine_plans_with(runner, monkeypatch):
    import pseudoalign.cli.main as m

    asked = []

    def run_scenario(scn, **kw):
        asked.append(kw["settings"].kernel)
        raise KeyboardInterrupt  # and nothing else: it is only asked what to plan with

    monkeypatch.setattr(m, "run_scenario", run_scenario)
    invoke(runner, "run", "faithful", "--kernel", "NumPy")
    invoke(runner, "run", "faithful", env={"PSEUDOALIGN_KERNEL": "numpy"})
    invoke(runner, "run", "faithful", "--kernel", "auto", env={"PSEUDOALIGN_KERNEL": "numpy"})  # the option wins
    invoke(runner, "run", "faithful", env={"PSEUDOALIGN_KERNEL": ""})  # set but empty: as unset
    assert asked == ["numpy", "numpy", "auto", "auto"]


def test_a_wrong_kernel_setting_does_not_stop_help_or_commands_that_do_not_plan(runner):
    env = {"PSEUDOALIGN_KERNEL": "Fastest"}
    assert invoke(runner, "run", "--help", env=env).exit_code == 0
    r = invoke(runner, "list", "--color", "never", env=env)
    assert r.exit_code == 0 and "table-wiper" in r.stdout


_DRAWN = """
import sys
from pseudoalign.cli.main import main
try:
    main(sys.argv[1:])
finally:
    drawn = sorted(m for m in sys.modules if m.split(".")[0] == "rich" or m == "pseudoalign.cli.render")
    print("drawn:", " ".join(drawn), file=sys.stderr)
"""


def drawn_by(*args: str, cwd) -> tuple[subprocess.CompletedProcess, list[str]]:
    """The command in a fresh process, and the modules of rich and of the renderers it imported."""
    r = subprocess.run([sys.executable, "-c", _DRAWN, *args], capture_output=True, text=True, cwd=cwd, check=False)
    marker = [ln for ln in r.stderr.splitlines() if ln.startswith("drawn:")]
    assert len(marker) == 1, r.stderr
    return r, marker[0].split()[1:]


@pytest.mark.parametrize("args", [
    ["run", "stain-sensor", "--json"],
    ["validate", str(resolve("faithful")), "--json"],
    ["sweep", "faithful", "--vary", "deploy.seed=1..2", "--json"],
], ids=["run", "validate", "sweep"])
def test_json_commands_import_neither_rich_nor_the_renderers(args, tmp_path):
    """Data for a program: start-up without the cost of rich (README, Performance)."""
    r, drawn = drawn_by(*args, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    json.loads(r.stdout.splitlines()[0] if args[0] == "sweep" else r.stdout)
    assert drawn == []


def test_a_command_that_draws_is_seen_to_import_rich(tmp_path):
    """The check above can fail: a command that draws is seen importing rich."""
    r, drawn = drawn_by("list", "--color", "never", cwd=tmp_path)
    assert r.returncode == 0 and "table-wiper" in r.stdout
    assert "rich.console" in drawn


def test_main_maps_usage_errors_to_status_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--no-such-option"])
    assert info.value.code == 2
