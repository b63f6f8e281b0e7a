"""Residue vocabulary and per-residue heavy-atom layout.

Every residue is stored in a fixed-width slot layout of ``MAX_SLOTS`` heavy atoms: the
residue's own atoms in ``ATOM_NAMES[resname]`` order (backbone N, CA, C, O first, then the
side chain), and the terminal carboxyl oxygen OXT always in slot ``OXT_SLOT``.
Residue type index 20 (``UNK``) is a backbone-only residue (unknown or nonstandard residues
kept as N, CA, C, O).
"""

RESTYPES_3 = (
    "ALA", "ARG", "ASN", "ASP", "CYS", "GLN", "GLU", "GLY", "HIS", "ILE",
    "LEU", "LYS", "MET", "PHE", "PRO", "SER", "THR", "TRP", "TYR", "VAL", "UNK",
)
RESTYPES_1 = "ARNDCQEGHILKMFPSTWYVX"
RESTYPE_INDEX = {name: i for i, name in enumerate(RESTYPES_3)}
UNK_INDEX = RESTYPE_INDEX["UNK"]
NUM_RESTYPES = len(RESTYPES_3)  # 21, UNK included

BACKBONE = ("N", "CA", "C", "O")

ATOM_NAMES: dict[str, tuple[str, ...]] = {
    "ALA": BACKBONE + ("CB",),
    "ARG": BACKBONE + ("CB", "CG", "CD", "NE", "CZ", "NH1", "NH2"),
    "ASN": BACKBONE + ("CB", "CG", "OD1", "ND2"),
    "ASP": BACKBONE + ("CB", "CG", "OD1", "OD2"),
    "CYS": BACKBONE + ("CB", "SG"),
    "GLN": BACKBONE + ("CB", "CG", "CD", "OE1", "NE2"),
    "GLU": BACKBONE + ("CB", "CG", "CD", "OE1", "OE2"),
    "GLY": BACKBONE,
    "HIS": BACKBONE + ("CB", "CG", "ND1", "CD2", "CE1", "NE2"),
    "ILE": BACKBONE + ("CB", "CG1", "CG2", "CD1"),
    "LEU": BACKBONE + ("CB", "CG", "CD1", "CD2"),
    "LYS": BACKBONE + ("CB", "CG", "CD", "CE", "NZ"),
    "MET": BACKBONE + ("CB", "CG", "SD", "CE"),
    "PHE": BACKBONE + ("CB", "CG", "CD1", "CD2", "CE1", "CE2", "CZ"),
    "PRO": BACKBONE + ("CB", "CG", "CD"),
    "SER": BACKBONE + ("CB", "OG"),
    "THR": BACKBONE + ("CB", "OG1", "CG2"),
    "TRP": BACKBONE + ("CB", "CG", "CD1", "CD2", "NE1", "CE2", "CE3", "CZ2", "CZ3", "CH2"),
    "TYR": BACKBONE + ("CB", "CG", "CD1", "CD2", "CE1", "CE2", "CZ", "OH"),
    "VAL": BACKBONE + ("CB", "CG1", "CG2"),
    "UNK": BACKBONE,
}
OXT_SLOT = 14
MAX_SLOTS = 15  # 14 residue atoms (TRP has 14) + OXT

# Side-chain torsions chi1..chi4: four atoms each, the last one moves.
CHI_ATOMS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "ALA": (),
    "ARG": (("N", "CA", "CB", "CG"), ("CA", "CB", "CG", "CD"), ("CB", "CG", "CD", "NE"), ("CG", "CD", "NE", "CZ")),
    "ASN": (("N", "CA", "CB", "CG"), ("CA", "CB", "CG", "OD1")),
    "ASP": (("N", "CA", "CB", "CG"), ("CA", "CB", "CG", "OD1")),
    "CYS": (("N", "CA", "CB", "SG"),),
    "GLN": (("N", "CA", "CB", "CG"), ("CA", "CB", "CG", "CD"), ("CB", "CG", "CD", "OE1")),
    "GLU": (("N", "CA", "CB", "CG"), ("CA", "CB", "CG", "CD"), ("CB", "CG", "CD", "OE1")),
    "GLY": (),
    "HIS": (("N", "CA", "CB", "CG"), ("CA", "CB", "CG", "ND1")),
    "ILE": (("N", "CA", "CB", "CG1"), ("CA", "CB", "CG1", "CD1")),
    "LEU": (("N", "CA", "CB", "CG"), ("CA", "CB", "CG", "CD1")),
    "LYS": (("N", "CA", "CB", "CG"), ("CA", "CB", "CG", "CD"), ("CB", "CG", "CD", "CE"), ("CG", "CD", "CE", "NZ")),
    "MET": (("N", "CA", "CB", "CG"), ("CA", "CB", "CG", "SD"), ("CB", "CG", "SD", "CE")),
    "PHE": (("N", "CA", "CB", "CG"), ("CA", "CB", "CG", "CD1")),
    "PRO": (("N", "CA", "CB", "CG"), ("CA", "CB", "CG", "CD")),
    "SER": (("N", "CA", "CB", "OG"),),
    "THR": (("N", "CA", "CB", "OG1"),),
    "TRP": (("N", "CA", "CB", "CG"), ("CA", "CB", "CG", "CD1")),
    "TYR": (("N", "CA", "CB", "CG"), ("CA", "CB", "CG", "CD1")),
    "VAL": (("N", "CA", "CB", "CG1"),),
    "UNK": (),
}

# Torsions that are pi-periodic because the moving group is symmetric: (resname, chi index 0-based).
PI_PERIODIC_CHIS = {("ASP", 1), ("GLU", 2), ("PHE", 1), ("TYR", 1)}

# Atom pairs whose names swap under that symmetry (ARG's NH1/NH2 are equivalent too).
SYMMETRIC_ATOM_PAIRS: dict[str, tuple[tuple[str, str], ...]] = {
    "ASP": (("OD1", "OD2"),),
    "GLU": (("OE1", "OE2"),),
    "PHE": (("CD1", "CD2"), ("CE1", "CE2")),
    "TYR": (("CD1", "CD2"), ("CE1", "CE2")),
    "ARG": (("NH1", "NH2"),),
}

# Other names for the 20 standard residues (force-field protonation states and the like).
RESNAME_ALIASES = {
    "HID": "HIS", "HIE": "HIS", "HIP": "HIS", "HSD": "HIS", "HSE": "HIS", "HSP": "HIS",
    "CYX": "CYS", "CYM": "CYS", "ASH": "ASP", "GLH": "GLU", "LYN": "LYS",
}

# Atom names used by force fields (CHARMM, GROMACS) for atoms of the layout above.
ATOM_NAME_ALIASES: dict[str, str] = {"OT1": "O", "OT2": "OXT", "OC1": "O", "OC2": "OXT", "O1": "O", "O2": "OXT"}
RESIDUE_ATOM_NAME_ALIASES: dict[str, dict[str, str]] = {"ILE": {"CD": "CD1"}}

# Modified residues mapped to their parent: parent name and renamed atoms (others are dropped).
MODIFIED_RESIDUES: dict[str, tuple[str, dict[str, str]]] = {
    "MSE": ("MET", {"SE": "SD"}),   # selenomethionine
    "CSO": ("CYS", {}),             # S-hydroxycysteine
    "CSD": ("CYS", {}),             # cysteine sulfinic acid
    "OCS": ("CYS", {}),             # cysteine sulfonic acid
    "CME": ("CYS", {}),             # S,S-(2-hydroxyethyl)thiocysteine
    "CAS": ("CYS", {}),             # S-(dimethylarsenic)cysteine
    "SEP": ("SER", {}),             # phosphoserine
    "TPO": ("THR", {}),             # phosphothreonine
    "PTR": ("TYR", {}),             # phosphotyrosine
    "HYP": ("PRO", {}),             # 4-hydroxyproline
    "MLY": ("LYS", {}),             # N-dimethyllysine
    "M3L": ("LYS", {}),             # N-trimethyllysine
    "KCX": ("LYS", {}),             # lysine NZ-carboxylic acid
    "LLP": ("LYS", {}),             # lysine-pyridoxal phosphate
    "ALY": ("LYS", {}),             # N-acetyllysine
    "MLE": ("LEU", {}),             # N-methylleucine
    "HIC": ("HIS", {}),             # 4-methylhistidine
    "CGU": ("GLU", {}),             # gamma-carboxyglutamic acid
    "TYS": ("TYR", {}),             # sulfotyrosine
    "NEP": ("HIS", {}),             # N1-phosphohistidine
}

WATER_NAMES = frozenset({"HOH", "WAT", "H2O", "DOD", "TIP", "TIP3", "SOL", "T3P", "SPC"})
ION_NAMES = frozenset({
    "NA", "CL", "K", "MG", "CA", "ZN", "MN", "FE", "FE2", "CU", "CU1", "CO", "NI", "CD", "HG",
    "SR", "BA", "CS", "RB", "LI", "IOD", "BR", "F", "SO4", "PO4", "NA+", "CL-", "SOD", "CLA", "POT",
})


def slot_of(resname: str, atom_name: str) -> int | None:
    """Slot index of ``atom_name`` in residue ``resname`` (a RESTYPES_3 name); None if absent."""
    if atom_name == "OXT":
        return OXT_SLOT
    names = ATOM_NAMES[resname]
    return names.index(atom_name) if atom_name in names else None
