"""Reader for PDB-format coordinate files (ATOM/HETATM records, fixed columns)."""

from __future__ import annotations

from typing import Iterable

from ..errors import StructureError
from .atoms import AtomTable, guess_element


class AltlocFilter:
    """Keeps the first alternate location of every atom (and of every residue name at a position).

    Shared by the PDB and mmCIF readers. ``dropped`` counts the atoms left out.
    """

    def __init__(self) -> None:
        self._atoms: set[tuple] = set()
        self._resnames: dict[tuple, str] = {}
        self.dropped = 0

    def keep(self, altloc: str, chain: str, resseq: int, icode: str, resname: str, name: str) -> bool:
        residue = (chain, resseq, icode)
        first_resname = self._resnames.setdefault(residue, resname)
        atom = residue + (name,)
        if altloc and (atom in self._atoms or first_resname != resname):
            self.dropped += 1
            return False
        self._atoms.add(atom)
        return True


def parse_pdb(lines: Iterable[str], source: str, model: int = 1) -> AtomTable:
    """Read one model of a PDB file.

    Args:
        lines: the file's text lines.
        source: file name for messages.
        model: 1-based index of the MODEL to read, in file order (NMR ensembles); files without
            MODEL records hold model 1 only.

    Returns:
        AtomTable with coordinates in Angstrom.

    Raises:
        StructureError: a malformed ATOM/HETATM line (with its line number), or a missing model.
    """
    records: list[tuple] = []
    xyz: list[tuple[float, float, float]] = []
    altlocs = AltlocFilter()
    n_models, current = 0, 1
    for lineno, line in enumerate(lines, start=1):
        tag = line[:6]
        if tag == "MODEL ":
            n_models += 1
            current = n_models
            continue
        if tag not in ("ATOM  ", "HETATM") or current != model:
            continue
        try:
            name = line[12:16].strip()
            resname = line[17:21].strip()
            chain = line[21].strip()
            resseq = int(line[22:26])
            icode = line[26].strip()
            coords = (float(line[30:38]), float(line[38:46]), float(line[46:54]))
        except (ValueError, IndexError) as err:
            raise StructureError(
                f"{source}, line {lineno}: this ATOM/HETATM record is malformed "
                f"({err}): {line.rstrip()!r}"
            ) from None
        if not altlocs.keep(line[16].strip(), chain, resseq, icode, resname, name):
            continue
        element = line[76:78].strip().upper() if len(line) >= 78 else ""
        records.append((name, resname, chain, resseq, icode, element or guess_element(name, resname),
                        tag == "HETATM"))
        xyz.append(coords)
    notes = _notes(n_models, model, altlocs.dropped)
    if n_models and model > n_models:
        raise StructureError(f"{source} holds {n_models} models; model {model} does not exist.")
    return AtomTable.from_records(records, xyz, source, notes)


def _notes(n_models: int, model: int, altloc_dropped: int) -> list[str]:
    notes = []
    if n_models > 1:
        notes.append(f"file holds {n_models} models; using model {model}")
    if altloc_dropped:
        notes.append(f"{altloc_dropped} alternate-location atoms ignored (first location kept)")
    return notes
