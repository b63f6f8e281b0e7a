"""Hierarchical rollout: coarse anchors at a long stride, fine segments between them in parallel.

The coarse level is a single-level rollout at stride ``fine_per_coarse * dt``. Each fine
segment starts on coarse anchor k (its first cached frame) and knows anchor k+1 as its goal
(the cache's goal slot); segments are sampled as one batch. With ``bridge`` on, every fine frame
is pulled along the geodesic towards the goal by 1/(frames left), so the segment lands exactly on
the next anchor; the network's own miss at the landing frame is recorded as the seam error.
Frames come out in time order; the first group holds one segment so the first frames arrive
after one coarse step.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from trajgen.engine.flow.process import Frames, interpolate
from trajgen.engine.rollout.single import rollout, row_generators
from trajgen.engine.rollout.stepper import FrameSampler


@dataclass(frozen=True)
class HierarchyConfig:
    """Shape of the hierarchy."""

    fine_per_coarse: int = 10       # fine frames per coarse stride
    parallel_segments: int = 4      # fine segments sampled together (after the first one)
    bridge: bool = True             # pull fine frames towards the goal anchor


def ca_rmsd(a: Frames, b: Frames) -> np.ndarray:
    """CA RMSD (B,) in Angstrom between two batches of frames, without superposition."""
    return np.sqrt(((a.trans - b.trans) ** 2).sum(-1).mean(-1))


class HierarchicalRollout:
    """Generates frames 1..n at the fine stride; ``seam_rmsd_A`` collects the per-segment seam errors."""

    def __init__(self, coarse: FrameSampler, fine: FrameSampler, cfg: HierarchyConfig = HierarchyConfig()):
        self.coarse, self.fine, self.cfg = coarse, fine, cfg
        self.seam_rmsd_A: list[float] = []

    def frames(self, start: Frames, n_frames: int, seed: int) -> Iterator[tuple[int, Frames]]:
        """Yield (frame index, frame (batch of 1)) for indices 1..n_frames in order."""
        m = self.cfg.fine_per_coarse
        n_seg = -(-n_frames // m)
        coarse = rollout(self.coarse, start, n_seg, seed=seed, rows=[0])
        anchors = {0: start}
        first, group = 0, 1
        while first < n_seg:
            last = min(first + group, n_seg)
            for k in range(len(anchors) + min(anchors), last + 1):
                anchors[k] = next(coarse)
            yield from self._segments(anchors, list(range(first, last)), n_frames, seed)
            for k in range(first, last):
                del anchors[k]
            first, group = last, self.cfg.parallel_segments

    def _segments(self, anchors: dict, rows: list[int], n_frames: int, seed: int) -> Iterator[tuple[int, Frames]]:
        """Sample the fine segments ``rows`` together; yield row 0 live, the others when done."""
        m, fine = self.cfg.fine_per_coarse, self.fine
        start = Frames.stack([anchors[k] for k in rows])
        goal = Frames.stack([anchors[k + 1] for k in rows])
        rngs = row_generators(seed, [k + 1 for k in rows])
        cache = fine.new_cache(len(rows))
        fine.encode(cache, 0, start, start, rngs)
        fine.encode_goal(cache, m, goal, start)
        held: list[list[tuple[int, Frames]]] = [[] for _ in rows]
        prev = start
        for j in range(1, max(min(m, n_frames - k * m) for k in rows) + 1):
            x = fine.sample(cache, j, prev, rngs)
            if j == m:
                self.seam_rmsd_A.extend(ca_rmsd(x, goal).tolist())
                x = goal
            else:
                if self.cfg.bridge:
                    x = interpolate(x, goal, 1.0 / (m - j + 1))
                fine.encode(cache, j, x, prev, rngs)
            for r, k in enumerate(rows):
                if k * m + j <= n_frames:
                    item = (k * m + j, x.index(slice(r, r + 1)))
                    if r == 0:
                        yield item
                    else:
                        held[r].append(item)
            prev = x
        for items in held[1:]:
            yield from items
