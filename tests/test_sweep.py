"""pseudoalign sweep: --vary specs, keys, the grid, the store and resuming, the command."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import Executor, Future

import pytest
from click.testing import CliRunner

from pseudoalign import __version__
from pseudoalign import sweeps as sw
from pseudoalign.cli import sweep as cli_sweep
from pseudoalign.cli.sweep import sweep as sweep_cmd
from pseudoalign.errors import ScenarioError
from pseudoalign.sweeps import driver

COOKIES = "deploy.place.1.count"  # cookies on the floor in the crumb-vacuum's deployment


def invoke(*args, env=None):
    return CliRunner().invoke(sweep_cmd, [str(a) for a in args], env=env, catch_exceptions=False)


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def db_rows(path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT key, point_values FROM points").fetchall()




# -- --vary specs ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, values", [
    ("0,1,2,4", (0, 1, 2, 4)),
    ("0..3", (0, 1, 2, 3)),
    ("-1..1", (-1, 0, 1)),
    ("0..2,5", (0, 1, 2, 5)),
    (" 7 ", (7,)),
    ("0.5,1e-3,2.", (0.5, 0.001, 2.0)),
    ("true,false", (True, False)),
    ("mesa,base", ("mesa", "base")),
    ('"4",4', ("4", 4)),
])
def test_values_are_comma_lists_and_inclusive_ranges(text, values):
    got = sw.parse_values(text, "k")
    assert got == values
    assert [type(v) for v in got] == [type(v) for v in values]


@pytest.mark.parametrize("text, words", [
    ("", "no values"),
    ("1,,2", "empty value"),
    ("3..1", "is empty"),
    ("1..x", "not an integer range"),
    ("0.5..2", "not an integer range"),
    ("1,2,1", "given twice"),
    ("0..200000", "over the limit"),
])
def test_bad_values_are_refused_naming_the_key(text, words):
    with pytest.raises(sw.SweepError) as e:
        sw.parse_values(text, "deploy.episodes")
    assert words in str(e.value) and "deploy.episodes" in str(e.value)


def test_a_spec_is_key_equals_values():
    v = sw.parse_vary("deploy.place.1.units=0..2")
    assert v.key == "deploy.place.1.units"
    assert v.path == ("deploy", "place", 1, "units")
    assert v.values == (0, 1, 2)
    for bad in ("deploy.episodes", "=1,2", "deploy..episodes=1"):
        with pytest.raises(sw.SweepError):
            sw.parse_vary(bad)


# -- keys of the document ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def crumb_doc():
    return sw.read_scenario("crumb-vacuum")[2]


@pytest.mark.parametrize("key", [COOKIES, "deploy.place.0.units", "deploy.episodes", "world.episode_length",
                                 "agent.horizon", "deploy.agent.epsilon", "objectives.mesa.reward", "deploy.place.0.count.1"])
def test_keys_that_exist_in_the_file_or_the_format(crumb_doc, key):
    assert sw.locate(crumb_doc, key, sw.split_key(key))


@pytest.mark.parametrize("key, words", [
    ("deploy.place.1.cont", "did you mean 'deploy.place.1.count'?"),
    ("delpoy.episodes", "did you mean 'deploy.episodes'?"),
    ("agent.horizn", "did you mean 'agent.horizon'?"),
    ("objectives.mesaa.reward", "did you mean 'objectives.mesa.reward'?"),
    ("deploy.place.2.count", "deploy.place has 2 items"),
    ("deploy.place.x", "is a list"),
    ("deploy.episodes.x", "is a single value"),
    ("deploy", "is a table"),
    ("nothing.like.it", "no top-level key 'nothing'"),
])
def test_keys_that_do_not_exist_are_errors_naming_the_key(crumb_doc, key, words):
    with pytest.raises(sw.SweepError) as e:
        sw.locate(crumb_doc, key, sw.split_key(key))
    assert words in str(e.value)
    assert str(e.value).startswith(f"--vary {key}:")
    assert e.value.key == key


def test_the_key_table_says_what_each_key_holds():
    """locate reads the loader's table: a key the format declares is found there, with its type."""
    from pseudoalign.scenario import keys as K

    place = K.SCENARIO.child("deploy").child("place")
    assert place.child("x") is None  # a list has items, not keys
    assert {"item", "units", "on", "count", "at"} <= set(place.child(1).names())
    assert place.child(1).child("count") is K.PLACEMENT.fields["count"].type
    assert K.SCENARIO.child("objectives").child("anything").names() == ("reward", "description")
    assert K.SCENARIO.child("agent").child("horizon").child("x") is None  # a plain value has no parts
    assert K.SCENARIO.child("nothing") is None and K.SCENARIO.child(0) is None
    assert "agent" not in K.SCENARIO.child("train").names() and "agent" in K.SCENARIO.child("deploy").names()
    doc = sw.read_scenario("crumb-vacuum")[2]
    assert sw.locate(doc, "deploy.agent.horizon", ("deploy", "agent", "horizon")) == ("deploy", "agent", "horizon")
    with pytest.raises(sw.SweepError, match="no key 'agent' in train"):
        sw.locate(doc, "train.agent.horizon", ("train", "agent", "horizon"))


def test_a_point_document_is_a_copy_with_the_values_put_in():
    plan = sw.plan("crumb-vacuum", ["agent.horizon=2,3", "deploy.agent.epsilon=0.1"])
    doc = plan.document(plan.points[1])
    assert doc["agent"]["horizon"] == 3 and doc["deploy"]["agent"] == {"epsilon": 0.1}
    assert "horizon" not in plan.doc["agent"] and "agent" not in plan.doc["deploy"]


def test_the_grid_is_in_order_first_vary_slowest():
    plan = sw.plan("crumb-vacuum", ["deploy.seed=1,2", "deploy.episodes=1..3"])
    assert [p.values for p in plan.points] == [
        (("deploy.seed", s), ("deploy.episodes", e)) for s in (1, 2) for e in (1, 2, 3)]
    assert [p.index for p in plan.points] == list(range(6))
    assert len({p.key for p in plan.points}) == 6


def test_the_point_key_is_content_values_and_engine_version():
    plan = sw.plan("crumb-vacuum", ["deploy.episodes=1,2"])
    a, b = plan.points
    assert a.key != b.key and a.digest != b.digest
    assert a.key == sw.point_key(a.digest, a.values, __version__)
    assert a.key != sw.point_key(a.digest, a.values, __version__ + ".1")
    assert a.key == sw.plan("crumb-vacuum", ["deploy.episodes=1"]).points[0].key


@pytest.fixture
def loads_counted(monkeypatch):
    """Counts the scenario documents the loader builds (plan loads each point through it)."""
    from pseudoalign.scenario import load

    calls = []
    real = load.load_document

    def load_document(doc, *rest, **kw):
        calls.append(doc)
        return real(doc, *rest, **kw)

    monkeypatch.setattr(load, "load_document", load_document)
    return calls


@pytest.mark.parametrize("executor", [None, "in-process"])
def test_each_point_is_loaded_once_and_runs_the_scenario_plan_loaded(executor, loads_counted, counted):
    plan = sw.plan("crumb-vacuum", ["deploy.episodes=1..2", "deploy.seed=1,2"])
    assert len(loads_counted) == 4  # every point, before anything runs
    assert [p.scenario.deploy.episodes for p in plan.points] == [1, 1, 2, 2]
    ex = StopAfter(10**6) if executor else None
    outcomes = list(sw.sweep(plan, ex))
    assert len(loads_counted) == 4  # and not again to run it
    assert [o.point.index for o in outcomes] == [0, 1, 2, 3] and all(o.ok for o in outcomes)
    assert [id(s) for s in counted] == [id(p.scenario) for p in plan.points]
    assert [o.result["episodes"] for o in outcomes] == [1, 1, 2, 2]


def test_a_point_scenario_pickles_small_and_runs_the_same_after():
    """Points travel to other processes and Dask workers as their loaded Scenario."""
    import pickle

    plan = sw.plan("crumb-vacuum", [f"{COOKIES}=1"])
    scn = plan.points[0].scenario
    blob = pickle.dumps(scn)
    assert len(blob) < 4 * len(plan.text)  # a few kilobytes, as the file itself
    back = pickle.loads(blob)
    assert back.digest == scn.digest
    assert sw.run_point(back, 10**6)["label"] == sw.run_point(scn, 10**6)["label"] == "instrumental"
    # a point equals another by its values and key, whatever Scenario object it holds
    assert plan.points[0] == sw.Point(0, ((COOKIES, 1),), plan.points[0].key, scn.digest)


def test_a_value_the_format_refuses_is_an_error_before_anything_runs(counted):
    with pytest.raises(ScenarioError) as e:
        sw.plan("crumb-vacuum", [f"{COOKIES}=0,1,99"])
    assert e.value.key == COOKIES and "the value 99 is refused" in str(e.value)
    r = invoke("crumb-vacuum", "--vary", "deploy.episodes=1,2", "--vary", "world.episode_length=12,0")
    assert r.exit_code == 1 and r.stdout == ""
    assert "world.episode_length: the value 0 is refused: must be at least 1" in r.stderr
    assert "2 of the 4 points are refused" in r.stderr
    assert counted == []


# -- the store and the driver ----------------------------------------------------------------

def figures_labelled(label: str, **more) -> dict:
    """A stored result of the shape run_point gives (the store checks what it reads)."""
    return dict({"label": label, "train": {"base_score": 1.0, "mesa_competence": 1.0},
                 "deploy": {"base_score": 0.5, "mesa_competence": None}, "coupling": None,
                 "probes": {"suboptimality": [], "approximate": {}}}, **more)


def test_the_store_is_wal_one_row_per_key(tmp_path):
    db = tmp_path / "s.db"
    with sw.Store(db) as store:
        assert store.put("k1", {"a": 1}, figures_labelled("robust"), scenario="x") is True
        assert store.put("k1", {"a": 1}, figures_labelled("robust"), scenario="x") is False
        store.put("k2", {"a": 2}, figures_labelled("instrumental"), scenario="x")
        assert set(store.stored(["k1", "k3"])) == {"k1"}
        assert [(r["values"], r["result"]["label"]) for r in store.rows()] == [({"a": 1}, "robust"),
                                                                                ({"a": 2}, "instrumental")]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(sw.SweepError, match="not a pseudoalign sweep database"):
        sw.Store(other)
    (tmp_path / "text.db").write_text("hello, not sqlite " * 20)
    with pytest.raises(sw.SweepError, match="not a sweep database"):
        sw.Store(tmp_path / "text.db")
    with pytest.raises(sw.SweepError, match="no such sweep database"):
        sw.Store(tmp_path / "none.db", create=False)


OLD_SCHEMA = """CREATE TABLE points (key TEXT PRIMARY KEY, scenario TEXT NOT NULL, path TEXT NOT NULL,
    engine TEXT NOT NULL, point_values TEXT NOT NULL, label TEXT, result TEXT NOT NULL, stored_at TEXT NOT NULL)"""


def test_the_store_format_is_fixed_so_old_databases_resume(tmp_path, counted):
    """A database written by the first version (its table and application id made here by
    hand) is opened, read and resumed, and point keys are those that version computed."""
    assert sw.point_key("0" * 64, (("deploy.episodes", 1), ("agent.horizon", 2.5), ("objectives.mesa.reward", "café")),
                        "0.1.0") == "4fbc99e08bc543f8f3aba9a125935a833cef0303e188525f2e5e9ff0cf090d0c"
    plan = sw.plan("crumb-vacuum", ["deploy.episodes=1,2"])
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA application_id = {int.from_bytes(b'psaw', 'big')}")
        conn.execute(OLD_SCHEMA)
        conn.execute("INSERT INTO points VALUES (?, 'crumb-vacuum', 'x.toml', '0.1.0', ?, 'robust', ?, 'then')",
                     (plan.points[0].key, json.dumps({"deploy.episodes": 1}), json.dumps(figures_labelled("robust", old=1))))
    with sw.Store(db) as store:
        outcomes = list(sw.sweep(plan, None, store=store))
        assert [o.cached for o in outcomes] == [True, False] and outcomes[0].result == figures_labelled("robust", old=1)
        assert [r["values"] for r in store.rows("crumb-vacuum")] == [{"deploy.episodes": 1}, {"deploy.episodes": 2}]
    assert len(counted) == 1
    with sqlite3.connect(db) as conn:
        cols = [r[1] for r in conn.execute("PRAGMA table_info(points)")]
        assert cols == ["key", "scenario", "path", "engine", "point_values", "label", "result", "stored_at"]
        assert conn.execute("PRAGMA application_id").fetchone()[0] == int.from_bytes(b"psaw", "big")


class StopAfter(Executor):
    """Runs points as they are submitted; the future of the n+1-th is a Ctrl-C."""

    def __init__(self, n):
        self.n, self.submitted = n, 0

    def submit(self, fn, *args, **kwargs):
        self.submitted += 1
        f = Future()
        if self.submitted > self.n:
            f.set_exception(KeyboardInterrupt())
        else:
            f.set_result(fn(*args, **kwargs))
        return f


def test_a_sweep_stopped_part_way_resumes_with_every_point_once(tmp_path, counted):
    plan = sw.plan("crumb-vacuum", ["deploy.episodes=1..2", "deploy.seed=1,2"])
    db = tmp_path / "s.db"
    with sw.Store(db) as store, pytest.raises(KeyboardInterrupt):
        for _o in sw.sweep(plan, StopAfter(2), store=store):
            pass
    assert len(db_rows(db)) == 2
    with sw.Store(db) as store:  # the generator closed early: nothing after the first point is stored
        gen = sw.sweep(plan, None, store=store)
        first = [next(gen) for _ in range(3)]
        gen.close()
    assert [o.cached for o in first] == [True, True, False]
    assert len(db_rows(db)) == 3
    counted.clear()
    with sw.Store(db) as store:
        outcomes = list(sw.sweep(plan, None, store=store))
    assert len(counted) == 1  # only the point never stored
    assert [o.point.index for o in outcomes] == [0, 1, 2, 3]
    assert all(o.ok for o in outcomes)
    rows = db_rows(db)
    assert len(rows) == 4 and {k for k, _v in rows} == {p.key for p in plan.points}


class FirstIsSlowAndInterrupted(Executor):
    """Later points finish at once; the first is a Ctrl-C that comes a moment later."""

    def __init__(self):
        self.timers = []

    def submit(self, fn, *args, **kwargs):
        f = Future()
        if not self.timers:
            t = threading.Timer(0.3, f.set_exception, (KeyboardInterrupt(),))
            t.start()
            self.timers.append(t)
        else:
            f.set_result(fn(*args, **kwargs))
        return f


def test_points_finished_out_of_grid_order_are_stored_at_once(tmp_path, counted):
    plan = sw.plan("crumb-vacuum", ["deploy.episodes=1..4"])
    db = tmp_path / "s.db"
    with sw.Store(db) as store, pytest.raises(KeyboardInterrupt):
        for _o in sw.sweep(plan, FirstIsSlowAndInterrupted(), store=store):
            pytest.fail("no point can be yielded before the first")
    assert {k for k, _v in db_rows(db)} == {p.key for p in plan.points[1:]}
    counted.clear()
    with sw.Store(db) as store:
        assert [o.cached for o in sw.sweep(plan, None, store=store)] == [False, True, True, True]
    assert len(counted) == 1 and len(db_rows(db)) == 4


def test_a_failed_point_is_reported_and_not_stored(tmp_path):
    db = tmp_path / "s.db"
    r = invoke("crumb-vacuum", "--vary", f"{COOKIES}=0,1", "--max-states", 300, "--db", db, "--json")
    assert r.exit_code == 1
    lines = json_lines(r.stdout)
    assert lines[0]["label"] == "robust" and "over the limit of 300" in lines[1]["error"]
    assert f"{COOKIES}=1: " in r.stderr and "Traceback" not in r.stderr
    assert len(db_rows(db)) == 1


SWEEP_MAIN = "from pseudoalign.cli.sweep import sweep; sweep(prog_name='pseudoalign sweep')"


@pytest.mark.slow
def test_a_sweep_killed_with_sigkill_resumes_with_no_lost_and_no_duplicated_rows(tmp_path):
    db = tmp_path / "k.db"
    args = ["crumb-vacuum", "--vary", "deploy.seed=1..2", "--vary", f"{COOKIES}=0..6", "--db", str(db)]
    proc = subprocess.Popen([sys.executable, "-c", SWEEP_MAIN, *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, cwd=tmp_path)  # away from the source folder
    try:
        deadline = time.monotonic() + 30
        stored = 0
        while stored < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
            if db.exists():
                try:
                    stored = len(db_rows(db))
                except sqlite3.OperationalError:
                    stored = 0  # the table is being made
        assert proc.poll() is None, "the sweep ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    before = len(db_rows(db))
    assert 2 <= before < 14
    r = invoke(*args)
    assert r.exit_code == 0, r.stderr
    assert f"{14 - before} point{'s' if 14 - before != 1 else ''} run and stored, {before} already stored" in r.stderr
    rows = db_rows(db)
    assert len(rows) == 14 and len({k for k, _v in rows}) == 14


def test_ctrl_c_ends_with_130_and_one_line_and_keeps_finished_points(tmp_path, monkeypatch):
    real = sw.run_point
    calls = []

    def run_point(*a):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*a)

    monkeypatch.setattr(driver, "run_point", run_point)
    db = tmp_path / "c.db"
    r = invoke("crumb-vacuum", "--vary", "deploy.episodes=1..4", "--db", db)
    assert r.exit_code == 130
    assert r.stderr.strip().count("\n") == 0 and "interrupted" in r.stderr and "Traceback" not in r.stderr
    assert len(db_rows(db)) == 2


# -- the command ---------------------------------------------------------------------------

def test_json_is_one_object_per_point_in_grid_order_and_nothing_else(tmp_path):
    r = invoke("crumb-vacuum", "--vary", "deploy.seed=1,2", "--vary", "deploy.episodes=1..2", "--json")
    assert r.exit_code == 0, r.stderr
    lines = json_lines(r.stdout)
    assert [d["point"] for d in lines] == [0, 1, 2, 3]
    assert [tuple(d["values"].values()) for d in lines] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    for d in lines:
        assert {"label", "train", "deploy", "coupling", "probes", "key"} <= set(d)
        assert {"suboptimality", "approximate"} <= set(d["probes"])
        assert set(d["train"]) == {"base_score", "mesa_competence"}
    assert "\x1b[" not in r.stdout


def test_the_table_and_the_chart_show_where_the_label_turns():
    r = invoke("crumb-vacuum", "--vary", f"{COOKIES}=0..2")
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert COOKIES in out and "robust" in out and "instrumental" in out
    assert "label changes: robust -> instrumental between 0 and 1" in out
    assert "base train" in out and "coupling" in out and "\x1b[" not in out


def test_show_prints_what_is_stored_without_running(tmp_path, counted):
    db = tmp_path / "s.db"
    assert invoke("crumb-vacuum", "--vary", "deploy.episodes=1..2", "--db", db).exit_code == 0
    n = len(counted)
    r = invoke("--db", db, "--show")
    assert r.exit_code == 0 and "crumb-vacuum" in r.stdout and "deploy.episodes=2" in r.stdout
    r = invoke("crumb-vacuum", "--db", db, "--show", "--json")
    assert [d["values"] for d in json_lines(r.stdout)] == [{"deploy.episodes": 1}, {"deploy.episodes": 2}]
    assert json_lines(invoke("faithful", "--db", db, "--show", "--json").stdout) == []
    assert len(counted) == n
    assert invoke("--show").exit_code == 2
    r = invoke("--db", tmp_path / "none.db", "--show")
    assert r.exit_code == 1 and "no such sweep database" in r.stderr


def test_rerunning_with_a_db_runs_nothing_already_stored(tmp_path, counted):
    db = tmp_path / "s.db"
    first = invoke("crumb-vacuum", "--vary", "deploy.episodes=1..2", "--db", db, "--json")
    counted.clear()
    again = invoke("crumb-vacuum", "--vary", "deploy.episodes=1..3", "--db", db, "--json")
    assert len(counted) == 1
    assert again.stdout.splitlines()[:2] == first.stdout.splitlines()  # the same bytes from the store
    assert "1 point run and stored, 2 already stored" in again.stderr


def test_the_svg_is_written_whole_and_is_valid_xml(tmp_path):
    svg = tmp_path / "plot.svg"
    r = invoke("crumb-vacuum", "--vary", f"{COOKIES}=0..2", "--plot", svg, "--json")
    assert r.exit_code == 0, r.stderr
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "robust" in texts and texts.count("instrumental") == 2
    assert len(list(root.iter("{http://www.w3.org/2000/svg}polyline"))) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot.svg"]
    mask = os.umask(0)
    os.umask(mask)
    assert svg.stat().st_mode & 0o777 == 0o666 & ~mask  # an ordinary file, not mkstemp's private one


def test_an_interrupted_plot_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    svg = tmp_path / "plot.svg"
    svg.write_text("old")

    def interrupted(*a):
        raise KeyboardInterrupt

    from pseudoalign import fileio

    monkeypatch.setattr(fileio.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fileio.write_atomic(str(svg), "<svg/>")
    assert svg.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["plot.svg"]


def test_a_written_file_is_an_ordinary_file_not_a_private_one(tmp_path):
    import os
    import stat

    from pseudoalign import fileio

    target = tmp_path / "p.svg"
    fileio.write_atomic(target, "<svg/>")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


@pytest.mark.parametrize("args, words", [
    ([], "name a scenario"),
    (["crumb-vacuum"], "at least one --vary"),
    (["crumb-vacuum", "--vary", "deploy.seed=1,2", "--vary", "deploy.episodes=1", "--plot", "x.svg"], "one varied key"),
    (["crumb-vacuum", "--vary", "deploy.seed=1", "--executor", "ray://x"], "no executor"),
    (["crumb-vacuum", "--vary", "deploy.seed=1", "--executor", "dask://h:1", "--jobs", "2"], "--jobs is for local"),
    (["crumb-vacuum", "--vary", "deploy.seed=1", "--jobs", "0"], "--jobs"),
    (["crumb-vacuum", "--vary", "deploy.seed=1", "--plot", "no/such/folder/p.svg"], "no folder"),
    (["--db", "x.db", "--show", "--vary", "a=1"], "runs nothing"),
])
def test_usage_errors_exit_2(args, words):
    r = invoke(*args)
    assert r.exit_code == 2 and words in r.stderr


@pytest.mark.parametrize("args, words", [
    (["crumb-vacuum", "--vary", "deploy.place.1.cont=0..2"], "did you mean 'deploy.place.1.count'?"),
    (["crumb-vacuum", "--vary", "deploy.episodes"], "expected KEY=VALUES"),
    (["crumb-vacuum", "--vary", "deploy.episodes=4..1"], "is empty"),
    (["crumb-vacuum", "--vary", "deploy.episodes=a"], "expected an integer"),
    (["no-such-robot", "--vary", "deploy.episodes=1"], "no bundled scenario of that name"),
])
def test_bad_values_and_scenarios_exit_1_with_one_line(args, words):
    r = invoke(*args)
    assert r.exit_code == 1 and words in r.stderr
    assert r.stderr.strip().count("\n") == 0 and r.stdout == ""


def test_the_progress_bar_only_on_a_terminal_and_not_with_no_color(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli_sweep.progress_on("auto", Tty())
    assert not cli_sweep.progress_on("auto", io.StringIO())
    assert not cli_sweep.progress_on("never", Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not cli_sweep.progress_on("auto", Tty())
    r = invoke("crumb-vacuum", "--vary", "deploy.episodes=1", "--color", "always")
    assert "\x1b[" in r.stdout
    assert "━" not in r.stderr  # CliRunner's stderr is no terminal


def test_local_processes_give_the_same_figures(tmp_path):
    args = ["crumb-vacuum", "--vary", f"{COOKIES}=0..2", "--json"]
    one, two = invoke(*args), invoke(*args, "--jobs", 2)
    assert two.exit_code == 0, two.stderr
    assert json_lines(one.stdout) == json_lines(two.stdout)


def test_the_dask_executor_without_dask_is_one_line_and_status_1(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now raises ImportError
    r = invoke("crumb-vacuum", "--vary", "deploy.episodes=1", "--executor", "dask://127.0.0.1:8786")
    assert r.exit_code == 1
    assert r.stderr.strip() == "the dask executor needs the dask extra: pip install 'pseudoalign[dask]'"


def test_the_dask_executor_runs_points_on_a_cluster(tmp_path):
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    args = ["crumb-vacuum", "--vary", f"{COOKIES}=0..2", "--json"]
    local = invoke(*args)
    db = tmp_path / "d.db"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        address = cluster.scheduler_address.split("://", 1)[1]
        r = invoke(*args, "--executor", f"dask://{address}", "--db", db)
    assert r.exit_code == 0, r.stderr
    assert json_lines(r.stdout) == json_lines(local.stdout)
    assert len(db_rows(db)) == 3


def test_plan_reports_its_progress_point_by_point():
    """A large grid takes a while to check before anything runs: plan says how far it is."""
    calls: list[tuple[int, int]] = []
    p = sw.plan("crumb-vacuum", ["deploy.place.1.count=0..3", "deploy.seed=1,2"], progress=lambda d, t: calls.append((d, t)))
    assert len(p.points) == 8
    assert calls == [(i, 8) for i in range(1, 9)]
