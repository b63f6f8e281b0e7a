"""Idealized residue geometry as an internal-coordinate (Z-matrix) table.

Bond lengths (Angstrom) and bond angles (degrees) are the Engh & Huber (1991) ideal values used for
X-ray refinement and by AlphaFold's rigid groups, with three small adjustments so that rings close:
the PHE/TYR ring angles CG-CD-CE are 120.9 (published 120.7 and 121.2), which closes both benzene
rings within 0.003 A of their ideal CE2-CZ bond; proline's CB-CG-CD is 104.5 (the mean over the 40
X-ray structures in shared/data; ring puckering makes this angle the most variable one), and
proline's CD is finally moved to close its ring exactly (``rebuild.close_proline_rings``).

Every heavy atom after N, CA, C is placed from three earlier atoms (a, b, c) by

    |c - atom| = bond,   angle(b, c, atom) = angle,   dihedral(a, b, c, atom) = dihedral,

and belongs to one rigid group. For the atom that defines a torsion (O for psi, the fourth atom of
each chi) the dihedral column is 0: the torsion angle itself is added when the residue is rebuilt.
Other atoms of the same group carry their fixed dihedral offset from that torsion (e.g. ASN ND2 at
180 degrees from OD1), or a ring dihedral (0 or 180) against atoms of their own group.

psi convention: the psi group holds O (and OXT at a C-terminus). O sits opposite the next residue's
N around the CA-C bond, so the torsion that places O is ``dihedral(N, CA, C, O) - 180 degrees``; for
ideal planar geometry this equals the conventional psi = dihedral(N, CA, C, N(i+1)). OXT takes the
place of N(i+1): ``dihedral(N, CA, C, OXT) = psi``.
"""

import math

from trajgen.engine.residue_constants import RESTYPES_3

# Rigid groups of a residue. The torsion that rotates group g is TORSION_OF_GROUP[g] in the
# 7-vector [omega, phi, psi, chi1, chi2, chi3, chi4]; the backbone group has none (-1).
GROUP_BACKBONE, GROUP_PSI, GROUP_CHI1, GROUP_CHI2, GROUP_CHI3, GROUP_CHI4 = range(6)
NUM_GROUPS = 6
TORSION_OF_GROUP = (-1, 2, 3, 4, 5, 6)
PARENT_OF_GROUP = (-1, GROUP_BACKBONE, GROUP_BACKBONE, GROUP_CHI1, GROUP_CHI2, GROUP_CHI3)
TORSION_NAMES = ("omega", "phi", "psi", "chi1", "chi2", "chi3", "chi4")

# Backbone per residue class: (N-CA bond, CA-C bond, N-CA-C angle).
BACKBONE_GEOMETRY = {"default": (1.458, 1.525, 111.2), "GLY": (1.451, 1.516, 112.5), "PRO": (1.466, 1.525, 111.8)}
C_O_BOND, CA_C_O_ANGLE = 1.231, 120.1
C_OXT_BOND, CA_C_OXT_ANGLE = 1.249, 117.0
# Peptide bond to the next residue (for checking, not used when rebuilding from frames).
PEPTIDE_C_N_BOND, PEPTIDE_C_N_BOND_PRO = 1.329, 1.341


def branch_dihedral(angle_first: float, angle_second: float, angle_between: float, sign: float) -> float:
    """Dihedral (degrees) between two substituents of one centre, seen along a third bond.

    A centre X bonded to R, P and Q with angles R-X-P = ``angle_first``, R-X-Q = ``angle_second`` and
    P-X-Q = ``angle_between``: the dihedral between P and Q about the R-X axis follows from the
    spherical law of cosines; ``sign`` (+1 or -1) picks the chirality.
    """
    a, b, c = (math.radians(x) for x in (angle_first, angle_second, angle_between))
    cos_dihedral = (math.cos(c) - math.cos(a) * math.cos(b)) / (math.sin(a) * math.sin(b))
    return sign * math.degrees(math.acos(cos_dihedral))


def _cb(bond: float, n_ca_cb: float, c_ca_cb: float, n_ca_c: float = 111.2) -> tuple:
    """CB of an L-amino acid: from (C, N, CA) with the chirality fixed by the three CA angles."""
    return ("CB", GROUP_BACKBONE, ("C", "N", "CA"), bond, n_ca_cb, branch_dihedral(n_ca_c, n_ca_cb, c_ca_cb, -1.0))


_B, _PSI, _X1, _X2, _X3, _X4 = GROUP_BACKBONE, GROUP_PSI, GROUP_CHI1, GROUP_CHI2, GROUP_CHI3, GROUP_CHI4
_CB_STANDARD = _cb(1.530, 110.5, 110.1)
_CB_BETA_BRANCHED = _cb(1.540, 111.5, 109.1)

# Side chains: (atom, group, (a, b, c), bond c-atom, angle b-c-atom, dihedral a-b-c-atom).
SIDE_CHAIN_TABLE: dict[str, tuple[tuple, ...]] = {
    "ALA": (_cb(1.521, 110.4, 110.5),),
    "ARG": (
        _CB_STANDARD,
        ("CG", _X1, ("N", "CA", "CB"), 1.520, 114.1, 0.0),
        ("CD", _X2, ("CA", "CB", "CG"), 1.520, 111.3, 0.0),
        ("NE", _X3, ("CB", "CG", "CD"), 1.460, 112.0, 0.0),
        ("CZ", _X4, ("CG", "CD", "NE"), 1.329, 124.2, 0.0),
        ("NH1", _X4, ("CD", "NE", "CZ"), 1.326, 120.0, 0.0),
        ("NH2", _X4, ("CD", "NE", "CZ"), 1.326, 120.0, 180.0),
    ),
    "ASN": (
        _CB_STANDARD,
        ("CG", _X1, ("N", "CA", "CB"), 1.516, 112.6, 0.0),
        ("OD1", _X2, ("CA", "CB", "CG"), 1.231, 120.8, 0.0),
        ("ND2", _X2, ("CA", "CB", "CG"), 1.328, 116.4, 180.0),
    ),
    "ASP": (
        _CB_STANDARD,
        ("CG", _X1, ("N", "CA", "CB"), 1.516, 112.6, 0.0),
        ("OD1", _X2, ("CA", "CB", "CG"), 1.249, 118.4, 0.0),
        ("OD2", _X2, ("CA", "CB", "CG"), 1.249, 118.4, 180.0),
    ),
    "CYS": (
        _CB_STANDARD,
        ("SG", _X1, ("N", "CA", "CB"), 1.808, 114.4, 0.0),
    ),
    "GLN": (
        _CB_STANDARD,
        ("CG", _X1, ("N", "CA", "CB"), 1.520, 114.1, 0.0),
        ("CD", _X2, ("CA", "CB", "CG"), 1.516, 112.6, 0.0),
        ("OE1", _X3, ("CB", "CG", "CD"), 1.231, 120.8, 0.0),
        ("NE2", _X3, ("CB", "CG", "CD"), 1.328, 116.4, 180.0),
    ),
    "GLU": (
        _CB_STANDARD,
        ("CG", _X1, ("N", "CA", "CB"), 1.520, 114.1, 0.0),
        ("CD", _X2, ("CA", "CB", "CG"), 1.516, 112.6, 0.0),
        ("OE1", _X3, ("CB", "CG", "CD"), 1.249, 118.4, 0.0),
        ("OE2", _X3, ("CB", "CG", "CD"), 1.249, 118.4, 180.0),
    ),
    "GLY": (),
    "HIS": (
        _CB_STANDARD,
        ("CG", _X1, ("N", "CA", "CB"), 1.497, 113.8, 0.0),
        ("ND1", _X2, ("CA", "CB", "CG"), 1.378, 122.7, 0.0),
        ("CD2", _X2, ("CA", "CB", "CG"), 1.354, 131.0, 180.0),
        ("CE1", _X2, ("CB", "CG", "ND1"), 1.321, 109.0, 180.0),
        ("NE2", _X2, ("CB", "CG", "CD2"), 1.374, 107.0, 180.0),
    ),
    "ILE": (
        _CB_BETA_BRANCHED,
        ("CG1", _X1, ("N", "CA", "CB"), 1.530, 110.4, 0.0),
        ("CG2", _X1, ("N", "CA", "CB"), 1.521, 110.5, branch_dihedral(110.4, 110.5, 110.7, -1.0)),
        ("CD1", _X2, ("CA", "CB", "CG1"), 1.513, 113.8, 0.0),
    ),
    "LEU": (
        _CB_STANDARD,
        ("CG", _X1, ("N", "CA", "CB"), 1.530, 116.3, 0.0),
        ("CD1", _X2, ("CA", "CB", "CG"), 1.521, 110.7, 0.0),
        ("CD2", _X2, ("CA", "CB", "CG"), 1.521, 110.7, branch_dihedral(110.7, 110.7, 110.8, 1.0)),
    ),
    "LYS": (
        _CB_STANDARD,
        ("CG", _X1, ("N", "CA", "CB"), 1.520, 114.1, 0.0),
        ("CD", _X2, ("CA", "CB", "CG"), 1.520, 111.3, 0.0),
        ("CE", _X3, ("CB", "CG", "CD"), 1.520, 111.3, 0.0),
        ("NZ", _X4, ("CG", "CD", "CE"), 1.489, 111.9, 0.0),
    ),
    "MET": (
        _CB_STANDARD,
        ("CG", _X1, ("N", "CA", "CB"), 1.520, 114.1, 0.0),
        ("SD", _X2, ("CA", "CB", "CG"), 1.803, 112.7, 0.0),
        ("CE", _X3, ("CB", "CG", "SD"), 1.791, 100.9, 0.0),
    ),
    "PHE": (
        _CB_STANDARD,
        ("CG", _X1, ("N", "CA", "CB"), 1.502, 113.8, 0.0),
        ("CD1", _X2, ("CA", "CB", "CG"), 1.384, 120.7, 0.0),
        ("CD2", _X2, ("CA", "CB", "CG"), 1.384, 120.7, 180.0),
        ("CE1", _X2, ("CB", "CG", "CD1"), 1.382, 120.9, 180.0),
        ("CE2", _X2, ("CB", "CG", "CD2"), 1.382, 120.9, 180.0),
        ("CZ", _X2, ("CG", "CD1", "CE1"), 1.382, 120.0, 0.0),
    ),
    "PRO": (
        _cb(1.530, 103.0, 110.1, n_ca_c=111.8),
        ("CG", _X1, ("N", "CA", "CB"), 1.492, 104.5, 0.0),
        ("CD", _X2, ("CA", "CB", "CG"), 1.503, 104.5, 0.0),
    ),
    "SER": (
        _CB_STANDARD,
        ("OG", _X1, ("N", "CA", "CB"), 1.417, 111.1, 0.0),
    ),
    "THR": (
        _CB_BETA_BRANCHED,
        ("OG1", _X1, ("N", "CA", "CB"), 1.433, 109.6, 0.0),
        ("CG2", _X1, ("N", "CA", "CB"), 1.521, 110.5, branch_dihedral(109.6, 110.5, 109.3, -1.0)),
    ),
    "TRP": (
        _CB_STANDARD,
        ("CG", _X1, ("N", "CA", "CB"), 1.498, 113.6, 0.0),
        ("CD1", _X2, ("CA", "CB", "CG"), 1.365, 127.0, 0.0),
        ("CD2", _X2, ("CA", "CB", "CG"), 1.433, 126.6, 180.0),
        ("NE1", _X2, ("CB", "CG", "CD1"), 1.374, 110.2, 180.0),
        ("CE2", _X2, ("CB", "CG", "CD2"), 1.409, 107.2, 180.0),
        ("CE3", _X2, ("CB", "CG", "CD2"), 1.398, 133.9, 0.0),
        ("CZ2", _X2, ("CG", "CD2", "CE2"), 1.394, 122.4, 180.0),
        ("CZ3", _X2, ("CG", "CD2", "CE3"), 1.382, 118.6, 180.0),
        ("CH2", _X2, ("CD2", "CE2", "CZ2"), 1.368, 117.5, 0.0),
    ),
    "TYR": (
        _CB_STANDARD,
        ("CG", _X1, ("N", "CA", "CB"), 1.512, 113.9, 0.0),
        ("CD1", _X2, ("CA", "CB", "CG"), 1.389, 120.8, 0.0),
        ("CD2", _X2, ("CA", "CB", "CG"), 1.389, 120.8, 180.0),
        ("CE1", _X2, ("CB", "CG", "CD1"), 1.382, 120.9, 180.0),
        ("CE2", _X2, ("CB", "CG", "CD2"), 1.382, 120.9, 180.0),
        ("CZ", _X2, ("CG", "CD1", "CE1"), 1.378, 119.6, 0.0),
        ("OH", _X2, ("CD1", "CE1", "CZ"), 1.376, 119.9, 180.0),
    ),
    "VAL": (
        _CB_BETA_BRANCHED,
        ("CG1", _X1, ("N", "CA", "CB"), 1.521, 110.5, 0.0),
        ("CG2", _X1, ("N", "CA", "CB"), 1.521, 110.5, branch_dihedral(110.5, 110.5, 110.8, 1.0)),
    ),
    "UNK": (),
}

# Bonds that close a ring: not part of the placement tree, their length follows from the table.
RING_CLOSURE_BONDS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "HIS": (("CE1", "NE2", 1.321),),
    "PHE": (("CE2", "CZ", 1.382),),
    "PRO": (("CD", "N", 1.473),),
    "TRP": (("NE1", "CE2", 1.370), ("CZ3", "CH2", 1.400)),
    "TYR": (("CE2", "CZ", 1.378),),
}

# Bond angles at a ring closure that depend on the torsions (only proline's ring closes through chi1, chi2).
RING_CLOSURE_ANGLES: dict[str, tuple[tuple[str, str, str, float], ...]] = {
    "PRO": (("CA", "N", "CD", 112.0), ("CG", "CD", "N", 103.2)),
}

assert set(SIDE_CHAIN_TABLE) == set(RESTYPES_3)
