"""The performance benchmark of pseudoalign: run it with ``python benchmarks/run.py``.

Prints a table of: reachable states enumerated per second; state-action backups per second;
the machine's memory bandwidth (a numpy copy) and the backups per second it would allow at
the kernel's bytes per backup, with our ratio to it; the wall time of ``run`` on the bundled
scenarios; the wall time and peak memory of a generated scenario whose episodes each reach
more than a million states. ``--markdown FILE`` also writes the table, with the machine it
came from, to FILE (BENCHMARKS.md). Timing is measured here, never asserted in unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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
    from pseudoalign.world.env import A, Env

    scn = loads(text, "million.toml")
    dist = scn.train
    contents = draw_episodes(dist, scn.legend)[0]
    env = Env(dist.layout.surface, contents, scn.crumbs_per_cookie, depth=dist.episode_length)
    holder = {}
    t_enum = best_of(3, lambda: holder.__setitem__("g", Graph(env, dist.episode_length)))
    g = holder["g"]
    obj = objective(g, scn.base.reward)
    T = dist.episode_length
    backups = sum(g.live(k) for k in range(1, T + 1)) * A
    # the kernel a process settles on: the compiled one, unless numba is missing or
    # PSEUDOALIGN_KERNEL=numpy says otherwise (auto starts on numpy's, see PlanSettings.tier_up)
    asked = os.environ.get("PSEUDOALIGN_KERNEL", "").strip().lower()
    kernel = asked if asked in ("numpy", "numba") else "numba" if PROCESS_TIER.compiled() else "numpy"
    work = {}  # kept between plans of a graph, as the engine keeps it (graph._work)

    def plan(kernel):
        return values(g.next, obj, T, 1.0, live=g.live, still=g.still, settings=PlanSettings(kernel=kernel), work=work)

    t_back = best_of(15, lambda: plan(kernel))
    t_numpy = best_of(15, lambda: plan("numpy")) if kernel != "numpy" else t_back
    # What the kernel moves, per state and step: for each action that changes some state,
    # next[a, s] (4 bytes) and the gathered w[next] (8); one read of w[s] shared by the
    # actions that change nothing here (8); folding w = v + level (read 8 + 8, write 8) and
    # writing the new value (8); and 8 per event row the objective reads. Per backup: / A.
    moving = A - len(g.still)
    per_state = moving * (g.next.itemsize + 8) + (8 if g.still else 0) + 32 + 8 * len(obj.event)
    bytes_per_backup = per_state / A
    return {"states": g.N, "enum_s": t_enum, "states_per_s": g.N / t_enum, "backups": backups,
            "backup_s": t_back, "backups_per_s": backups / t_back, "bytes_per_backup": bytes_per_backup,
            "kernel": kernel, "numpy_backups_per_s": backups / t_numpy, "tier_up": PlanSettings().tier_up}


def _child(code: str, stdin: str = "") -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python of this environment, from this folder: ``python -c``
    puts its working folder first on sys.path, and from the repository root that would be
    the source tree, not the installed package. A failure shows the child's error."""
    out = subprocess.run([sys.executable, "-c", code], input=stdin, capture_output=True, text=True, cwd=HERE)
    if out.returncode:
        sys.exit(f"benchmark child failed:\n{out.stderr}")
    return out


_BUNDLED_CHILD = """
import json, time
import pseudoalign
from pseudoalign.engine import run
scns = [pseudoalign.load(n) for n in pseudoalign.bundled_names()]
times = []
for _ in range(5):
    t = time.perf_counter()
    [run(s) for s in scns]
    times.append(time.perf_counter() - t)
print(json.dumps(min(times)))
"""


def bundled_wall() -> tuple[float, float]:
    """(engine seconds, best of 5 in a fresh process as a user's run starts; wall seconds of
    the ``pseudoalign run --bundled --json`` command, best of 3)."""
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
        ("bundled scenarios, engine time", f"{engine:.2f} s", "< 1 s", "all five, in a fresh process, best of 5"),
        ("bundled scenarios, `pseudoalign run --bundled`", f"{wall:.2f} s", "", "wall time, with start-up"),
        ("million-state scenario, wall time", f"{big['seconds']:.1f} s", "< 60 s",
         f"2 + 2 episodes of {big['train_states']:,} / {big['deploy_states']:,} states; verdict {big['label']}"),
        ("million-state scenario, peak memory", f"{big['peak_mib']:,.0f} MiB", "< 4096 MiB", "peak RSS"),
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
