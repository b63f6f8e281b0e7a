"""Ideal covalent bonds and bond angles of every residue type, and deviations from them.

Public data (per RESTYPES_3 name, heavy atoms inside one residue):
- ``IDEAL_BOND_LENGTHS[resname]``: tuple of (atom1, atom2, length in Angstrom): the Engh & Huber
  lengths of the internal-coordinate table in ``ideal`` plus the ring-closing bonds.
- ``IDEAL_BOND_ANGLES[resname]``: tuple of (atom1, centre, atom3, angle in degrees) for every pair of
  bonds sharing an atom, measured on the ideal residue built from that table.
- Array forms for vectorized checks: ``BOND_SLOTS`` (21, B, 2), ``BOND_IDEAL`` (21, B) Angstrom,
  ``BOND_EXISTS`` (21, B) bool; ``ANGLE_SLOTS`` (21, A, 3), ``ANGLE_IDEAL`` (21, A) degrees,
  ``ANGLE_EXISTS`` (21, A) bool.
  Proline's ring-closing angles (CA-N-CD, CG-CD-N) are the Engh & Huber values instead.
The peptide bond C(i)-N(i+1) is ``ideal.PEPTIDE_C_N_BOND`` (``PEPTIDE_C_N_BOND_PRO`` before PRO).
"""

import numpy as np

from trajgen.engine.geometry import ideal
from trajgen.engine.geometry.rigid_groups import ideal_residue
from trajgen.engine.residue_constants import ATOM_NAMES, RESTYPES_3, slot_of


def _bonds_of(resname: str) -> tuple[tuple[str, str, float], ...]:
    n_ca, ca_c, _ = ideal.BACKBONE_GEOMETRY.get(resname, ideal.BACKBONE_GEOMETRY["default"])
    bonds = [("N", "CA", n_ca), ("CA", "C", ca_c), ("C", "O", ideal.C_O_BOND)]
    bonds += [(c, atom, bond) for atom, _, (_, _, c), bond, _, _ in ideal.SIDE_CHAIN_TABLE[resname]]
    return tuple(bonds) + ideal.RING_CLOSURE_BONDS.get(resname, ())


def _angle_degrees(a: np.ndarray, centre: np.ndarray, b: np.ndarray) -> float:
    u, v = a - centre, b - centre
    return float(np.degrees(np.arccos(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))))


def _angles_of(resname: str) -> tuple[tuple[str, str, str, float], ...]:
    coords, _ = ideal_residue(resname, with_oxt=False)
    bonded = [(x, y) for x, y, _ in IDEAL_BOND_LENGTHS[resname]]
    angles = []
    for i, (a1, a2) in enumerate(bonded):
        for b1, b2 in bonded[i + 1:]:
            shared = {a1, a2} & {b1, b2}
            if len(shared) == 1:
                centre = shared.pop()
                first, third = ({a1, a2} - {centre}).pop(), ({b1, b2} - {centre}).pop()
                angles.append((first, centre, third, round(_angle_degrees(coords[first], coords[centre], coords[third]), 3)))
    closing = {(a, b, c): value for a, b, c, value in ideal.RING_CLOSURE_ANGLES.get(resname, ())}
    closing.update({(c, b, a): value for (a, b, c), value in closing.items()})
    return tuple((a, b, c, closing.get((a, b, c), value)) for a, b, c, value in angles)


IDEAL_BOND_LENGTHS: dict[str, tuple[tuple[str, str, float], ...]] = {name: _bonds_of(name) for name in RESTYPES_3}
IDEAL_BOND_ANGLES: dict[str, tuple[tuple[str, str, str, float], ...]] = {name: _angles_of(name) for name in RESTYPES_3}


def _as_arrays(table: dict[str, tuple], n_atoms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    width = max(len(rows) for rows in table.values())
    slots = np.zeros((len(RESTYPES_3), width, n_atoms), dtype=np.int64)
    values = np.zeros((len(RESTYPES_3), width))
    exists = np.zeros((len(RESTYPES_3), width), dtype=bool)
    for t, name in enumerate(RESTYPES_3):
        for k, row in enumerate(table[name]):
            slots[t, k] = [slot_of(name, atom) for atom in row[:n_atoms]]
            values[t, k], exists[t, k] = row[n_atoms], True
    return slots, values, exists


BOND_SLOTS, BOND_IDEAL, BOND_EXISTS = _as_arrays(IDEAL_BOND_LENGTHS, 2)
ANGLE_SLOTS, ANGLE_IDEAL, ANGLE_EXISTS = _as_arrays(IDEAL_BOND_ANGLES, 3)
assert all(set(ATOM_NAMES[n]) >= {a for row in IDEAL_BOND_LENGTHS[n] for a in row[:2]} for n in RESTYPES_3)


def bond_length_deviations(aatype: np.ndarray, positions: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Observed minus ideal length of every intra-residue bond.

    aatype (L,) int, positions (..., L, 15, 3) Angstrom, mask (L, 15) bool.
    Returns deviations (..., L, B) Angstrom and valid (L, B) bool (bond exists and both atoms present).
    """
    slots = BOND_SLOTS[aatype]  # (L, B, 2)
    residues = np.arange(aatype.shape[0])[:, None]
    first, second = positions[..., residues, slots[..., 0], :], positions[..., residues, slots[..., 1], :]
    valid = BOND_EXISTS[aatype] & mask[residues, slots[..., 0]] & mask[residues, slots[..., 1]]
    deviation = np.linalg.norm(first - second, axis=-1) - BOND_IDEAL[aatype]
    return np.where(valid, deviation, 0.0), valid


def bond_angle_deviations(aatype: np.ndarray, positions: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Observed minus ideal value (degrees) of every intra-residue bond angle.

    aatype (L,) int, positions (..., L, 15, 3) Angstrom, mask (L, 15) bool.
    Returns deviations (..., L, A) degrees and valid (L, A) bool.
    """
    slots = ANGLE_SLOTS[aatype]  # (L, A, 3)
    residues = np.arange(aatype.shape[0])[:, None]
    a, centre, b = (positions[..., residues, slots[..., k], :] for k in range(3))
    valid = ANGLE_EXISTS[aatype] & mask[residues[..., None], slots].all(-1)
    u, v = a - centre, b - centre
    cos = np.sum(u * v, -1) / np.maximum(np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1), 1e-8)
    deviation = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))) - ANGLE_IDEAL[aatype]
    return np.where(valid, deviation, 0.0), valid
