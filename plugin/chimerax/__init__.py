"""ChimeraX bundle glue for trajgen (installed as ``chimerax.trajgen``).

Only dispatches: commands live in `cmd.py`, the adapter between ChimeraX structures and the
trajgen engine in `adapter.py`.
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
    def register_command(bi, ci, logger):
        from . import cmd

        cmd.register(ci.name, logger)


bundle_api = _TrajgenAPI()
