"""The causal spatio-temporal SE(3) denoiser (torch ``nn.Module``).

One block = invariant point attention over the residues of a frame, attention of every
residue over its own tokens in earlier frames (block-causal, KV-cached at inference), and a
per-residue MLP; each sublayer is conditioned by adaptive layer norm on flow time, log stride
and temperature. The head predicts the clean frame as an SE(3) update of the noisy frame
(expressed in the noisy frame's local coordinates) and the clean torsions.

Two entry points share all weights:
``forward`` (one frame per batch element against a KV cache: inference, ONNX export) and
``forward_frames`` (many frames with a causal mask between them: training, cache checks).
"""

from __future__ import annotations

import torch
from torch import nn

from trajgen.engine.model.config import ModelConfig
from trajgen.engine.model.features import ConditionEmbedding, PairEmbedding, ResidueEmbedding
from trajgen.engine.model.ipa import InvariantPointAttention
from trajgen.engine.model.layers import AdaLN, TemporalAttention, Transition

ROT_UPDATE_SCALE = 0.1  # radians per unit of raw network output


class Block(nn.Module):
    """IPA within the frame -> attention across frames -> transition, each with AdaLN."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.norm_ipa, self.ipa = AdaLN(cfg.d_model, cfg.d_cond), InvariantPointAttention(cfg)
        self.norm_time, self.time = AdaLN(cfg.d_model, cfg.d_cond), TemporalAttention(cfg)
        self.norm_mlp, self.mlp = AdaLN(cfg.d_model, cfg.d_cond), Transition(cfg)

    def forward(self, x, cond, pair, rot, trans, res_mask, temporal):
        """x (B, Q, L, d). Returns (x, k, v) with k, v (B, Q, L, H, D) of this block's tokens."""
        b, q, n = x.shape[:3]
        h, gate = self.norm_ipa(x, cond)
        flat = (h.reshape(b * q, n, -1), pair.reshape((b * q,) + pair.shape[2:]),
                rot.reshape(b * q, n, 3, 3), trans.reshape(b * q, n, 3),
                res_mask[:, None].expand(b, q, n).reshape(b * q, n))
        x = x + gate * self.ipa(*flat).reshape(b, q, n, -1)
        h, gate = self.norm_time(x, cond)
        k, v = self.time.project_kv(h)
        x = x + gate * self.time(h, k, v, *temporal)
        h, gate = self.norm_mlp(x, cond)
        x = x + gate * self.mlp(h)
        return x * res_mask[:, None, :, None], k, v


class Denoiser(nn.Module):
    """Predicts the clean frame and torsions of a noisy frame given earlier frames."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = ResidueEmbedding(cfg)
        self.pair = PairEmbedding(cfg)
        self.cond = ConditionEmbedding(cfg)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_blocks))
        self.norm_out = AdaLN(cfg.d_model, cfg.d_cond)
        self.frame_head = nn.Linear(cfg.d_model, 6)
        self.torsion_head = nn.Linear(cfg.d_model, 14)

    def forward(self, aatype, residue_index, chain_index, rot, trans, torsions, torsion_mask,
                ref_rot, ref_trans, flow_time, log_dt, temperature, cache_k, cache_v,
                slot_offset, slot_mask):
        """One frame per batch element against cached slots; argument shapes in ``io_spec``.

        Returns rot_update (B, L, 3), trans_update (B, L, 3) Angstrom, torsions_out
        (B, L, 7, 2), new_k and new_v (N, B, L, H, D).
        """
        one = torch.ones(1, 1, dtype=rot.dtype, device=rot.device)
        zero = torch.zeros(1, 1, dtype=rot.dtype, device=rot.device)
        out = self.forward_frames(
            aatype, residue_index, chain_index, rot[:, None], trans[:, None], torsions[:, None],
            torsion_mask[:, None], ref_rot[:, None], ref_trans[:, None], flow_time[:, None],
            log_dt[:, None], temperature[:, None], torch.ones_like(trans[..., 0]),
            (cache_k, cache_v, slot_offset[:, None], slot_mask[:, None]), zero, one)
        rot_u, trans_u, tors, k, v = out
        return rot_u[:, 0], trans_u[:, 0], tors[:, 0], k[:, :, 0], v[:, :, 0]

    def forward_frames(self, aatype, residue_index, chain_index, rot, trans, torsions, torsion_mask,
                       ref_rot, ref_trans, flow_time, log_dt, temperature, res_mask, ext,
                       self_offset, self_mask):
        """Q frames per batch element: rot (B, Q, L, 3, 3), trans (B, Q, L, 3), torsions
        (B, Q, L, 7, 2), torsion_mask (B, Q, L, 7), references likewise, conditions (B, Q),
        res_mask (B, L) (0 = padding). ``ext`` = (k (N, B, S, L, H, D), v, offset (B, Q, S),
        mask (B, Q, S)) cached slots (S may be 0); self_offset / self_mask (Q, Q) relate the
        query frames to each other (offset = query frame - key frame; mask 1 = may attend).
        Returns updates (B, Q, L, 3) x2, torsions (B, Q, L, 7, 2), k, v (N, B, Q, L, H, D).
        """
        ext_k, ext_v, ext_offset, ext_mask = ext
        x = self.embed(aatype, rot, trans, torsions, torsion_mask, ref_rot, ref_trans)
        x = x * res_mask[:, None, :, None]
        cond = self.cond(flow_time, log_dt, temperature)
        pair = self.pair(rot, trans, residue_index, chain_index)
        keys, values = [], []
        for i, block in enumerate(self.blocks):
            temporal = (ext_k[i], ext_v[i], ext_offset, ext_mask, self_offset, self_mask)
            x, k, v = block(x, cond, pair, rot, trans, res_mask, temporal)
            keys.append(k)
            values.append(v)
        h, _ = self.norm_out(x, cond)
        frame = self.frame_head(h)
        tors = self.torsion_head(h).reshape(h.shape[:-1] + (7, 2))
        tors = tors / torch.sqrt((tors ** 2).sum(-1, keepdim=True) + 1e-8)
        return (frame[..., :3] * ROT_UPDATE_SCALE, frame[..., 3:] * self.cfg.trans_scale_A, tors,
                torch.stack(keys), torch.stack(values))


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
