"""Invariant point attention over the residues of one frame (torch).

Queries, keys and values carry 3-D points expressed in each residue's local frame; they are
moved to global coordinates to compare (squared distances) and brought back into the query's
local frame, so the output is invariant to a global rotation and translation.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from trajgen.engine.model.config import ModelConfig
from trajgen.engine.model.layers import NEG_INF
from trajgen.engine.model.neighbors import gather_residues

POINT_SCALE_A = 10.0  # points live in nanometres inside the layer, keeping float32 sums well scaled


class InvariantPointAttention(nn.Module):
    """IPA with pair bias and pair-feature values, over the L residues of each frame."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        h, d, pq, pv = cfg.n_heads, cfg.d_head, cfg.n_query_points, cfg.n_value_points
        self.h, self.d, self.pq, self.pv = h, d, pq, pv
        self.scalar_qkv = nn.Linear(cfg.d_model, 3 * h * d, bias=False)
        self.point_qk = nn.Linear(cfg.d_model, 2 * h * pq * 3)
        self.point_v = nn.Linear(cfg.d_model, h * pv * 3)
        self.pair_bias = nn.Linear(cfg.d_pair, h, bias=False)
        self.head_weight = nn.Parameter(torch.full((h,), math.log(math.e - 1.0)))  # softplus -> 1
        self.out = nn.Linear(h * (d + pv * 4 + cfg.d_pair), cfg.d_model)
        self.w_l = math.sqrt(1.0 / 3.0)
        self.w_c = math.sqrt(2.0 / (9.0 * pq))

    def forward(self, x, pair, rot, trans, res_mask, nbr=None, nbr_mask=None, allowed=None):
        """x (M, L, d), pair (M, L, L, c), rot (M, L, 3, 3), trans (M, L, 3) A, res_mask (M, L).

        With a neighbour list ``nbr`` (M, L, K) and ``nbr_mask`` (M, L, K) each residue attends to
        its K neighbours only and ``pair`` is (M, L, K, c): cost linear in L (``sparse_forward``).
        ``allowed`` (M, L, L) instead restricts all-pairs attention to the same neighbours (same
        numbers, faster for small L).
        """
        if nbr is not None:
            return self.sparse_forward(x, pair, rot, trans, res_mask, nbr, nbr_mask)
        q, k, v, q_pts, k_pts, v_pts, t_nm = self.project(x, rot, trans, res_mask)
        logits = torch.einsum("mihd,mjhd->mhij", q, k) / math.sqrt(self.d)
        logits = logits + self.pair_bias(pair).permute(0, 3, 1, 2)
        sq = ((q_pts ** 2).sum((-1, -2)).transpose(1, 2)[..., :, None]
              + (k_pts ** 2).sum((-1, -2)).transpose(1, 2)[..., None, :]
              - 2.0 * torch.einsum("mihpc,mjhpc->mhij", q_pts, k_pts))               # (M, H, L, L)
        gamma = F.softplus(self.head_weight)[None, :, None, None]
        logits = self.w_l * (logits - 0.5 * self.w_c * gamma * sq)
        keep = res_mask[:, None, None, :] if allowed is None else allowed[:, None]
        logits = logits + (1.0 - keep) * NEG_INF
        attn = torch.softmax(logits, dim=-1)                                       # (M, H, L, L)
        o_s = torch.einsum("mhij,mjhd->mihd", attn, v)
        o_g = torch.einsum("mhij,mjhpc->mihpc", attn, v_pts)
        o_p = torch.einsum("miba,mihpb->mihpa", rot, o_g - t_nm[:, :, None, None, :])  # local frame
        o_n = torch.sqrt((o_p ** 2).sum(-1) + 1e-8)
        o_z = torch.einsum("mhij,mijc->mihc", attn, pair)
        feats = torch.cat([o_s, o_p.flatten(-2), o_n, o_z], dim=-1).flatten(-2)
        return self.out(feats)

    def sparse_forward(self, x, pair, rot, trans, res_mask, nbr, nbr_mask):
        """The same attention restricted to neighbours: keys, values and points gathered at ``nbr``.

        Batched matmuls over (M, L, H) with K keys each (ONNX Runtime: MatMul, not Einsum).
        """
        q, k, v, q_pts, k_pts, v_pts, t_nm = self.project(x, rot, trans, res_mask)
        k_g = gather_residues(k, nbr).permute(0, 1, 3, 2, 4)                       # (M, L, H, K, D)
        v_g = gather_residues(v, nbr).permute(0, 1, 3, 2, 4)
        kp_g = gather_residues(k_pts, nbr)                                         # (M, L, K, H, P, 3)
        vp_g = gather_residues(v_pts, nbr).permute(0, 1, 3, 2, 4, 5).flatten(-2)  # (M, L, H, K, P*3)
        logits = (q[..., None, :] @ k_g.transpose(-1, -2))[..., 0, :] / math.sqrt(self.d)   # (M, L, H, K)
        logits = logits + self.pair_bias(pair).transpose(-1, -2)
        sq = ((q_pts[:, :, None] - kp_g) ** 2).sum((-1, -2)).transpose(-1, -2)     # (M, L, H, K)
        gamma = F.softplus(self.head_weight)[:, None]
        logits = self.w_l * (logits - 0.5 * self.w_c * gamma * sq)
        logits = logits + (1.0 - nbr_mask)[:, :, None] * NEG_INF
        attn = torch.softmax(logits, dim=-1)                                       # (M, L, H, K)
        o_s = (attn[..., None, :] @ v_g)[..., 0, :]                                # (M, L, H, D)
        o_g = (attn[..., None, :] @ vp_g)[..., 0, :].unflatten(-1, (self.pv, 3))  # (M, L, H, P, 3)
        o_p = (o_g - t_nm[:, :, None, None, :]) @ rot[:, :, None]                  # local frame: R^T x
        o_n = torch.sqrt((o_p ** 2).sum(-1) + 1e-8)
        o_z = attn @ pair                                                          # (M, L, H, c)
        feats = torch.cat([o_s, o_p.flatten(-2), o_n, o_z], dim=-1).flatten(-2)
        return self.out(feats)

    def project(self, x, rot, trans, res_mask):
        """Scalar q, k, v (M, L, H, D), global points q/k (M, L, H, Pq, 3) and v (M, L, H, Pv, 3) in nm,
        and the CA positions t_nm (M, L, 3) they are centred with: what both attention paths share."""
        m, n = x.shape[:2]
        q, k, v = self.scalar_qkv(x).reshape(m, n, 3, self.h, self.d).unbind(2)
        center = (trans * res_mask[..., None]).sum(1, keepdim=True) / res_mask.sum(1)[:, None, None].clamp(min=1)
        t_nm = (trans - center) / POINT_SCALE_A
        qk_pts = self.to_global(self.point_qk(x).reshape(m, n, 2 * self.h, self.pq, 3), rot, t_nm)
        q_pts, k_pts = qk_pts.split(self.h, dim=2)
        v_pts = self.to_global(self.point_v(x).reshape(m, n, self.h, self.pv, 3), rot, t_nm)
        return q, k, v, q_pts, k_pts, v_pts, t_nm

    @staticmethod
    def to_global(points, rot, trans):
        """Local points (M, L, H, P, 3) -> global (same shape) with rot (M, L, 3, 3), trans (M, L, 3)."""
        return torch.einsum("miab,mihpb->mihpa", rot, points) + trans[:, :, None, None, :]
