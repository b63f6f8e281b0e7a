"""Reader for PDBx/mmCIF coordinate files (the ``_atom_site`` loop)."""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from ..errors import StructureError
from .atoms import AtomTable, guess_element
from .pdbfile import AltlocFilter

# A value is a quoted string (the quote closes only before white space) or a bare word.
_TOKEN = re.compile(r"""'(.*?)'(?=\s|$)|"(.*?)"(?=\s|$)|(\S+)""")


def _tokens(lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """(line number, value) for each value of a loop body; stops before the next item or loop."""
    for lineno, line in lines:
        if line.startswith(";"):  # multi-line text field
            text = [line[1:]]
            for lineno, line in lines:
                if line.startswith(";"):
                    break
                text.append(line)
            yield lineno, "\n".join(text).strip()
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            if stripped.startswith("#"):
                return
            continue
        if stripped.startswith(("_", "loop_", "data_")):
            return
        for m in _TOKEN.finditer(line):
            yield lineno, m.group(1) if m.group(1) is not None else (
                m.group(2) if m.group(2) is not None else m.group(3))


def _atom_site_loop(lines: Iterable[str], source: str) -> tuple[list[str], list[tuple[int, str]]]:
    """Header names (without the ``_atom_site.`` prefix) and the flat list of loop values."""
    numbered = iter(enumerate((ln.rstrip("\n") for ln in lines), start=1))
    for _, line in numbered:
        if line.strip() != "loop_":
            continue
        headers: list[str] = []
        for lineno, line in numbered:
            if line.startswith("_"):
                headers.append(line.split()[0])
                continue
            break
        else:
            return [], []
        if not headers or not headers[0].startswith("_atom_site."):
            continue
        first = [(lineno, line)]
        values = list(_tokens(_chain(first, numbered)))
        return [h[len("_atom_site."):] for h in headers], values
    raise StructureError(f"{source} is not a readable mmCIF coordinate file: it has no _atom_site loop.")


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def parse_mmcif(lines: Iterable[str], source: str, model: int = 1) -> AtomTable:
    """Read one model of an mmCIF file (author chain ids and residue numbers are used).

    Args:
        lines: the file's text lines.
        source: file name for messages.
        model: 1-based index of the model to read, in file order of ``pdbx_PDB_model_num``.

    Returns:
        AtomTable with coordinates in Angstrom.
    """
    headers, values = _atom_site_loop(lines, source)
    width = len(headers)
    if len(values) % width:
        lineno = values[-1][0] if values else 0
        raise StructureError(
            f"{source}: the _atom_site table is malformed near line {lineno} "
            f"({len(values)} values do not fill rows of {width} columns)."
        )
    col = {h: i for i, h in enumerate(headers)}

    def pick(row: list[tuple[int, str]], *names: str) -> str:
        for n in names:
            if n in col:
                v = row[col[n]][1]
                if v not in ("?", "."):
                    return v
        return ""

    for needed in ("Cartn_x", "Cartn_y", "Cartn_z"):
        if needed not in col:
            raise StructureError(f"{source}: the _atom_site table has no {needed} column.")
    records, xyz, altlocs = [], [], AltlocFilter()
    models: list[str] = []
    for start in range(0, len(values), width):
        row = values[start:start + width]
        model_id = pick(row, "pdbx_PDB_model_num") or "1"
        if model_id not in models:
            models.append(model_id)
        if len(models) != model or models[-1] != model_id:
            continue
        try:
            resseq = int(pick(row, "auth_seq_id", "label_seq_id") or 0)
            coords = tuple(float(row[col[c]][1]) for c in ("Cartn_x", "Cartn_y", "Cartn_z"))
        except ValueError as err:
            raise StructureError(f"{source}, line {row[0][0]}: malformed atom record ({err}).") from None
        name = pick(row, "auth_atom_id", "label_atom_id")
        resname = pick(row, "auth_comp_id", "label_comp_id")
        chain = pick(row, "auth_asym_id", "label_asym_id")
        icode = pick(row, "pdbx_PDB_ins_code")
        if not altlocs.keep(pick(row, "label_alt_id"), chain, resseq, icode, resname, name):
            continue
        element = pick(row, "type_symbol").upper() or guess_element(name, resname)
        records.append((name, resname, chain, resseq, icode, element, pick(row, "group_PDB") == "HETATM"))
        xyz.append(coords)
    if model > len(models):
        raise StructureError(f"{source} holds {len(models)} models; model {model} does not exist.")
    notes = []
    if len(models) > 1:
        notes.append(f"file holds {len(models)} models; using model {model}")
    if altlocs.dropped:
        notes.append(f"{altlocs.dropped} alternate-location atoms ignored (first location kept)")
    return AtomTable.from_records(records, xyz, source, notes)
