"""Same file and seed, same bytes of JSON: across runs, processes, --jobs and hash seeds."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pseudoalign import bundled_names, load
from pseudoalign.engine import run


def _cli_json(hashseed: str, jobs: int, cwd) -> str:
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    out = subprocess.run([sys.executable, "-m", "pseudoalign.cli.main", "run", "--bundled", "--json", "--jobs", str(jobs)],
                         env=env, capture_output=True, text=True, check=True, cwd=cwd)  # away from the source folder
    return out.stdout


@pytest.mark.slow
def test_json_bytes_are_identical_across_processes_jobs_and_hash_seeds(tmp_path):
    a = _cli_json("0", 1, tmp_path)
    b = _cli_json("4242", 2, tmp_path)
    assert a == b
    # and the same as in this process, built from the library
    here = [run(load(n)).to_dict() for n in bundled_names()]
    assert json.loads(a) == here


def test_two_runs_in_one_process_agree():
    scn = load("cookie-eliminator")
    assert run(scn).to_json() == run(scn).to_json()


def test_epsilon_draws_come_from_the_seed(small_scenario):
    """An epsilon robot is random, but the same file gives the same steps; another seed may not."""
    kw = dict(mesa="table.clean", agent="epsilon = 0.5", episodes=3)
    a, b = run(small_scenario(**kw)), run(small_scenario(**kw))
    assert [s.action for e in a.deploy.episodes for s in e.steps] == [s.action for e in b.deploy.episodes for s in e.steps]
    assert any(s.random for e in a.deploy.episodes for s in e.steps)


def test_errors_of_worker_processes_come_back_whole():
    """With --jobs an episode runs in another process; a refusal there reaches the user as the
    same one-line error, not a traceback of an exception that could not be rebuilt."""
    import pickle

    import pytest

    from pseudoalign import LimitError, ScenarioError, load
    from pseudoalign.engine import run
    from pseudoalign.errors import Problem

    for err in (LimitError("f.toml", "train episode 1: reachable states", 60, 50, "make it smaller"),
                ScenarioError("f.toml", [Problem("world.map", "no robot", 3, None, "put an R")])):
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err) and str(back) == str(err)
    with pytest.raises(LimitError) as info:
        run(load("faithful"), jobs=2, max_states=50)
    assert "train episode 1: reachable states: more than 50" in str(info.value)
