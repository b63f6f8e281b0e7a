"""Between ChimeraX atomic structures and the trajgen engine's AtomTable / Protein."""

from __future__ import annotations

import numpy as np

from trajgen.engine.errors import TrajgenError
from trajgen.engine.structure import AtomTable, Protein, protein_from_atoms


def atom_table(structure) -> AtomTable:
    """The atoms of a ChimeraX AtomicStructure as an AtomTable (untransformed model coordinates, A).

    Residues of a polymer chain of amino acids count as ATOM records; everything else as HETATM.
    """
    from chimerax.atomic import Residue

    atoms = structure.atoms
    residues = atoms.residues
    return AtomTable(
        names=np.array(atoms.names, dtype=str),
        resnames=np.array(residues.names, dtype=str),
        chain_ids=np.array(residues.chain_ids, dtype=str),
        residue_numbers=np.asarray(residues.numbers, dtype=np.int64),
        insertion_codes=np.array(residues.insertion_codes, dtype=str),
        elements=np.array([e.upper() for e in atoms.element_names], dtype=str),
        hetero=np.asarray(residues.polymer_types != Residue.PT_AMINO, dtype=bool),
        xyz=np.asarray(atoms.coords, dtype=np.float64),
        source=f"#{structure.id_string} {structure.name}",
    )


def protein_of(structure) -> Protein:
    """The trajgen Protein of a ChimeraX structure; engine errors become UserError."""
    from chimerax.core.errors import UserError

    try:
        return protein_from_atoms(atom_table(structure))
    except TrajgenError as err:
        raise UserError(str(err)) from None
