"""Protein: the per-residue heavy-atom model of the protein chains of a structure.

Built from an AtomTable with honest handling of odd input: hydrogens removed; waters, ions,
ligands and nucleic acids set aside and reported; modified residues mapped to their parent or
kept backbone-only; chain breaks detected; missing backbone atoms refused with the residue named
(a Calpha-only model excepted: its N and C are rebuilt from the trace by `calpha.py`); missing
side-chain atoms reported (and rebuilt by `complete.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import StructureError
from trajgen.engine import residue_constants as rc
from .atoms import AtomTable
from .classify import (PEPTIDE_BOND_MAX, RawResidue, kind_of, peptide_linked, residue_atom_names,
                       split_residues)
from .report import StructureReport


# Atoms of a C-terminal amide cap written inside the last residue (CHARMM: NT, CAT).
C_CAP_ATOM_NAMES = {"NT", "CAT"}


@dataclass
class Protein:
    """Protein chains in the fixed slot layout of `residue_constants` (L residues, 15 slots).

    Attributes:
        aatype: (L,) int64 index into ``RESTYPES_3`` (20 = UNK, backbone only).
        positions: (L, 15, 3) float32 heavy-atom coordinates in Angstrom; zeros where masked.
        mask: (L, 15) bool, True where the atom exists.
        segment_start: (L,) bool, True at each chain's first residue and after each chain break.
        chain_end: (L,) bool, True at each chain's last residue (where OXT belongs).
        chain_ids: (L,) str chain identifiers.
        residue_numbers: (L,) int64 residue numbers from the file.
        insertion_codes: (L,) str insertion codes ("" when none).
        resnames: (L,) str residue names as in the file (e.g. "MSE").
        report: what was set aside, mapped, missing or broken.
    """

    aatype: np.ndarray
    positions: np.ndarray
    mask: np.ndarray
    segment_start: np.ndarray
    chain_end: np.ndarray
    chain_ids: np.ndarray
    residue_numbers: np.ndarray
    insertion_codes: np.ndarray
    resnames: np.ndarray
    report: StructureReport = field(default_factory=lambda: StructureReport("<memory>"))

    @property
    def n_residues(self) -> int:
        return len(self.aatype)

    @property
    def n_atoms(self) -> int:
        """Number of heavy atoms present (True entries of ``mask``)."""
        return int(self.mask.sum())

    @property
    def sequence(self) -> str:
        """One-letter sequence of all chains, chains separated by '/'."""
        letters = [("/" if i and s and self.chain_ids[i] != self.chain_ids[i - 1] else "") + rc.RESTYPES_1[a]
                   for i, (a, s) in enumerate(zip(self.aatype, self.segment_start))]
        return "".join(letters)

    def output_resname(self, i: int) -> str:
        """Residue name written to output files: the standard parent, or the file's name for UNK."""
        return str(self.resnames[i]) if self.aatype[i] == rc.UNK_INDEX else rc.RESTYPES_3[self.aatype[i]]

    def atom_names(self, i: int) -> list[str]:
        """Names of the present atoms of residue i, in slot order."""
        names = rc.ATOM_NAMES[rc.RESTYPES_3[self.aatype[i]]]
        return [(names[s] if s < len(names) else "OXT") for s in np.flatnonzero(self.mask[i])]

    def heavy_atom_xyz(self, positions: np.ndarray) -> np.ndarray:
        """Flatten slot coordinates (..., L, 15, 3) to (..., n_atoms, 3) in topology order."""
        return positions[..., self.mask, :]

    def heavy_atom_topology(self):
        """An ``mdtraj.Topology`` of the present heavy atoms, ordered like `heavy_atom_xyz`."""
        import mdtraj as md

        top = md.Topology()
        chain = None
        previous_c = None
        for i in range(self.n_residues):
            if chain is None or self.chain_ids[i] != self.chain_ids[i - 1]:
                chain, previous_c = top.add_chain(), None
            residue = top.add_residue(self.output_resname(i), chain, resSeq=int(self.residue_numbers[i]),
                                      segment_id=str(self.chain_ids[i]))
            atoms = {name: top.add_atom(name, md.element.get_by_symbol(_element(name)), residue)
                     for name in self.atom_names(i)}
            _add_residue_bonds(top, atoms, rc.RESTYPES_3[self.aatype[i]])
            if previous_c is not None and not self.segment_start[i] and "N" in atoms:
                top.add_bond(previous_c, atoms["N"])
            previous_c = atoms.get("C")
        return top


def _element(atom_name: str) -> str:
    return "S" if atom_name in ("SG", "SD") else atom_name[0]


def _add_residue_bonds(top, atoms: dict, resname: str) -> None:
    """Bonds inside one residue: backbone, OXT, and each side-chain atom to its chi parent."""
    pairs = [("N", "CA"), ("CA", "C"), ("C", "O"), ("C", "OXT"), ("CA", "CB")]
    for chi in rc.CHI_ATOMS[resname]:
        pairs.append((chi[2], chi[3]))
    pairs += _SIDECHAIN_EXTRA_BONDS.get(resname, [])
    for a, b in pairs:
        if a in atoms and b in atoms:
            top.add_bond(atoms[a], atoms[b])


# Side-chain bonds not implied by the chi definitions (branches and rings).
_SIDECHAIN_EXTRA_BONDS = {
    "ARG": [("CZ", "NH1"), ("CZ", "NH2")],
    "ASN": [("CG", "ND2")], "ASP": [("CG", "OD2")], "GLN": [("CD", "NE2")], "GLU": [("CD", "OE2")],
    "HIS": [("CG", "CD2"), ("ND1", "CE1"), ("CE1", "NE2"), ("NE2", "CD2")],
    "ILE": [("CB", "CG2")], "LEU": [("CG", "CD2")], "MET": [], "THR": [("CB", "CG2")], "VAL": [("CB", "CG2")],
    "PHE": [("CG", "CD2"), ("CD1", "CE1"), ("CD2", "CE2"), ("CE1", "CZ"), ("CE2", "CZ")],
    "TYR": [("CG", "CD2"), ("CD1", "CE1"), ("CD2", "CE2"), ("CE1", "CZ"), ("CE2", "CZ"), ("CZ", "OH")],
    "TRP": [("CG", "CD2"), ("CD1", "NE1"), ("NE1", "CE2"), ("CD2", "CE2"), ("CD2", "CE3"),
            ("CE2", "CZ2"), ("CE3", "CZ3"), ("CZ2", "CH2"), ("CZ3", "CH2")],
    "PRO": [("CD", "N")],
}


def protein_from_atoms(table: AtomTable, chains: list[str] | None = None, complete: bool = True) -> Protein:
    """Build a Protein from the atoms of one model (see module docstring for the rules).

    Args:
        table: atoms from `read_atoms` or a viewer.
        chains: chain ids to keep (default: every protein chain).
        complete: rebuild missing heavy atoms (side chains, O, terminal OXT) from ideal geometry,
            so every residue is whole (the report names what was missing).

    Raises:
        StructureError: no protein, unknown chain, or a residue missing N, CA or C.
    """
    report = StructureReport(table.source, notes=list(table.notes))
    heavy = ~np.isin(table.elements, ("H", "D"))
    report.hydrogens_removed = int((~heavy).sum())
    table = table.take(heavy)
    residues = _protein_residues(split_residues(table), table, report)
    if not residues:
        raise StructureError(f"{table.source} contains no protein residues "
                             f"(it holds {report.set_aside_summary()}).")
    residues = _select_chains(residues, chains, table.source)
    kept = _trim_incomplete_termini(residues, table, report)
    if not kept and complete and _calpha_trace(residues, table):
        from .calpha import add_backbone

        rows = np.array([i for r in residues for i in r.rows if table.names[i] == "CA"], dtype=np.int64)
        try:
            table, note = add_backbone(table, rows)
        except ValueError as err:
            raise StructureError(f"{table.source}: a Calpha-only model whose backbone cannot be rebuilt: {err}") from None
        report = StructureReport(table.source, notes=[*table.notes, note],
                                 hydrogens_removed=report.hydrogens_removed)
        residues = _select_chains(_protein_residues(split_residues(table), table, report), chains, table.source)
        kept = _trim_incomplete_termini(residues, table, report)
    if not kept:
        raise StructureError(f"{table.source}: no protein residue has a complete backbone (N, CA, C); "
                             f"backbone-less models cannot be simulated"
                             + ("" if complete else " (Calpha-only models are rebuilt when loaded with completion)")
                             + ".")
    protein = _assemble(kept, table, report)
    if not complete:
        return protein
    from .complete import complete_missing_atoms

    return complete_missing_atoms(protein)


def _calpha_trace(residues: list[RawResidue], table: AtomTable) -> bool:
    """True when the protein residues hold Calpha atoms and no backbone N or C at all."""
    names = set(table.names[np.concatenate([r.rows for r in residues])].tolist())
    return "CA" in names and not ({"N", "C"} & names)


def _protein_residues(residues: list[RawResidue], table: AtomTable, report: StructureReport) -> list[RawResidue]:
    """Residues kept for the protein model; the rest are recorded in the report.

    A kept residue followed by a set-aside residue bonded to its C (an NME or NH2 cap) is marked
    ``capped``: its carboxyl is an amide, so no OXT is added there.
    """
    kinds = [kind_of(r, table) for r in residues]
    kept = []
    for i, (res, kind) in enumerate(zip(residues, kinds)):
        if kind in ("protein", "nonstandard") and (not res.hetero or _linked(residues, kinds, i, table)):
            kept.append(res)
        elif kind in ("protein", "nonstandard"):
            report.set_aside_residue("ligand", res.resname, res.label)
            kinds[i] = "ligand"
        else:
            report.set_aside_residue(kind, res.resname, res.label)
    for i, res in enumerate(residues[:-1]):
        nxt = residues[i + 1]
        if kinds[i] in ("protein", "nonstandard") and kinds[i + 1] not in ("protein", "nonstandard") \
                and nxt.chain == res.chain and peptide_linked(res, nxt, table):
            res.capped = True
    return kept


def _linked(residues: list[RawResidue], kinds: list[str], i: int, table: AtomTable) -> bool:
    """A HETATM amino acid counts as protein only if peptide-bonded to a neighbour in its chain."""
    for j, forward in ((i - 1, True), (i + 1, False)):
        if 0 <= j < len(residues) and kinds[j] in ("protein", "nonstandard") \
                and residues[j].chain == residues[i].chain:
            a, b = (residues[j], residues[i]) if forward else (residues[i], residues[j])
            if peptide_linked(a, b, table):
                return True
    return False


def _select_chains(residues: list[RawResidue], chains: list[str] | None, source: str) -> list[RawResidue]:
    if chains is None:
        return residues
    present = list(dict.fromkeys(r.chain for r in residues))
    unknown = [c for c in chains if c not in present]
    if unknown:
        raise StructureError(f"{source} has no protein chain {', '.join(unknown)}; "
                             f"protein chains are: {', '.join(present)}.")
    return [r for r in residues if r.chain in chains]


def _trim_incomplete_termini(residues: list[RawResidue], table: AtomTable,
                             report: StructureReport) -> list[RawResidue]:
    """Leave out residues at chain ends that lack N, CA or C (disordered termini), with a warning.

    Such residues inside a chain are an error, raised later by `_fill_residue`.
    """
    complete = [r.has_backbone(table) for r in residues]
    keep = [True] * len(residues)
    for chain in dict.fromkeys(r.chain for r in residues):
        idx = [i for i, r in enumerate(residues) if r.chain == chain]
        for order in (idx, idx[::-1]):
            for i in order:
                if complete[i]:
                    break
                keep[i] = False
                report.trimmed.append(residues[i].label)
    return [r for r, k in zip(residues, keep) if k]


def _assemble(residues: list[RawResidue], table: AtomTable, report: StructureReport) -> Protein:
    n = len(residues)
    positions = np.zeros((n, rc.MAX_SLOTS, 3), dtype=np.float32)
    mask = np.zeros((n, rc.MAX_SLOTS), dtype=bool)
    aatype = np.zeros(n, dtype=np.int64)
    for i, res in enumerate(residues):
        aatype[i] = _fill_residue(res, table, positions[i], mask[i], report)
    chain_ids = np.array([r.chain for r in residues], dtype=str)
    new_chain = np.ones(n, dtype=bool)
    new_chain[1:] = chain_ids[1:] != chain_ids[:-1]
    chain_end = np.append(new_chain[1:], True)
    for i in np.flatnonzero(chain_end):
        if residues[i].capped or set(table.names[residues[i].rows]) & C_CAP_ATOM_NAMES:
            chain_end[i] = False
            report.notes.append(f"{residues[i].label} is C-terminally capped (amide): no OXT added")
    segment_start = new_chain.copy()
    for i in np.flatnonzero(~new_chain):
        gap = float(np.linalg.norm(positions[i, 0] - positions[i - 1, 2]))
        if gap > PEPTIDE_BOND_MAX:
            segment_start[i] = True
            report.chain_breaks.append(f"between {residues[i - 1].label} and {residues[i].label} "
                                       f"(C-N {gap:.1f} A)")
    report.chains = [(c, int((chain_ids == c).sum())) for c in dict.fromkeys(chain_ids)]
    return Protein(aatype, positions, mask, segment_start, chain_end, chain_ids,
                   np.array([r.number for r in residues], dtype=np.int64),
                   np.array([r.icode for r in residues], dtype=str),
                   np.array([r.resname for r in residues], dtype=str), report)


def _fill_residue(res: RawResidue, table: AtomTable, pos: np.ndarray, mask: np.ndarray,
                  report: StructureReport) -> int:
    """Write one residue's atoms into its slots; return its residue type index."""
    restype, renames = residue_atom_names(res.resname)
    standard = restype != "UNK" and res.resname not in rc.MODIFIED_RESIDUES
    if restype == "UNK":
        report.backbone_only.append(res.label)
    elif res.resname in rc.MODIFIED_RESIDUES:
        report.mapped[(res.resname, restype)].append(res.label)
    for row in res.rows:
        name = renames.get(str(table.names[row]), str(table.names[row]))
        slot = rc.slot_of(restype, name)
        if slot is None or mask[slot]:
            if standard:
                report.ignored_atoms.append(f"{res.label} {name}")
            continue
        pos[slot], mask[slot] = table.xyz[row], True
    missing_bb = [a for a, s in (("N", 0), ("CA", 1), ("C", 2)) if not mask[s]]
    if missing_bb:
        raise StructureError(
            f"Residue {res.label} lacks backbone atom{'s' if len(missing_bb) > 1 else ''} "
            f"{', '.join(missing_bb)}: trajgen needs N, CA and C of every residue. Rebuild the "
            f"backbone (e.g. with PDBFixer or MODELLER) or choose chains that are complete.")
    missing = [a for s, a in enumerate(rc.ATOM_NAMES[restype]) if not mask[s]]
    if missing:
        report.missing_atoms.append(f"{res.label} ({', '.join(missing)})")
    return rc.RESTYPE_INDEX[restype]
