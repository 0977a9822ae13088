"""Reliability of the command line (issue 16): errors on output paths as one line, files written
whole and in place, one status for a closed output, and no control character from a file ever
reaching the terminal."""

from __future__ import annotations

import errno
import json
import os
import random
import resource
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pseudoalign import fileio
from pseudoalign.cli import main as cli_main
from pseudoalign.cli.main import cli

ESC, BEL = "\x1b", "\x07"
MAIN = "from pseudoalign.cli.main import main; main()"


@pytest.fixture
def runner():
    return CliRunner()


def invoke(runner, *args):
    return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def process(*args, cwd, stdout=subprocess.PIPE, preexec_fn=None, timeout=120) -> subprocess.CompletedProcess:
    """The command in a fresh process, as a user starts it (from a folder other than the repository)."""
    return subprocess.run([sys.executable, "-c", MAIN, *map(str, args)], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, cwd=cwd, preexec_fn=preexec_fn, timeout=timeout, check=False)


def one_line_failure(r) -> str:
    """The message of a command that failed as it should: status 1, one line, no traceback."""
    err = r.stderr.strip()
    assert r.exit_code == 1, (r.exit_code, r.output)
    assert "Traceback" not in r.output and not err.startswith(("Usage", "Error")), err
    assert len(err.splitlines()) == 1, err
    return err


def unwritable_folder(path: Path) -> Path:
    """A folder nobody may create files in, even root: immutable (chattr +i) when root and the file
    system allows it, else without write permission (enough for other users)."""
    path.mkdir()
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False).returncode != 0:
            pytest.skip("running as root on a file system without chattr +i: no folder is unwritable for root")
    else:
        path.chmod(0o500)
    return path


@pytest.fixture
def locked(tmp_path):
    made = []

    def make(name: str = "locked") -> Path:
        made.append(unwritable_folder(tmp_path / name))
        return made[-1]

    yield make
    for p in made:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(p)], capture_output=True, check=False)
        p.chmod(0o755)


# -- new: errors on its folder, both files or neither, an existing schema ---------------------

def test_new_into_a_folder_under_a_file_is_one_line(runner, tmp_path):
    (tmp_path / "afile").write_text("x")
    err = one_line_failure(invoke(runner, "new", "r", "--dir", tmp_path / "afile" / "sub"))
    assert "afile/sub" in err and "not a folder" in err


def test_new_into_an_immutable_folder_is_one_line_and_writes_nothing(runner, locked):
    folder = locked()
    err = one_line_failure(invoke(runner, "new", "r", "--dir", folder))
    assert str(folder) in err and "cannot write" in err
    assert list(folder.iterdir()) == []


def test_new_into_a_missing_folder_makes_it(runner, tmp_path):
    r = invoke(runner, "new", "r", "--dir", tmp_path / "a" / "b")
    assert r.exit_code == 0 and (tmp_path / "a" / "b" / "r.toml").is_file()


@pytest.mark.parametrize("in_the_way", ["pseudoalign.schema.json", "r.toml"])
def test_new_where_a_file_to_write_is_a_folder(runner, tmp_path, in_the_way):
    (tmp_path / in_the_way).mkdir()
    err = one_line_failure(invoke(runner, "new", "r", "--dir", tmp_path, "--force"))
    assert in_the_way in err and "folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [in_the_way]  # nothing else written


@pytest.mark.parametrize("failing", ["pseudoalign.schema.json", "r.toml"])
def test_new_writes_both_files_or_neither(runner, tmp_path, monkeypatch, failing):
    real = fileio.write_atomic

    def full_disk(path, data):
        if Path(path).name == failing:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, data)

    monkeypatch.setattr(fileio, "write_atomic", full_disk)
    err = one_line_failure(invoke(runner, "new", "r", "--dir", tmp_path))
    assert failing in err and "No space left on device" in err
    assert list(tmp_path.iterdir()) == []


def test_new_keeps_an_identical_schema_and_refuses_a_different_one(runner, tmp_path):
    assert invoke(runner, "new", "a", "--dir", tmp_path).exit_code == 0
    schema = tmp_path / "pseudoalign.schema.json"
    before = schema.stat()
    r = invoke(runner, "new", "b", "--dir", tmp_path)
    assert r.exit_code == 0 and "kept" in r.stderr
    assert schema.stat().st_ino == before.st_ino and schema.stat().st_mtime_ns == before.st_mtime_ns  # not rewritten

    schema.write_text('{"mine": true}\n')
    err = one_line_failure(invoke(runner, "new", "c", "--dir", tmp_path))
    assert "pseudoalign.schema.json" in err and "--force" in err
    assert schema.read_text() == '{"mine": true}\n' and not (tmp_path / "c.toml").exists()

    assert invoke(runner, "new", "c", "--dir", tmp_path, "--force").exit_code == 0
    assert json.loads(schema.read_text()).get("mine") is None and (tmp_path / "c.toml").is_file()


# -- run --save: its folder checked before the run, a full disk ---------------------------------

def test_run_save_into_an_unwritable_folder_fails_before_running(runner, locked, monkeypatch):
    folder = locked()

    def no_run(*a, **k):
        raise AssertionError("the run started before the folder was checked")

    monkeypatch.setattr(cli_main, "run_scenario", no_run)
    err = one_line_failure(invoke(runner, "run", "table-wiper", "--save", folder / "r.txt"))
    assert str(folder / "r.txt") in err and "cannot write the report" in err


def _file_size_limit(n: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))
    return apply


def test_run_save_past_the_file_size_limit_is_one_line_and_leaves_nothing(tmp_path):
    """A disk that takes no more (RLIMIT_FSIZE: the kernel refuses the write as a full disk would)."""
    r = process("run", "table-wiper", "--color", "never", "--save", tmp_path / "r.svg", cwd=tmp_path,
                stdout=subprocess.DEVNULL, preexec_fn=_file_size_limit(4096))
    err = r.stderr.strip()
    assert r.returncode == 1 and "Traceback" not in err and len(err.splitlines()) == 1, err
    assert "r.svg: cannot write the report: File too large" in err
    assert list(tmp_path.iterdir()) == []


def _small_tmpfs(path: Path) -> bool:
    path.mkdir()
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(path)],
                          capture_output=True, check=False).returncode == 0


def test_run_save_onto_a_full_disk_is_one_line_and_leaves_nothing(tmp_path):
    disk = tmp_path / "disk"
    if not _small_tmpfs(disk):
        pytest.skip("cannot mount a small tmpfs here (needs root); the RLIMIT_FSIZE test covers the same path")
    try:
        r = process("run", "table-wiper", "--color", "never", "--save", disk / "r.svg", cwd=tmp_path,
                    stdout=subprocess.DEVNULL)
        err = r.stderr.strip()
        assert r.returncode == 1 and "Traceback" not in err and len(err.splitlines()) == 1, err
        assert "r.svg: cannot write the report: No space left on device" in err
        assert list(disk.iterdir()) == []
    finally:
        subprocess.run(["umount", str(disk)], check=False)


# -- write_atomic: mode, symbolic links, no temporary file left by kill -9 ----------------------

@pytest.fixture(params=["unnamed", "named", "unnamed-without-proc"])
def way(request, monkeypatch):
    """Every way of writing: an unnamed O_TMPFILE file (Linux); the named temporary file elsewhere;
    and the named file after an unnamed one that could not be named (no /proc)."""
    if request.param == "named":
        monkeypatch.setattr(fileio, "_unnamed", lambda folder, mode: None)
    if request.param == "unnamed-without-proc":
        def no_proc(fd, path):
            raise fileio._NoLink
        monkeypatch.setattr(fileio, "_name", no_proc)
    return request.param


def test_a_file_written_over_keeps_its_mode(tmp_path, way):
    target = tmp_path / "r.txt"
    target.write_text("old")
    target.chmod(0o600)
    fileio.write_atomic(target, "new")
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_new_file_gets_the_umask_s_mode(tmp_path, way):
    mask = os.umask(0o027)
    try:
        fileio.write_atomic(tmp_path / "r.txt", "new")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "r.txt").stat().st_mode) == 0o640


def test_a_symbolic_link_is_written_through(tmp_path, way):
    real = tmp_path / "real" / "r.txt"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    fileio.write_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "real"]
    assert [p.name for p in real.parent.iterdir()] == ["r.txt"]


def test_an_error_leaves_the_old_file_and_no_other(tmp_path, way, monkeypatch):
    target = tmp_path / "r.txt"
    target.write_text("old")

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fileio.os, "write", full)
    with pytest.raises(OSError):
        fileio.write_atomic(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r.txt"]


KILLED_WRITER = """
import sys
from pseudoalign.fileio import write_atomic
target, n = sys.argv[1], int(sys.argv[2])
i = 0
print("ready", flush=True)
while True:
    i += 1
    write_atomic(target, (b"a" if i % 2 else b"b") * n)
"""


def test_kill_9_during_a_write_leaves_no_temporary_file(tmp_path):
    """Ten kills at random moments of a loop of 2 MB writes: the file is always whole, and no
    .r.txt.*.tmp is ever left (with a named temporary file, about half the kills left one)."""
    size = 2_000_000
    target = tmp_path / "r.txt"
    target.write_bytes(b"a" * size)
    rng = random.Random(16)
    for _ in range(10):
        p = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target), str(size)], cwd=tmp_path,
                             stdout=subprocess.PIPE, text=True)
        try:
            assert p.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.05, 0.4))
        finally:
            p.kill()
            p.wait(timeout=30)
            p.stdout.close()
        assert [q.name for q in tmp_path.iterdir()] == ["r.txt"]
        data = target.read_bytes()
        assert len(data) == size and data in (b"a" * size, b"b" * size)


# -- a closed output: one status, 0, for every command ------------------------------------------

CLOSED_OUTPUT_COMMANDS = [
    ("run", "table-wiper", "--color", "never"),
    ("run", "--bundled", "--color", "never"),
    ("run", "table-wiper", "--json"),
    ("explain", "--color", "never"),
    ("replay", "table-wiper", "--color", "never"),
    ("show", "table-wiper", "--color", "never"),
    ("list", "--color", "never"),
    ("list", "--json"),
    ("schema",),
    ("validate", "{scenarios}/table-wiper.toml"),
    ("check", "{scenarios}/table-wiper.toml"),
    ("sweep", "faithful", "--vary", "deploy.episodes=1..2", "--color", "never"),
    ("sweep", "faithful", "--vary", "deploy.episodes=1..2", "--json"),
    ("sweep", "--db", "{tmp}/points.db", "--show", "--json"),
    ("--help",),
    ("run", "--help"),
]


def _closed_pipe_run(args, cwd) -> tuple[int, str]:
    """The command with its stdout a pipe whose reader has already gone: every write fails."""
    read, write = os.pipe()
    os.close(read)
    try:
        p = subprocess.Popen([sys.executable, "-c", MAIN, *args], stdout=write, stderr=subprocess.PIPE,
                             text=True, cwd=cwd)
    finally:
        os.close(write)
    try:
        _out, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise
    return p.returncode, err


@pytest.mark.parametrize("args", CLOSED_OUTPUT_COMMANDS, ids=" ".join)
def test_a_closed_output_ends_every_command_quietly_with_status_0(args, tmp_path):
    from pseudoalign import resolve

    scenarios = resolve("table-wiper").parent
    if "--db" in args:  # a database with one point, to show
        r = process("sweep", "faithful", "--vary", "deploy.episodes=1", "--db", tmp_path / "points.db", "--json",
                    cwd=tmp_path)
        assert r.returncode == 0, r.stderr
    args = [a.format(scenarios=scenarios, tmp=tmp_path) for a in args]
    status, err = _closed_pipe_run(args, tmp_path)
    assert status == 0, err
    assert "Traceback" not in err and "Exception ignored" not in err and "Error" not in err, err


def test_a_reader_that_leaves_early_gives_status_0_every_time(tmp_path):
    """As `run --bundled | head -c 10`: the reader takes a little and goes, at varying moments."""
    for _ in range(3):
        p = subprocess.Popen([sys.executable, "-c", MAIN, "explain", "--color", "never"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=tmp_path)
        try:
            assert len(p.stdout.read(10)) == 10
            p.stdout.close()
            _out, err = p.communicate(timeout=120)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        assert p.returncode == 0 and b"Traceback" not in err, err


# -- control characters from a file ---------------------------------------------------------------

HOSTILE = r'''
format = 1
title = "Evil \u001b[2J title \u0007 bell"
story = """
A story \u001b[31m red \u0007 and more.
"""
expected = "robust"

[world]
map = """
#########
#..TTTT.#
#..TT{glyph}T.#
#R......#
#########
"""
episode_length = 10

[world.legend]
"{glyph}" = {{ surface = "table", items = [ {{ item = "object", kind = "soap", color = "green" }} ] }}

[objectives.base]
description = "Clean \u001b[2J table \u0007"
reward = "table.clean"

[objectives.mesa]
description = "Wipe \u001b]0;pwned\u0007"
reward = "event.clean"

[agent]
objective = "mesa"

[train]
episodes = 2
seed = 1
place = [ {{ item = "stain", on = "table", count = [2, 4] }} ]

[deploy]
episodes = 2
seed = 2
place = [ {{ item = "stain", on = "table", count = [2, 4] }} ]
'''


def hostile(folder: Path, name: str = "evil.toml", glyph: str = r"\u001b", extra: str = "") -> Path:
    path = folder / name
    path.write_text(HOSTILE.format(glyph=glyph) + extra, encoding="utf-8")
    return path


def test_the_hostile_file_is_valid_so_every_field_reaches_the_renderers(tmp_path):
    from pseudoalign import load

    scn = load(hostile(tmp_path))
    assert ESC in scn.title and BEL in scn.title and ESC in scn.story and ESC in scn.base.description


def _no_raw_controls(r) -> str:
    text = r.stdout + r.stderr
    assert ESC not in text and BEL not in text, [ln for ln in text.splitlines() if ESC in ln or BEL in ln]
    return text


@pytest.mark.parametrize("command", [
    ("run", "{f}", "--color", "never"),
    ("show", "{f}", "--color", "never"),
    ("replay", "{f}", "--color", "never"),
    ("validate", "{f}"),
    ("check", "{f}"),
    ("sweep", "{f}", "--vary", "deploy.episodes=1..2", "--color", "never"),
], ids=lambda c: c[0])
def test_control_characters_from_a_file_are_shown_escaped(runner, tmp_path, command):
    f = hostile(tmp_path)
    r = invoke(runner, *[a.format(f=f) for a in command])
    assert r.exit_code in (0, 1), r.output
    text = _no_raw_controls(r)
    if command[0] in ("run", "show", "validate"):
        assert r"Evil \x1b[2J title \x07 bell" in text  # shown, escaped, not dropped


def test_control_characters_in_problems_and_keys_are_shown_escaped(runner, tmp_path):
    bad = hostile(tmp_path, extra='\n"\\u001b[2Jkey\\u0007" = 1\n[world.legend."\\u0007"]\nsurface = "moon"\n')
    r = invoke(runner, "validate", bad)
    assert r.exit_code == 1
    text = _no_raw_controls(r)
    assert r"\x1b[2Jkey\x07" in text


def test_a_file_name_with_control_characters_is_shown_escaped(runner, tmp_path):
    folder = tmp_path / "lib"
    folder.mkdir()
    hostile(folder, name="a\x1b[2J.toml")
    r = invoke(runner, "check", folder)
    _no_raw_controls(r)
    assert r"a\x1b[2J.toml" in r.stdout


def test_vary_values_with_control_characters_are_shown_escaped(runner, tmp_path):
    r = invoke(runner, "sweep", "table-wiper", "--vary", f"title=plain,t{ESC}[2J{BEL}", "--color", "never")
    assert r.exit_code == 0, r.output
    _no_raw_controls(r)
    assert r"t\x1b[2J\x07" in r.stdout


def test_json_keeps_the_text_as_it_is(runner, tmp_path):
    f = hostile(tmp_path)
    r = invoke(runner, "run", f, "--json")
    assert ESC not in r.stdout  # JSON escapes it: \u001b
    assert json.loads(r.stdout)["title"] == "Evil \x1b[2J title \x07 bell"


# -- standard output on a full disk, --plot's folder ------------------------------------------------

@pytest.mark.parametrize("args", [("run", "table-wiper", "--color", "never"), ("run", "table-wiper", "--json"),
                                  ("schema",)], ids=" ".join)
def test_stdout_on_a_full_disk_is_one_line(args, tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        r = process(*args, cwd=tmp_path, stdout=full)
    err = r.stderr.strip()
    assert r.returncode == 1 and len(err.splitlines()) == 1, err
    assert err.startswith("<stdout>: cannot write the output: No space left on device")


def test_sweep_plot_into_an_unwritable_folder_fails_before_any_point(runner, locked, monkeypatch):
    from pseudoalign import sweeps

    def no_run(*a, **k):
        raise AssertionError("the sweep started before the folder was checked")

    monkeypatch.setattr(sweeps, "sweep", no_run)
    folder = locked()
    err = one_line_failure(invoke(runner, "sweep", "faithful", "--vary", "deploy.episodes=1..2",
                                  "--plot", folder / "p.svg"))
    assert "p.svg: cannot write the plot" in err


def test_new_with_force_puts_the_old_schema_back_when_the_scenario_cannot_be_written(runner, tmp_path, monkeypatch):
    schema = tmp_path / "pseudoalign.schema.json"
    schema.write_text('{"mine": true}\n')
    real = fileio.write_atomic

    def full_disk(path, data):
        if Path(path).name == "r.toml":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, data)

    monkeypatch.setattr(fileio, "write_atomic", full_disk)
    one_line_failure(invoke(runner, "new", "r", "--dir", tmp_path, "--force"))
    assert schema.read_text() == '{"mine": true}\n' and [p.name for p in tmp_path.iterdir()] == [schema.name]
