"""The trajgen tool window: the shared control panel (`trajgen.ui.panel`) docked in ChimeraX."""

from __future__ import annotations

from chimerax.core.tools import ToolInstance


class TrajgenTool(ToolInstance):
    """One panel per session; every click runs a logged ``trajgen`` command."""

    SESSION_ENDURING = False
    SESSION_SAVE = False

    def __init__(self, session, tool_name):
        super().__init__(session, tool_name)
        from chimerax.ui import MainToolWindow
        from Qt.QtWidgets import QVBoxLayout  # ChimeraX's binding first: trajgen.ui.qt then shares it

        from trajgen.ui.panel import TrajgenPanel

        from .viewer import ChimeraXAdapter

        self.tool_window = MainToolWindow(self)
        self.panel = TrajgenPanel(ChimeraXAdapter(session), parent=self.tool_window.ui_area)
        layout = QVBoxLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.panel)
        self.tool_window.ui_area.setLayout(layout)
        self.tool_window.manage("side")


def show_tool(session, tool_name: str = "Trajgen"):
    """Show the session's trajgen panel, creating it once."""
    from chimerax.core.errors import UserError

    if not session.ui.is_gui:
        raise UserError("The trajgen panel needs the ChimeraX window; without it use the trajgen commands.")
    tool = next((t for t in session.tools.list() if isinstance(t, TrajgenTool)), None)
    if tool is None:
        tool = TrajgenTool(session, tool_name)
    tool.display(True)
    return tool
