"""Small helpers that derive odd input files from real structures for tests."""

from __future__ import annotations

from pathlib import Path


def atom_lines(path: Path) -> list[str]:
    return [ln for ln in path.read_text().splitlines() if ln.startswith(("ATOM  ", "HETATM"))]


def set_field(line: str, start: int, end: int, value: str, right: bool = False) -> str:
    """Replace columns [start, end) of a PDB line, padded to the field width."""
    width = end - start
    text = value.rjust(width) if right else value.ljust(width)
    return line[:start] + text[:width] + line[end:]


def hetatm(serial: int, name: str, resname: str, chain: str, resseq: int, xyz, element: str) -> str:
    """One HETATM record in PDB fixed columns."""
    return (f"HETATM{serial:5d} {name:<4s} {resname:>3s} {chain}{resseq:4d}    "
            f"{xyz[0]:8.3f}{xyz[1]:8.3f}{xyz[2]:8.3f}  1.00 20.00          {element:>2s}")


def to_mmcif(lines: list[str], models: int = 1) -> str:
    """An mmCIF _atom_site table of PDB ATOM/HETATM lines (repeated as `models` models)."""
    head = ["data_test", "#", "loop_"] + [f"_atom_site.{c}" for c in (
        "group_PDB", "id", "type_symbol", "label_atom_id", "label_alt_id", "label_comp_id",
        "label_asym_id", "label_seq_id", "pdbx_PDB_ins_code", "Cartn_x", "Cartn_y", "Cartn_z",
        "occupancy", "auth_seq_id", "auth_asym_id", "pdbx_PDB_model_num")]
    rows = []
    for m in range(1, models + 1):
        for i, ln in enumerate(lines, start=1):
            name = ln[12:16].strip()
            name = f'"{name}"' if "'" in name else name
            rows.append(" ".join([
                ln[:6].strip(), str(i), ln[76:78].strip() or name[0], name, ln[16].strip() or ".",
                ln[17:20].strip(), ln[21].strip() or "A", ln[22:26].strip(), ln[26].strip() or "?",
                f"{float(ln[30:38]) + m - 1:.3f}", ln[38:46].strip(), ln[46:54].strip(), "1.00",
                ln[22:26].strip(), ln[21].strip() or "A", str(m)]))
    return "\n".join(head + rows + ["#", ""])
