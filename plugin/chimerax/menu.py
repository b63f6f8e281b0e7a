"""Click-to-simulate: a "Simulate dynamics" entry in ChimeraX's selection context menu.

In ChimeraX the graphics context menu opens on a double-click in select mode (with the right
mouse button in select mode too); this entry appears when the selection lies in one structure
and runs a logged ``trajgen run`` command on it.
"""

from __future__ import annotations


def _selected_structure(session):
    """The one atomic structure holding the current selection, or None."""
    from chimerax.atomic import selected_atoms

    structures = selected_atoms(session).unique_structures
    return structures[0] if len(structures) == 1 else None


def simulate_entry():
    """The context-menu entry (a SelectContextMenuAction), built lazily so nogui never imports Qt."""
    from chimerax.mouse_modes import SelectContextMenuAction

    class SimulateDynamics(SelectContextMenuAction):
        def label(self, session):
            s = _selected_structure(session)
            return f"Simulate dynamics of #{s.id_string} (trajgen)" if s else "Simulate dynamics (trajgen)"

        def criteria(self, session):
            return _selected_structure(session) is not None

        def callback(self, session):
            from chimerax.core.commands import run

            run(session, f"trajgen run #{_selected_structure(session).id_string}")

    return SimulateDynamics()


def add_context_menu(session) -> None:
    from chimerax.mouse_modes import SelectMouseMode

    SelectMouseMode.register_menu_entry(simulate_entry())
