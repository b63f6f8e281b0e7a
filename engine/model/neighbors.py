"""Spatial neighbour lists: the residues each residue attends to, so cost grows linearly with size (torch).

Each residue attends to its ``k`` nearest residues by CA distance (itself included, at distance
0) in the *anchor* frame: frame 0 of a training window, and at inference frame 0 of the rollout
(the input structure) or of a hierarchical fine segment. So every frame's tokens, cached or
recomputed, are built on the same graph, in training as in a rollout. Padding residues are
never chosen. Proteins with fewer than ``k`` residues get dummy entries, masked out, so the
graph has a fixed width ``k`` whatever the size (ONNX export keeps ``k`` as a constant).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

FAR_A2 = 1.0e8  # squared distance given to padding and dummy neighbours (Angstrom^2)


def nearest_neighbors(trans, res_mask, k: int):
    """Indices (B, L, k) int64 and mask (B, L, k) float of each residue's ``k`` nearest residues,
    nearest first (itself first of all), so ``[..., :m]`` are the ``m`` nearest.

    trans (B, L, 3) CA positions in Angstrom, res_mask (B, L) 1 for real residues. Indices of
    masked entries point at residue 0 (always a valid gather target).
    """
    b, n = trans.shape[:2]
    d2 = ((trans[:, :, None, :] - trans[:, None, :, :]) ** 2).sum(-1)               # (B, L, L)
    d2 = d2 + (1.0 - res_mask)[:, None, :] * FAR_A2
    dummies = torch.full((b, n, k), 2.0 * FAR_A2, dtype=d2.dtype, device=d2.device)
    dist, idx = torch.topk(torch.cat([d2, dummies], dim=-1), k, dim=-1, largest=False)   # (B, L, k)
    real = (idx < n).to(trans.dtype) * (dist < FAR_A2).to(trans.dtype) * res_mask[:, :, None]
    idx = torch.where(idx < n, idx, torch.zeros_like(idx))
    return idx, real


def gather_residues(x, idx):
    """x (B, L, ...) gathered at idx (B, L, K): (B, L, K, ...), entry [b, i, n] = x[b, idx[b, i, n]]."""
    b, n = x.shape[:2]
    k = idx.shape[-1]
    flat = (idx + torch.arange(b, device=idx.device)[:, None, None] * n).reshape(-1)
    rest = x.shape[2:]
    return x.reshape((b * n,) + rest)[flat].reshape((b, n, k) + rest)


def dense_neighbor_mask(idx, mask, n_res: int):
    """The neighbour lists as a (B, L, L) float matrix: [b, i, j] = 1 when j is one of i's neighbours.

    For small proteins (training crops) attention over all pairs masked to the neighbours gives
    the same numbers as gathering them, faster; dummy entries (mask 0) add nothing.
    """
    out = torch.zeros(idx.shape[:2] + (n_res,), dtype=mask.dtype, device=mask.device)
    return out.scatter_add(-1, idx, mask).clamp(max=1.0)


def gather_pairs(pair, idx):
    """All-pairs features pair (B, Q, L, L, c) at the neighbour lists idx (B, L, K): (B, Q, L, K, c)."""
    b, q, n = pair.shape[:3]
    k = idx.shape[-1]
    index = idx[:, None, :, :, None].expand(b, q, n, k, pair.shape[-1])
    return torch.gather(pair, 3, index)


@dataclass
class Neighbourhood:
    """One call's neighbour graph, built once by the denoiser and read by every block.

    nbr, mask (B, L, K): the lists (``nearest_neighbors``); allowed (B, L, L): the same lists as a
    matrix when attention runs over all pairs masked to them, None when it gathers them; time:
    (nbr, mask, pair features) of the nearest ``temporal_neighbors`` for joint time attention.
    """

    nbr: torch.Tensor
    mask: torch.Tensor
    allowed: torch.Tensor | None = None
    time: tuple | None = None
