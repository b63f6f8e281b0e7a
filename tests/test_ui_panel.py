"""The control panel under both Qt bindings: `ui_panel_cases.py` run once with PyQt5, once with PyQt6.

Each binding gets its own Python process (one process can load only one), offscreen, through
pytest-qt. The cases drive the real panel over the real PyMOL adapter of a headless PyMOL.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from conftest import REPO, missing

CASES = REPO / "tests" / "ui_panel_cases.py"


@pytest.mark.parametrize("binding", ["PyQt5", "PyQt6"])
def test_panel_cases_pass_under(binding, tmp_path):
    for needed in (binding, "pytestqt", "pymol2"):
        if importlib.util.find_spec(needed) is None:
            missing(f"{needed} is not installed (.ci/setup.sh installs it)")
    env = dict(os.environ, TRAJGEN_QT_API=binding.lower(), PYTEST_QT_API=binding.lower(),
               QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(CASES)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"panel cases failed under {binding}:\n{result.stdout[-6000:]}{result.stderr[-2000:]}"
