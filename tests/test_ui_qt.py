"""Which Qt binding the panel takes: the viewer's (already imported) first, then the environment."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

BINDINGS = ("PyQt5", "PyQt6")


def binding_chosen(code_before: str, **env) -> str:
    """The binding trajgen.ui.qt picks in a fresh Python after ``code_before`` ran."""
    environment = {k: v for k, v in os.environ.items() if k not in ("QT_API", "TRAJGEN_QT_API")}
    environment.update(env)
    code = f"{code_before}\nfrom trajgen.ui import qt\nprint(qt.BINDING)"
    result = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True,
                            timeout=60, check=True)
    return result.stdout.split()[-1]


@pytest.fixture(autouse=True)
def both_bindings():
    missing = [b for b in BINDINGS if importlib.util.find_spec(b) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (.ci/setup.sh installs both)")


@pytest.mark.parametrize("binding", BINDINGS)
def test_the_environment_variable_picks_the_binding(binding):
    assert binding_chosen("", TRAJGEN_QT_API=binding.lower()) == binding


def test_a_binding_the_viewer_already_imported_wins_over_the_environment():
    assert binding_chosen("import PyQt5.QtWidgets", TRAJGEN_QT_API="pyqt6") == "PyQt5"  # PyMOL's case
    assert binding_chosen("import PyQt6.QtWidgets", TRAJGEN_QT_API="pyqt5") == "PyQt6"  # ChimeraX's case


def test_without_a_hint_pyqt6_comes_first():
    assert binding_chosen("") == "PyQt6"


def test_qt_api_as_set_by_pymol_is_honoured():
    assert binding_chosen("", QT_API="pyqt5") == "PyQt5"
