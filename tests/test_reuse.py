"""Reuse of episode work (engine.work_key, PlanSettings.reuse) and of a sweep's shared episodes:
the same bytes with it and without, in any number of processes and under any hash seed."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

import pseudoalign as pa
from pseudoalign import engine
from pseudoalign import sweeps as sw
from pseudoalign.plan.settings import PlanSettings

ON, OFF = PlanSettings(), PlanSettings(reuse=False)
# fixed placements: the re-duster's and the stain-sensor's episodes repeat (fewer work keys than episodes)
REPEATING = ("re-duster", "stain-sensor")


def counting(monkeypatch) -> list[int]:
    """Counts the graphs the engine builds in this process."""
    calls: list[int] = []
    real = engine.build_graph

    def build_graph(*a, **kw):
        calls.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(engine, "build_graph", build_graph)
    return calls


@pytest.mark.parametrize("name", REPEATING)
def test_equal_episodes_share_one_graph_and_give_the_same_report(name, monkeypatch):
    scn = pa.load(name)
    tasks, _spans = engine.episode_tasks(scn, engine.DEFAULT_MAX_STATES, ON)
    groups = engine.group_tasks(tasks)
    assert len(groups) < len(tasks)  # the scenario has equal episodes, so reuse is exercised
    assert sorted(i for g in groups for i in g) == list(range(len(tasks)))
    built = counting(monkeypatch)
    reused = engine.run(scn, settings=ON).to_json()
    assert len(built) == len(groups)
    built.clear()
    recomputed = engine.run(scn, settings=OFF).to_json()
    assert len(built) == len(tasks)
    assert reused == recomputed


def test_without_reuse_every_episode_is_its_own_group():
    scn = pa.load("re-duster")
    tasks, _spans = engine.episode_tasks(scn, engine.DEFAULT_MAX_STATES, OFF)
    assert engine.group_tasks(tasks) == [[i] for i in range(len(tasks))]


def test_progress_counts_every_episode_once_in_order_with_reuse():
    scn = pa.load("re-duster")
    calls: list[tuple[int, int]] = []
    engine.run(scn, settings=ON, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 8) for i in range(9)]


_CHILD = """
import sys
import pseudoalign as pa
from pseudoalign.plan.settings import PlanSettings
jobs, reuse = int(sys.argv[1]), sys.argv[2] == "on"
for name in sys.argv[3:]:
    sys.stdout.write(pa.run(name, jobs=jobs, settings=PlanSettings(reuse=reuse)).to_json())
"""


@pytest.mark.slow
def test_reuse_gives_the_same_bytes_for_any_jobs_and_hash_seed(tmp_path):
    outs = {}
    for seed in ("0", "12345"):
        for jobs in ("1", "2"):
            for reuse in ("on", "off"):
                env = dict(os.environ, PYTHONHASHSEED=seed)
                r = subprocess.run([sys.executable, "-c", _CHILD, jobs, reuse, *REPEATING], capture_output=True,
                                   env=env, cwd=tmp_path, check=False)
                assert r.returncode == 0, r.stderr.decode()
                outs[seed, jobs, reuse] = r.stdout
    first = next(iter(outs.values()))
    assert first and all(v == first for v in outs.values())


# -- sweeps ----------------------------------------------------------------------------------

COOKIES = "deploy.place.1.count"


def rows(db) -> list[tuple]:
    """A store's rows as they are compared: everything but the time a point was stored and took."""
    with sqlite3.connect(db) as conn:
        got = conn.execute("SELECT key, scenario, path, engine, point_values, label, result FROM points "
                           "ORDER BY key").fetchall()
    out = []
    for *head, result in got:
        d = json.loads(result)
        d.pop("seconds")
        out.append((*head, json.dumps(d, sort_keys=True)))
    return out


def test_a_sweep_shares_its_train_phase_and_gives_the_same_records_and_store(tmp_path, monkeypatch):
    plan = sw.plan("crumb-vacuum", [f"{COOKIES}=0..3"])
    built = counting(monkeypatch)
    records, dbs, graphs = {}, {}, {}
    for label, settings in (("on", ON), ("off", OFF)):
        built.clear()
        dbs[label] = tmp_path / f"{label}.db"
        with sw.Store(dbs[label]) as store:
            records[label] = [json.dumps(o.record(plan.name)) for o in
                              sw.sweep(plan, None, store=store, settings=settings)]
        graphs[label] = len(built)
    assert records["on"] == records["off"]
    assert rows(dbs["on"]) == rows(dbs["off"]) and len(rows(dbs["on"])) == 4
    train = plan.points[0].scenario.train.episodes  # the same at every point: built once, not 4 times
    assert graphs["off"] - graphs["on"] == 3 * train


@pytest.mark.slow
def test_a_sweep_in_two_processes_gives_the_same_records_with_reuse_and_without():
    vary = {COOKIES: [0, 1, 2]}
    on = [o.record() for o in pa.sweep("crumb-vacuum", vary, jobs=2, settings=ON)]
    off = [o.record() for o in pa.sweep("crumb-vacuum", vary, jobs=1, settings=OFF)]
    assert on == off and all("error" not in r for r in on)


def test_known_is_bounded_and_drops_the_oldest_first():
    from pseudoalign.sweeps.run import Known

    known = Known(size=2)
    for i in range(3):
        known[(i,)] = i  # type: ignore[assignment]
    assert list(known) == [(1,), (2,)]
