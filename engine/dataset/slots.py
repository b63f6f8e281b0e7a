"""Mapping a trajectory's heavy atoms onto the per-residue slot layout.

``SlotMap.from_topology`` reads an mdtraj topology once (force-field residue names such as
HID/HSE, CHARMM's ILE CD and OT1/OT2 included) and afterwards ``to_slots`` turns any number
of frames (F, n_atoms, 3) into positions (F, L, 15, 3) in the layout of
``trajgen.engine.structure.residue_constants``. Water, ions, ligands, hydrogens and residues
without N, CA and C are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import mdtraj
import numpy as np

from trajgen.engine.errors import StructureError
from trajgen.engine.structure import residue_constants as rc
from trajgen.engine.structure.classify import PEPTIDE_BOND_MAX, residue_atom_names


@dataclass(frozen=True)
class SlotMap:
    """Where every slot's atom sits in the trajectory: ``atom_index`` (L, 15), -1 where absent."""

    aatype: np.ndarray        # (L,) int64
    atom_index: np.ndarray    # (L, 15) int64
    chain_index: np.ndarray   # (L,) int64
    residue_numbers: np.ndarray  # (L,) int64, as in the topology

    @property
    def mask(self) -> np.ndarray:
        """(L, 15) bool: which slots hold an atom."""
        return self.atom_index >= 0

    @property
    def chain_end(self) -> np.ndarray:
        """(L,) bool: last residue of each chain."""
        return np.append(self.chain_index[1:] != self.chain_index[:-1], True)

    @property
    def sequence(self) -> str:
        return "".join(rc.RESTYPES_1[a] for a in self.aatype)

    @classmethod
    def from_topology(cls, topology: mdtraj.Topology) -> "SlotMap":
        """Build the map; raises StructureError when no residue has N, CA and C."""
        aatype, rows, chains, numbers = [], [], [], []
        skip = rc.WATER_NAMES | rc.ION_NAMES
        for res in topology.residues:
            if res.name in skip:
                continue
            resname, renames = residue_atom_names(res.name)
            row = np.full(rc.MAX_SLOTS, -1, dtype=np.int64)
            for atom in res.atoms:
                if atom.element is not None and atom.element.symbol in ("H", "D"):
                    continue
                slot = rc.slot_of(resname, renames.get(atom.name, atom.name))
                if slot is not None and row[slot] < 0:
                    row[slot] = atom.index
            if (row[:3] < 0).any():     # not an amino acid with a backbone
                continue
            aatype.append(rc.RESTYPE_INDEX[resname])
            rows.append(row)
            chains.append(res.chain.index)
            numbers.append(res.resSeq)
        if not rows:
            raise StructureError("The trajectory topology holds no amino-acid residue with N, CA and C atoms.")
        return cls(np.array(aatype, dtype=np.int64), np.stack(rows), np.array(chains, dtype=np.int64),
                   np.array(numbers, dtype=np.int64))

    def to_slots(self, xyz: np.ndarray) -> np.ndarray:
        """Positions (..., L, 15, 3) from atom coordinates (..., n_atoms, 3); absent slots are 0."""
        gathered = np.take(xyz, np.maximum(self.atom_index, 0), axis=-2)    # (..., L, 15, 3)
        return np.where(self.mask[..., None], gathered, 0.0).astype(np.float32)

    def segment_start(self, positions: np.ndarray) -> np.ndarray:
        """(L,) bool: first residue of each chain and after every C-N gap > 2.0 A in ``positions`` (L, 15, 3)."""
        gap = np.linalg.norm(positions[1:, 0] - positions[:-1, 2], axis=-1) > PEPTIDE_BOND_MAX
        new_chain = self.chain_index[1:] != self.chain_index[:-1]
        return np.concatenate([[True], gap | new_chain])
