"""Reading structures into trajgen's per-residue protein model.

``load_protein(path)`` is the one entry point for files; viewers build an `AtomTable` from their
own atoms and call ``protein_from_atoms``.
"""

from __future__ import annotations

import os

from .atoms import AtomTable
from .protein import Protein, protein_from_atoms
from .reader import read_atoms
from .report import StructureReport

__all__ = ["AtomTable", "Protein", "StructureReport", "load_protein", "protein_from_atoms", "read_atoms"]


def load_protein(path: str | os.PathLike, model: int = 1, chains: list[str] | None = None,
                 complete: bool = True) -> Protein:
    """Read the protein chains of a PDB or mmCIF file (optionally gzipped).

    Args:
        path: structure file.
        model: 1-based model index for multi-model (NMR) files.
        chains: chain ids to keep; default all protein chains.
        complete: rebuild missing heavy atoms (side chains, O, OXT) from ideal geometry, and the
            backbone N and C of a Calpha-only model from its trace (``structure.calpha``).

    Returns:
        Protein with heavy-atom positions in Angstrom; ``protein.report`` says what was set aside.

    Raises:
        StructureError: unreadable file, no protein, unknown chain, or missing backbone atoms.
    """
    return protein_from_atoms(read_atoms(path, model=model), chains=chains, complete=complete)
