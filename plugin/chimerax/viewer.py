"""ChimeraXAdapter: the shared panel's `trajgen.ui.adapter.ViewerAdapter` for a ChimeraX session.

Every panel click becomes a ``trajgen ...`` command run through ChimeraX's command line, so it
is echoed in the log and can be replayed. No Qt here: the harness tests it without a GUI.
"""

from __future__ import annotations

from chimerax.core.commands import quote_if_necessary, run
from chimerax.core.errors import UserError

from trajgen.ui.adapter import CommandError, RunOptions, RunView

from .runs import registry


class ChimeraXAdapter:
    """Builds and runs ``trajgen`` commands in one ChimeraX session."""

    viewer_name = "ChimeraX"

    def __init__(self, session):
        self.session = session

    def structures(self) -> list[str]:
        """Open atomic structures with amino-acid chains, as "#1"; trajgen's own outputs left out."""
        from chimerax.atomic import AtomicStructure, Residue

        outputs = {r.output for r in registry(self.session).runs()}
        return [f"#{m.id_string}" for m in self.session.models
                if isinstance(m, AtomicStructure) and m not in outputs
                and (m.residues.polymer_types == Residue.PT_AMINO).any()]

    def run_command(self, options: RunOptions) -> str:
        parts = [f"{key} {quote_if_necessary(value)}" for key, value in options.arguments()]
        return " ".join([f"trajgen run {options.structure}"] + parts + ["wait false"])

    def stop_command(self, structure: str) -> str:
        return f"trajgen stop {structure}"

    def export_command(self, structure: str, path: str, overwrite: bool = False) -> str:
        return f"trajgen export {structure} {quote_if_necessary(path)}" + (" overwrite true" if overwrite else "")

    def execute(self, command: str) -> None:
        try:
            run(self.session, command)
        except UserError as err:
            raise CommandError(str(err)) from None

    def run_view(self, structure: str) -> RunView | None:
        return registry(self.session).view(structure)
