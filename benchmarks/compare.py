"""Side-by-side benchmark of two revisions: ``python benchmarks/compare.py --against GIT_REF``.

Installs GIT_REF (``git archive`` of the commit) and the working tree into two virtual
environments (non-editable installs, with the bytecode pip compiles, as a user installs),
then runs the same cases with each, interleaved (old, new, old, new, ...), and prints, for
every case, the best and the median of ``--runs`` wall times and peak memories (the
child's ru_maxrss, read from ``os.wait4``), the ratios new/old, and the spread between runs
of the same side: the noise the ratios must be read against. ``--markdown [FILE]`` prints
(or writes) the table as Markdown for BENCHMARKS.md.

The environments are kept in a cache folder (``--cache``; ``$XDG_CACHE_HOME/pseudoalign-compare``
by default), one per commit and one per content of the working tree, so a second run starts
at once; ``--fresh`` builds them again. ``--old-env``/``--new-env KEY=VALUE`` set variables
for one side (``--against HEAD --new-env PSEUDOALIGN_KERNEL=numpy`` compares the kernels).

Only the standard library is imported here; the generated scenarios come from
``benchmarks/run.py`` of the working tree, run by the new environment's Python.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: The README's sweep (its Sweeps section), without the plot file.
README_SWEEP = ["sweep", "crumb-vacuum", "--vary", "deploy.place.1.count=0..8"]


@dataclass(frozen=True)
class Case:
    """One command run by each side: pseudoalign's arguments, and a generated scenario file
    (the call of benchmarks/run.py's ``million_scenario`` that writes it) when it needs one."""

    name: str
    args: tuple[str, ...]
    what: str
    generate: str = ""  # keyword arguments of million_scenario, e.g. "crumbs=18"
    warmup: bool = False  # one uncounted run of each side first (short cases: the file cache)


#: The eleven robots bundled before the gallery grew: both sides run the same set (``--bundled``
#: would run more on the newer side and compare unlike work).
BUNDLED_11 = ("camera-coverer", "cookie-eliminator", "crumb-vacuum", "faithful", "fearful-faithful", "goal-drift",
              "re-duster", "stain-sensor", "table-wiper", "watched-deployment", "watched-wiper")

CASES: dict[str, Case] = {c.name: c for c in (
    Case("help", ("--help",), "pseudoalign --help", warmup=True),
    Case("startup", ("run", "table-wiper", "--json"), "pseudoalign run table-wiper --json", warmup=True),
    Case("bundled", ("run", *BUNDLED_11, "--json"), "the eleven robots bundled before the gallery, one run",
         warmup=True),
    Case("sweep", tuple(README_SWEEP) + ("--json",), "the README's sweep (crumb-vacuum, 9 points)"),
    Case("million", ("run", "{file}", "--json"), "the generated million-state scenario", generate=""),
    Case("4m", ("run", "{file}", "--json", "--max-states", "6000000"), "a generated 4 M-state scenario",
         generate="crumbs=18"),  # 4.5 M states in training, 3.6 M in deployment
)}
DEFAULT_CASES = tuple(CASES)


class CompareError(Exception):
    """A refusal with a message for the user (an unknown revision, a failed install)."""


# -- the pure parts: arguments, statistics, tables ---------------------------------------------

def parse_cases(text: Sequence[str]) -> tuple[str, ...]:
    """Case names from ``--cases`` (space- or comma-separated), checked, in the order given."""
    names = [n for item in text for n in item.replace(",", " ").split()]
    unknown = [n for n in names if n not in CASES]
    if unknown:
        raise CompareError(f"unknown case {', '.join(map(repr, unknown))}: the cases are {', '.join(CASES)}")
    if not names:
        raise CompareError(f"--cases names no case: the cases are {', '.join(CASES)}")
    return tuple(dict.fromkeys(names))


def parse_env(items: Sequence[str]) -> dict[str, str]:
    """``KEY=VALUE`` items -> a dict."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CompareError(f"{item!r} is not KEY=VALUE (e.g. PSEUDOALIGN_KERNEL=numpy)")
        out[key.strip()] = value
    return out


@dataclass(frozen=True)
class Stats:
    """Best, median and spread of one side's runs of a case."""

    best: float
    median: float
    worst: float

    @property
    def spread(self) -> float:
        """(worst - best) / best: how far runs of the same side fall apart."""
        return (self.worst - self.best) / self.best if self.best > 0 else 0.0


def stats(samples: Sequence[float]) -> Stats:
    if not samples:
        raise ValueError("no samples")
    return Stats(min(samples), statistics.median(samples), max(samples))


@dataclass
class Sample:
    """What the runs of one case measured on one side: seconds and peak MiB per run, the states
    the run reported (its JSON's largest ``states``; 0 when it prints none)."""

    seconds: list[float] = field(default_factory=list)
    peak_mib: list[float] = field(default_factory=list)
    states: int = 0


@dataclass(frozen=True)
class Row:
    case: str
    old_time: Stats
    new_time: Stats
    old_mem: Stats
    new_mem: Stats
    states: int

    @property
    def time_ratio(self) -> tuple[float, float]:
        """new/old of the best and of the median wall time."""
        return self.new_time.best / self.old_time.best, self.new_time.median / self.old_time.median

    @property
    def mem_ratio(self) -> float:
        return self.new_mem.best / self.old_mem.best

    @property
    def noise(self) -> float:
        """The larger spread of the two sides' wall times."""
        return max(self.old_time.spread, self.new_time.spread)


def row(case: str, old: Sample, new: Sample) -> Row:
    return Row(case, stats(old.seconds), stats(new.seconds), stats(old.peak_mib), stats(new.peak_mib),
               new.states or old.states)


PER_STATE_FROM = 100_000  # smaller runs' peak is the interpreter and its modules, not states

HEADER = ("case", "old best s", "old median s", "new best s", "new median s", "new/old best", "new/old median",
          "noise", "old peak MiB", "new peak MiB", "new/old peak", "new bytes/state")


def cells(r: Row) -> tuple[str, ...]:
    tb, tm = r.time_ratio
    per_state = f"{r.new_mem.best * 2 ** 20 / r.states:,.0f}" if r.states >= PER_STATE_FROM else "–"
    return (r.case, f"{r.old_time.best:.3f}", f"{r.old_time.median:.3f}", f"{r.new_time.best:.3f}",
            f"{r.new_time.median:.3f}", f"{tb:.2f}x", f"{tm:.2f}x", f"±{100 * r.noise:.0f}%",
            f"{r.old_mem.best:,.0f}", f"{r.new_mem.best:,.0f}", f"{r.mem_ratio:.2f}x", per_state)


def plain_table(rows: Sequence[Row]) -> str:
    """The rows as aligned columns: the first left, the figures right."""
    body = [HEADER] + [cells(r) for r in rows]
    widths = [max(len(line[i]) for line in body) for i in range(len(HEADER))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths)))
                     for line in body)


def markdown_table(rows: Sequence[Row]) -> str:
    head = "| " + " | ".join(HEADER) + " |"
    rule = "| " + " | ".join(["---"] + ["---:"] * (len(HEADER) - 1)) + " |"
    return "\n".join([head, rule] + ["| " + " | ".join(cells(r)) + " |" for r in rows])


def largest_states(stdout: str) -> int:
    """The largest ``states`` figure of a JSON report (an object, an array of them, or JSON lines), else 0."""
    found = 0

    def walk(x: object) -> None:
        nonlocal found
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "states" and isinstance(v, int) and not isinstance(v, bool):
                    found = max(found, v)
                else:
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    text = stdout.strip()
    try:
        walk(json.loads(text))
    except ValueError:
        for line in text.splitlines():
            try:
                walk(json.loads(line))
            except ValueError:
                return found
    return found


# -- revisions and environments --------------------------------------------------------------

def git(*args: str, cwd: Path = ROOT) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if out.returncode:
        raise CompareError(f"git {' '.join(args)}: {out.stderr.strip() or 'failed'}")
    return out.stdout


def resolve(ref: str) -> str:
    """The commit a revision names, or CompareError naming it."""
    out = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=ROOT,
                         capture_output=True, text=True, check=False)
    if out.returncode or not out.stdout.strip():
        raise CompareError(f"--against {ref}: not a revision of this repository ({ROOT}); give a commit, branch "
                           "or tag, e.g. HEAD~3 (a shallow clone may lack older commits: git fetch --unshallow)")
    return out.stdout.strip()


def tree_files() -> list[str]:
    """The working tree's files that an install reads: tracked and untracked, not ignored."""
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    return sorted(p for p in listed if p and (ROOT / p).is_file())


def tree_digest(files: Sequence[str]) -> str:
    h = hashlib.sha256()
    for p in files:
        h.update(p.encode() + b"\0" + (ROOT / p).read_bytes() + b"\0")
    return h.hexdigest()[:16]


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pseudoalign-compare"


def bin_dir(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def build_env(venv: Path, fill: Callable[[Path], None], fresh: bool, label: str) -> Path:
    """A venv with pseudoalign installed from the source ``fill`` writes; kept when it is complete."""
    done = venv / ".complete"
    if done.exists() and not fresh:
        return venv
    if venv.exists():
        shutil.rmtree(venv)
    venv.mkdir(parents=True)
    print(f"compare: installing {label} into {venv}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="pseudoalign-src-") as src:
        fill(Path(src))
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        out = subprocess.run([str(bin_dir(venv) / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                              src], capture_output=True, text=True, check=False)
        if out.returncode:
            raise CompareError(f"installing {label} failed:\n{out.stderr[-3000:]}")
    done.write_text(label + "\n")
    return venv


def old_env(commit: str, cache: Path, fresh: bool) -> Path:
    def fill(dest: Path) -> None:
        archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=False)
        if archive.returncode:
            raise CompareError(f"git archive {commit}: {archive.stderr.decode(errors='replace').strip()}")
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)

    return build_env(cache / f"commit-{commit[:16]}", fill, fresh, f"commit {commit[:12]}")


def new_env(cache: Path, fresh: bool) -> Path:
    files = tree_files()

    def fill(dest: Path) -> None:
        for p in files:
            (dest / p).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / p, dest / p)

    return build_env(cache / f"tree-{tree_digest(files)}", fill, fresh, "the working tree")


# -- running ---------------------------------------------------------------------------------

def generate(venv: Path, kwargs: str, dest: Path) -> Path:
    """benchmarks/run.py's million_scenario(**kwargs), written to ``dest`` (run by ``venv``'s Python)."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from run import million_scenario; "
            f"sys.stdout.write(million_scenario({kwargs}))")
    out = subprocess.run([str(bin_dir(venv) / "python"), "-c", code, str(HERE)], capture_output=True, text=True,
                         check=False)
    if out.returncode:
        raise CompareError(f"generating million_scenario({kwargs}) failed:\n{out.stderr[-2000:]}")
    dest.write_text(out.stdout)
    return dest


def measure(cmd: Sequence[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """(wall seconds, peak MiB, stdout) of one run; the peak is the child's ru_maxrss (with the
    processes it waited for), from os.wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(list(cmd), stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=cwd)
        _pid, status, usage = os.wait4(p.pid, 0)
        seconds = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode(errors="replace")
        # 1: a verdict that differs from `expected` (run's exit status), with its output; a crash
        # (an import error, say) also exits 1, with nothing on stdout, and must not be timed
        if p.returncode not in (0, 1) or (p.returncode == 1 and not text.strip()):
            raise CompareError(f"{' '.join(cmd)} exited {p.returncode}:\n{err.read().decode(errors='replace')[-2000:]}")
    rss = usage.ru_maxrss / (2 ** 20 if sys.platform == "darwin" else 2 ** 10)
    return seconds, rss, text


def run_cases(cases: Sequence[str], sides: dict[str, tuple[Path, dict[str, str]]], runs: int,
              work: Path) -> list[Row]:
    """Each case ``runs`` times on each side, interleaved (old, new, old, new, ...)."""
    rows = []
    for name in cases:
        case = CASES[name]
        file = ""
        if "{file}" in case.args:
            file = str(generate(sides["new"][0], case.generate, work / f"{name}.toml"))
        args = [a.replace("{file}", file) for a in case.args]
        samples = {side: Sample() for side in sides}
        order = list(sides)
        for i in range(runs + (1 if case.warmup else 0)):
            for side in order:
                venv, extra = sides[side]
                env = dict(os.environ, **extra)
                env.pop("PYTHONDONTWRITEBYTECODE", None)
                seconds, peak, out = measure([str(bin_dir(venv) / "pseudoalign"), *args], env, work)
                if case.warmup and i == 0:
                    continue
                samples[side].seconds.append(seconds)
                samples[side].peak_mib.append(peak)
                samples[side].states = max(samples[side].states, largest_states(out))
            if not (case.warmup and i == 0):
                print(f"compare: {name} run {len(samples[order[0]].seconds)} of {runs}: " + ", ".join(
                    f"{s} {samples[s].seconds[-1]:.2f} s" for s in order), file=sys.stderr)
        rows.append(row(name, samples["old"], samples["new"]))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--against", required=True, metavar="GIT_REF", help="the revision to compare with (e.g. HEAD~3)")
    ap.add_argument("--runs", type=int, default=5, help="runs of each case on each side (default 5)")
    ap.add_argument("--cases", nargs="+", default=list(DEFAULT_CASES), metavar="CASE",
                    help=f"which cases, of: {', '.join(CASES)} (default all)")
    ap.add_argument("--markdown", nargs="?", const="-", metavar="FILE",
                    help="print the table as Markdown (or write it to FILE)")
    ap.add_argument("--cache", type=Path, default=None, help="where the environments are kept")
    ap.add_argument("--fresh", action="store_true", help="build both environments again")
    ap.add_argument("--old-env", action="append", default=[], metavar="KEY=VALUE", help="a variable for the old side")
    ap.add_argument("--new-env", action="append", default=[], metavar="KEY=VALUE", help="a variable for the new side")
    a = ap.parse_args(argv)
    try:
        if a.runs < 1:
            raise CompareError("--runs must be at least 1")
        cases = parse_cases(a.cases)
        extra = parse_env(a.old_env), parse_env(a.new_env)
        commit = resolve(a.against)
        cache = a.cache or default_cache()
        sides = {"old": (old_env(commit, cache, a.fresh), extra[0]), "new": (new_env(cache, a.fresh), extra[1])}
        with tempfile.TemporaryDirectory(prefix="pseudoalign-compare-") as work:
            rows = run_cases(cases, sides, a.runs, Path(work))
    except CompareError as e:
        print(f"compare: {e}", file=sys.stderr)
        return 2
    title = (f"old: {a.against} ({commit[:12]}){' ' + ' '.join(a.old_env) if a.old_env else ''}; "
             f"new: the working tree{' ' + ' '.join(a.new_env) if a.new_env else ''}; "
             f"{a.runs} runs a side, interleaved; noise: the larger (worst - best) / best of the two sides")
    print(title)
    print(plain_table(rows))
    if a.markdown:
        text = title + "\n\n" + markdown_table(rows) + "\n"
        if a.markdown == "-":
            print()
            print(text, end="")
        else:
            Path(a.markdown).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
