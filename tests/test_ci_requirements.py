"""A missing optional dependency skips its tests on a laptop but fails them under CI (``CI`` set)."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO


def run_case(tmp_path, ci: bool) -> subprocess.CompletedProcess:
    case = tmp_path / "test_needs_nothing_installed.py"
    case.write_text("from conftest import require\n"
                    "require('trajgen_no_such_module', 'trajgen_no_such_module is not installed')\n"
                    "def test_never_reached():\n    pass\n")
    (tmp_path / "conftest.py").write_text((REPO / "tests" / "conftest.py").read_text())
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "true"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(case)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_outside_ci_a_missing_dependency_skips(tmp_path):
    result = run_case(tmp_path, ci=False)
    assert "1 skipped" in result.stdout and "error" not in result.stdout, result.stdout  # rc 5: none collected


def test_under_ci_a_missing_dependency_fails(tmp_path):
    result = run_case(tmp_path, ci=True)
    assert result.returncode != 0 and "must have installed it" in result.stdout, result.stdout
