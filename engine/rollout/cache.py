"""Constant-size KV cache of finished frames: anchor slots, a sliding window, one goal slot.

Slot layout along S = ``ModelConfig.n_slots``: ``[0, n_anchor)`` the earliest frames (kept for
good), ``[n_anchor, n_anchor + window)`` a ring of the latest frames, and the last slot the
goal anchor of a hierarchical segment. Memory is (N, B, S, L, H, D) float32 whatever the
rollout length.
"""

from __future__ import annotations

import numpy as np

from trajgen.engine.model.config import ModelConfig


class KVCache:
    """Per-block keys/values of finished frames for a batch of B trajectories."""

    def __init__(self, cfg: ModelConfig, batch: int, n_res: int):
        shape = (cfg.n_blocks, batch, cfg.n_slots, n_res, cfg.n_heads, cfg.d_head)
        self.cfg = cfg
        self.k = np.zeros(shape, dtype=np.float32)
        self.v = np.zeros(shape, dtype=np.float32)
        self.frame_of_slot = np.full(cfg.n_slots, -1, dtype=np.int64)  # frame index held, -1 empty
        self.goal_slot = cfg.n_slots - 1

    @property
    def nbytes(self) -> int:
        """Memory held by keys and values, in bytes."""
        return self.k.nbytes + self.v.nbytes

    def slot_for(self, frame_index: int) -> int:
        """Slot a finished frame goes to: an anchor slot for the first frames, else the ring."""
        if frame_index < self.cfg.n_anchor:
            return frame_index
        return self.cfg.n_anchor + (frame_index - self.cfg.n_anchor) % self.cfg.window

    def add(self, frame_index: int, k: np.ndarray, v: np.ndarray) -> None:
        """Store keys/values (N, B, L, H, D) of finished frame ``frame_index`` (frames in order)."""
        slot = self.slot_for(frame_index)
        self.k[:, :, slot] = k
        self.v[:, :, slot] = v
        self.frame_of_slot[slot] = frame_index

    def set_goal(self, frame_index: int, k: np.ndarray, v: np.ndarray) -> None:
        """Store the goal anchor (a frame later than all frames to be sampled)."""
        self.k[:, :, self.goal_slot] = k
        self.v[:, :, self.goal_slot] = v
        self.frame_of_slot[self.goal_slot] = frame_index

    def context(self, frame_index: int) -> dict[str, np.ndarray]:
        """Cache inputs for sampling frame ``frame_index``: cache_k/v, slot_offset, slot_mask."""
        batch = self.k.shape[1]
        held = self.frame_of_slot >= 0
        held[self.goal_slot] &= self.frame_of_slot[self.goal_slot] > frame_index  # as in training: the goal
        # is seen only by frames before it (the landing frame itself is replaced by the goal anyway)
        offset = np.where(held, frame_index - self.frame_of_slot, 0).astype(np.float32)
        return {"cache_k": self.k, "cache_v": self.v,
                "slot_offset": np.broadcast_to(offset, (batch, offset.size)).copy(),
                "slot_mask": np.broadcast_to(held.astype(np.float32), (batch, held.size)).copy()}
