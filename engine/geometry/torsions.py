"""Backbone and side-chain torsion angles from atom positions (numpy).

The torsion vector of a residue i is [omega, phi, psi, chi1, chi2, chi3, chi4] in radians, IUPAC sign:
- omega_i = dihedral(CA(i-1), C(i-1), N(i), CA(i)); phi_i = dihedral(C(i-1), N(i), CA(i), C(i));
  both are masked at the first residue of every segment (chain start or chain break).
- psi_i = dihedral(N, CA, C, O) - pi (wrapped to (-pi, pi]); O lies opposite N(i+1) in a planar peptide,
  so this equals the conventional dihedral(N, CA, C, N(i+1)) for ideal geometry, and is defined at
  C-termini too. It is the torsion that places O (and OXT) when atoms are rebuilt.
- chi_k from ``CHI_ATOMS``; symmetric atoms are first renamed canonically (``symmetry``), so the
  pi-periodic chis lie near [-pi/2, pi/2].
"""

import numpy as np

from trajgen.engine.errors import GeometryError
from trajgen.engine.geometry.rigid import check_positions
from trajgen.engine.geometry.symmetry import canonicalize_symmetric_atoms, dihedral
from trajgen.engine.residue_constants import CHI_ATOMS, RESTYPES_3, slot_of

NUM_TORSIONS = 7
OMEGA, PHI, PSI = 0, 1, 2
_N, _CA, _C, _O = 0, 1, 2, 3


def _build_chi_tables() -> tuple[np.ndarray, np.ndarray]:
    slots = np.zeros((len(RESTYPES_3), 4, 4), dtype=np.int64)
    exists = np.zeros((len(RESTYPES_3), 4), dtype=bool)
    for t, resname in enumerate(RESTYPES_3):
        for k, atoms in enumerate(CHI_ATOMS[resname]):
            slots[t, k] = [slot_of(resname, atom) for atom in atoms]
            exists[t, k] = True
    return slots, exists


# CHI_ATOM_SLOTS (21, 4, 4): slots of the four atoms of each chi; CHI_EXISTS (21, 4) bool.
CHI_ATOM_SLOTS, CHI_EXISTS = _build_chi_tables()


def wrap_angle(angle: np.ndarray) -> np.ndarray:
    """Angles wrapped to [-pi, pi)."""
    return (angle + np.pi) % (2 * np.pi) - np.pi


def _check_inputs(aatype: np.ndarray, positions: np.ndarray, mask: np.ndarray, segment_start: np.ndarray) -> None:
    check_positions(positions)
    n_res = positions.shape[-3]
    expected = {"aatype": (aatype, (n_res,)), "mask": (mask, (n_res, 15)), "segment_start": (segment_start, (n_res,))}
    for name, (array, shape) in expected.items():
        if array.shape != shape:
            raise GeometryError(f"{name} must have shape {shape} to match {n_res} residues; got {array.shape}.")


def _backbone_torsions(positions: np.ndarray, mask: np.ndarray, segment_start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """omega, phi, psi (..., L, 3) and their mask (L, 3)."""
    n, ca, c, o = (positions[..., s, :] for s in (_N, _CA, _C, _O))
    prev_ca = np.concatenate([ca[..., :1, :], ca[..., :-1, :]], axis=-2)
    prev_c = np.concatenate([c[..., :1, :], c[..., :-1, :]], axis=-2)
    omega = dihedral(prev_ca, prev_c, n, ca)
    phi = dihedral(prev_c, n, ca, c)
    psi = wrap_angle(dihedral(n, ca, c, o) - np.pi)
    has_prev = ~segment_start.astype(bool)
    has_prev[0] = False
    prev_mask = np.concatenate([mask[:1], mask[:-1]], axis=0)
    omega_mask = has_prev & prev_mask[:, _CA] & prev_mask[:, _C] & mask[:, _N] & mask[:, _CA]
    phi_mask = has_prev & prev_mask[:, _C] & mask[:, _N] & mask[:, _CA] & mask[:, _C]
    psi_mask = mask[:, _N] & mask[:, _CA] & mask[:, _C] & mask[:, _O]
    return np.stack([omega, phi, psi], axis=-1), np.stack([omega_mask, phi_mask, psi_mask], axis=-1)


def _side_chain_torsions(aatype: np.ndarray, positions: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """chi1..chi4 (..., L, 4) and their mask (L, 4)."""
    slots = CHI_ATOM_SLOTS[aatype]  # (L, 4, 4)
    residues = np.arange(aatype.shape[0])[:, None, None]
    atoms = positions[..., residues, slots, :]  # (..., L, 4, 4, 3)
    chis = dihedral(*(atoms[..., j, :] for j in range(4)))
    chi_mask = CHI_EXISTS[aatype] & mask[residues, slots].all(-1)
    return chis, chi_mask


def torsions_from_atoms(
    aatype: np.ndarray, positions: np.ndarray, mask: np.ndarray, segment_start: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Torsion angles of every residue in every frame.

    aatype (L,) int index into RESTYPES_3; positions (..., L, 15, 3) Angstrom in the slot layout;
    mask (L, 15) bool; segment_start (L,) bool, True at each chain start and after each chain break.
    Returns angles (..., L, 7) float32 radians [omega, phi, psi, chi1..chi4] (0 where masked) and
    torsion_mask (L, 7) bool.
    """
    aatype, mask, segment_start = np.asarray(aatype), np.asarray(mask, dtype=bool), np.asarray(segment_start, dtype=bool)
    positions = np.asarray(positions)
    positions = positions.astype(np.result_type(positions.dtype, np.float32), copy=False)
    _check_inputs(aatype, positions, mask, segment_start)
    positions = canonicalize_symmetric_atoms(aatype, positions, mask)
    backbone, backbone_mask = _backbone_torsions(positions, mask, segment_start)
    chis, chi_mask = _side_chain_torsions(aatype, positions, mask)
    angles = np.concatenate([backbone, chis], axis=-1)
    torsion_mask = np.concatenate([backbone_mask, chi_mask], axis=-1)
    return np.where(torsion_mask, angles, 0.0).astype(np.float32), torsion_mask
