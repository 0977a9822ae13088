"""Peak memory per state and wall time of large episodes, one revision against another.

Run it with ``python benchmarks/memory.py [--base PYTHON] [--repeats N]``: for each case (the
generated scenarios of ``benchmarks/run.py``: its million-state one, about 1.4 M states an
episode, and the same with 18 crumbs, about 4.5 M) it runs ``pseudoalign.engine.run`` in a
fresh process of this environment's Python and of ``--base`` (another environment with the
revision to compare against installed, e.g. ``pip install git+file://$PWD@REF``), the two
interleaved, ``--repeats`` times each, and prints best and median wall time, peak resident
memory (the child's ``ru_maxrss``) and bytes per state of the largest episode, with the ratio
of this tree to the base. Memory figures are steady from run to run; times on a shared
machine are not, which is why best and median of interleaved runs are shown.
``--ten`` also runs a generated scenario whose largest episode has 15.6 M states (the state limit raised) once,
in this environment only, and prints its time and peak memory.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import million_scenario  # the generator benchmarks/run.py times

CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
from pseudoalign import loads
from pseudoalign.engine import run
text = sys.stdin.read()
t = time.perf_counter()
r = run(loads(text, "generated.toml"), max_states=int(sys.argv[1]))
d = r.to_dict()
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "states": max(d["train"]["states"], d["deploy"]["states"]), "label": d["verdict"]["label"]}))
"""

CASES = {"1M": million_scenario(), "4M": million_scenario(crumbs=18)}
TEN = million_scenario(crumbs=21)  # 15.6 M states in its largest episode, on the 7 x 7 table (the hash set: above the direct table)


def child(python: str, text: str, max_states: int) -> dict:
    """One run in a fresh process, from a folder without the source tree (so the installed
    package is the one measured)."""
    with tempfile.TemporaryDirectory() as cwd:
        out = subprocess.run([python, "-c", CHILD, str(max_states)], input=text, capture_output=True, text=True,
                             cwd=cwd, check=False)
    if out.returncode:
        sys.exit(f"benchmark child ({python}) failed:\n{out.stderr}")
    return json.loads(out.stdout)


def summary(runs: list[dict]) -> dict:
    secs = [r["seconds"] for r in runs]
    peak = [r["peak_kib"] * 1024 for r in runs]
    states = runs[0]["states"]
    return {"best_s": min(secs), "median_s": statistics.median(secs), "peak_mib": max(peak) / 2 ** 20,
            "bytes_per_state": max(peak) / states, "states": states, "label": runs[0]["label"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", default="/work/venvs/perfmem-base/bin/python",
                    help="the Python of an environment with the revision to compare against")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cases", default=",".join(CASES), help="which of " + ", ".join(CASES))
    ap.add_argument("--ten", action="store_true", help="also run a ~10 M-state episode once (this tree only)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    args = ap.parse_args(argv)
    here = sys.executable
    figures: dict = {}
    for name in args.cases.split(","):
        text = CASES[name]
        runs: dict[str, list[dict]] = {"base": [], "this": []}
        for _ in range(args.repeats):  # interleaved: the machine's load falls on both alike
            runs["base"].append(child(args.base, text, 10 ** 8))
            runs["this"].append(child(here, text, 10 ** 8))
        base, this = summary(runs["base"]), summary(runs["this"])
        assert base["label"] == this["label"] and base["states"] == this["states"], (base, this)
        figures[name] = {"base": base, "this": this}
        print(f"{name}: {this['states']:,} states an episode (largest), {args.repeats} interleaved runs each")
        print(f"  {'':6} {'best s':>8} {'median s':>9} {'peak MiB':>9} {'B/state':>8}")
        for who, f in (("base", base), ("this", this)):
            print(f"  {who:6} {f['best_s']:8.1f} {f['median_s']:9.1f} {f['peak_mib']:9.0f} {f['bytes_per_state']:8.0f}")
        print(f"  {'ratio':6} {this['best_s'] / base['best_s']:8.2f} {this['median_s'] / base['median_s']:9.2f} "
              f"{this['peak_mib'] / base['peak_mib']:9.2f} {this['bytes_per_state'] / base['bytes_per_state']:8.2f}",
              flush=True)
    if args.ten:
        r = summary([child(here, TEN, 10 ** 8)])
        figures["10M"] = {"this": r}
        print(f"10M: {r['states']:,} states an episode: {r['best_s']:.1f} s, peak {r['peak_mib']:,.0f} MiB "
              f"({r['bytes_per_state']:.0f} B/state), label {r['label']}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
