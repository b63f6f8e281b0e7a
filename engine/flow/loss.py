"""Flow-matching training loss of the denoiser over windows of frames (torch).

Batch format (a dict of tensors; B windows, T frames each, L residues, padded with res_mask):
    aatype (B, L) int64, residue_index (B, L) int64, chain_index (B, L) int64,
    res_mask (B, L) float (1 = real residue), torsion_mask (B, L, 7) float,
    rot (B, T, L, 3, 3) backbone frame rotations, trans (B, T, L, 3) CA positions in Angstrom,
    torsions (B, T, L, 7) radians [omega, phi, psi, chi1..chi4],
    dt_ps (B,) stride between consecutive frames in picoseconds, temperature_K (B,) kelvin.
Every frame t >= 1 is a target in one pass: clean frames (lightly noised, diffusion forcing) go
in with a block-causal mask, followed by a noisy copy of each target that sees the clean frames
before it. With probability ``goal_prob`` the last frame is also given as a goal anchor
(hierarchical fine segments). A batch whose ``anchor_far`` (B,) is set holds far-anchor windows
(``dataset.windows``): frame 0 is shown at ``ModelConfig.max_offset`` (at least) to every frame,
the clamped offset a long rollout's anchor has, and no goal is added.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from trajgen.engine.flow.process import FlowConfig
from trajgen.engine.flow.torch_process import interpolate, perturb
from trajgen.engine.flow.torch_so3 import exp_map
from trajgen.engine.geometry.rigid_groups import backbone_local
from trajgen.engine.model.inputs import FrameInputs, TemporalContext
from trajgen.engine.model.masks import add_goal, clean_and_noisy_mask


@dataclass(frozen=True)
class LossConfig:
    """Weights of the loss terms and training-time noise options."""

    w_trans: float = 1.0
    w_rot: float = 1.0
    w_torsion: float = 0.5
    w_distance: float = 0.5          # CA-CA distances within ``distance_cutoff_A`` of the clean frame
    distance_cutoff_A: float = 15.0
    max_history_noise: float = 0.1   # history frames are noised to a level drawn in [0, this]
    goal_prob: float = 0.5           # share of windows trained with the goal anchor
    w_bonds: float = 0.0             # chain links: N, CA, C distances between consecutive residues (A^2)


def _sincos(angles):
    return torch.stack([torch.sin(angles), torch.cos(angles)], -1)


def flow_matching_loss(model, batch: dict[str, torch.Tensor], flow: FlowConfig = FlowConfig(),
                       cfg: LossConfig = LossConfig(), model_cfg=None) -> tuple[torch.Tensor, dict[str, float]]:
    """Scalar loss and its parts (floats) for one batch of windows (format in the module docstring).

    ``model`` is called as ``model(FrameInputs, TemporalContext) -> FrameOutputs``: a ``Denoiser``, the
    same under DDP, or any callable doing that; ``model_cfg`` (its ``ModelConfig``) defaults to
    ``model.cfg``. The loss never imports the network.
    """
    model_cfg = model.cfg if model_cfg is None else model_cfg
    rot, trans, tors = batch["rot"], batch["trans"], batch["torsions"]
    b, t = trans.shape[:2]
    hist = cfg.max_history_noise * torch.rand(b, t, device=trans.device)
    h_rot, h_trans, h_tors = perturb(rot, trans, tors, hist, flow)
    prev = (rot[:, :-1], trans[:, :-1], tors[:, :-1])
    x0 = perturb(*prev, torch.ones(b, t - 1, device=trans.device), flow)
    s = torch.rand(b, t - 1, device=trans.device)
    xs = interpolate(x0, (rot[:, 1:], trans[:, 1:], tors[:, 1:]), s)

    ref_idx = torch.cat([torch.zeros(1, dtype=torch.long), torch.arange(t - 1), torch.arange(t - 1)])
    ref_idx = ref_idx.to(trans.device)                                            # frame each query is relative to
    q_rot, q_trans, q_tors = (torch.cat([h, x], 1) for h, x in zip((h_rot, h_trans, h_tors), xs))
    ref_rot, ref_trans = rot[:, ref_idx], trans[:, ref_idx]
    flow_time = torch.cat([1.0 - hist, s], 1)
    offset, mask = clean_and_noisy_mask(t, model_cfg.context_window, model_cfg.n_anchor)
    far = "anchor_far" in batch and bool(batch["anchor_far"].any())
    if far:
        offset = far_anchor_offsets(offset, model_cfg.max_offset)
    if not far and cfg.goal_prob > 0 and float(torch.rand(())) < cfg.goal_prob:
        frame_of = np.concatenate([np.arange(t), np.arange(1, t)])
        offset, mask = add_goal(offset, mask, frame_of, t - 1)
        q_rot, q_trans, q_tors = (torch.cat([q, x[:, -1:]], 1) for q, x in zip((q_rot, q_trans, q_tors),
                                                                              (rot, trans, tors)))
        ref_rot, ref_trans = torch.cat([ref_rot, rot[:, :1]], 1), torch.cat([ref_trans, trans[:, :1]], 1)
        flow_time = torch.cat([flow_time, torch.ones(b, 1, device=trans.device)], 1)
    q = q_trans.shape[1]
    inputs = FrameInputs(
        batch["aatype"], batch["residue_index"], batch["chain_index"], q_rot, q_trans, _sincos(q_tors),
        batch["torsion_mask"][:, None].expand(b, q, -1, -1), ref_rot, ref_trans, flow_time,
        torch.log(batch["dt_ps"])[:, None].expand(b, q), batch["temperature_K"][:, None].expand(b, q),
        batch["res_mask"], trans[:, 0])                       # neighbour lists: the window's anchor, frame 0
    context = TemporalContext.among_queries(model_cfg, b, trans.shape[2], torch.from_numpy(offset),
                                            torch.from_numpy(mask), trans)
    out = model(inputs, context)
    return _target_terms(batch, xs, (out.rot_update, out.trans_update, out.torsions), t, model_cfg.trans_scale_A, cfg)


def far_anchor_offsets(offset: np.ndarray, max_offset: int) -> np.ndarray:
    """Offsets (Q, Q) with every later frame's offset to frame 0 raised to at least ``max_offset``."""
    out = offset.copy()
    later = out[:, 0] > 0
    out[later, 0] = np.maximum(out[later, 0], float(max_offset))
    return out


def _distance_term(pred, true, res_mask, scale, cutoff):
    """Mean squared error of CA-CA distances (in units of ``scale``) over pairs closer than cutoff in truth."""
    d_pred = torch.sqrt(((pred[..., :, None, :] - pred[..., None, :, :]) ** 2).sum(-1) + 1e-6)
    d_true = torch.sqrt(((true[..., :, None, :] - true[..., None, :, :]) ** 2).sum(-1) + 1e-6)
    pair = res_mask[:, None, :, None] * res_mask[:, None, None, :] * (d_true < cutoff).to(pred.dtype)
    return (((d_pred - d_true) / scale) ** 2 * pair).sum() / pair.sum().clamp(min=1.0)


# N, CA, C of an ideal residue in its backbone frame (Angstrom; engine.geometry.rigid_groups)
_BACKBONE_LOCAL = torch.tensor(np.stack([backbone_local("ALA")[a] for a in ("N", "CA", "C")]), dtype=torch.float32)


def chain_link_term(rot_hat, trans_hat, rot, trans, residue_index, res_mask):
    """Mean squared error (A^2) of the distances that join consecutive residues: C(i)-N(i+1) (the
    peptide bond), CA(i)-CA(i+1), CA(i)-N(i+1) and C(i)-CA(i+1), predicted against true frames.

    Frames (B, T, L, 3, 3) and (B, T, L, 3); residue_index (B, L) (a jump > 1 is a chain break or
    another chain: not a link); res_mask (B, L). The term the whole-frame losses spread thinly:
    it is what keeps a generated chain unbroken.
    """
    local = _BACKBONE_LOCAL.to(trans)

    def atoms(r, x):                                           # (B, T, L, 3 atoms, 3)
        return torch.einsum("btlij,aj->btlai", r, local) + x[..., None, :]

    def links(a):                                              # (B, T, L-1, 4)
        here, there = a[:, :, :-1], a[:, :, 1:]
        pairs = ((2, 0), (1, 1), (1, 0), (2, 1))               # (atom of i, atom of i+1): C-N, CA-CA, CA-N, C-CA
        return torch.stack([torch.linalg.vector_norm(here[..., i, :] - there[..., j, :], dim=-1) for i, j in pairs], -1)

    linked = ((residue_index[:, 1:] - residue_index[:, :-1]) == 1).to(trans) * res_mask[:, 1:] * res_mask[:, :-1]
    err = (links(atoms(rot_hat, trans_hat)) - links(atoms(rot, trans))) ** 2 * linked[:, None, :, None]
    return err.sum() / (linked.sum() * err.shape[1] * err.shape[-1]).clamp(min=1.0)


def _target_terms(batch, xs, outputs, t, trans_scale, cfg: LossConfig):
    """Loss terms on the noisy copies (queries t .. 2t-2) against the clean frames 1..t-1."""
    rot_u, trans_u, tors_out = (o[:, t:2 * t - 1] for o in outputs)
    rot_hat = xs[0] @ exp_map(rot_u)
    trans_hat = xs[1] + (xs[0] @ trans_u[..., None])[..., 0]
    res = batch["res_mask"][:, None, :]                                           # (B, 1, L)
    n_res = res.sum() * (t - 1)
    l_trans = (((trans_hat - batch["trans"][:, 1:]) / trans_scale) ** 2).sum(-1)
    l_rot = ((rot_hat - batch["rot"][:, 1:]) ** 2).sum((-1, -2))
    tmask = batch["torsion_mask"][:, None] * res[..., None]
    l_tors = ((tors_out - _sincos(batch["torsions"][:, 1:])) ** 2).sum(-1) * tmask
    parts = {"trans": (l_trans * res).sum() / n_res, "rot": (l_rot * res).sum() / n_res,
             "torsion": l_tors.sum() / (tmask.sum() * (t - 1)).clamp(min=1.0),
             "distance": _distance_term(trans_hat, batch["trans"][:, 1:], batch["res_mask"], trans_scale,
                                        cfg.distance_cutoff_A)}
    if cfg.w_bonds > 0:
        parts["bonds"] = chain_link_term(rot_hat, trans_hat, batch["rot"][:, 1:], batch["trans"][:, 1:],
                                         batch["residue_index"], batch["res_mask"])
    total = (cfg.w_trans * parts["trans"] + cfg.w_rot * parts["rot"] + cfg.w_torsion * parts["torsion"]
             + cfg.w_distance * parts["distance"] + cfg.w_bonds * parts.get("bonds", 0.0))
    return total, {k: float(v.detach()) for k, v in parts.items()}
