"""Structure preparation with PDBFixer, offline (nothing is downloaded).

PDB or mmCIF (optionally gzipped) in; an OpenMM topology and positions out, with
heterogens and waters removed, nonstandard residues replaced, missing heavy atoms and
hydrogens added. Missing residues at chain termini are not modelled (they would be
floppy tails built from nothing); missing internal residues listed in SEQRES are.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from trajgen.engine.errors import StructureError


def _open_fixer(path: Path):
    from pdbfixer import PDBFixer

    name = path.name.lower()
    opener = gzip.open if name.endswith(".gz") else open
    stem = name[:-3] if name.endswith(".gz") else name
    try:
        with opener(path, "rt") as fh:
            text = fh.read()
    except OSError as exc:
        raise StructureError(f"Cannot read the structure file {path}: {exc}.") from exc
    if stem.endswith((".cif", ".mmcif")):
        return PDBFixer(pdbxfile=io.StringIO(text))
    return PDBFixer(pdbfile=io.StringIO(text))


def _drop_terminal_gaps(fixer) -> None:
    """Keep only internal missing residues: PDBFixer keys them by (chain index, insertion index)."""
    chains = list(fixer.topology.chains())
    kept = {}
    for (chain_index, position), names in fixer.missingResidues.items():
        n_res = len(list(chains[chain_index].residues()))
        if 0 < position < n_res:
            kept[(chain_index, position)] = names
    fixer.missingResidues = kept


def prepare_structure(path: Path, ph: float = 7.0):
    """Return (openmm Topology, positions) of the protein in ``path`` with hydrogens added.

    Raises StructureError when the file holds no protein residues.
    """
    fixer = _open_fixer(Path(path))
    fixer.removeHeterogens(keepWater=False)
    if fixer.topology.getNumResidues() == 0:
        raise StructureError(f"{path} holds no protein residues to simulate.")
    fixer.findMissingResidues()
    _drop_terminal_gaps(fixer)
    fixer.findNonstandardResidues()
    fixer.replaceNonstandardResidues()
    fixer.removeHeterogens(keepWater=False)
    fixer.findMissingAtoms()
    fixer.addMissingAtoms()
    fixer.addMissingHydrogens(ph)
    _name_blank_chains(fixer.topology)
    return fixer.topology, fixer.positions


def _name_blank_chains(topology) -> None:
    """Give chains without an id a free letter: the prepared mmCIF cannot be read back otherwise."""
    used = {chain.id for chain in topology.chains()}
    free = (c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" if c not in used)
    for chain in topology.chains():
        if not chain.id.strip():
            chain.id = next(free)
