"""Atom names that swap under a side-chain symmetry, and the canonical choice between them.

ASP chi2, GLU chi3, PHE chi2 and TYR chi2 are pi-periodic: renaming OD1<->OD2 (OE1<->OE2,
CD1<->CD2 with CE1<->CE2) gives the same molecule with that chi shifted by 180 degrees. The
canonical naming is the one whose chi is nearer to 0, so the chi falls in about [-90, 90] degrees.
ARG's NH1/NH2 are equivalent too; the canonical (IUPAC) naming has NH1 cis to CD, i.e.
|dihedral(CD, NE, CZ, NH1)| < 90 degrees.
"""

import numpy as np

from trajgen.engine.residue_constants import (
    ATOM_NAMES,
    CHI_ATOMS,
    MAX_SLOTS,
    PI_PERIODIC_CHIS,
    RESTYPES_3,
    SYMMETRIC_ATOM_PAIRS,
    slot_of,
)


def dihedral(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, p3: np.ndarray) -> np.ndarray:
    """IUPAC dihedral angle p0-p1-p2-p3 in radians, (-pi, pi], over (..., 3) point arrays.

    Positive when, looking along p1 -> p2, p0 must turn clockwise to eclipse p3.
    """
    b0, b1, b2 = p1 - p0, p2 - p1, p3 - p2
    n0, n1 = np.cross(b0, b1), np.cross(b1, b2)
    y = np.linalg.norm(b1, axis=-1) * np.sum(b0 * n1, axis=-1)
    x = np.sum(n0 * n1, axis=-1)
    return np.arctan2(y, x)


def _deciding_atoms(resname: str) -> tuple[str, str, str, str, str] | None:
    """(a, b, c, d, d') where the naming with the smaller |dihedral(a, b, c, d)| is canonical."""
    if resname == "ARG":
        return ("CD", "NE", "CZ", "NH1", "NH2")
    for name, chi_index in PI_PERIODIC_CHIS:
        if name == resname:
            a, b, c, d = CHI_ATOMS[resname][chi_index]
            partner = dict(SYMMETRIC_ATOM_PAIRS[resname])[d]
            return (a, b, c, d, partner)
    return None


def _build_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    swap_perm = np.tile(np.arange(MAX_SLOTS), (len(RESTYPES_3), 1))
    decider = np.zeros((len(RESTYPES_3), 5), dtype=np.int64)
    has_swap = np.zeros(len(RESTYPES_3), dtype=bool)
    for t, resname in enumerate(RESTYPES_3):
        atoms = _deciding_atoms(resname)
        if atoms is None:
            continue
        has_swap[t] = True
        decider[t] = [slot_of(resname, x) for x in atoms]
        for first, second in SYMMETRIC_ATOM_PAIRS[resname]:
            i, j = ATOM_NAMES[resname].index(first), ATOM_NAMES[resname].index(second)
            swap_perm[t, i], swap_perm[t, j] = j, i
    return swap_perm, decider, has_swap


# SWAP_PERM (21, 15): slot permutation that renames the symmetric atoms of each residue type.
# SWAP_DECIDER (21, 5): slots (a, b, c, d, d') deciding the canonical naming; HAS_SWAP (21,) bool.
SWAP_PERM, SWAP_DECIDER, HAS_SWAP = _build_tables()


def needs_swap(aatype: np.ndarray, positions: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Whether each residue's symmetric atoms are named against the canonical choice.

    aatype (L,) int, positions (..., L, 15, 3) Angstrom, mask (L, 15) bool. Returns (..., L) bool;
    False wherever a deciding or swapped atom is missing.
    """
    slots = SWAP_DECIDER[aatype]  # (L, 5)
    residues = np.arange(aatype.shape[0])[:, None]
    perm = SWAP_PERM[aatype]
    moved_present = (mask[residues, perm] | (perm == np.arange(perm.shape[-1]))).all(-1)
    complete = HAS_SWAP[aatype] & mask[residues, slots].all(-1) & moved_present
    picked = positions[..., residues, slots, :]  # (..., L, 5, 3)
    a, b, c, d, d_alt = (picked[..., k, :] for k in range(5))
    return complete & (np.abs(dihedral(a, b, c, d_alt)) < np.abs(dihedral(a, b, c, d)))


def swap_symmetric_atoms(aatype: np.ndarray, positions: np.ndarray, swap: np.ndarray) -> np.ndarray:
    """Positions (..., L, 15, 3) with the symmetric atom names exchanged where ``swap`` (..., L) is True."""
    residues = np.arange(aatype.shape[0])[:, None]
    swapped = positions[..., residues, SWAP_PERM[aatype], :]
    return np.where(swap[..., None, None], swapped, positions)


def canonicalize_symmetric_atoms(aatype: np.ndarray, positions: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Rename symmetric atoms so pi-periodic chis lie near [-90, 90] degrees and ARG NH1 is cis to CD.

    aatype (L,) int, positions (..., L, 15, 3) Angstrom, mask (L, 15) bool. Returns a new array; the
    molecule is unchanged, only which of two equivalent atoms carries which name.
    """
    return swap_symmetric_atoms(aatype, positions, needs_swap(aatype, positions, mask))
