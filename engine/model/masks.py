"""Which frames may attend to which: the block-causal masks of training and cache checks (numpy).

Offsets are query frame minus key frame (frames); a mask entry 1 means the query may attend.
A frame sees itself, the ``n_anchor`` first frames and the ``window`` frames before it: the
same set the inference KV cache holds, so a cached step equals a recomputed one. This module
is the one place that rule is written: ``rollout.cache.KVCache.context`` asks ``visible`` and
``goal_visible`` for every slot.
"""

from __future__ import annotations

import numpy as np


def visible(query: int, key: int, window: int, n_anchor: int) -> bool:
    """True when frame ``query`` sees finished frame ``key`` (key < query) in the cache.

    ``window`` is ``ModelConfig.context_window`` in training and at inference alike.
    """
    return 0 <= key < query and (key < n_anchor or query - key <= window)


def goal_visible(query: int, goal: int) -> bool:
    """True when frame ``query`` of a hierarchical segment sees the segment's goal anchor ``goal``.

    Frames strictly between the start (frame 0) and the goal see it; the start is encoded
    before the goal is known, and the landing frame is replaced by the goal itself.
    """
    return 0 < query < goal


def causal_window_mask(n_frames: int, window: int, n_anchor: int) -> tuple[np.ndarray, np.ndarray]:
    """Offsets and mask (Q, Q) for clean frames 0..n_frames-1 run together."""
    idx = np.arange(n_frames)
    offset = (idx[:, None] - idx[None, :]).astype(np.float32)
    mask = np.array([[q == k or visible(q, k, window, n_anchor) for k in idx] for q in idx], np.float32)
    return offset, mask


def clean_and_noisy_mask(n_frames: int, window: int, n_anchor: int) -> tuple[np.ndarray, np.ndarray]:
    """Offsets and mask (2T-1, 2T-1) for T clean frames followed by noisy copies of frames 1..T-1.

    The noisy copy of frame t sees itself and the clean frames visible to t, never other
    noisy copies, so every frame of a window trains in one pass (teacher forcing).
    """
    offset_c, mask_c = causal_window_mask(n_frames, window, n_anchor)
    frame_of = np.concatenate([np.arange(n_frames), np.arange(1, n_frames)])
    q = len(frame_of)
    offset = (frame_of[:, None] - frame_of[None, :]).astype(np.float32)
    mask = np.zeros((q, q), np.float32)
    mask[:n_frames, :n_frames] = mask_c
    for i in range(n_frames, q):
        t = frame_of[i]
        mask[i, :n_frames] = [visible(t, k, window, n_anchor) for k in range(n_frames)]
        mask[i, i] = 1.0
    return offset, mask


def add_goal(offset: np.ndarray, mask: np.ndarray, frame_of: np.ndarray, goal_frame: int) -> tuple[np.ndarray, np.ndarray]:
    """Append the goal anchor of a hierarchical segment as one more query/key.

    The goal sees only itself; frames strictly between the start (frame 0) and the goal see it,
    as in the rollout, where the start anchor is encoded before the goal is known.
    frame_of (Q,) is the frame index of each existing query.
    """
    q = len(frame_of)
    out_offset = np.zeros((q + 1, q + 1), np.float32)
    out_mask = np.zeros((q + 1, q + 1), np.float32)
    out_offset[:q, :q], out_mask[:q, :q] = offset, mask
    out_offset[:q, q] = frame_of - goal_frame
    out_mask[:q, q] = [goal_visible(int(f), goal_frame) for f in frame_of]
    out_mask[q, q] = 1.0
    return out_offset, out_mask
