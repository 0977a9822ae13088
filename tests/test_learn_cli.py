"""``pseudoalign learn`` on the command line, and the README's learn session."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import small
from pseudoalign.cli.main import cli

README = Path(__file__).parent.parent / "README.md"

#: crumbs on a short table; the robot loves its bin (the crumb-vacuum, small)
TINY = small(base="table.clean", mesa="bin.crumbs", train='{ item = "crumb", on = "table", count = 2 }',
             deploy='{ item = "crumb", on = "table", count = 2 }, { item = "cookie", on = "floor", count = 1 }',
             length=8, episodes=2)

_DRAWN = """
import sys
from pseudoalign.cli.main import main
try:
    main(sys.argv[1:])
finally:
    drawn = sorted(m for m in sys.modules if m.split(".")[0] == "rich")
    print("drawn:", " ".join(drawn), file=sys.stderr)
"""


def _learn(path: Path, *args: str, seed: str = "0") -> subprocess.CompletedProcess:
    """From the file's folder: at the repository's root its source folder would shadow the
    installed package (which maps pseudoalign.cli to cli/)."""
    env = dict(os.environ, PYTHONHASHSEED=seed)
    return subprocess.run([sys.executable, "-c", _DRAWN, "learn", str(path), *args], capture_output=True, text=True,
                          env=env, check=False, cwd=path.parent)


def test_json_is_the_same_bytes_for_any_jobs_and_hash_seed_and_imports_no_rich(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY, encoding="utf-8")
    runs = [_learn(path, "--json"), _learn(path, "--json", "--jobs", "2", seed="123")]
    for r in runs:
        assert r.returncode == 0, r.stderr
        assert r.stderr.splitlines()[-1].split() == ["drawn:"]  # nothing of rich
    assert runs[0].stdout == runs[1].stdout
    data = json.loads(runs[0].stdout)
    assert data["space"]["derived"] and data["survivors"] == len(data["rows"]) >= 1
    assert {"bin.crumbs", "table.clean", "event.vacuum", "robot.x"} <= set(data["space"]["features"])
    assert data["rows"][0]["origin"] == "base" and data["rows"][0]["objective"] == "table.clean"


def test_the_report_reads_as_the_next_lesson_after_run(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY, encoding="utf-8")
    r = CliRunner().invoke(cli, ["learn", str(path), "--color", "never"])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    for words in ("The space:", "candidate objectives", "What training kept", "behaviour class",
                  "training cannot tell these", "What training most likely produced",
                  "Expected deploy base score", "The ten simplest survivors", "In plain words",
                  "table.clean (base)", "bin.crumbs (the file's)"):
        assert words in out, words
    assert re.search(r"Training cannot rule out \d+ of \d+ objectives", out)


def test_help_teaches_with_an_example():
    r = CliRunner().invoke(cli, ["learn", "--help"])
    assert r.exit_code == 0
    text = " ".join(r.output.split())
    assert "pseudoalign learn crumb-vacuum" in text and "behaviour class" in text and "--executor" in text


def test_a_bad_file_is_refused_with_its_problem(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(TINY.replace('reward = "bin.crumbs"', 'reward = "bin.crums"'), encoding="utf-8")
    r = CliRunner().invoke(cli, ["learn", str(path)])
    assert r.exit_code == 1 and "bin.crums" in r.output


def test_jobs_and_a_dask_executor_are_not_both_given(tmp_path):
    r = CliRunner().invoke(cli, ["learn", "crumb-vacuum", "--jobs", "2", "--executor", "dask://localhost:1"])
    assert r.exit_code == 2 and "--jobs is for local processes" in r.output


@pytest.mark.slow
def test_the_readmes_learn_session_runs_as_written():
    text = README.read_text(encoding="utf-8")
    section = text.split("## Learn: where pseudo-alignment comes from", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - the README's own code is what is tested
    lines = out.getvalue().splitlines()
    survivors, _of, space = lines[0].split()[:3]
    assert 0 < int(survivors) < int(space)
    robust, expected = map(float, lines[1].split())
    assert 0 < robust < 1 and 0 < expected < 1  # some survivors fail in deployment, some do not
    assert "table.clean" in lines[2]
    # the README's figures are those of the search
    section_words = " ".join(section.split())
    assert f"{survivors} of the {space} candidates survive" in section_words
    assert f"robust robot ({round(100 * robust)}%)" in section_words
    assert f"deploy base score is {round(100 * expected)}%" in section_words
