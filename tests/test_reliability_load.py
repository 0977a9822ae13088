"""Issue 16, the reading half: hostile files are refused promptly, long expressions are read in
linear time, every episode is bounded before any is planned, and long runs can show progress."""

from __future__ import annotations

import codecs
import json
import os
import random
import subprocess
import sys

import pytest

from helpers import small
from pseudoalign import LimitError, ScenarioError, engine, load, loads
from pseudoalign import sweeps as sw
from pseudoalign.scenario import expr as E
from pseudoalign.scenario.load import MAX_FILE_BYTES
from pseudoalign.verdict.quantities import quantities_of

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


def _memory_cap() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 * 1024 ** 3, 4 * 1024 ** 3))


def cli(*args: str, cwd, timeout: float = 60) -> subprocess.CompletedProcess:
    """The command in a fresh process, stopped (and the test failed) if it does not end in time,
    and given at most 4 GB of memory (an endless read fails there rather than fill the machine)."""
    return subprocess.run([sys.executable, "-c", "from pseudoalign.cli.main import main; main()", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False,
                          preexec_fn=_memory_cap if sys.platform.startswith("linux") else None)


# -- a bounded reader ---------------------------------------------------------------------

@needs_fifo
def test_validate_of_a_fifo_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "fifo.toml")  # no writer: a blocking open would wait for ever
    done = cli("validate", "fifo.toml", cwd=tmp_path, timeout=30)
    assert done.returncode == 1
    assert done.stderr.strip() == ("fifo.toml: not a regular file: this is a named pipe (FIFO) "
                                   "(a scenario is a TOML text file; save it to a file and name that)")


@needs_fifo
def test_check_of_a_folder_holding_a_fifo_refuses_it_and_checks_the_rest(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a.toml").write_text(small(), encoding="utf-8")
    os.mkfifo(tmp_path / "lib" / "b.toml")
    done = cli("check", "lib", cwd=tmp_path, timeout=60)
    assert done.returncode == 1
    assert "lib/a.toml" in done.stdout
    assert "lib/b.toml: not a regular file" in done.stderr
    assert done.stderr.strip().endswith("1 passed, 1 failed")


@needs_fifo
def test_sweep_and_new_like_of_a_fifo_are_refused(tmp_path):
    os.mkfifo(tmp_path / "fifo.toml")
    done = cli("sweep", "fifo.toml", "--vary", "deploy.seed=1,2", cwd=tmp_path, timeout=30)
    assert done.returncode == 1 and "fifo.toml: not a regular file" in done.stderr
    done = cli("new", "x", "--like", "fifo.toml", cwd=tmp_path, timeout=30)
    assert done.returncode == 1 and "not a regular file" in done.stderr
    assert not (tmp_path / "x.toml").exists()


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_an_endless_device_is_refused_without_reading_it(tmp_path):
    done = cli("validate", "--json", "/dev/zero", cwd=tmp_path, timeout=30)
    assert done.returncode == 1
    assert [p["problem"] for p in json.loads(done.stdout)["problems"]] == ["not a regular file: this is a device"]


def test_a_huge_file_is_refused_by_its_size_without_being_read(tmp_path, monkeypatch):
    big = tmp_path / "big.toml"
    with open(big, "wb") as f:
        f.truncate(4 * 1024 ** 3)  # sparse: 4 GB that the old loader read whole before its check
    read = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: read.append(n) or real_read(fd, n))
    with pytest.raises(ScenarioError, match="the file is 4,294,967,296 bytes, over the limit of 1,000,000"):
        load(big)
    assert read == []


def test_the_reader_reads_at_most_one_byte_over_the_limit(tmp_path, monkeypatch):
    from pseudoalign.scenario.load import read_file

    f = tmp_path / "grown.toml"
    f.write_bytes(b"#" * 10)
    asked = []
    real_read = os.read
    monkeypatch.setattr(os, "fstat", lambda fd, real=os.fstat: _Stat(real(fd)))  # says 10 bytes...
    monkeypatch.setattr(os, "read", lambda fd, n: asked.append(n) or (b"#" * n))  # ...but never ends
    with pytest.raises(ScenarioError, match="over the limit of 1,000,000 bytes"):
        read_file(f)
    assert sum(asked) == MAX_FILE_BYTES + 1
    monkeypatch.setattr(os, "read", real_read)


class _Stat:
    def __init__(self, st):
        self.st_mode, self.st_size = st.st_mode, st.st_size


def test_a_folder_is_still_refused_as_before(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read the file: Is a directory"):
        load(tmp_path)


# -- a byte-order mark ----------------------------------------------------------------------

def test_a_utf8_byte_order_mark_is_accepted_and_changes_nothing(tmp_path):
    text = small()
    plain = loads(text.encode("utf-8"), "s.toml")
    marked = loads(codecs.BOM_UTF8 + text.encode("utf-8"), "s.toml")
    assert repr(marked) == repr(plain) and marked.digest == plain.digest  # the mark is not part of the text
    f = tmp_path / "bom.toml"
    f.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    assert load(f).title == "test"
    assert len(sw.plan(str(f), ["deploy.seed=1,2"]).points) == 2


def test_a_utf16_file_is_refused_with_a_hint_naming_its_mark():
    with pytest.raises(ScenarioError) as info:
        loads(codecs.BOM_UTF16_LE + small().encode("utf-16-le"), "s.toml")
    assert "UTF-16 byte-order mark" in str(info.value) and "save it as UTF-8" in str(info.value)


# -- deep nesting in a sweep ------------------------------------------------------------------

@pytest.mark.parametrize("depth", [600, 5000])
def test_a_sweep_of_a_deeply_nested_file_is_a_scenario_error(tmp_path, depth):
    f = tmp_path / "deep.toml"
    f.write_text(small() + "\nx = " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="nested too deeply"):
        load(f)
    with pytest.raises(ScenarioError, match="nested too deeply"):
        sw.plan(str(f), ["deploy.seed=1,2"])


# -- expressions --------------------------------------------------------------------------

def _token_parser(text: str, allow_final: bool = True):
    """parse() through the token parser only (the fast path turned off)."""
    fast = E._parse_fast
    E._parse_fast = lambda t, a: None
    try:
        return E.parse(text, allow_final=allow_final)
    finally:
        E._parse_fast = fast


def _outcome(fn, text, allow_final):
    try:
        return ("ok", fn(text, allow_final))
    except E.ExprError as e:
        return ("error", e.message, e.column)


def test_the_fast_path_and_the_token_parser_agree_on_terms_and_errors():
    atoms = ["1", "2", "0.5", ".5", "1e3", "2e", "1E-3", "2.", "2.x", "x", "ab", "final", "finalx",
             "table.stains", "event.clean", "floor.crumbs", "final(table.stains)", "final (event.clean )",
             "3*table.stains", "2 * final(floor.crumbs)", "1e10", "(", ")", "*", "+", "-", " ", "\n", "$"]
    joins = ["", " ", "+", "-", " - ", "*"]
    rng = random.Random(16)
    for _ in range(4000):
        text = "".join(rng.choice(atoms) + rng.choice(joins) for _ in range(rng.randint(1, 6)))
        for allow_final in (True, False):
            fast = _outcome(lambda t, a: E.parse(t, allow_final=a), text, allow_final)
            assert fast == _outcome(_token_parser, text, allow_final), text


def test_like_terms_are_combined_once_in_the_order_written():
    terms = E.parse("table.stains + 2*event.clean - 0.5*table.stains + final(table.stains) + 1 + 2")
    assert terms == (E.Term(0.5, "table.stains"), E.Term(2.0, "event.clean"),
                     E.Term(1.0, "table.stains", final=True), E.Term(3.0, "1"))


def test_terms_that_cancel_stay_as_zero_and_read_no_quantity():
    terms = E.parse("table.clean + floor.stains - floor.stains")
    assert terms == (E.Term(1.0, "table.clean"), E.Term(0.0, "floor.stains"))
    # verdicts 1.1: a quantity has a direction, the sign of its weight; a weight of 0 has none
    assert [q.feature for q in quantities_of(terms)] == ["table.clean", "table.clean"]


def test_a_megabyte_expression_is_one_term():
    text = "+".join(["1"] * 495_000)  # 989,999 characters: 21 s to validate with the quadratic tokenizer
    assert E.parse(text) == (E.Term(495_000.0, "1"),)
    scn = loads(small(base=text), "s.toml")
    assert scn.base.reward == (E.Term(495_000.0, "1"),)
    assert scn.base.text == text  # shown as written


def test_an_error_at_the_end_of_a_long_expression_points_at_its_column():
    text = "+".join(["table.stains"] * 50_000) + " $"
    with pytest.raises(E.ExprError) as info:
        E.parse(text)
    assert info.value.column == len(text) and info.value.message == "unexpected character '$'"


def test_combined_terms_give_the_same_report_as_the_single_term():
    one = engine.run(loads(small(base="table.clean"), "s.toml")).to_dict()
    split = engine.run(loads(small(base="0.5*table.clean + 0.25*table.clean + 0.25*table.clean"), "s.toml")).to_dict()
    assert one == split


# -- every episode bounded before any planning ------------------------------------------------

WIDE = """
################
#RTTTTTTTTTTTTT#
#..............#
################
"""


def _late_hopeless(train_episodes: int = 10) -> str:
    """Train episodes that plan in a few hundred states; deploy episodes with 13 stains in reach
    (at least 2**13 states)."""
    return small(episodes=train_episodes, train='{ item = "stain", on = "table", count = 1 }',
                 deploy='{ item = "stain", on = "table", count = 13 }', length=30,
                 deploy_extra='map = """' + WIDE + '"""\n').replace("episodes = 10\nseed = 2", "episodes = 1\nseed = 2")


def test_a_hopeless_late_episode_is_refused_before_any_episode_is_planned(monkeypatch):
    scn = loads(_late_hopeless(), "late.toml")
    built = []
    real_graph = engine.Graph
    monkeypatch.setattr(engine, "Graph", lambda *a, **k: built.append(1) or real_graph(*a, **k))
    with pytest.raises(LimitError) as info:
        engine.run(scn, max_states=5_000)
    assert built == []  # before: the 10 train episodes were planned first
    assert "deploy episode 1: reachable states" in str(info.value)
    assert "at least 2**13 = 8,192" in str(info.value)


def test_the_train_episodes_of_that_file_are_under_the_limit_on_their_own():
    """An independent check of the test above: what is refused is the deploy episode alone."""
    scn = loads(_late_hopeless(), "late.toml")
    from pseudoalign.engine import draw

    for i, contents in enumerate(draw(scn, "train"), start=1):
        engine.run_episode(scn, scn.train, i, contents, probes=False, max_states=5_000)


def test_an_episode_whose_upper_bound_is_over_and_lower_bound_under_still_enumerates():
    from pseudoalign.limits import state_bound, state_lower_bound
    from pseudoalign.world.env import Env

    cookies = '{ item = "cookie", on = "table", count = 2 }'
    scn = loads(small(length=6, train=cookies, deploy=cookies), "s.toml")
    sizes, open_questions = [], 0
    for dist in (scn.train, scn.deploy):
        for i, contents in enumerate(engine.draw(scn, dist.name), start=1):
            n = engine.run_episode(scn, dist, i, contents, probes=False, max_states=10 ** 6).states
            sizes.append(n)
            env = Env(dist.layout.surface, contents, scn.crumbs_per_cookie, depth=6)
            open_questions += state_lower_bound(env, 6)[0] <= max(sizes) < state_bound(env, 6)
    most = max(sizes)
    assert open_questions  # an episode that the bounds cannot settle at the limit below
    assert engine.run(scn, max_states=most).label  # enumerated, and under the limit
    with pytest.raises(LimitError, match="stopped at"):  # enumerated, and refused as it passed the limit
        engine.run(scn, max_states=most - 1)


# -- progress -----------------------------------------------------------------------------

@pytest.mark.parametrize("jobs", [1, 2])
def test_run_reports_progress_in_order_and_the_report_does_not_change(jobs):
    scn = loads(small(episodes=3), "s.toml")
    calls: list[tuple[int, int]] = []
    with_progress = engine.run(scn, jobs=jobs, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 6) for i in range(7)]
    assert with_progress.to_json() == engine.run(scn).to_json()


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_bar_appears_only_after_its_delay_and_only_where_allowed(monkeypatch):
    from pseudoalign.cli import progress as P

    made = []

    class FakeBar:
        def start(self):
            made.append("start")

        def add_task(self, description, total, completed):
            made.append(("task", description, total, completed))
            return 0

        def update(self, task, completed):
            made.append(("at", completed))

        def stop(self):
            made.append("stop")

    monkeypatch.setattr(P.RunProgress, "_make_bar", lambda self: FakeBar())
    clock = _Clock()
    with P.RunProgress("a\x1b[2Jb.toml", "auto", enabled=True, clock=clock) as bar:
        bar(0, 4)
        clock.now = 0.5
        bar(1, 4)
        assert made == []  # a short run shows nothing
        clock.now = 1.5
        bar(2, 4)
        bar(4, 4)
    assert made == [("task", "a\\x1b[2Jb.toml", 4, 2), "start", ("at", 4), "stop"]
    made.clear()
    clock.now = 0.0
    with P.RunProgress("x", "never", clock=clock) as bar:  # --color never: no bar, whatever the stream
        bar(0, 4)
        clock.now = 9.0
        bar(1, 4)
    assert made == []


def test_run_and_check_on_a_pipe_draw_no_bar(tmp_path):
    (tmp_path / "s.toml").write_text(small(), encoding="utf-8")
    run = cli("run", "s.toml", "--json", cwd=tmp_path)
    assert run.returncode == 0 and run.stderr == ""
    assert json.loads(run.stdout)["verdict"]
    check = cli("check", "s.toml", cwd=tmp_path)
    assert check.stdout.startswith("- s.toml:") and check.stderr == "1 passed, 0 failed\n"
