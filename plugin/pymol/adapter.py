"""PyMOLAdapter: the panel's `trajgen.ui.adapter.ViewerAdapter` for one PyMOL instance.

Commands are PyMOL command-line strings run with ``cmd.do`` (echoed, logged, replayable).
``run_view`` (the panel's refresh) also adds frames that are ready, on the panel's thread.
``cmd.do`` prints a failing command's error instead of raising, so the trajgen commands keep the
last error message in the run registry and ``execute`` raises it as `CommandError`.
"""

from __future__ import annotations

from pymol import cmd

from trajgen.ui.adapter import CommandError, RunOptions, RunView

from . import delivery


def quote(text: str) -> str:
    """An argument as PyMOL's parser reads it back: quoted when it holds a comma, space or quote."""
    if not any(ch in text for ch in ', "\'\t;'):
        return text
    return "'" + text + "'" if '"' in text else '"' + text + '"'


class PyMOLAdapter:
    """Runs trajgen_* commands in ``_self`` (the GUI's ``pymol.cmd`` or a ``pymol2`` instance's cmd)."""

    viewer_name = "PyMOL"

    def __init__(self, _self=cmd):
        self.cmd = _self

    def structures(self) -> list[str]:
        """Molecular objects with protein atoms, trajgen's own trajectory objects left out."""
        targets = delivery.registry_of(self.cmd).targets()
        return [name for name in self.cmd.get_names_of_type("object:molecule")
                if name not in targets and self.cmd.count_atoms(f"(%{name}) and polymer.protein") > 0]

    def run_command(self, options: RunOptions) -> str:
        parts = [quote(options.structure)] + [f"{key}={quote(value)}" for key, value in options.arguments()]
        return "trajgen_run " + ", ".join(parts)

    def stop_command(self, structure: str) -> str:
        return f"trajgen_stop {quote(structure)}"

    def export_command(self, structure: str, path: str, overwrite: bool = False) -> str:
        return f"trajgen_export {quote(structure)}, {quote(path)}" + (", overwrite=1" if overwrite else "")

    def execute(self, command: str) -> None:
        registry = delivery.registry_of(self.cmd)
        registry.last_error = ""
        self.cmd.do(command, echo=1, log=1, flush=1)
        if registry.last_error:
            raise CommandError(registry.last_error)

    def run_view(self, structure: str) -> RunView | None:
        """The run's snapshot; first adds frames that are ready (so a headless session needs no timer)."""
        delivery.pump(self.cmd, delivery.FRAMES_PER_TICK)
        return delivery.registry_of(self.cmd).view(structure)
