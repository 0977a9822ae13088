"""benchmarks/compare.py's pure parts: its arguments, statistics, tables and the states it reads
from a report. Nothing is installed or run here."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "compare.py"
spec = importlib.util.spec_from_file_location("compare", PATH)
assert spec is not None and spec.loader is not None
compare = importlib.util.module_from_spec(spec)
sys.modules["compare"] = compare  # dataclasses look their module up
spec.loader.exec_module(compare)


def test_cases_are_parsed_with_commas_or_spaces_in_the_order_given_once_each():
    assert compare.parse_cases(["sweep,help", "sweep", "4m"]) == ("sweep", "help", "4m")


def test_an_unknown_case_is_refused_naming_it_and_the_cases():
    with pytest.raises(compare.CompareError, match=r"'nope'.*help, startup"):
        compare.parse_cases(["help", "nope"])
    with pytest.raises(compare.CompareError, match="no case"):
        compare.parse_cases([" , "])


def test_env_items_are_key_value():
    assert compare.parse_env(["PSEUDOALIGN_KERNEL=numpy", "A=b=c"]) == {"PSEUDOALIGN_KERNEL": "numpy", "A": "b=c"}
    with pytest.raises(compare.CompareError, match="KEY=VALUE"):
        compare.parse_env(["novalue"])


def test_stats_give_best_median_and_spread():
    s = compare.stats([3.0, 1.0, 2.0, 1.5])
    assert (s.best, s.median, s.worst) == (1.0, 1.75, 3.0)
    assert s.spread == pytest.approx(2.0)
    with pytest.raises(ValueError):
        compare.stats([])


def sample(seconds, mib, states=0):
    return compare.Sample(list(seconds), list(mib), states)


def test_a_row_divides_new_by_old_and_its_noise_is_the_larger_spread():
    r = compare.row("million", sample([10.0, 12.0, 11.0], [1000, 1010, 990]),
                    sample([5.0, 6.0, 5.5], [500, 505, 500], states=2 ** 20))
    assert r.time_ratio == (0.5, 0.5)
    assert r.mem_ratio == pytest.approx(500 / 990)
    assert r.noise == pytest.approx(0.2)  # old: (12 - 10) / 10; new: (6 - 5) / 5 = 0.2 too
    cells = dict(zip(compare.HEADER, compare.cells(r)))
    assert cells["new/old best"] == "0.50x" and cells["noise"] == "±20%"
    assert cells["new bytes/state"] == "500"  # 500 MiB over 2**20 states
    small = compare.row("startup", sample([1.0], [50]), sample([1.0], [50], states=1000))
    assert compare.cells(small)[-1] == "–"  # a small run's peak is the interpreter's, not its states'


def test_tables_have_a_line_per_case_and_markdown_right_aligns_figures():
    rows = [compare.row(n, sample([1.0], [50]), sample([0.8], [40])) for n in ("help", "startup")]
    plain = compare.plain_table(rows).splitlines()
    assert len(plain) == 3 and plain[1].startswith("help") and "0.80x" in plain[2]
    assert len({len(line) for line in plain}) == 1  # aligned columns
    md = compare.markdown_table(rows).splitlines()
    assert md[0].startswith("| case |") and md[1].startswith("| --- | ---: |") and len(md) == 4
    assert compare.cells(rows[0])[-1] == "–"  # no states reported


def test_the_largest_states_are_read_from_an_object_an_array_or_json_lines():
    one = {"train": {"states": 5}, "deploy": {"states": 7, "episodes": [{"states": 9}]}}
    assert compare.largest_states(json.dumps(one)) == 9
    assert compare.largest_states(json.dumps([one, {"deploy": {"states": 11}}])) == 11
    assert compare.largest_states(json.dumps({"states": 3}) + "\n" + json.dumps({"states": 4})) == 4
    assert compare.largest_states("Usage: pseudoalign") == 0


def test_every_case_runs_pseudoalign_and_the_generated_ones_name_their_file():
    for case in compare.CASES.values():
        assert case.args and ("{file}" in case.args) == (case.name in ("million", "4m"))
    assert compare.CASES["sweep"].args[:4] == tuple(compare.README_SWEEP)


def test_an_unknown_revision_is_a_clear_error():
    with pytest.raises(compare.CompareError, match="not a revision of this repository"):
        compare.resolve("no-such-branch-or-tag-anywhere")
