"""Single-level rollout: one frame after the other at one stride, with a sliding KV cache."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from trajgen.engine.flow.process import Frames
from trajgen.engine.rollout.stepper import FrameSampler


def row_generators(seed: int, rows: list[int]) -> list[np.random.Generator]:
    """One random stream per trajectory row, derived from (seed, row): batching never changes a row."""
    return [np.random.default_rng([seed, row]) for row in rows]


def rollout(sampler: FrameSampler, start: Frames, n_frames: int, seed: int,
            rows: list[int] | None = None) -> Iterator[Frames]:
    """Yield frames 1..n_frames (each a batch of B rows) following ``start`` (frame 0).

    start holds B rows (B independent trajectories); ``rows`` names their random streams
    (default 0..B-1). Memory stays constant: the cache keeps anchors and a window of frames.
    """
    batch = start.trans.shape[0]
    rngs = row_generators(seed, rows if rows is not None else list(range(batch)))
    cache = sampler.new_cache(batch)
    sampler.encode(cache, 0, start, start, rngs)
    prev = start
    for index in range(1, n_frames + 1):
        frame = sampler.sample(cache, index, prev, rngs)
        if index < n_frames:
            sampler.encode(cache, index, frame, prev, rngs)
        yield frame
        prev = frame
