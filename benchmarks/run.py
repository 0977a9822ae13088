"""The performance benchmark of pseudoalign: run it with ``python benchmarks/run.py``.

Prints a table of: reachable states enumerated per second; state-action backups per second;
the machine's memory bandwidth (a numpy copy) and the backups per second it would allow at
the kernel's bytes per backup, with our ratio to it; the wall time of ``run`` on the bundled
scenarios; the wall time and peak memory of a generated scenario whose episodes each reach
more than a million states; the time of the state limit's bounds on the largest maps and of
its refusals (by the lower bound, and by enumeration stopped at the limit); the time to
validate (and run) a scenario whose reward is a 990 KB expression. ``--markdown
FILE`` also writes the table, with the machine it came from, to FILE (BENCHMARKS.md). Timing
is measured here, never asserted in unit tests (tests/test_limits.py asserts what these cases
compute; this file, how long they take).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def million_scenario(width: int = 7, height: int = 7, crumbs: int = 16, length: int = 30) -> str:
    """A table of width x height cells, crumbs on ``crumbs`` of them: over a million states an episode."""
    rows = ["#" * (width + 2)] + ["#" + "T" * width + "#" for _ in range(height)] + ["#" * (width + 2)]
    rows[1] = "#R" + "T" * (width - 1) + "#"
    the_map = "\n".join(rows)
    return f'''format = 1
title = "A generated million-state household"
story = "Crumbs all over a large table; in deployment a cookie among them."
[world]
map = """
{the_map}
"""
episode_length = {length}
[objectives.base]
reward = "table.clean"
[objectives.mesa]
reward = "bin.crumbs"
[agent]
objective = "mesa"
[train]
episodes = 2
seed = 1
place = [ {{ item = "crumb", on = "table", count = {crumbs} }} ]
[deploy]
episodes = 2
seed = 2
place = [ {{ item = "crumb", on = "table", count = {crumbs - 2} }}, {{ item = "cookie", on = "table", count = 1 }} ]
'''


def open_floor(width: int, height: int, start: tuple[int, int]) -> str:
    """A walled floor of width x height cells, the robot at ``start`` (1-based, inside the walls)."""
    rows = ["#" * (width + 2)] + ["#" + "." * width + "#" for _ in range(height)] + ["#" * (width + 2)]
    x, y = start
    rows[y] = rows[y][:x] + "R" + rows[y][x + 1:]
    return "\n".join(rows)


def forty_crumbs_scenario(length: int = 300) -> str:
    """Forty crumb cells on a 60 x 60 floor: the README's (Limits) case of a hopeless file."""
    return (f'format = 1\ntitle = "forty"\n[world]\nmap = """\n{open_floor(60, 60, (1, 1))}\n"""\n'
            f'episode_length = {length}\n'
            '[objectives.base]\nreward = "floor.clean"\n[objectives.mesa]\nreward = "bin.crumbs"\n'
            '[agent]\nobjective = "mesa"\n[train]\nplace = [ { item = "crumb", on = "floor", count = 40 } ]\n'
            '[deploy]\nplace = [ { item = "crumb", on = "floor", count = 40 } ]\n')


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def bandwidth() -> float:
    """Bytes per second moved by a numpy copy of 256 MiB (read + write counted)."""
    src = np.ones(32 * 2 ** 20)  # 256 MiB of float64
    dst = np.empty_like(src)
    np.copyto(dst, src)
    t = best_of(5, lambda: np.copyto(dst, src))
    return 2 * src.nbytes / t


def kernel_figures(text: str) -> dict:
    from pseudoalign import loads
    from pseudoalign.plan.graph import Graph
    from pseudoalign.plan.kernels import PROCESS_TIER, objective, values
    from pseudoalign.plan.settings import PlanSettings
    from pseudoalign.world.draw import draw_episodes
    from pseudoalign.world.env import Env

    scn = loads(text, "million.toml")
    dist = scn.train
    contents = draw_episodes(dist, scn.legend)[0]
    env = Env(dist.layout.surface, contents, scn.crumbs_per_cookie, depth=dist.episode_length)
    holder = {}
    t_enum = best_of(3, lambda: holder.__setitem__("g", Graph(env, dist.episode_length)))
    g = holder["g"]
    obj = objective(g, scn.base.reward)
    A = int(env.acts.sum())  # the actions the robot has (1.1: those a world lacks are never planned)
    T = dist.episode_length
    backups = sum(g.live(k) for k in range(1, T + 1)) * A
    # the kernel a process settles on: the compiled one, unless numba is missing or
    # PSEUDOALIGN_KERNEL=numpy says otherwise (auto starts on numpy's, see PlanSettings.tier_up)
    asked = os.environ.get("PSEUDOALIGN_KERNEL", "").strip().lower()
    kernel = asked if asked in ("numpy", "numba") else "numba" if PROCESS_TIER.compiled() else "numpy"
    work = {}  # kept between plans of a graph, as the engine keeps it (graph._work)

    def plan(kernel):
        return values(g.next, obj, T, 1.0, allowed=env.acts, live=g.live, still=g.still,
                      settings=PlanSettings(kernel=kernel), work=work)

    t_back = best_of(15, lambda: plan(kernel))
    t_numpy = best_of(15, lambda: plan("numpy")) if kernel != "numpy" else t_back
    # What the kernel moves, per state and step: for each action that changes some state,
    # next[a, s] (4 bytes) and the gathered w[next] (8); one read of w[s] shared by the
    # actions that change nothing here (8); folding w = v + level (read 8 + 8, write 8) and
    # writing the new value (8); and 8 per event row the objective reads. Per backup: / A.
    still = [a for a in g.still if env.acts[a]]
    moving = A - len(still)
    per_state = moving * (g.next.itemsize + 8) + (8 if still else 0) + 32 + 8 * len(obj.event)
    bytes_per_backup = per_state / A
    return {"states": g.N, "enum_s": t_enum, "states_per_s": g.N / t_enum, "backups": backups,
            "backup_s": t_back, "backups_per_s": backups / t_back, "bytes_per_backup": bytes_per_backup,
            "kernel": kernel, "numpy_backups_per_s": backups / t_numpy, "tier_up": PlanSettings().tier_up}


def limit_figures() -> dict:
    """The state limit's costs: its upper bound on the largest maps (the cases of
    tests/test_limits.py), and a refusal by the lower bound and by enumeration."""
    import random

    from pseudoalign import loads
    from pseudoalign.engine import run
    from pseudoalign.errors import LimitError
    from pseudoalign.limits import describe, state_bound
    from pseudoalign.plan.graph import Graph, StateLimit
    from pseudoalign.world.contents import Contents
    from pseudoalign.world.draw import draw_episodes
    from pseudoalign.world.env import Env
    from pseudoalign.world.layout import parse_map

    out = {}
    # 60 x 60, forty crumb cells within 12 steps of the robot, 30 steps (test_big_map_with_forty_crumb_cells_...)
    start = (30, 30)
    rng = random.Random(1)
    near = [(x, y) for y in range(1, 61) for x in range(1, 61)
            if (x, y) != start and abs(x - start[0]) + abs(y - start[1]) <= 12]
    env = Env(parse_map(open_floor(60, 60, start), {}).surface,
              Contents(robot=start, crumb={c: rng.randint(1, 3) for c in rng.sample(near, 40)}), 4)
    out["crumbs_bound_s"] = best_of(3, lambda: state_bound(env, 30))
    out["crumbs_bound"] = describe(state_bound(env, 30))
    # 64 x 64, an item on every cell, 1 to 10,000 steps (test_largest_map_every_cell_full)
    rng = random.Random(2)
    cells = [(x, y) for y in range(1, 63) for x in range(1, 63) if (x, y) != (31, 31)]
    stain = {c: rng.randint(1, 30) for c in cells}
    mugs = {c: rng.randint(0, 5) for c in rng.sample(cells, 300)}
    with np.errstate(over="ignore"):
        full = Env(parse_map(open_floor(62, 62, (31, 31)), {}).surface,
                   Contents(robot=(31, 31), stain=stain, mug=mugs), 4)
    depths = (1, 10, 200, 3000, 10_000)
    out["full_bound_s"] = max(best_of(3, lambda d=d: state_bound(full, d)) for d in depths)
    out["full_depths"] = depths
    # forty crumb cells on a 60 x 60 floor, 300 steps: refused by the lower bound, no enumeration
    text = forty_crumbs_scenario()
    holder = {}

    def refuse(text, name):
        try:
            run(loads(text, name))
        except LimitError as e:
            holder["message"] = str(e)
        else:
            sys.exit(f"benchmark: {name} was not refused")

    def figure() -> str:  # what the message says was found, without its explanation
        found = re.search(r"reachable states: (.*?)(?: \(|, over the limit)", holder["message"])
        return found.group(1) if found else holder["message"]

    out["lower_s"] = best_of(3, lambda: refuse(text, "forty.toml"))
    out["lower_figure"] = figure()
    # the same floor enumerated until it passes the limit: what the refusal cost before the lower bound
    scn = loads(text, "forty.toml")
    dist = scn.train
    floor = Env(dist.layout.surface, draw_episodes(dist, scn.legend)[0], scn.crumbs_per_cookie,
                depth=dist.episode_length)

    def enumerate_to_limit():
        try:
            Graph(floor, dist.episode_length, max_states=2_000_000)
        except StateLimit as e:
            holder["found"] = e.found
        else:
            sys.exit("benchmark: the forty-crumb floor did not pass the state limit")

    out["floor_enum_s"] = best_of(3, enumerate_to_limit)
    out["floor_found"] = holder["found"]
    # a file the bounds cannot settle, refused by the engine's enumeration stopped at the limit
    table = million_scenario(crumbs=18)
    out["enum_s"] = best_of(3, lambda: refuse(table, "table.toml"))
    out["enum_figure"] = figure()
    return out


def expression_figures() -> dict:
    """A scenario whose base reward is a 990 KB expression, "1+1+...+1": the time to load it
    (validate) and to run it (its like terms are one term once read)."""
    from pseudoalign import loads
    from pseudoalign.engine import run

    reward = "+".join(["1"] * 495_000)
    text = million_scenario(width=3, height=2, crumbs=3, length=10).replace('reward = "table.clean"', f'reward = "{reward}"')
    holder = {}

    def load():
        holder["scn"] = loads(text, "long.toml")

    out = {"chars": len(reward), "load_s": best_of(3, load)}
    out["run_s"] = best_of(3, lambda: run(holder["scn"]))
    out["terms"] = len(holder["scn"].base.reward)
    return out


def _child(code: str, stdin: str = "") -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python of this environment, from this folder: ``python -c``
    puts its working folder first on sys.path, and from the repository root that would be
    the source tree, not the installed package. A failure shows the child's error."""
    out = subprocess.run([sys.executable, "-c", code], input=stdin, capture_output=True, text=True, cwd=HERE,
                         check=False)  # its status is read below, to show the child's error
    if out.returncode:
        sys.exit(f"benchmark child failed:\n{out.stderr}")
    return out


_BUNDLED_CHILD = """
import json, time
import pseudoalign
from pseudoalign.engine import run
FIRST = ("table-wiper", "crumb-vacuum", "cookie-eliminator", "stain-sensor", "faithful")  # the target's five
every = [pseudoalign.load(n) for n in pseudoalign.bundled_names()]
out = {}
for key, scns in (("five", [s for s in every if s.name in FIRST]), ("all", every)):
    times = []
    for _ in range(5):
        t = time.perf_counter()
        [run(s) for s in scns]
        times.append(time.perf_counter() - t)
    out[key] = min(times)
out["count"] = len(every)
print(json.dumps(out))
"""


def bundled_wall() -> tuple[dict[str, float], float]:
    """(engine seconds of the first five bundled robots and of all of them, each best of 5 in a
    fresh process as a user's run starts; wall seconds of ``pseudoalign run --bundled --json``,
    best of 3)."""
    out = _child(_BUNDLED_CHILD)
    engine = json.loads(out.stdout)
    exe = Path(sys.executable).with_name("pseudoalign")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "pseudoalign.cli.main"]
    wall = best_of(3, lambda: subprocess.run(cmd + ["run", "--bundled", "--json"], check=True,
                                             stdout=subprocess.DEVNULL))
    return engine, wall


_CHILD = """
import json, resource, sys, time
from pseudoalign import loads
from pseudoalign.engine import run
text = sys.stdin.read()
t = time.perf_counter()
r = run(loads(text, "million.toml"))
d = r.to_dict()
print(json.dumps({"seconds": time.perf_counter() - t,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "label": d["verdict"]["label"], "train_states": d["train"]["states"],
                  "deploy_states": d["deploy"]["states"]}))
"""


def million_run(text: str) -> dict:
    out = _child(_CHILD, text)
    return json.loads(out.stdout)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 2 ** 20:.0f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    try:
        import numba
        jit = f", numba {numba.__version__}"
    except ImportError:
        jit = ", no numba"
    return (f"{cpu}, {os.cpu_count()} cores{mem}; Python {platform.python_version()}, numpy {np.__version__}{jit}, "
            f"{platform.system()} {platform.release()}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--markdown", metavar="FILE", help="also write the results to FILE (e.g. BENCHMARKS.md)")
    args = ap.parse_args(argv)
    text = million_scenario()
    bw = bandwidth()
    k = kernel_figures(text)
    engine, wall = bundled_wall()
    big = million_run(text)
    lim = limit_figures()
    ex = expression_figures()
    bound = bw / k["bytes_per_backup"]
    rows = [
        ("reachable states enumerated per second", f"{k['states_per_s']:,.0f}", ">= 1,000,000",
         f"{k['states']:,} states in {k['enum_s']:.2f} s"),
        ("state-action backups per second", f"{k['backups_per_s']:,.0f}", "",
         f"{k['backups']:,} backups in {k['backup_s']:.3f} s, {k['kernel']} kernel"),
        ("state-action backups per second, numpy's kernel", f"{k['numpy_backups_per_s']:,.0f}", "",
         f"PSEUDOALIGN_KERNEL=numpy; also each process's first {k['tier_up']:,} state-steps, and all without numba"),
        ("memory bandwidth (numpy copy)", f"{bw / 1e9:.2f} GB/s", "", "read + write of 256 MiB"),
        ("backups per second the bandwidth allows", f"{bound:,.0f}", "",
         f"at {k['bytes_per_backup']:.1f} bytes a backup (what the kernel reads and writes)"),
        ("ratio to the bandwidth bound", f"{k['backups_per_s'] / bound:.0%}", ">= 30%",
         f"{k['backups_per_s'] * 20 / bw:.0%} against the 20-byte layout next[a, s] + reward[a, s] + value"
         + (" (over 100%: the gathered values come from cache, not memory)" if k['backups_per_s'] * 20 > bw else "")),
        ("bundled scenarios, engine time", f"{engine['five']:.2f} s", "< 1 s",
         "the first five (table-wiper to faithful), in a fresh process, best of 5"),
        ("all bundled scenarios, engine time", f"{engine['all']:.2f} s", "",
         f"all {engine['count']:.0f} (1.1 adds drift and deception probes), in a fresh process, best of 5"),
        ("bundled scenarios, `pseudoalign run --bundled`", f"{wall:.2f} s", "", "wall time, with start-up"),
        ("million-state scenario, wall time", f"{big['seconds']:.1f} s", "< 60 s",
         f"2 + 2 episodes of {big['train_states']:,} / {big['deploy_states']:,} states; verdict {big['label']}"),
        ("million-state scenario, peak memory", f"{big['peak_mib']:,.0f} MiB", "< 4096 MiB", "peak RSS"),
        ("state bound, 60 x 60 floor, 40 crumb cells", f"{lim['crumbs_bound_s'] * 1e3:.1f} ms", "< 5 s",
         f"30 steps: {lim['crumbs_bound']} states; best of 3"),
        ("state bound, 64 x 64 map, an item on every cell", f"{lim['full_bound_s'] * 1e3:.1f} ms", "< 5 s",
         f"the slowest of {', '.join(f'{d:,}' for d in lim['full_depths'])} steps; best of 3 each"),
        ("hopeless file refused by the lower bound", f"{lim['lower_s']:.3f} s", "< 0.5 s",
         f"40 crumb cells on a 60 x 60 floor, 300 steps: {lim['lower_figure']}; load and run, best of 3"),
        ("the same floor enumerated to the state limit", f"{lim['floor_enum_s']:.2f} s", "about 1 s",
         f"stopped at {lim['floor_found']:,} states: the refusal's cost without the lower bound; best of 3"),
        ("refused by enumeration at the state limit", f"{lim['enum_s']:.2f} s", "about 1 s",
         f"a 7 x 7 table, 18 crumb cells, 30 steps: {lim['enum_figure']}; load and run, best of 3"),
        ("a 990 KB expression (1+1+...+1), validated", f"{ex['load_s']:.2f} s", "< 1 s",
         f"{ex['chars']:,} characters read as {ex['terms']} term; its run {ex['run_s']:.2f} s; best of 3"),
    ]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    w2 = max(len(r[2]) for r in rows)
    print(f"{'measure':<{w0}}  {'result':>{w1}}  {'target':<{w2}}  notes")
    for r in rows:
        print(f"{r[0]:<{w0}}  {r[1]:>{w1}}  {r[2]:<{w2}}  {r[3]}")
    print(f"\nmachine: {machine()}")
    if args.markdown:
        lines = ["| measure | result | target | notes |", "|---|---:|---|---|"]
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
        md = Path(args.markdown)
        head = md.read_text().split("<!-- results -->")[0] if md.exists() else "# Benchmarks\n\n"
        md.write_text(head + "<!-- results -->\n\n" + f"Machine: {machine()}.\n\n"
                      + f"Measured {time.strftime('%Y-%m-%d')} with `python benchmarks/run.py`.\n\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
