"""Building blocks of the denoiser: conditioned layer norm, MLP, attention across frames (torch)."""

from __future__ import annotations

import math

import torch
from torch import nn

from trajgen.engine.model.config import ModelConfig
from trajgen.engine.model.neighbors import gather_residues

NEG_INF = -1.0e4  # additive mask; finite so fp16/bf16 stay finite


class AdaLN(nn.Module):
    """Layer norm whose shift, scale and residual gate come from the condition embedding."""

    def __init__(self, d_model: int, d_cond: int):
        super().__init__()
        self.norm = nn.LayerNorm(d_model, elementwise_affine=False)
        self.modulation = nn.Linear(d_cond, 3 * d_model)

    def forward(self, x, cond):
        """x (B, Q, L, d), cond (B, Q, d_cond) -> (normed x, gate (B, Q, 1, d))."""
        shift, scale, gate = self.modulation(cond)[:, :, None].chunk(3, dim=-1)
        return self.norm(x) * (1.0 + scale) + shift, 1.0 + gate


class Transition(nn.Module):
    """Per-residue two-layer MLP."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        hidden = cfg.transition_mult * cfg.d_model
        self.net = nn.Sequential(nn.Linear(cfg.d_model, hidden), nn.GELU(), nn.Linear(hidden, cfg.d_model))

    def forward(self, x):
        return self.net(x)


def offset_features(offset, max_offset: float):
    """Relative-time features (..., 3) of frame offsets (query frame minus key frame).

    Positive offsets are past frames, zero is the frame itself, negative offsets are the goal
    anchor of a hierarchical segment. Magnitudes are clamped to ``max_offset``
    (``ModelConfig.max_offset``, the largest offset a training window holds): a rollout's
    anchor, thousands of frames back, looks like the farthest frame training ever showed.
    """
    return torch.stack([torch.log1p(torch.clamp(offset.abs(), max=float(max_offset))), (offset < 0).to(offset.dtype),
                        (offset == 0).to(offset.dtype)], dim=-1)


class TemporalAttention(nn.Module):
    """Each residue attends to its own tokens in earlier frames (block-causal, factorized).

    Keys come from two places: cached slots of finished frames (``ext``) and the query frames
    themselves (``self``, with a causal mask) so training runs a whole window in one pass.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.n_heads, self.d_head = cfg.n_heads, cfg.d_head
        self.q = nn.Linear(cfg.d_model, cfg.d_model, bias=False)
        self.k = nn.Linear(cfg.d_model, cfg.d_model, bias=False)
        self.v = nn.Linear(cfg.d_model, cfg.d_model, bias=False)
        self.time_bias = nn.Linear(3, cfg.n_heads)
        self.out = nn.Linear(cfg.d_model, cfg.d_model)
        self.max_offset = cfg.max_offset

    def project_kv(self, x):
        """Keys and values (B, Q, L, H, D) of tokens x (B, Q, L, d): what the cache stores."""
        shape = x.shape[:-1] + (self.n_heads, self.d_head)
        return self.k(x).reshape(shape), self.v(x).reshape(shape)

    def forward(self, x, k_self, v_self, ext_k, ext_v, ext_offset, ext_mask, self_offset, self_mask, space=None):
        """x (B, Q, L, d); ext_k/v (B, S, L, H, D); ext_offset/mask (B, Q, S); self_* (Q, Q).

        ``space`` (the neighbour graph) is not used: each residue sees only itself in other frames.
        """
        q = self.q(x).reshape(x.shape[:-1] + (self.n_heads, self.d_head)) / math.sqrt(self.d_head)
        bias_ext = self.time_bias(offset_features(ext_offset, self.max_offset)).permute(0, 3, 1, 2)[:, None]
        bias_ext = bias_ext + (1.0 - ext_mask)[:, None, None] * NEG_INF                      # (B,1,H,Q,S)
        bias_self = self.time_bias(offset_features(self_offset, self.max_offset)).permute(2, 0, 1)  # (H, Q, Q)
        bias_self = bias_self + (1.0 - self_mask) * NEG_INF
        logit_ext = torch.einsum("bqlhd,bslhd->blhqs", q, ext_k) + bias_ext
        logit_self = torch.einsum("bqlhd,bklhd->blhqk", q, k_self) + bias_self
        n_ext = ext_k.shape[1]
        attn = torch.softmax(torch.cat([logit_ext, logit_self], dim=-1), dim=-1)
        out = (torch.einsum("blhqs,bslhd->bqlhd", attn[..., :n_ext], ext_v)
               + torch.einsum("blhqk,bklhd->bqlhd", attn[..., n_ext:], v_self))
        return self.out(out.flatten(-2))


class JointTemporalAttention(TemporalAttention):
    """Joint spatio-temporal attention (STAR-MD's idea), linear in protein size.

    Residue i of a frame attends to the tokens of its spatial neighbours nbr[i] (itself
    included) in every earlier frame it may see and in its own frame: block-causal over frames,
    sparse over space. Keys/values are the same per-frame tokens the KV cache holds; they are
    gathered at the neighbours when attended. Logits get a time bias (frame offset) and a space
    bias (the pair features of i and its neighbour in the query frame).
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)
        self.space_bias = nn.Linear(cfg.d_pair, cfg.n_heads, bias=False)

    def forward(self, x, k_self, v_self, ext_k, ext_v, ext_offset, ext_mask, self_offset, self_mask, space=None):
        """As ``TemporalAttention.forward``; ``space`` = (nbr (B, L, K), nbr_mask (B, L, K), pair (B, Q, L, K, c)).

        Written with batched matmuls over (B, L, H) so ONNX Runtime runs it as MatMul, not Einsum.
        """
        nbr, nbr_mask, pair = space
        n_ext, n_self, k = ext_k.shape[1], k_self.shape[1], nbr.shape[-1]
        q = self.q(x).reshape(x.shape[:-1] + (self.n_heads, self.d_head)) / math.sqrt(self.d_head)
        q = q.permute(0, 2, 3, 1, 4)                                                # (B, L, H, Q, D)

        def keyed(t):   # (B, F, L, H, D) -> neighbours' tokens (B, L, H, F*K, D), frame-major
            return gather_residues(t.transpose(1, 2), nbr).permute(0, 1, 4, 3, 2, 5).flatten(3, 4)

        space_b = self.space_bias(pair).permute(0, 2, 4, 1, 3)[:, :, :, :, None]   # (B, L, H, Q, 1, K)
        nbr_b = ((1.0 - nbr_mask) * NEG_INF)[:, :, None, None, None]                # (B, L, 1, 1, 1, K)
        time_ext = self.time_bias(offset_features(ext_offset, self.max_offset)).permute(0, 3, 1, 2)  # (B,H,Q,S)
        time_ext = (time_ext + (1.0 - ext_mask)[:, None] * NEG_INF)[:, None, :, :, :, None]         # (B,1,H,Q,S,1)
        time_self = self.time_bias(offset_features(self_offset, self.max_offset)).permute(2, 0, 1)   # (H, Q, Qk)
        time_self = (time_self + (1.0 - self_mask) * NEG_INF)[None, None, :, :, :, None]            # (1,1,H,Q,Qk,1)
        ek, ev, sk, sv = keyed(ext_k), keyed(ext_v), keyed(k_self), keyed(v_self)
        logit_ext = q @ ek.transpose(-1, -2) + (time_ext + space_b + nbr_b).flatten(-2)           # (B,L,H,Q,S*K)
        logit_self = q @ sk.transpose(-1, -2) + (time_self + space_b + nbr_b).flatten(-2)         # (B,L,H,Q,Qk*K)
        attn = torch.softmax(torch.cat([logit_ext, logit_self], dim=-1), dim=-1)
        out = attn[..., : n_ext * k] @ ev + attn[..., n_ext * k:] @ sv                            # (B, L, H, Q, D)
        return self.out(out.permute(0, 3, 1, 2, 4).flatten(-2))
