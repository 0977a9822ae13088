"""The benchmark of ``pseudoalign learn``: run it with ``python benchmarks/learn.py``.

Prints: the wall time of ``pseudoalign learn crumb-vacuum --json`` as a whole process (the
default space); the naive way beside it, one ``pseudoalign run`` process of a generated file per
candidate, timed on a sample and scaled to the space, and the ratio; and, unless ``--quick``,
a 10,000-candidate space (the crumb-vacuum's eleven derived features, ``max_terms`` 3, weights
[-2, -1, 1, 2]) searched with ``jobs=2``, its wall time and the peak memory of its processes.
Targets (issue 13): at most 15 s and a ratio of at least 20; the large space within 5 minutes.
Timing is measured here, never asserted in unit tests (tests/test_learn.py checks what learn
computes against run; this file, how long it takes).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pseudoalign as pa

BIN = Path(sys.executable).parent / "pseudoalign"

LARGE = """
import json, sys, time, resource
import pseudoalign as pa
from pseudoalign.scenario.model import LearnSpec
spec = LearnSpec(weights=(-2, -1, 1, 2), max_terms=3)
t = time.perf_counter()
r = pa.learn("crumb-vacuum", spec=spec, jobs=2)
seconds = time.perf_counter() - t
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "space": r.space_size, "survivors": r.survivors, "classes": r.classes,
                  "peak_parent_mb": own / 1024, "peak_worker_mb": kids / 1024}))
"""


def timed(args: list[str]) -> tuple[float, str]:
    t = time.perf_counter()
    r = subprocess.run(args, capture_output=True, text=True, check=True)
    return time.perf_counter() - t, r.stdout


def with_candidate(text: str, objective: str) -> str:
    """The file with ``objective`` as the robot's learned objective (as tests/test_learn.py writes it)."""
    return re.sub(r'(?m)^\[agent\]\nobjective = "[^"]*"',
                  f'[objectives.candidate]\nreward = "{objective}"\n\n[agent]\nobjective = "candidate"', text, count=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=int, default=8, help="candidates the naive way is timed on")
    ap.add_argument("--quick", action="store_true", help="leave out the 10,000-candidate space")
    args = ap.parse_args()

    seconds, out = timed([str(BIN), "learn", "crumb-vacuum", "--json"])
    data = json.loads(out)
    space = data["space"]["size"]
    print(f"pseudoalign learn crumb-vacuum (whole process): {seconds:.2f} s for {space} candidates, "
          f"{data['survivors']} survivors, {data['classes']} classes   (target <= 15 s)")

    text = Path(pa.resolve("crumb-vacuum")).read_text(encoding="utf-8")
    from pseudoalign.learn import space_of

    cands = space_of(pa.load("crumb-vacuum")).candidates
    step = max(1, len(cands) // args.sample)
    sample = [c.text for c in cands[::step]][:args.sample]
    naive = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for i, objective in enumerate(sample):
            path = Path(tmp) / f"candidate-{i}.toml"
            path.write_text(with_candidate(text, objective), encoding="utf-8")
            naive += timed([str(BIN), "run", str(path), "--json"])[0]
    per = naive / len(sample)
    scaled = per * space
    print(f"naive: one `pseudoalign run` process per candidate: {per:.2f} s each on {len(sample)} sampled, "
          f"x {space} = {scaled:.0f} s")
    print(f"ratio naive / learn: {scaled / seconds:.1f}x   (target >= 20x)")

    if not args.quick:
        r = subprocess.run([sys.executable, "-c", LARGE], capture_output=True, text=True, check=True)
        big = json.loads(r.stdout.splitlines()[-1])
        print(f"10,000-candidate space (crumb-vacuum, max_terms 3, weights [-2,-1,1,2], jobs 2): "
              f"{big['space']:,} candidates in {big['seconds']:.0f} s, {big['survivors']:,} survivors in "
              f"{big['classes']:,} classes; peak memory {big['peak_parent_mb']:.0f} MB (parent), "
              f"{big['peak_worker_mb']:.0f} MB (largest worker)   (target <= 300 s)")


if __name__ == "__main__":
    main()
