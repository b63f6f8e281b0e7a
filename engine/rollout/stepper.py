"""Sampling one frame (a few Euler steps of the flow) and encoding finished frames into the cache."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trajgen.engine.flow.process import Frames, FlowConfig, apply_update, euler_step, perturb
from trajgen.engine.flow.so3 import orthonormalize
from trajgen.engine.rollout.cache import KVCache


@dataclass(frozen=True)
class ProteinContext:
    """Per-protein network inputs that never change during a rollout.

    aatype (L,) int64 residue type; residue_index (L,) int64 (jumps by 100 at chain breaks);
    chain_index (L,) int64; torsion_mask (L, 7) float32 (1 where the torsion exists).
    """

    aatype: np.ndarray
    residue_index: np.ndarray
    chain_index: np.ndarray
    torsion_mask: np.ndarray

    @property
    def n_res(self) -> int:
        return int(self.aatype.shape[0])

    def batched(self, batch: int) -> dict[str, np.ndarray]:
        """Network inputs of the static fields, repeated over a batch."""
        rep = lambda a, dtype: np.repeat(np.asarray(a, dtype=dtype)[None], batch, axis=0)
        return {"aatype": rep(self.aatype, np.int64), "residue_index": rep(self.residue_index, np.int64),
                "chain_index": rep(self.chain_index, np.int64),
                "torsion_mask": rep(self.torsion_mask, np.float32)}


def draw_noise(rngs: list[np.random.Generator], n_res: int) -> dict[str, np.ndarray]:
    """Standard normal draws for one frame, row b from ``rngs[b]`` (batching never changes a row)."""
    rows = [{"rot": g.standard_normal((n_res, 3)), "trans": g.standard_normal((n_res, 3)),
             "torsions": g.standard_normal((n_res, 7))} for g in rngs]
    return {key: np.stack([r[key] for r in rows]) for key in ("rot", "trans", "torsions")}


class FrameSampler:
    """Samples frames at one stride and temperature with a denoiser backend.

    ``relax`` (a ``rollout.relax.Relaxer``, or None) corrects every sampled frame before it is
    returned, hence before the rollout encodes it as context for the next.
    """

    def __init__(self, backend, context: ProteinContext, flow: FlowConfig, dt_ps: float, temperature_K: float,
                 relax=None):
        self.backend = backend
        self.relax = relax
        self.context = context
        self.flow = flow
        self.log_dt = float(np.log(dt_ps))
        self.temperature = float(temperature_K)

    def new_cache(self, batch: int) -> KVCache:
        return KVCache(self.backend.config, batch, self.context.n_res)

    def _inputs(self, x: Frames, ref: Frames, flow_time: float, cache_ctx: dict,
                neighbor_trans: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Network inputs (``io_spec``) for frames ``x`` relative to ``ref``; neighbour lists from
        ``neighbor_trans`` (B, L, 3), the rollout's anchor (default: ``ref``)."""
        batch = x.trans.shape[0]
        inputs = self.context.batched(batch)
        anchor = ref.trans if neighbor_trans is None else neighbor_trans
        inputs.update({
            "rot": x.rot.astype(np.float32), "trans": x.trans.astype(np.float32),
            "torsions": np.stack([np.sin(x.torsions), np.cos(x.torsions)], -1).astype(np.float32),
            "ref_rot": ref.rot.astype(np.float32), "ref_trans": ref.trans.astype(np.float32),
            "neighbor_trans": np.asarray(anchor, np.float32),
            "flow_time": np.full(batch, flow_time, np.float32),
            "log_dt": np.full(batch, self.log_dt, np.float32),
            "temperature": np.full(batch, self.temperature, np.float32)})
        inputs.update(cache_ctx)
        return inputs

    def sample(self, cache: KVCache, frame_index: int, prev: Frames, rngs: list) -> Frames:
        """Frame ``frame_index`` following ``prev`` (B rows), given the cache of earlier frames."""
        x = perturb(prev, draw_noise(rngs, self.context.n_res), self.flow)
        ctx = cache.context(frame_index)
        times = self.flow.step_times()
        anchor = cache.neighbor_source(prev.trans)
        for s, s_next in zip(times[:-1], times[1:]):
            out = self.backend(self._inputs(x, prev, float(s), ctx, anchor))
            clean = apply_update(x, out["rot_update"], out["trans_update"], out["torsions_out"])
            x = euler_step(x, clean, float(s), float(s_next))
        frame = Frames(orthonormalize(x.rot), x.trans, x.torsions)
        return frame if self.relax is None else self.relax(frame)

    def encode(self, cache: KVCache, frame_index: int, frames: Frames, ref: Frames, rngs: list) -> None:
        """Run the finished frame through the network and store its keys/values in the cache.

        With ``FlowConfig.history_noise`` > 0 the frame is noised to that level first
        (diffusion forcing), which keeps long rollouts on the training distribution.
        """
        level = self.flow.history_noise
        anchor = cache.neighbor_source(frames.trans)
        clean_trans = frames.trans
        if level > 0:
            frames = perturb(frames, draw_noise(rngs, self.context.n_res), self.flow, level)
        out = self.backend(self._inputs(frames, ref, 1.0 - level, cache.context(frame_index), anchor))
        cache.add(frame_index, out["new_k"], out["new_v"], clean_trans)

    def encode_goal(self, cache: KVCache, frame_index: int, goal: Frames, start: Frames) -> None:
        """Encode a hierarchical segment's goal anchor (relative to its start anchor) on its own."""
        lone = self.new_cache(goal.trans.shape[0])
        out = self.backend(self._inputs(goal, start, 1.0, lone.context(frame_index), start.trans))
        cache.set_goal(frame_index, out["new_k"], out["new_v"])
