"""Dependencies point one way (plugin -> ui -> engine), and front doors do not import each other:
the viewer plugins and the panel take nothing from the command line's modules (``engine/cli``)."""

from __future__ import annotations

import re

from conftest import REPO


def offenders(folders: tuple[str, ...], pattern: str) -> list[str]:
    found = []
    for folder in folders:
        for path in sorted((REPO / folder).rglob("*.py")):
            if re.search(pattern, path.read_text(), re.M):
                found.append(str(path.relative_to(REPO)))
    return found


def test_viewers_and_panel_do_not_import_the_command_line():
    assert offenders(("ui", "plugin"), r"trajgen\.engine\.cli\b") == []


def test_the_engine_imports_no_viewer_or_panel_code():
    assert offenders(("engine",), r"^\s*(from|import) trajgen\.(ui|plugin)\b") == []


def test_geometry_does_not_need_the_structure_package():
    """structure/ builds on geometry/ (completing atoms), never the other way round: both take the
    residue layout from ``engine/residue_constants.py``, so there is no import loop to hide."""
    import subprocess
    import sys

    code = ("import sys, trajgen.engine.geometry\n"
            "assert not any(m.startswith('trajgen.engine.structure') for m in sys.modules), sorted(sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
