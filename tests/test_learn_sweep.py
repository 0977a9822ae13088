"""``sweep --learn``: each point's search in the table, the JSON, the store (resumable) and the plot."""

from __future__ import annotations

import json

from click.testing import CliRunner

import pseudoalign as pa
from helpers import small
from pseudoalign.cli.main import cli
from pseudoalign.sweeps import learn_figures

TINY = small(base="table.clean", mesa="bin.crumbs", train='{ item = "crumb", on = "table", count = 2 }',
             deploy='{ item = "crumb", on = "table", count = 2 }, { item = "cookie", on = "floor", count = 1 }',
             length=8, episodes=2)


def test_each_point_carries_its_search_and_a_store_resumes_it(tmp_path, counted):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY, encoding="utf-8")
    db = tmp_path / "s.db"
    args = ["sweep", str(path), "--vary", "deploy.place.1.count=0,1", "--json", "--db", str(db)]
    plain = CliRunner().invoke(cli, args)
    assert plain.exit_code == 0, plain.output
    assert len(counted) == 2 and all("learn" not in json.loads(ln) for ln in plain.stdout.splitlines())
    first = CliRunner().invoke(cli, [*args, "--learn"])
    assert first.exit_code == 0, first.output
    assert len(counted) == 4  # the stored points without the search are not taken for points with it
    rows = [json.loads(ln) for ln in first.stdout.splitlines()]
    for row, cookies in zip(rows, (0, 1)):
        scn = pa.loads(TINY.replace('count = 1 }', f'count = {cookies} }}'), str(path))
        assert row["learn"] == learn_figures(pa.learn(scn))
        assert abs(sum(row["learn"]["label_mass"].values()) - 1) < 1e-5
    again = CliRunner().invoke(cli, [*args, "--learn"])
    assert again.exit_code == 0 and len(counted) == 4  # resumed: nothing ran
    assert again.stdout == first.stdout


def test_the_table_and_the_plot_show_the_search(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY, encoding="utf-8")
    svg = tmp_path / "p.svg"
    r = CliRunner().invoke(cli, ["sweep", str(path), "--vary", "deploy.place.1.count=0,1", "--learn",
                                 "--plot", str(svg), "--color", "never"])
    assert r.exit_code == 0, r.output
    assert "robust mass" in r.output and "E deploy" in r.output
    text = svg.read_text(encoding="utf-8")
    assert "expected deploy base score (learn)" in text and "prior mass of robust survivors (learn)" in text
