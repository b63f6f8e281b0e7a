"""Fill in missing heavy atoms (side chains, O, terminal OXT) from ideal geometry.

Atoms present in the input are kept exactly (symmetric names made canonical); missing ones are
placed by rebuilding the residue from its backbone frame and torsions. Torsions that cannot be
measured because their atoms are missing take a common rotamer value (`DEFAULT_TORSIONS`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from trajgen.engine.geometry import (atom_mask, atoms_from_frames_torsions, backbone_frames,
                                     canonicalize_symmetric_atoms, dihedral, torsions_from_atoms)

# Used where a torsion's atoms are missing: psi of a beta strand, chi1 gauche(-), chi2..4 trans.
DEFAULT_TORSIONS = np.deg2rad([180.0, -120.0, 130.0, -60.0, 180.0, 180.0, 180.0]).astype(np.float32)
PSI = 2


def complete_missing_atoms(protein):
    """A copy of ``protein`` with every heavy atom of every residue present (OXT at chain ends).

    Args:
        protein: a `Protein` whose ``mask`` may lack side-chain atoms, O or OXT.

    Returns:
        A new Protein; ``mask`` is the full mask of each residue type. Nothing changes when
        nothing is missing except the canonical naming of symmetric atoms (OD1/OD2, ...).
    """
    full = atom_mask(protein.aatype, protein.chain_end)
    positions = canonicalize_symmetric_atoms(protein.aatype, protein.positions, protein.mask)
    missing = full & ~protein.mask
    if not missing.any():
        return replace(protein, positions=positions.astype(np.float32), mask=protein.mask & full)
    angles, known = torsions_from_atoms(protein.aatype, positions, protein.mask, protein.segment_start)
    angles = np.where(known, angles, DEFAULT_TORSIONS)
    angles[:, PSI] = np.where(known[:, PSI], angles[:, PSI], _psi_from_next_n(protein, positions))
    rot, trans = backbone_frames(positions)
    rebuilt, _ = atoms_from_frames_torsions(protein.aatype, rot, trans, angles, protein.chain_end)
    completed = np.where(missing[..., None], rebuilt, positions).astype(np.float32)
    return replace(protein, positions=completed, mask=full)


def _psi_from_next_n(protein, positions: np.ndarray) -> np.ndarray:
    """Conventional psi = dihedral(N, CA, C, N(i+1)) where the next residue follows without a break;
    the default psi elsewhere. (L,) radians."""
    psi = np.full(protein.n_residues, DEFAULT_TORSIONS[PSI], dtype=np.float32)
    linked = ~protein.segment_start[1:]  # residue i is followed by i+1 in the same segment
    if linked.any():
        i = np.flatnonzero(linked)
        psi[i] = dihedral(positions[i, 0], positions[i, 1], positions[i, 2], positions[i + 1, 0])
    return psi
