"""Between a ``Protein`` (atoms) and the rollout state (frames + torsions), numpy only."""

from __future__ import annotations

import numpy as np

from trajgen.engine.geometry.superpose import superpose as kabsch_superpose

from trajgen.engine.flow.process import Frames
from trajgen.engine.geometry import atoms_from_frames_torsions, backbone_frames, torsions_from_atoms
from trajgen.engine.rollout.stepper import ProteinContext

CHAIN_BREAK_GAP = 100  # residue_index jump at chain breaks: beyond any sequence-offset clip


def protein_context(protein) -> tuple[ProteinContext, Frames]:
    """Static network inputs and the starting frame (batch of 1) of a ``Protein``."""
    angles, torsion_mask = torsions_from_atoms(protein.aatype, protein.positions, protein.mask,
                                               protein.segment_start)
    rot, trans = backbone_frames(protein.positions)
    segment = np.cumsum(np.asarray(protein.segment_start, dtype=np.int64))
    residue_index = np.arange(len(protein.aatype), dtype=np.int64) + CHAIN_BREAK_GAP * segment
    _, chain_index = np.unique(np.asarray(protein.chain_ids), return_inverse=True)
    context = ProteinContext(aatype=np.asarray(protein.aatype, dtype=np.int64), residue_index=residue_index,
                             chain_index=chain_index.astype(np.int64),
                             torsion_mask=np.asarray(torsion_mask, dtype=np.float32))
    tors = np.where(torsion_mask, angles, 0.0)
    start = Frames(rot[None].astype(np.float32), trans[None].astype(np.float32), tors[None].astype(np.float32))
    return context, start


def frames_to_atoms(protein, frames: Frames) -> np.ndarray:
    """Heavy-atom positions (B, L, 15, 3) Angstrom in the Protein's slot layout (all slots rebuilt)."""
    positions, _ = atoms_from_frames_torsions(protein.aatype, frames.rot, frames.trans, frames.torsions,
                                              protein.chain_end)
    return positions


def superpose(mobile: np.ndarray, reference: np.ndarray, weights_mask: np.ndarray) -> np.ndarray:
    """Rigidly superpose each frame of mobile (B, L, 15, 3) on reference (L, 15, 3) (Kabsch over masked atoms)."""
    batch = mobile.shape[0]
    flat = mobile.reshape(batch, -1, 3)
    moved = kabsch_superpose(flat, reference.reshape(-1, 3), np.asarray(weights_mask).reshape(-1))
    return moved.reshape(mobile.shape).astype(np.float32)