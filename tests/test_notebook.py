"""docs/lesson.ipynb runs top to bottom (as CI runs it, with nbclient), shows the verdict the
API returns, and begins with the one install a hosted notebook needs; Report displays itself
in Jupyter as escaped HTML."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest

import pseudoalign as pa

LESSON = Path(__file__).resolve().parent.parent / "docs" / "lesson.ipynb"


@pytest.fixture(scope="module")
def executed():
    import nbclient  # the test extra has them (and ipykernel, the kernel they start)
    import nbformat

    nb = nbformat.read(LESSON, as_version=4)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(LESSON.parent)}}
                            ).execute()  # raises CellExecutionError on the first failing cell
    return nb


def _outputs(cell) -> str:
    parts = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            parts.append(o["text"])
        elif o["output_type"] in ("execute_result", "display_data"):
            parts.extend(str(v) for v in o["data"].values())
        elif o["output_type"] == "error":
            parts.append(f"ERROR {o['ename']}: {o['evalue']}")
    return "\n".join(parts)


def test_the_lesson_runs_without_error(executed):
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert len(code) >= 6
    for c in code:
        assert not any(o["output_type"] == "error" for o in c.get("outputs", [])), c.source


def test_a_cell_shows_the_verdict_the_api_returns(executed):
    label = pa.run("soap-and-dishes").label
    texts = [_outputs(c) for c in executed.cells if c.cell_type == "code"]
    assert any(f"verdict: {label}" in t for t in texts)  # the printed line
    assert any(f"Verdict: <b>{label}</b>" in t for t in texts)  # the Report's own display


def test_the_first_code_cell_installs_only_when_pseudoalign_is_missing():
    import nbformat

    nb = nbformat.read(LESSON, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code").source
    lines = first.splitlines()
    guard = next(i for i, ln in enumerate(lines) if "find_spec(\"pseudoalign\") is None" in ln)
    install = next(i for i, ln in enumerate(lines) if "%pip install" in ln)
    assert guard < install and lines[install].startswith("    ")  # inside the guard
    assert '"pseudoalign @ git+https://github.com/pseudoalign/pseudoalign"' in lines[install]


def test_report_html_escapes_everything_and_lists_the_rungs():
    report = pa.run("crumb-vacuum")
    scn = attrs.evolve(report.scenario, title="<script>alert(1)</script> & co")
    html = attrs.evolve(report, scenario=scn)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; co" in html
    assert f"<b>{report.label}</b>" in html and "(as expected)" in html
    deciding = next(r for r in report.rungs if r.passed)
    items = re.findall(r"<li>(.*?)</li>", html)
    assert len(items) == deciding.number  # the checklist climbs to the rung that decides
    assert items[-1].startswith("&#x2714; holds") and all("does not hold" in i for i in items[:-1])
    assert f"{report.train.base_score:.2f}" in html and f"{report.deploy.base_score:.2f}" in html
