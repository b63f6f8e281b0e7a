"""The causal spatio-temporal SE(3) denoiser (torch ``nn.Module``).

One block = invariant point attention over the residues of a frame, attention across frames
(block-causal, KV-cached at inference), and a per-residue MLP; each sublayer is conditioned by
adaptive layer norm on flow time, log stride and temperature. The head predicts the clean frame
as an SE(3) update of the noisy frame (expressed in the noisy frame's local coordinates) and the
clean torsions.

Two architectures, chosen by ``ModelConfig``:
- ``neighbors`` = K > 0, ``temporal = "joint"`` (the ``cpu`` preset): IPA over each residue's K
  nearest residues (by CA, in the anchor frame, ``model.neighbors``) and *joint* spatio-temporal
  attention: a residue attends to its ``temporal_neighbors`` nearest residues in every earlier
  frame it may see and in its own frame. Cost grows linearly with protein size.
- ``neighbors`` = 0, ``temporal = "factorized"``: IPA over all residue pairs and time attention of
  each residue over its own tokens only (cost ~ L^2).

Entry points: ``Denoiser.forward(FrameInputs, TemporalContext) -> FrameOutputs`` (typed, Q frames
per batch element: training, cache checks; ``model.inputs`` documents every tensor) and
``OneFrameStep`` (one frame against the KV cache as the flat tensors of ``io_spec``: ONNX export
and the PyTorch backend). Network, noise process (``flow.process``) and loss (``flow.loss``) live apart.
"""

from __future__ import annotations

import torch
from torch import nn

from trajgen.engine.model.config import ModelConfig
from trajgen.engine.model.features import ConditionEmbedding, PairEmbedding, ResidueEmbedding
from trajgen.engine.model.inputs import FrameInputs, FrameOutputs, TemporalContext
from trajgen.engine.model.ipa import InvariantPointAttention
from trajgen.engine.model.layers import AdaLN, JointTemporalAttention, TemporalAttention, Transition
from trajgen.engine.model.neighbors import Neighbourhood, dense_neighbor_mask, gather_pairs, nearest_neighbors

ROT_UPDATE_SCALE = 0.1  # radians per unit of raw network output
# Up to this many residues, neighbour-restricted attention runs as masked all-pairs attention
# (the same numbers; faster when K is a large share of L). The ONNX graph always gathers.
DENSE_NEIGHBORS_MAX_L = 160


class Block(nn.Module):
    """IPA within the frame -> attention across frames -> transition, each with AdaLN."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        time_attention = JointTemporalAttention if cfg.temporal == "joint" else TemporalAttention
        self.norm_ipa, self.ipa = AdaLN(cfg.d_model, cfg.d_cond), InvariantPointAttention(cfg)
        self.norm_time, self.time = AdaLN(cfg.d_model, cfg.d_cond), time_attention(cfg)
        self.norm_mlp, self.mlp = AdaLN(cfg.d_model, cfg.d_cond), Transition(cfg)

    def forward(self, x, cond, pair, rot, trans, res_mask, temporal, hood: Neighbourhood | None = None):
        """x (B, Q, L, d). Returns (x, k, v) with k, v (B, Q, L, H, D) of this block's tokens.

        ``hood`` restricts attention to spatial neighbours (``pair`` is then (B, Q, L, K, c) when
        the neighbours are gathered); None: all pairs.
        """
        b, q, n = x.shape[:3]
        h, gate = self.norm_ipa(x, cond)
        flat = (h.reshape(b * q, n, -1), pair.reshape((b * q,) + pair.shape[2:]),
                rot.reshape(b * q, n, 3, 3), trans.reshape(b * q, n, 3),
                res_mask[:, None].expand(b, q, n).reshape(b * q, n))
        if hood is not None and hood.allowed is None:      # gathered neighbours (any size)
            k_nbr = hood.nbr.shape[-1]
            flat += (hood.nbr[:, None].expand(b, q, n, k_nbr).reshape(b * q, n, k_nbr),
                     hood.mask[:, None].expand(b, q, n, k_nbr).reshape(b * q, n, k_nbr))
        elif hood is not None:                             # all pairs masked to the same neighbours
            flat += (None, None, hood.allowed[:, None].expand(b, q, n, n).reshape(b * q, n, n))
        x = x + gate * self.ipa(*flat).reshape(b, q, n, -1)
        h, gate = self.norm_time(x, cond)
        k, v = self.time.project_kv(h)
        x = x + gate * self.time(h, k, v, *temporal, space=None if hood is None else hood.time)
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
        self.dense_max_residues = DENSE_NEIGHBORS_MAX_L   # 0: always gather (what the ONNX graph does)

    def forward(self, inputs: FrameInputs, context: TemporalContext) -> FrameOutputs:
        """Denoise (or encode) Q frames per batch element; shapes and units in ``model.inputs``.

        Training runs a whole window at once (the queries attend to each other through
        ``context.self_mask``); inference runs one frame against the KV cache (``OneFrameStep``).
        Neighbour lists (models with ``neighbors`` > 0) come from ``inputs.neighbor_trans`` and are
        shared by every query frame and block.
        """
        i, c = inputs, context
        x = self.embed(i.aatype, i.rot, i.trans, i.torsions, i.torsion_mask, i.ref_rot, i.ref_trans)
        x = x * i.res_mask[:, None, :, None]                                          # (B, Q, L, d)
        cond = self.cond(i.flow_time, i.log_dt, i.temperature)                        # (B, Q, d_cond)
        hood, n_res = None, i.aatype.shape[1]
        if self.cfg.neighbors > 0:
            nbr, mask = nearest_neighbors(i.neighbor_trans, i.res_mask, self.cfg.neighbors)   # (B, L, K) x2
            # small proteins (training crops): all pairs masked to the neighbours, same numbers
            dense = n_res <= self.dense_max_residues and not torch.jit.is_tracing()
            hood = Neighbourhood(nbr, mask, dense_neighbor_mask(nbr, mask, n_res) if dense else None)
        pair = self.pair(i.rot, i.trans, i.residue_index, i.chain_index,
                         None if hood is None or hood.allowed is not None else hood.nbr)
        if hood is not None:      # joint time attention gathers its nearest temporal_neighbors, once for all blocks
            kt = self.cfg.temporal_neighbors
            pair_t = gather_pairs(pair, nbr[..., :kt]) if hood.allowed is not None else pair[..., :kt, :]
            hood.time = (nbr[..., :kt], mask[..., :kt], pair_t)
        keys, values = [], []
        for n, block in enumerate(self.blocks):
            temporal = (c.cache_k[n], c.cache_v[n], c.slot_offset, c.slot_mask, c.self_offset, c.self_mask)
            x, k, v = block(x, cond, pair, i.rot, i.trans, i.res_mask, temporal, hood)
            keys.append(k)
            values.append(v)
        h, _ = self.norm_out(x, cond)
        frame = self.frame_head(h).float()
        tors = self.torsion_head(h).float().reshape(h.shape[:-1] + (7, 2))
        tors = tors / torch.sqrt((tors ** 2).sum(-1, keepdim=True) + 1e-8)
        return FrameOutputs(frame[..., :3] * ROT_UPDATE_SCALE, frame[..., 3:] * self.cfg.trans_scale_A, tors,
                            torch.stack(keys), torch.stack(values))


class OneFrameStep(nn.Module):
    """The denoiser on one frame per batch element against the KV cache, as flat tensors in
    ``io_spec`` order: the ONNX graph and the PyTorch backend run this.

    Returns rot_update (B, L, 3), trans_update (B, L, 3) Angstrom, torsions_out (B, L, 7, 2),
    new_k and new_v (N, B, L, H, D).
    """

    def __init__(self, denoiser: Denoiser):
        super().__init__()
        self.denoiser = denoiser
        self.cfg = denoiser.cfg

    def forward(self, aatype, residue_index, chain_index, rot, trans, torsions, torsion_mask,
                ref_rot, ref_trans, neighbor_trans, flow_time, log_dt, temperature, cache_k, cache_v,
                slot_offset, slot_mask):
        one = torch.ones(1, 1, dtype=rot.dtype, device=rot.device)
        zero = torch.zeros(1, 1, dtype=rot.dtype, device=rot.device)
        inputs = FrameInputs(aatype, residue_index, chain_index, rot[:, None], trans[:, None], torsions[:, None],
                             torsion_mask[:, None], ref_rot[:, None], ref_trans[:, None], flow_time[:, None],
                             log_dt[:, None], temperature[:, None], torch.ones_like(trans[..., 0]), neighbor_trans)
        out = self.denoiser(inputs, TemporalContext(cache_k, cache_v, slot_offset[:, None], slot_mask[:, None],
                                                    zero, one))
        return (out.rot_update[:, 0], out.trans_update[:, 0], out.torsions[:, 0], out.k[:, :, 0], out.v[:, :, 0])


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
