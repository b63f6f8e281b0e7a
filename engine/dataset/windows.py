"""Training windows drawn from cached trajectories (numpy only, no torch).

A window is ``n_frames`` frames of one trajectory taken every ``k`` saved frames, so its time
step is ``dt_ps = k * frame spacing``. ``dt_ps`` is drawn log-uniformly between
``min_stride_ps`` and ``max_stride_ps``, clipped to what each trajectory allows (its frame
spacing and its length). A trajectory whose frame spacing is unknown (``dt_ps`` NaN in the
cache, e.g. public MD whose source does not state it) never gives a window: every window carries
a time step, so it is left out with the reason in ``WindowSampler.skipped`` (and the log); such
files stay usable for structure-only statistics read straight from the cache.

A *far-anchor* window (``far_anchor=True``) replaces frame 0 by the trajectory's first frame, at
least ``n_frames - 1`` strides before frame 1: what a long rollout shows the network, whose anchor
is the structure it started from, however many frames ago (``ModelConfig.max_offset`` clamps the
offset the network sees to the same value). Only trajectories long enough give far windows.
Proteins longer
than ``crop_residues`` are cropped to a random contiguous stretch; shorter ones are padded, with
``residue_mask`` False on the padding.

Batch (dict of numpy arrays), B windows, T frames, L = ``crop_residues``:

    rot (B, T, L, 3, 3) float32        backbone rotations (padding: identity)
    trans (B, T, L, 3) float32         CA positions in Angstrom, centred on the frame-0 CA centroid
    torsions (B, T, L, 7) float32      radians [omega, phi, psi, chi1..chi4]
    torsion_mask (B, L, 7) bool
    atom_mask (B, L, 15) bool
    aatype (B, L) int64                padding: 20 (UNK)
    residue_mask (B, L) bool
    residue_index (B, L) int64         position in the full chain (0-based), for position encodings
    segment_start (B, L) bool          chain starts/breaks (True at a crop's first residue)
    chain_end (B, L) bool
    dt_ps (B,) float32                 time between consecutive frames of the window
    temperature_K (B,) float32
    traj_index (B,) int64, start_frame (B,) int64, stride_frames (B,) int64   provenance
    anchor_far (B,) bool               frame 0 is the trajectory's first frame, far before frame 1
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trajgen.engine.dataset.features import open_features
from trajgen.engine.errors import TrajgenError
from trajgen.engine.structure.residue_constants import UNK_INDEX

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WindowConfig:
    """Shape and time range of the training windows."""

    n_frames: int = 8
    min_stride_ps: float = 10.0
    max_stride_ps: float = 10_000.0
    crop_residues: int = 256
    center: bool = True

    def __post_init__(self) -> None:
        if self.n_frames < 1 or self.crop_residues < 1:
            raise ValueError("A window needs at least one frame and one residue.")
        if not 0 < self.min_stride_ps <= self.max_stride_ps:
            raise ValueError("Strides must satisfy 0 < min_stride_ps <= max_stride_ps.")


def stride_range(n_frames_traj: int, dt_frame_ps: float, config: WindowConfig) -> tuple[int, int] | None:
    """Allowed strides (k_min, k_max) in saved frames for one trajectory, or None if it cannot give a window.

    An unknown spacing (NaN, or not positive) gives None: no stride of it has a known time step.
    """
    if not (math.isfinite(dt_frame_ps) and dt_frame_ps > 0) or n_frames_traj < config.n_frames:
        return None
    k_len = (n_frames_traj - 1) // max(config.n_frames - 1, 1) if config.n_frames > 1 else n_frames_traj
    k_max = min(k_len, math.floor(config.max_stride_ps / dt_frame_ps + 1e-9))
    k_min = max(1, math.ceil(config.min_stride_ps / dt_frame_ps - 1e-9))
    if k_max < 1:
        return None
    return min(k_min, k_max), k_max


def far_stride_range(n_frames_traj: int, strides: tuple[int, int] | None, n_frames: int) -> tuple[int, int] | None:
    """Strides (k_min, k_max) of far-anchor windows: frame 0 of the trajectory, then ``n_frames - 1``
    frames starting at least ``n_frames - 1`` strides later, so (2 n_frames - 3) k < n_frames_traj."""
    if strides is None or n_frames < 2:
        return None
    k_max = min(strides[1], (n_frames_traj - 1) // max(2 * n_frames - 3, 1))
    return (strides[0], k_max) if k_max >= strides[0] else None


def draw_stride(k_min: int, k_max: int, rng: np.random.Generator) -> int:
    """Integer stride with log-uniform density on [k_min, k_max + 1) (each k gets log((k+1)/k) weight)."""
    k = int(math.exp(rng.uniform(math.log(k_min), math.log(k_max + 1))))
    return min(max(k, k_min), k_max)


class WindowSampler:
    """Draws windows from cache files made by ``features.build_cache``.

    Each file is opened on first use in each process (``features.open_features``: per-frame
    arrays are memory maps, so a window reads only its own frames); pickling the sampler (for
    DataLoader workers) sends only paths and per-file metadata.
    """

    def __init__(self, cache_paths: list[Path], config: WindowConfig = WindowConfig()):
        self.config = config
        self.paths = [Path(p) for p in cache_paths]
        self._opened: dict[int, dict] = {}
        self.strides: list[tuple[int, int] | None] = []
        self.dt_frame_ps: list[float] = []
        self.skipped: dict[Path, str] = {}       # files that give no window, with the reason
        for index in range(len(self.paths)):
            feats = self._features(index)
            self.dt_frame_ps.append(float(feats["dt_ps"]))
            self.strides.append(stride_range(int(feats["trans"].shape[0]), self.dt_frame_ps[-1], config))
            if not math.isfinite(self.dt_frame_ps[-1]):
                self.skipped[self.paths[index]] = ("frame spacing unknown (dt_ps NaN): no time-dependent window "
                                                   "can be drawn from it")
                log.info("windows: %s left out: %s", self.paths[index].name, self.skipped[self.paths[index]])
        self.usable = [i for i, s in enumerate(self.strides) if s is not None]
        self.far_strides = [far_stride_range(int(self._features(i)["trans"].shape[0]), s, config.n_frames)
                            for i, s in enumerate(self.strides)]
        self.far_usable = [i for i, s in enumerate(self.far_strides) if s is not None]
        if not self.usable:
            unknown = (f"; {len(self.skipped)} of them have an unknown frame spacing and give no window at all"
                       if self.skipped else "")
            raise TrajgenError(f"None of the {len(self.paths)} trajectories is long enough for "
                               f"{config.n_frames}-frame windows within {config.max_stride_ps} ps strides{unknown}.")

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_opened": {}}

    def _features(self, index: int) -> dict:
        if index not in self._opened:
            self._opened[index] = open_features(self.paths[index])
        return self._opened[index]

    def sample(self, rng: np.random.Generator, far_anchor: bool = False) -> dict[str, np.ndarray]:
        """One window (arrays without the batch axis); the trajectory is chosen uniformly (among those
        long enough for a far anchor when ``far_anchor``)."""
        pool = self.far_usable if far_anchor else self.usable
        if not pool:
            raise TrajgenError(f"No trajectory is long enough for a far-anchor window of {self.config.n_frames} frames.")
        index = pool[int(rng.integers(len(pool)))]
        feats = self._features(index)
        n_traj = feats["trans"].shape[0]
        n = self.config.n_frames
        if far_anchor:
            k = draw_stride(*self.far_strides[index], rng)
            start = int(rng.integers((n - 1) * k, n_traj - (n - 2) * k))
            frames = np.concatenate([[0], start + k * np.arange(n - 1)])
        else:
            k = draw_stride(*self.strides[index], rng)
            start = int(rng.integers(n_traj - k * (n - 1)))
            frames = start + k * np.arange(n)
        n_res = feats["aatype"].shape[0]
        crop = min(n_res, self.config.crop_residues)
        first = int(rng.integers(n_res - crop + 1))
        window = _crop_and_pad(feats, frames, first, crop, self.config)
        window.update(dt_ps=np.float32(k * self.dt_frame_ps[index]), temperature_K=np.float32(feats["temperature_K"]),
                      traj_index=np.int64(index), start_frame=np.int64(start), stride_frames=np.int64(k),
                      anchor_far=np.bool_(far_anchor))
        return window

    def batch(self, batch_size: int, rng: np.random.Generator, far_anchor: bool = False) -> dict[str, np.ndarray]:
        """``batch_size`` windows stacked along a new first axis (see the module docstring)."""
        windows = [self.sample(rng, far_anchor) for _ in range(batch_size)]
        return {key: np.stack([w[key] for w in windows]) for key in windows[0]}


def _crop_and_pad(feats: dict, frames: np.ndarray, first: int, crop: int, config: WindowConfig) -> dict:
    """Residues [first, first + crop) of the chosen frames, padded to ``config.crop_residues``."""
    res = slice(first, first + crop)
    pad = config.crop_residues - crop
    rot = feats["rot"][frames, res]
    trans = feats["trans"][frames, res].astype(np.float32)
    if config.center:
        trans = trans - trans[0].mean(axis=0)
    eye = np.broadcast_to(np.eye(3, dtype=np.float32), (len(frames), pad, 3, 3))
    segment_start = feats["segment_start"][res].copy()
    segment_start[0] = True

    def padded(x: np.ndarray, axis: int, value=0) -> np.ndarray:
        widths = [(0, 0)] * x.ndim
        widths[axis] = (0, pad)
        return np.pad(x, widths, constant_values=value)

    return {
        "rot": np.concatenate([rot, eye], axis=1).astype(np.float32), "trans": padded(trans, 1),
        "torsions": padded(feats["torsions"][frames, res], 1), "torsion_mask": padded(feats["torsion_mask"][res], 0),
        "atom_mask": padded(feats["atom_mask"][res], 0), "aatype": padded(feats["aatype"][res], 0, UNK_INDEX),
        "residue_mask": padded(np.ones(crop, dtype=bool), 0), "residue_index": padded(np.arange(first, first + crop), 0),
        "segment_start": padded(segment_start, 0), "chain_end": padded(feats["chain_end"][res], 0),
    }
