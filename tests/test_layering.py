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
