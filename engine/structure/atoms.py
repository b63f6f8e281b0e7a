"""AtomTable: the flat list of atoms a structure file (or a viewer) holds, before any protein logic.

Parsers fill it; `protein.py` turns it into a per-residue `Protein`. Viewer adapters (ChimeraX,
PyMOL) can build one from their own atom arrays, so every input path shares one set of rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class AtomTable:
    """Atoms of one model of a structure, in file order.

    All arrays have length n_atoms. Strings are stripped of padding.

    Attributes:
        names: atom names, e.g. ``"CA"`` (str array).
        resnames: residue names, e.g. ``"ALA"`` (str array).
        chain_ids: chain identifiers (author chain ids for mmCIF) (str array).
        residue_numbers: residue sequence numbers (int array).
        insertion_codes: insertion codes, ``""`` when none (str array).
        elements: element symbols, upper case, e.g. ``"C"``, ``"SE"`` (str array).
        hetero: True for HETATM records (bool array).
        xyz: coordinates in Angstrom, shape (n_atoms, 3), float64.
        source: where the atoms came from (a path or a viewer model name), for messages.
        notes: facts found while reading (models present, altlocs dropped), for the report.
    """

    names: np.ndarray
    resnames: np.ndarray
    chain_ids: np.ndarray
    residue_numbers: np.ndarray
    insertion_codes: np.ndarray
    elements: np.ndarray
    hetero: np.ndarray
    xyz: np.ndarray
    source: str = "<memory>"
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.names)

    @classmethod
    def from_records(cls, records: list[tuple], xyz: list, source: str, notes: list[str]) -> AtomTable:
        """Build from rows of (name, resname, chain, resseq, icode, element, hetero) and xyz rows."""
        cols = list(zip(*records)) if records else [()] * 7
        return cls(
            names=np.array(cols[0], dtype=str),
            resnames=np.array(cols[1], dtype=str),
            chain_ids=np.array(cols[2], dtype=str),
            residue_numbers=np.array(cols[3], dtype=np.int64),
            insertion_codes=np.array(cols[4], dtype=str),
            elements=np.array(cols[5], dtype=str),
            hetero=np.array(cols[6], dtype=bool),
            xyz=np.asarray(xyz, dtype=np.float64).reshape(-1, 3),
            source=source,
            notes=notes,
        )

    def take(self, keep: np.ndarray) -> AtomTable:
        """A new table with only the atoms where ``keep`` (bool (n_atoms,) or indices) selects."""
        return AtomTable(
            self.names[keep], self.resnames[keep], self.chain_ids[keep], self.residue_numbers[keep],
            self.insertion_codes[keep], self.elements[keep], self.hetero[keep], self.xyz[keep],
            self.source, list(self.notes),
        )


def guess_element(atom_name: str, resname: str = "") -> str:
    """Element of an atom whose file gave none, from its name (PDB naming conventions)."""
    letters = "".join(ch for ch in atom_name if ch.isalpha()).upper()
    if not letters:
        return ""
    if resname.upper() == letters:  # ions: the residue is named after the element ("ZN", "NA")
        return letters[:2]
    if letters[0] in "HCNOSP":
        return letters[0]
    return letters[:2]
