"""Typed inputs and outputs of the denoiser (torch); the flat tensor list exists only at the ONNX boundary.

Shapes: B batch, Q query frames per batch element, L residues, S cached slots, N blocks,
H heads, D head width. Translations in Angstrom, rotations 3x3 local-to-global, torsions
[omega, phi, psi, chi1..chi4] as (sin, cos) pairs, log_dt the natural log of the stride in ps,
temperature in kelvin, flow time in [0, 1] (1 = clean).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class FrameInputs:
    """Q frames per batch element to denoise or encode, with their per-protein fields."""

    aatype: torch.Tensor          # (B, L) int64 residue type, 20 = UNK
    residue_index: torch.Tensor   # (B, L) int64 position along the chain (jumps at chain breaks)
    chain_index: torch.Tensor     # (B, L) int64 chain number
    rot: torch.Tensor             # (B, Q, L, 3, 3) rotations of the frames
    trans: torch.Tensor           # (B, Q, L, 3) CA positions, A
    torsions: torch.Tensor        # (B, Q, L, 7, 2) sin/cos
    torsion_mask: torch.Tensor    # (B, Q, L, 7) 1 where the torsion exists
    ref_rot: torch.Tensor         # (B, Q, L, 3, 3) each frame's reference (the frame before it)
    ref_trans: torch.Tensor       # (B, Q, L, 3) A
    flow_time: torch.Tensor       # (B, Q)
    log_dt: torch.Tensor          # (B, Q)
    temperature: torch.Tensor     # (B, Q) K
    res_mask: torch.Tensor        # (B, L) 1 = real residue, 0 = padding
    neighbor_trans: torch.Tensor  # (B, L, 3) CA positions of the anchor frame: the neighbour lists' source


@dataclass
class TemporalContext:
    """What the query frames may attend to across time: cached slots and each other."""

    cache_k: torch.Tensor         # (N, B, S, L, H, D) keys of finished frames (S may be 0)
    cache_v: torch.Tensor         # (N, B, S, L, H, D)
    slot_offset: torch.Tensor     # (B, Q, S) query frame minus slot frame (negative: the goal anchor)
    slot_mask: torch.Tensor       # (B, Q, S) 1 = may attend
    self_offset: torch.Tensor     # (Q, Q) query frame minus key frame among the queries
    self_mask: torch.Tensor       # (Q, Q) 1 = may attend (block-causal, ``model.masks``)

    @classmethod
    def among_queries(cls, cfg, batch: int, n_res: int, offset: torch.Tensor, mask: torch.Tensor,
                      like: torch.Tensor) -> "TemporalContext":
        """No cache: the Q queries attend to each other by ``offset``/``mask`` (Q, Q) (training)."""
        empty = like.new_zeros(cfg.n_blocks, batch, 0, n_res, cfg.n_heads, cfg.d_head)
        q = offset.shape[0]
        return cls(empty, empty, like.new_zeros(batch, q, 0), like.new_zeros(batch, q, 0),
                   offset.to(like), mask.to(like))


@dataclass
class FrameOutputs:
    """The clean-frame prediction of every query frame and its tokens for the cache."""

    rot_update: torch.Tensor      # (B, Q, L, 3) rotation vector in the noisy frame's local coordinates
    trans_update: torch.Tensor    # (B, Q, L, 3) A, local coordinates
    torsions: torch.Tensor        # (B, Q, L, 7, 2) unit sin/cos
    k: torch.Tensor               # (N, B, Q, L, H, D)
    v: torch.Tensor               # (N, B, Q, L, H, D)
