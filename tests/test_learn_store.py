"""``learn --db`` (store.py): a partial run resumed gives the same JSON as a run without a store;
a store of another file, of another space or a damaged one is refused with a clear message."""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

import pseudoalign as pa
from pseudoalign.cli.main import cli
from pseudoalign.learn import LearnError
from pseudoalign.scenario.model import LearnSpec
from test_learn import shrunk

search_module = importlib.import_module("pseudoalign.learn.search")  # the module (pa.learn names the function)

#: a small space over crumb-vacuum's derived features: quick, and with survivors and non-survivors
SPEC = LearnSpec(features=("table.crumbs", "bin.crumbs", "robot.x", "event.vacuum"), max_terms=2)


@pytest.fixture
def crumbs(tmp_path: Path) -> Path:
    path = tmp_path / "crumbs.toml"
    path.write_text(shrunk("crumb-vacuum", 2), encoding="utf-8")
    return path


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT kind, COUNT(*) FROM results GROUP BY kind").fetchall())


def test_resume_after_an_interrupted_run_gives_the_same_json(crumbs: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    plain = pa.learn(str(crumbs), spec=SPEC)
    assert 0 < plain.survivors < plain.space_size  # both passes have work to store
    db = tmp_path / "learn.sqlite"
    monkeypatch.setattr(search_module, "WAVE", 4)  # small batches: the interrupt falls between them

    def stop(stage: str, done: int, total: int) -> None:
        if stage == "train" and done >= total // 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pa.learn(str(crumbs), spec=SPEC, db=db, progress=stop)
    kept = counts(db)
    assert 0 < kept.get("train", 0) < plain.space_size and "verdict" not in kept  # what finished, and no more
    resumed = pa.learn(str(crumbs), spec=SPEC, db=db)
    assert resumed.to_json() == plain.to_json()
    assert counts(db) == {"train": plain.space_size, "verdict": plain.survivors}
    # every result stored: a third run reads them all, plans nothing, and gives the same bytes again
    monkeypatch.setattr(search_module, "_task", None)
    assert pa.learn(str(crumbs), spec=SPEC, db=db).to_json() == plain.to_json()


def test_stored_results_are_what_is_read(crumbs: Path, tmp_path: Path) -> None:
    """A stored verdict is read, not recomputed: a changed label in the store shows in the result
    (so a resumed run really reads the store; the test above checks it reads it right)."""
    db = tmp_path / "learn.sqlite"
    first = pa.learn(str(crumbs), spec=SPEC, db=db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE results SET result = json_set(result, '$.label', 'side-effect') WHERE kind = 'verdict'")
    again = pa.learn(str(crumbs), spec=SPEC, db=db)
    assert {r.label.value for r in again.rows} == {"side-effect"} != {r.label.value for r in first.rows}


def test_a_store_of_another_file_is_refused_naming_both(crumbs: Path, tmp_path: Path) -> None:
    db = tmp_path / "learn.sqlite"
    pa.learn(str(crumbs), spec=SPEC, db=db)
    other = tmp_path / "other.toml"
    other.write_text(shrunk("crumb-vacuum", 3), encoding="utf-8")  # the same story, one more episode
    with pytest.raises(LearnError) as err:
        pa.learn(str(other), spec=SPEC, db=db)
    assert "another file" in str(err.value) and str(crumbs) in str(err.value) and str(other) in str(err.value)
    with pytest.raises(LearnError, match="another space"):
        pa.learn(str(crumbs), spec=LearnSpec(features=SPEC.features, max_terms=1), db=db)


def test_a_change_that_changes_no_result_keeps_the_store(crumbs: Path, tmp_path: Path) -> None:
    db = tmp_path / "learn.sqlite"
    first = pa.learn(str(crumbs), spec=SPEC, db=db)
    text = crumbs.read_text(encoding="utf-8")
    crumbs.write_text(text.replace('story = """', 'story = """A retold story. ', 1), encoding="utf-8")
    assert pa.learn(str(crumbs), spec=SPEC, db=db).to_json() == first.to_json()


def test_a_damaged_store_is_refused_clearly(crumbs: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(LearnError, match="damaged or not a learn database"):
        pa.learn(str(crumbs), spec=SPEC, db=junk)
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (x)")
    with pytest.raises(LearnError, match="not a pseudoalign learn database"):
        pa.learn(str(crumbs), spec=SPEC, db=foreign)
    db = tmp_path / "learn.sqlite"
    pa.learn(str(crumbs), spec=SPEC, db=db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE results SET result = '{\"score\": ' WHERE rowid = 1")
    with pytest.raises(LearnError, match="is damaged .*not JSON"):
        pa.learn(str(crumbs), spec=SPEC, db=db)


def test_cli_db_gives_the_same_json_fresh_and_resumed(crumbs: Path, tmp_path: Path) -> None:
    db = tmp_path / "learn.sqlite"
    runner = CliRunner()
    plain = runner.invoke(cli, ["learn", str(crumbs), "--json"])
    fresh = runner.invoke(cli, ["learn", str(crumbs), "--json", "--db", str(db)])
    resumed = runner.invoke(cli, ["learn", str(crumbs), "--json", "--db", str(db)])
    assert plain.exit_code == fresh.exit_code == resumed.exit_code == 0
    assert plain.output == fresh.output == resumed.output
    other = runner.invoke(cli, ["learn", "east-end", "--json", "--db", str(db)])
    assert other.exit_code == 1 and "another file" in other.output
