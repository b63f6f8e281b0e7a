"""Comparing two sets of atom positions residue by residue, aware of symmetric atom names.

Two structures that differ only in which of two equivalent atoms is called OD1 and which OD2
(``SYMMETRIC_ATOM_PAIRS``) are the same molecule; errors here take, per residue, the naming of the
reference that fits better. No superposition: both inputs must share one coordinate frame.
"""

import numpy as np

from trajgen.engine.geometry.rebuild import atoms_from_frames_torsions
from trajgen.engine.geometry.rigid import backbone_frames
from trajgen.engine.geometry.symmetry import swap_symmetric_atoms
from trajgen.engine.geometry.torsions import torsions_from_atoms
from trajgen.engine.residue_constants import OXT_SLOT

BACKBONE_SLOTS = (0, 1, 2, 3)  # N, CA, C, O


def _swap_o_oxt(reference: np.ndarray) -> np.ndarray:
    swapped = reference.copy()
    swapped[..., 3, :], swapped[..., OXT_SLOT, :] = reference[..., OXT_SLOT, :], reference[..., 3, :]
    return swapped


def symmetric_squared_errors(
    aatype: np.ndarray, predicted: np.ndarray, reference: np.ndarray, mask: np.ndarray
) -> np.ndarray:
    """Per-atom squared distances (..., L, 15) in Angstrom^2, zero outside ``mask``.

    aatype (L,) int; predicted and reference (..., L, 15, 3) Angstrom; mask (L, 15) bool, the atoms
    to compare. For every residue the reference naming with the smallest summed error is used: as
    given, with its symmetric side-chain atoms swapped, and (where OXT is compared) with the two
    equivalent carboxyl oxygens O and OXT swapped.
    """
    swap_all = np.ones(reference.shape[:-2], dtype=bool)
    side_chain_swapped = swap_symmetric_atoms(aatype, reference, swap_all)
    namings = [reference, side_chain_swapped]
    if mask[:, OXT_SLOT].any():
        namings += [_swap_o_oxt(x) for x in namings]
    errors = np.stack([np.sum((predicted - x) ** 2, axis=-1) * mask for x in namings])  # (n, ..., L, 15)
    best = np.argmin(errors.sum(-1), axis=0)  # (..., L)
    return np.take_along_axis(errors, best[None, ..., None], axis=0)[0]


def rmsd(squared_errors: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Root mean square over the atoms in ``mask`` (L, 15) of squared errors (..., L, 15): (...,) Angstrom."""
    return np.sqrt(np.sum(squared_errors * mask, axis=(-2, -1)) / max(int(mask.sum()), 1))


def backbone_mask(mask: np.ndarray) -> np.ndarray:
    """The N, CA, C, O atoms of ``mask`` (L, 15)."""
    selected = np.zeros_like(mask)
    selected[:, BACKBONE_SLOTS] = mask[:, BACKBONE_SLOTS]
    return selected


def round_trip(
    aatype: np.ndarray, positions: np.ndarray, mask: np.ndarray, segment_start: np.ndarray, chain_end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Atoms -> frames and torsions -> atoms, and the per-atom squared error of the rebuild.

    aatype (L,), positions (..., L, 15, 3) Angstrom, mask (L, 15), segment_start (L,), chain_end (L,).
    Returns rebuilt positions (..., L, 15, 3), squared errors (..., L, 15) Angstrom^2 (symmetry-aware,
    same coordinate frame, no superposition) and the compared atoms (L, 15): present in the input and
    rebuilt, in residues whose N, CA and C exist.
    """
    rot, trans = backbone_frames(positions)
    angles, _ = torsions_from_atoms(aatype, positions, mask, segment_start)
    rebuilt, rebuilt_mask = atoms_from_frames_torsions(aatype, rot, trans, angles, chain_end)
    compared = mask & rebuilt_mask & mask[:, :3].all(-1, keepdims=True)
    return rebuilt, symmetric_squared_errors(aatype, rebuilt, positions, compared), compared
