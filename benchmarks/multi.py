"""Plans of K objectives in one pass against K single passes: run it with ``python benchmarks/multi.py``.

On two graphs: the million-state graph of ``benchmarks/run.py`` (its generated scenario's
first training episode) and the first training episode of the bundled crumb-vacuum (the
size ``learn`` plans its candidates on), each enumerated with the events the objectives
read, K random objectives (one or two terms of level features and events, weights in -2,
-1, 1, 2) are planned over the whole episode by ``plan.multi.values_many`` (kept values, as
``plan_many`` keeps them, on the small graph; none on the large one, where 64 objectives'
would not fit) and by K calls of ``plan.kernels.values`` (numpy's kernel, and numba's where
it serves), interleaved, ``--repeats`` times each, for K = 1, 8 and 64. Prints state-action
backups per second, best and median, and the ratio of the fused pass to the single passes;
checks that both give the same bits.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import million_scenario  # the generator benchmarks/run.py times

FEATURES = ["table.clean", "bin.crumbs", "all.crumbs", "floor.crumbs", "robot.x", "robot.y", "event.move",
            "event.vacuum", "event.crumbs_vacuumed", "event.bump"]


def objectives(k: int, seed: int) -> list:
    from pseudoalign.scenario.expr import Term

    rng = np.random.default_rng(seed)
    out = []
    for _ in range(k):
        picks = rng.choice(len(FEATURES), size=int(rng.integers(1, 3)), replace=False)
        out.append([Term(float(rng.choice([-2, -1, 1, 2])), FEATURES[i]) for i in sorted(picks)])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--ks", default="1,8,64")
    args = ap.parse_args(argv)

    import pseudoalign
    from pseudoalign import loads
    from pseudoalign.plan.graph import Graph
    from pseudoalign.plan.kernels import PROCESS_TIER, ObjectiveArrays, values
    from pseudoalign.plan.multi import values_many
    from pseudoalign.plan.settings import PlanSettings
    from pseudoalign.world.draw import draw_episodes
    from pseudoalign.world.env import Env

    kernels = ["numpy"] + (["numba"] if PROCESS_TIER.compiled() is not None else [])
    events = sorted(f[len("event."):] for f in FEATURES if f.startswith("event."))
    for name in ("million", "crumb-vacuum"):
        scn = loads(million_scenario(), "million.toml") if name == "million" else pseudoalign.load(name)
        dist = scn.train
        contents = draw_episodes(dist, scn.legend)[0]
        T = dist.episode_length
        env = Env(dist.layout.surface, contents, scn.crumbs_per_cookie, depth=T, actions=scn.actions)
        g = Graph(env, T, events=events)
        keep = name != "million"
        A = int(env.acts.sum())
        per_objective = sum(g.live(k) for k in range(1, T + 1)) * A
        print(f"{name}: {g.N:,} states, {T} steps, {A} actions; {per_objective:,} backups an objective; "
              f"{'values kept' if keep else 'no values kept'}")
        print(f"{'K':>5} {'how':>14} {'best G/s':>9} {'median G/s':>11} {'fused / single (best)':>22}")
        for K in [int(x) for x in args.ks.split(",")]:
            objs = [ObjectiveArrays.build(g, terms) for terms in objectives(K, K)]
            times: dict[str, list[float]] = {"fused": [], **{f"single {k}": [] for k in kernels}}
            for _ in range(args.repeats):  # interleaved
                t = time.perf_counter()
                fused = values_many(g.next, objs, T, 0.99, env.acts, keep_values=keep, live=g.live, still=g.still)
                times["fused"].append(time.perf_counter() - t)
                for kernel in kernels:
                    work: dict = {}
                    t = time.perf_counter()
                    single = [values(g.next, o, T, 0.99, env.acts, keep_values=keep, live=g.live, still=g.still,
                                     settings=PlanSettings(kernel=kernel), work=work) for o in objs]
                    times[f"single {kernel}"].append(time.perf_counter() - t)
                    assert all(a[0].tobytes() == b[0].tobytes() for a, b in zip(fused, single)), "not the same bits"
            rate = {h: (K * per_objective / min(ts), K * per_objective / statistics.median(ts)) for h, ts in times.items()}
            for how, (best, med) in rate.items():
                ratio = "" if how == "fused" else f"{rate['fused'][0] / best:22.2f}"
                print(f"{K:5} {how:>14} {best / 1e9:9.3f} {med / 1e9:11.3f} {ratio}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
