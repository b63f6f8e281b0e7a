"""Hierarchical rollout: coarse anchors at a long stride, fine segments between them in parallel.

The coarse level is a single-level rollout at stride ``fine_per_coarse * dt``, or itself a
hierarchical rollout (``nested``: levels at dt, m dt, m^2 dt, ... so that only the top level
steps freely and every level below is pinned to the anchors above it). Each fine
segment starts on coarse anchor k (its first cached frame) and knows anchor k+1 as its goal
(the cache's goal slot); segments are sampled as one batch. With ``bridge`` on, every fine frame
is pulled along the geodesic towards the goal by 1/(frames left) with a Brownian bridge's spread
(``HierarchicalRollout._bridge``), so the segment lands exactly on the next anchor; the network's
own miss at the landing frame is recorded as the seam error.
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
    brownian: bool = True           # bridge keeps a Brownian bridge's spread (not only its mean pull)


def level_seed(seed: int, level: int) -> int:
    """Seed of a nested coarse hierarchy with ``level`` levels: its random streams differ from the finer ones."""
    return int(np.random.SeedSequence([seed, level]).generate_state(1)[0])


def ca_rmsd(a: Frames, b: Frames) -> np.ndarray:
    """CA RMSD (B,) in Angstrom between two batches of frames, without superposition."""
    return np.sqrt(((a.trans - b.trans) ** 2).sum(-1).mean(-1))


class HierarchicalRollout:
    """Generates frames 1..n at the fine stride; ``seam_rmsd_A`` collects the per-segment seam errors."""

    def __init__(self, coarse: FrameSampler | HierarchicalRollout, fine: FrameSampler,
                 cfg: HierarchyConfig = HierarchyConfig()):
        self.coarse, self.fine, self.cfg = coarse, fine, cfg
        self.seam_rmsd_A: list[float] = []

    @classmethod
    def nested(cls, samplers: list[FrameSampler], cfg: HierarchyConfig = HierarchyConfig()) -> HierarchicalRollout:
        """Levels from the finest sampler (stride dt) to the coarsest (stride m^(len-1) dt), m = fine_per_coarse."""
        if len(samplers) < 2:
            raise ValueError("a hierarchy needs at least two levels")
        top: FrameSampler | HierarchicalRollout = samplers[-1]
        for sampler in reversed(samplers[:-1]):
            top = cls(top, sampler, cfg)
        return top

    @property
    def n_levels(self) -> int:
        """Levels including the finest one (2 for a coarse sampler over a fine one)."""
        return 1 + (self.coarse.n_levels if isinstance(self.coarse, HierarchicalRollout) else 1)

    def frames(self, start: Frames, n_frames: int, seed: int) -> Iterator[tuple[int, Frames]]:
        """Yield (frame index, frame (batch of 1)) for indices 1..n_frames in order."""
        m = self.cfg.fine_per_coarse
        n_seg = -(-n_frames // m)
        if isinstance(self.coarse, HierarchicalRollout):
            coarse = (f for _, f in self.coarse.frames(start, n_seg, level_seed(seed, self.coarse.n_levels)))
        else:
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

    def _bridge(self, prev: Frames, x: Frames, goal: Frames, left: int) -> Frames:
        """The sampled frame x (one free step after prev) pulled towards goal, ``left`` >= 2 steps away.

        A Brownian bridge over the steps left moves its mean 1/left of the way to the goal and
        keeps sqrt((left-1)/left) of a free step's spread. Pulling x itself by 1/left keeps only
        (left-1)/left of it, damping motion near anchors; with ``brownian`` the free step is first
        stretched by sqrt(left/(left-1)) along its geodesic, so the spread is the bridge's.
        """
        if self.cfg.brownian:
            x = interpolate(prev, x, float(np.sqrt(left / (left - 1.0))))
        return interpolate(x, goal, 1.0 / left)

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
                    x = self._bridge(prev, x, goal, m - j + 1)
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
