"""The public Python API: the README's session runs as written, and the names it promises exist."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pseudoalign as pa

README = Path(__file__).parent.parent / "README.md"


def _readme_session() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    return code


def test_the_readmes_python_session_runs_as_written():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_readme_session(), "README.md", "exec"), {})  # noqa: S102 - the README's own code is what is tested
    lines = out.getvalue().splitlines()
    assert lines[0] == "instrumental"
    train, deploy = map(float, lines[2].split())
    assert train >= 0.9 > deploy  # what an instrumental verdict needs: good in training, not in deployment
    # the sweep: one line per point, robust without cookies, instrumental with them
    assert [ln.split(")")[-1].split()[0] for ln in lines[-3:]] == ["robust", "instrumental", "instrumental"]


def test_every_promised_name_is_exported():
    for name in ("load", "loads", "run", "trace", "sweep", "Report", "Scenario", "Label", "PlanSettings",
                 "PseudoalignError", "ScenarioError", "LimitError"):
        assert name in pa.__all__ and hasattr(pa, name), name


def test_the_sweep_function_is_not_shadowed_by_the_sweeps_package():
    import pseudoalign.sweeps  # noqa: F401  (importing the package must not replace the function)

    assert callable(pa.sweep) and pa.sweep.__module__ == "pseudoalign"


def test_errors_raised_to_python_callers_name_no_command_line_flag_first(tmp_path):
    bad = "format = 1\ntitle = 'x'\n"
    try:
        pa.loads(bad, "bad.toml")
    except pa.ScenarioError as err:
        assert err.problems and all(p.format("bad.toml").startswith("bad.toml") for p in err.problems)
    else:  # pragma: no cover
        raise AssertionError("an incomplete file must be refused")
    big = pa.loads(Path(pa.resolve("faithful")).read_text(), "faithful.toml")
    try:
        pa.run(big, max_states=5)
    except pa.LimitError as err:
        assert "raise max_states (--max-states on the command line)" in str(err)
    else:  # pragma: no cover
        raise AssertionError("five states is too few for any episode")


def test_every_library_package_is_installed_by_setup_cfg():
    """A package folder missing from setup.cfg's list works in an editable install and breaks
    in a real one (pseudoalign.learn once did): every folder with an __init__.py is listed."""
    import configparser
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    cfg = configparser.ConfigParser()
    cfg.read(root / "setup.cfg")
    listed = set(cfg["options"]["packages"].split())
    found = {".".join(p.parent.relative_to(root).parts) for p in (root / "pseudoalign").rglob("__init__.py")
             if "__pycache__" not in p.parts}
    assert found <= listed, sorted(found - listed)
