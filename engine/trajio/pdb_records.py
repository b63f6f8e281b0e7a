"""Fixed-column PDB records (ATOM/HETATM, TER, MODEL, ENDMDL, END) for one topology.

The text before and after the coordinates of every atom line is the same in every frame, so
it is built once (:class:`PDBAtomLines`) and each frame only formats x, y, z in Angstrom with
three decimals (``%8.3f``, the format's fixed precision).
"""

from __future__ import annotations

import string

import mdtraj
import numpy as np

from trajgen.engine.errors import TrajectoryWriteError

# %8.3f holds -999.999 .. 9999.999; anything that rounds outside no longer fits its columns.
PDB_COORDINATE_RANGE_ANGSTROM = (-999.9995, 9999.9995)

_CHAIN_LETTERS = string.ascii_uppercase + string.ascii_lowercase + string.digits


def _atom_name_field(name: str, element_symbol: str) -> str:
    """Columns 13-16: names shorter than 4 with a one-letter element start in column 14."""
    if len(name) < 4 and len(element_symbol) <= 1:
        return f" {name:<3}"
    return f"{name[:4]:<4}"


def chain_letters(topology: mdtraj.Topology) -> list[str]:
    """Column-22 letter of each chain: its ``chain_id``, else its first residue's one-letter
    ``segment_id``, else the first letter no other chain uses."""
    letters: list[str | None] = []
    for chain in topology.chains:
        name = getattr(chain, "chain_id", None)
        if not name and chain.n_residues:
            segment = (chain.residue(0).segment_id or "").strip()
            name = segment if len(segment) == 1 else None
        letters.append(str(name)[:1] if name else None)
    spare = (letter for letter in _CHAIN_LETTERS if letter not in letters)
    return [letter if letter else next(spare, " ") for letter in letters]


class PDBAtomLines:
    """The ATOM/HETATM and TER lines of ``topology``, ready to take coordinates.

    ``topology`` is any ``mdtraj.Topology``; atoms are written in its order. Serial numbers
    count TER records too and wrap at 100000, residue numbers wrap at 10000 (the columns'
    limits).
    """

    def __init__(self, topology: mdtraj.Topology):
        self.n_atoms = topology.n_atoms
        letters = chain_letters(topology)
        atoms = list(topology.atoms)
        pieces: list[str] = []
        serial = 0
        for position, atom in enumerate(atoms):
            serial += 1
            letter = letters[atom.residue.chain.index]
            pieces.append(_escaped(_atom_prefix(atom, serial, letter)) + "%8.3f%8.3f%8.3f"
                          + _escaped(_atom_suffix(atom)))
            following = atoms[position + 1] if position + 1 < len(atoms) else None
            if following is None or following.residue.chain is not atom.residue.chain:
                serial += 1
                pieces.append(_escaped(_ter_record(atom, serial, letter)))
        self._template = "".join(pieces)  # one %-template for the whole frame

    def format(self, xyz_angstrom: np.ndarray) -> str:
        """The atom and TER lines for one frame; ``xyz_angstrom`` is (n_atoms, 3) in Angstrom."""
        check_pdb_range(xyz_angstrom)
        return self._template % tuple(np.asarray(xyz_angstrom, dtype=np.float64).ravel().tolist())


def _escaped(text: str) -> str:
    return text.replace("%", "%%")


def _ter_record(last_atom: mdtraj.core.topology.Atom, serial: int, chain_letter: str) -> str:
    """TER after the last atom of a chain."""
    residue = last_atom.residue
    return (f"TER   {serial % 100000:>5}      {residue.name[:3]:>3} {chain_letter}"
            f"{residue.resSeq % 10000:>4}\n")


def _atom_prefix(atom: mdtraj.core.topology.Atom, serial: int, chain_letter: str) -> str:
    """Columns 1-30 of an atom line."""
    residue = atom.residue
    record = "ATOM  " if residue.is_protein else "HETATM"
    symbol = atom.element.symbol if atom.element is not None else ""
    name = _atom_name_field(atom.name, symbol)
    return (
        f"{record}{serial % 100000:>5} {name} {residue.name[:3]:>3} {chain_letter}"
        f"{residue.resSeq % 10000:>4}    "
    )


def _atom_suffix(atom: mdtraj.core.topology.Atom) -> str:
    """Columns 55-80 of an atom line: occupancy 1.00, B-factor 0.00, segment id, element."""
    symbol = atom.element.symbol.upper() if atom.element is not None else ""
    segment = (atom.residue.segment_id or "")[:4]
    return f"{1.0:6.2f}{0.0:6.2f}      {segment:<4}{symbol[:2]:>2}  \n"


def check_pdb_range(xyz_angstrom: np.ndarray) -> None:
    """Raise TrajectoryWriteError when a coordinate does not fit PDB's ``%8.3f`` columns."""
    low, high = PDB_COORDINATE_RANGE_ANGSTROM
    if np.all((xyz_angstrom > low) & (xyz_angstrom < high)):
        return
    raise TrajectoryWriteError(
        "A coordinate lies outside -999.999 .. 9999.999 Angstrom, which the PDB format cannot "
        "hold; write .dcd or .xtc instead, or check the model for exploding coordinates."
    )


def model_record(number: int) -> str:
    """``MODEL`` line for model ``number`` (1-based; numbers above 9999 widen the field)."""
    return f"MODEL     {number:>4}\n"


def header_remark() -> str:
    return "REMARK   1 WRITTEN BY TRAJGEN; COORDINATES IN ANGSTROM\n"


def single_structure_pdb(topology: mdtraj.Topology, xyz_angstrom: np.ndarray) -> bytes:
    """A complete one-structure PDB file (no MODEL records) as bytes, e.g. a topology file."""
    body = PDBAtomLines(topology).format(xyz_angstrom)
    return (header_remark() + body + "END\n").encode("ascii", errors="replace")
