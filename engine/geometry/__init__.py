"""Protein geometry: backbone frames and torsions <-> all heavy atoms (numpy; torch twin in ``torch_ops``).

Coordinates are Angstrom in the residue slot layout of ``trajgen.engine.structure.residue_constants``
(positions (..., L, 15, 3)); angles are radians; leading dimensions (frames) are batched.
"""

from trajgen.engine.geometry.rebuild import atom_mask, atoms_from_frames_torsions
from trajgen.engine.geometry.rigid import backbone_frames
from trajgen.engine.geometry.symmetry import canonicalize_symmetric_atoms, dihedral
from trajgen.engine.geometry.torsions import torsions_from_atoms

__all__ = [
    "atom_mask",
    "atoms_from_frames_torsions",
    "backbone_frames",
    "canonicalize_symmetric_atoms",
    "dihedral",
    "torsions_from_atoms",
]
