"""trajgen in PyMOL: the trajgen_* commands and the control panel (Plugin > trajgen).

PyMOL loads the thin plugin package made by `make_zip.py` (or `install.py`), which calls
``__init_plugin__`` here. Importing `trajgen.plugin.pymol.commands` registers the commands; the
panel's Qt code is imported only when the menu entry is used.
"""

from __future__ import annotations

MENU_LABEL = "trajgen"


def __init_plugin__(app=None) -> None:
    """Register the trajgen_* commands and add Plugin > trajgen, which opens the panel as a dock."""
    from pymol.plugins import addmenuitemqt

    from . import commands  # noqa: F401  (cmd.extend runs at import)

    addmenuitemqt(MENU_LABEL, open_panel)


def open_panel() -> None:
    """Show the trajgen dock in PyMOL's window (one per session)."""
    from .gui import show_panel

    show_panel()
