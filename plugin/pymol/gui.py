"""The panel as a dock of PyMOL's main window (one per session)."""

from __future__ import annotations

_DOCK = None


def show_panel():
    """Create (once) and show the trajgen dock; returns it. Needs PyMOL's Qt window."""
    global _DOCK
    from pymol import CmdException, cmd
    from pymol.gui import get_qtwindow
    from pymol.Qt import QtCore, QtWidgets  # PyMOL's binding first: trajgen.ui.qt then uses the same

    window = get_qtwindow()
    if window is None:
        raise CmdException("The trajgen panel needs PyMOL's window; without it use the trajgen_run command.")
    if _DOCK is None:
        from trajgen.ui.panel import TrajgenPanel

        from .adapter import PyMOLAdapter

        _DOCK = QtWidgets.QDockWidget("trajgen", window)
        _DOCK.setObjectName("trajgen_dock")
        _DOCK.setWidget(TrajgenPanel(PyMOLAdapter(cmd)))
        window.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, _DOCK)
    _DOCK.widget().refresh_structures()
    _DOCK.show()
    _DOCK.raise_()
    return _DOCK
