"""Open a structure file (PDB or mmCIF, optionally gzipped) into an AtomTable."""

from __future__ import annotations

import gzip
import os
import zlib

from ..errors import StructureError
from .atoms import AtomTable
from .ciffile import parse_mmcif
from .pdbfile import parse_pdb

PDB_SUFFIXES = (".pdb", ".ent", ".pdb1", ".pqr")
CIF_SUFFIXES = (".cif", ".mmcif")
SUPPORTED = ", ".join(PDB_SUFFIXES + CIF_SUFFIXES) + " (each also .gz)"


def _read_text(path: str) -> str:
    opener = gzip.open if path.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise StructureError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise StructureError(f"{path} is a directory, not a structure file.") from None
    except PermissionError:
        raise StructureError(f"{path}: permission denied.") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise StructureError(f"{path} is not a valid gzip file ({err}).") from None
    if b"\0" in raw[:4096]:
        raise StructureError(f"{path} is a binary file, not a PDB or mmCIF text file.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _format_of(path: str, text: str) -> str:
    name = path.lower().removesuffix(".gz")
    if name.endswith(CIF_SUFFIXES):
        return "cif"
    if name.endswith(PDB_SUFFIXES):
        return "pdb"
    head = text.lstrip()[:5]
    if head.startswith("data_"):
        return "cif"
    if any(line.startswith(("ATOM  ", "HETATM")) for line in text.splitlines()):
        return "pdb"
    raise StructureError(
        f"{os.path.basename(path)} is neither a PDB nor an mmCIF file (supported: {SUPPORTED})."
    )


def read_atoms(path: str | os.PathLike, model: int = 1) -> AtomTable:
    """All atoms of one model of a PDB/mmCIF file (hydrogens included; protein logic comes later).

    Args:
        path: .pdb/.ent/.cif/.mmcif, optionally gzipped; other names are sniffed by content.
        model: 1-based model index (NMR ensembles); model 1 by default.

    Raises:
        StructureError: unreadable, malformed or empty file, with the reason.
    """
    path = os.fspath(path)
    if model < 1:
        raise StructureError(f"Model numbers start at 1 (got {model}).")
    text = _read_text(path)
    lines = text.splitlines()
    if _format_of(path, text) == "cif":
        table = parse_mmcif(lines, path, model)
    else:
        table = parse_pdb(lines, path, model)
    if len(table) == 0:
        raise StructureError(f"{path} contains no atom records.")
    return table
