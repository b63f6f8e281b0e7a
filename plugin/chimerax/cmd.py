"""The ``trajgen`` command family in ChimeraX."""

from __future__ import annotations

from chimerax.core.commands import CmdDesc
from chimerax.core.errors import UserError


def trajgen_info(session, structures=None):
    """Log what trajgen would simulate in each structure and what it would set aside."""
    from trajgen.engine.cli.info import describe

    from .adapter import protein_of

    for s in _structures(session, structures):
        protein = protein_of(s)
        session.logger.info("\n".join(describe(protein)))


def _structures(session, structures):
    from chimerax.atomic import AtomicStructure

    if structures is None:
        structures = [m for m in session.models if isinstance(m, AtomicStructure)]
    structures = list(structures)
    if not structures:
        raise UserError("No atomic structure is open (open one, e.g. 'open 1ubq', then try again).")
    return structures


def register(command_name, logger):
    from chimerax.atomic import AtomicStructuresArg
    from chimerax.core.commands import register as register_command

    if command_name == "trajgen info":
        desc = CmdDesc(optional=[("structures", AtomicStructuresArg)],
                       synopsis="describe what trajgen would simulate in a structure")
        register_command(command_name, desc, trajgen_info, logger=logger)
