"""numba is the optional extra 'fast': without it every command plans with numpy's kernel, and
asking for numba's is a usage error that names the extra."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

MAIN = "from pseudoalign.cli.main import main; main()"


def without_numba(tmp_path, *args: str) -> subprocess.CompletedProcess:
    """pseudoalign in a child whose ``import numba`` fails, as where the extra is not installed."""
    fake = tmp_path / "no-numba" / "numba"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError(\"No module named 'numba'\")\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PSEUDOALIGN_KERNEL", "NUMBA_DISABLE_JIT")}
    env["PYTHONPATH"] = os.pathsep.join([str(fake.parent), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run([sys.executable, "-c", MAIN, *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, check=False)


@pytest.mark.slow
def test_without_numba_a_run_plans_with_numpy_and_gives_the_same_report(tmp_path):
    from pseudoalign import run

    r = without_numba(tmp_path, "run", "table-wiper", "--json")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == run("table-wiper").to_json().strip()


@pytest.mark.slow
def test_asking_for_numba_without_it_is_a_usage_error_naming_the_extra(tmp_path):
    r = without_numba(tmp_path, "run", "table-wiper", "--kernel", "numba")
    assert r.returncode == 2 and r.stdout == ""
    assert "No module named 'numba'" in r.stderr and "pip install 'pseudoalign[fast]'" in r.stderr
    assert "Traceback" not in r.stderr
