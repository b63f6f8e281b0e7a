"""Protein geometry: backbone frames and torsions <-> all heavy atoms (numpy; torch twin in ``torch_ops``).

Coordinates are Angstrom in the residue slot layout of ``trajgen.engine.residue_constants``
(positions (..., L, 15, 3)); angles are radians; leading dimensions (frames) are batched.

- ``backbone_frames(positions) -> (rot (..., L, 3, 3), trans (..., L, 3))``
- ``torsions_from_atoms(aatype, positions, mask, segment_start) -> (angles (..., L, 7), torsion_mask (L, 7))``
- ``atoms_from_frames_torsions(aatype, rot, trans, angles, chain_end) -> (positions (..., L, 15, 3), mask (L, 15))``
- ideal geometry for checks: ``IDEAL_BOND_LENGTHS``, ``IDEAL_BOND_ANGLES``, ``bond_length_deviations``,
  ``bond_angle_deviations``; symmetric atom names: ``canonicalize_symmetric_atoms``, ``symmetric_squared_errors``.
"""

from trajgen.engine.geometry.bonds import (
    IDEAL_BOND_ANGLES,
    IDEAL_BOND_LENGTHS,
    bond_angle_deviations,
    bond_length_deviations,
)
from trajgen.engine.geometry.compare import round_trip, symmetric_squared_errors
from trajgen.engine.geometry.rebuild import atom_mask, atoms_from_frames_torsions
from trajgen.engine.geometry.rigid import backbone_frames
from trajgen.engine.geometry.symmetry import canonicalize_symmetric_atoms, dihedral
from trajgen.engine.geometry.ideal import TORSION_NAMES
from trajgen.engine.geometry.torsions import torsions_from_atoms

__all__ = [
    "IDEAL_BOND_ANGLES",
    "IDEAL_BOND_LENGTHS",
    "TORSION_NAMES",
    "atom_mask",
    "atoms_from_frames_torsions",
    "backbone_frames",
    "bond_angle_deviations",
    "bond_length_deviations",
    "canonicalize_symmetric_atoms",
    "dihedral",
    "round_trip",
    "symmetric_squared_errors",
    "torsions_from_atoms",
]
