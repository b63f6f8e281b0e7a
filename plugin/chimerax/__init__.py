"""ChimeraX bundle glue for trajgen (installed as ``chimerax.trajgen``).

Only dispatches: commands in `cmd.py`; ChimeraX structures -> trajgen Protein in `adapter.py`;
runs streaming into coordinate sets in `runs.py`; the shared panel's viewer adapter in
`viewer.py` and its tool window in `tool.py`; the context-menu entry in `menu.py`.
"""

from chimerax.core.toolshed import BundleAPI


class _TrajgenAPI(BundleAPI):
    api_version = 1

    @staticmethod
    def initialize(session, bundle_info):
        if session.ui.is_gui:
            from .menu import add_context_menu

            session.ui.triggers.add_handler("ready", lambda *_: add_context_menu(session))

    @staticmethod
    def start_tool(session, bi, ti):
        from .tool import show_tool

        return show_tool(session, ti.name)

    @staticmethod
    def register_command(bi, ci, logger):
        from . import cmd

        cmd.register(ci.name, logger)


bundle_api = _TrajgenAPI()
