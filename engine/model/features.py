"""SE(3)-invariant input features of the denoiser (torch).

Everything the network reads is invariant to a global rotation and translation of the
protein: each frame's rigid transform relative to the previous frame of the same residue,
pairwise CA distances, directions and orientations expressed in a residue's own frame,
torsion angles, the sequence and the conditioning scalars.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from trajgen.engine.model.config import ModelConfig
from trajgen.engine.model.neighbors import gather_residues

N_RESTYPES = 21
N_TORSIONS = 7


class ResidueEmbedding(nn.Module):
    """Per-residue token from sequence, motion since the previous frame and torsions."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.trans_scale = cfg.trans_scale_A
        self.aatype = nn.Embedding(N_RESTYPES, cfg.d_model)
        self.geometry = nn.Linear(9 + 3 + 2 * N_TORSIONS + N_TORSIONS, cfg.d_model)

    def forward(self, aatype, rot, trans, torsions, torsion_mask, ref_rot, ref_trans):
        """Tokens (B, Q, L, d) for frames (B, Q, L, ...) and references of the same shape."""
        rel_rot = ref_rot.transpose(-1, -2) @ rot                       # (B, Q, L, 3, 3)
        rel_trans = (ref_rot.transpose(-1, -2) @ (trans - ref_trans)[..., None])[..., 0]
        tors = torsions * torsion_mask[..., None]                       # (B, Q, L, 7, 2)
        geo = torch.cat([rel_rot.flatten(-2), rel_trans / self.trans_scale,
                         tors.flatten(-2), torsion_mask], dim=-1)
        return self.aatype(aatype)[:, None] + self.geometry(geo)


class PairEmbedding(nn.Module):
    """Pair features (B, Q, L, L, d_pair) from one frame's geometry and the sequence offsets."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.max_rel = cfg.max_rel_pos
        n_rel = 2 * cfg.max_rel_pos + 2                                  # offsets + "other chain"
        self.register_buffer("centers", torch.linspace(2.0, 22.0, cfg.n_rbf), persistent=False)
        self.width = 20.0 / cfg.n_rbf
        self.relpos = nn.Embedding(n_rel, cfg.d_pair)
        self.geometry = nn.Linear(cfg.n_rbf + 3 + 9, cfg.d_pair)
        self.norm = nn.LayerNorm(cfg.d_pair)

    def forward(self, rot, trans, residue_index, chain_index, nbr=None):
        """rot (B, Q, L, 3, 3), trans (B, Q, L, 3) Angstrom; indices (B, L).

        All pairs (B, Q, L, L, d_pair); with a neighbour list ``nbr`` (B, L, K) only the pairs
        (i, nbr[i, n]): (B, Q, L, K, d_pair).
        """
        if nbr is not None:
            return self.sparse(rot, trans, residue_index, chain_index, nbr)
        diff = trans[..., None, :, :] - trans[..., :, None, :]           # (B, Q, L, L, 3): j - i
        dist = torch.sqrt((diff * diff).sum(-1) + 1e-6)                 # (B, Q, L, L)
        rbf = torch.exp(-(((dist[..., None] - self.centers) / self.width) ** 2))
        rot_t = rot.transpose(-1, -2)
        direction = torch.einsum("zqixy,zqijy->zqijx", rot_t, diff) / (dist[..., None] + 1.0)
        orient = torch.einsum("zqixy,zqjyw->zqijxw", rot_t, rot).flatten(-2)  # (B, Q, L, L, 9)
        geo = self.geometry(torch.cat([rbf, direction, orient], dim=-1))
        return self.norm(geo + self.relpos(self.relative_positions(residue_index, chain_index))[:, None])

    def sparse(self, rot, trans, residue_index, chain_index, nbr):
        """Pair features of residue i and its neighbours nbr[i] in every frame: (B, Q, L, K, d_pair)."""
        trans_j = gather_residues(trans.transpose(1, 2), nbr).permute(0, 3, 1, 2, 4)     # (B, Q, L, K, 3)
        rot_j = gather_residues(rot.transpose(1, 2), nbr).permute(0, 3, 1, 2, 4, 5)      # (B, Q, L, K, 3, 3)
        diff = trans_j - trans[..., :, None, :]
        dist = torch.sqrt((diff * diff).sum(-1) + 1e-6)                                 # (B, Q, L, K)
        rbf = torch.exp(-(((dist[..., None] - self.centers) / self.width) ** 2))
        direction = (diff @ rot) / (dist[..., None] + 1.0)                              # R_i^T (x_j - x_i)
        orient = (rot.transpose(-1, -2)[..., None, :, :] @ rot_j).flatten(-2)            # (B, Q, L, K, 9)
        geo = self.geometry(torch.cat([rbf, direction, orient], dim=-1))
        res_j = gather_residues(residue_index[..., None], nbr)[..., 0]                   # (B, L, K)
        chain_j = gather_residues(chain_index[..., None], nbr)[..., 0]
        offset = torch.clamp(res_j - residue_index[..., None], -self.max_rel, self.max_rel) + self.max_rel
        same_chain = chain_j == chain_index[..., None]
        rel = torch.where(same_chain, offset, torch.full_like(offset, 2 * self.max_rel + 1))
        return self.norm(geo + self.relpos(rel)[:, None])

    def relative_positions(self, residue_index, chain_index):
        """Clipped sequence offsets (B, L, L) as embedding indices; other chains get the last one."""
        offset = residue_index[:, None, :] - residue_index[:, :, None]
        offset = torch.clamp(offset, -self.max_rel, self.max_rel) + self.max_rel
        same_chain = chain_index[:, None, :] == chain_index[:, :, None]
        return torch.where(same_chain, offset, torch.full_like(offset, 2 * self.max_rel + 1))


class ConditionEmbedding(nn.Module):
    """Embedding (B, Q, d_cond) of flow time, log stride (ps) and temperature (K)."""

    N_FREQ = 8

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.register_buffer("freqs", math.pi * 2.0 ** torch.arange(self.N_FREQ, dtype=torch.float32) / 4,
                             persistent=False)
        self.mlp = nn.Sequential(nn.Linear(2 * self.N_FREQ + 3, cfg.d_cond), nn.SiLU(),
                                 nn.Linear(cfg.d_cond, cfg.d_cond), nn.SiLU())

    def forward(self, flow_time, log_dt, temperature):
        """Each argument (B, Q)."""
        angles = flow_time[..., None] * self.freqs
        feats = torch.cat([torch.sin(angles), torch.cos(angles), flow_time[..., None],
                           ((log_dt - math.log(100.0)) / 3.0)[..., None],
                           ((temperature - 300.0) / 100.0)[..., None]], dim=-1)
        return self.mlp(feats)
