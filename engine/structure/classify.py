"""Split an AtomTable into residues and decide what each residue is (protein, water, ion, ligand...)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trajgen.engine import residue_constants as rc
from .atoms import AtomTable

NUCLEIC_NAMES = frozenset({"A", "C", "G", "U", "I", "N", "DA", "DC", "DG", "DT", "DI", "DU", "DN"})
CAP_NAMES = frozenset({"ACE", "NME", "NMA", "NH2", "FOR"})  # terminal capping groups
PEPTIDE_BOND_MAX = 2.0  # Angstrom; a longer C(i-1)-N(i) distance is a chain break


@dataclass
class RawResidue:
    """One residue of the file: its identity and the row indices of its atoms in the AtomTable."""

    chain: str
    number: int
    icode: str
    resname: str
    hetero: bool
    rows: np.ndarray
    capped: bool = False  # followed by a C-terminal cap residue (NME, NH2) bonded to its C

    @property
    def label(self) -> str:
        return f"{self.chain}:{self.number}{self.icode} {self.resname}"

    def atom(self, table: AtomTable, name: str) -> np.ndarray | None:
        """Coordinates (3,) of the named atom, or None."""
        hits = self.rows[table.names[self.rows] == name]
        return table.xyz[hits[0]] if len(hits) else None

    def has_backbone(self, table: AtomTable) -> bool:
        return all(n in set(table.names[self.rows]) for n in ("N", "CA", "C"))


def split_residues(table: AtomTable) -> list[RawResidue]:
    """Residues in file order; a new residue starts whenever chain, number, icode or name changes."""
    if len(table) == 0:
        return []
    keys = np.stack([table.chain_ids, table.residue_numbers.astype(str), table.insertion_codes,
                     table.resnames], axis=1)
    change = np.ones(len(table), dtype=bool)
    change[1:] = np.any(keys[1:] != keys[:-1], axis=1)
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], len(table))
    return [
        RawResidue(str(table.chain_ids[s]), int(table.residue_numbers[s]), str(table.insertion_codes[s]),
                   str(table.resnames[s]), bool(table.hetero[s:e].all()), np.arange(s, e))
        for s, e in zip(starts, ends)
    ]


def amino_acid_parent(resname: str) -> tuple[str, dict[str, str]] | None:
    """(standard name, atom renames) for standard, aliased and known modified residues, else None."""
    name = rc.RESNAME_ALIASES.get(resname, resname)
    if name in rc.ATOM_NAMES and name != "UNK":
        return name, {}
    return rc.MODIFIED_RESIDUES.get(resname)


def residue_atom_names(resname: str) -> tuple[str, dict[str, str]]:
    """(residue type in RESTYPES_3, file atom name -> slot-layout atom name) for a residue name.

    Standard residues and their force-field variants (HID, CYX, ...) understand force-field atom
    names (OT1/OT2, CHARMM's ILE CD, ...); known modified residues use their own renames (MSE: SE ->
    SD); any other name is UNK (backbone only). The one place these rules live: the structure
    reader and the trajectory slot map both use it.
    """
    parent = amino_acid_parent(resname)
    if parent is None:
        return "UNK", {}
    restype, renames = parent
    if resname in rc.MODIFIED_RESIDUES:
        return restype, renames
    return restype, {**rc.ATOM_NAME_ALIASES, **rc.RESIDUE_ATOM_NAME_ALIASES.get(restype, {})}


def kind_of(res: RawResidue, table: AtomTable) -> str:
    """'protein', 'nonstandard' (amino-acid-like, kept backbone-only), 'water', 'terminal cap',
    'ion', 'nucleic acid' or 'ligand'. Peptide linkage is checked later for HETATM residues."""
    if amino_acid_parent(res.resname) is not None:
        return "protein"
    if res.resname in rc.WATER_NAMES:
        return "water"
    if res.resname in CAP_NAMES:
        return "terminal cap"
    if res.resname in NUCLEIC_NAMES:
        return "nucleic acid"
    if res.resname in rc.ION_NAMES or len(res.rows) == 1:
        return "ion"
    if res.has_backbone(table):
        return "nonstandard"
    return "ligand"


def peptide_linked(a: RawResidue, b: RawResidue, table: AtomTable) -> bool:
    """True if a's C and b's N are within peptide-bond distance (a before b)."""
    c, n = a.atom(table, "C"), b.atom(table, "N")
    return c is not None and n is not None and float(np.linalg.norm(n - c)) <= PEPTIDE_BOND_MAX
