"""Constant-size KV cache of finished frames: anchor slots, a sliding window, one goal slot.

Slot layout along S = ``ModelConfig.n_slots``: ``[0, n_anchor)`` the earliest frames (kept for
good), ``[n_anchor, n_anchor + context_window)`` a ring of the latest frames, and the last slot the
goal anchor of a hierarchical segment. Memory is (N, B, S, L, H, D) float32 whatever the
rollout length.
"""

from __future__ import annotations

import numpy as np

from trajgen.engine.model.config import ModelConfig
from trajgen.engine.model.masks import goal_visible, visible


class KVCache:
    """Per-block keys/values of finished frames for a batch of B trajectories."""

    def __init__(self, cfg: ModelConfig, batch: int, n_res: int):
        shape = (cfg.n_blocks, batch, cfg.n_slots, n_res, cfg.n_heads, cfg.d_head)
        self.cfg = cfg
        self.k = np.zeros(shape, dtype=np.float32)
        self.v = np.zeros(shape, dtype=np.float32)
        self.frame_of_slot = np.full(cfg.n_slots, -1, dtype=np.int64)  # frame index held, -1 empty
        self.goal_slot = cfg.n_slots - 1
        self.anchor_trans: np.ndarray | None = None   # (B, L, 3) CA of frame 0: the neighbour lists' source

    @property
    def nbytes(self) -> int:
        """Memory held by keys and values, in bytes."""
        return self.k.nbytes + self.v.nbytes

    def slot_for(self, frame_index: int) -> int:
        """Slot a finished frame goes to: an anchor slot for the first frames, else the ring."""
        if frame_index < self.cfg.n_anchor:
            return frame_index
        return self.cfg.n_anchor + (frame_index - self.cfg.n_anchor) % self.cfg.context_window

    def neighbor_source(self, frame_trans: np.ndarray) -> np.ndarray:
        """CA positions (B, L, 3) the network builds neighbour lists from: frame 0's, once it is in the
        cache; before that (frame 0 itself) the frame's own (``frame_trans``)."""
        return frame_trans if self.anchor_trans is None else self.anchor_trans

    def add(self, frame_index: int, k: np.ndarray, v: np.ndarray, trans: np.ndarray | None = None) -> None:
        """Store keys/values (N, B, L, H, D) of finished frame ``frame_index`` (frames in order).

        ``trans`` (B, L, 3) of frame 0 becomes the neighbour source of every later frame.
        """
        if frame_index == 0 and trans is not None:
            self.anchor_trans = np.asarray(trans, np.float32)
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
        cfg = self.cfg
        held = np.array([visible(frame_index, int(f), cfg.context_window, cfg.n_anchor)
                         for f in self.frame_of_slot[: self.goal_slot]]
                        + [self.frame_of_slot[self.goal_slot] >= 0
                           and goal_visible(frame_index, int(self.frame_of_slot[self.goal_slot]))])
        offset = np.where(held, frame_index - self.frame_of_slot, 0).astype(np.float32)
        return {"cache_k": self.k, "cache_v": self.v,
                "slot_offset": np.broadcast_to(offset, (batch, offset.size)).copy(),
                "slot_mask": np.broadcast_to(held.astype(np.float32), (batch, held.size)).copy()}
