"""Names, shapes and dtypes of one denoiser call: the contract every backend honours.

``B`` batch (trajectories or segments sampled together), ``L`` residues, ``S`` temporal
context slots (``ModelConfig.n_slots``), ``N`` blocks, ``H`` heads, ``D`` head width.
Translations are in Angstrom, rotations are 3x3 matrices (local-to-global), torsions are
(sin, cos) pairs of [omega, phi, psi, chi1..chi4].
"""

from __future__ import annotations

INPUTS: dict[str, tuple[str, str]] = {
    "aatype": ("int64", "(B, L) residue type index, 20 = UNK"),
    "residue_index": ("int64", "(B, L) position along the chain (jumps at chain breaks)"),
    "chain_index": ("int64", "(B, L) chain number"),
    "rot": ("float32", "(B, L, 3, 3) rotations of the frame being denoised"),
    "trans": ("float32", "(B, L, 3) CA positions of the frame being denoised, Angstrom"),
    "torsions": ("float32", "(B, L, 7, 2) sin/cos of the frame being denoised"),
    "torsion_mask": ("float32", "(B, L, 7) 1 where the torsion exists"),
    "ref_rot": ("float32", "(B, L, 3, 3) rotations of the previous frame (local reference)"),
    "ref_trans": ("float32", "(B, L, 3) CA positions of the previous frame, Angstrom"),
    "neighbor_trans": ("float32", "(B, L, 3) CA positions the neighbour lists come from: the anchor (frame 0), A"),
    "flow_time": ("float32", "(B,) flow time s in [0, 1]; 1 is clean"),
    "log_dt": ("float32", "(B,) natural log of the stride in picoseconds"),
    "temperature": ("float32", "(B,) temperature in kelvin"),
    "cache_k": ("float32", "(N, B, S, L, H, D) keys of earlier frames"),
    "cache_v": ("float32", "(N, B, S, L, H, D) values of earlier frames"),
    "slot_offset": ("float32", "(B, S) frames between this frame and the slot's (negative: goal)"),
    "slot_mask": ("float32", "(B, S) 1 where the slot holds a frame"),
}

OUTPUTS: dict[str, tuple[str, str]] = {
    "rot_update": ("float32", "(B, L, 3) rotation vector of the clean frame in the noisy local frame"),
    "trans_update": ("float32", "(B, L, 3) translation of the clean frame in the noisy local frame, A"),
    "torsions_out": ("float32", "(B, L, 7, 2) sin/cos of the clean torsions (unit vectors)"),
    "new_k": ("float32", "(N, B, L, H, D) keys of this frame, for the cache"),
    "new_v": ("float32", "(N, B, L, H, D) values of this frame, for the cache"),
}

INPUT_NAMES = tuple(INPUTS)
OUTPUT_NAMES = tuple(OUTPUTS)
