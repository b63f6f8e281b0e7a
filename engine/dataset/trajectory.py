"""The common currency of the loaders: an MD trajectory of heavy atoms in Angstrom.

Loaders list ``TrajectoryRef`` objects (cheap: names, temperature and a cache key) and only
read coordinates when ``ref.load()`` is called, so a dataset of thousands of trajectories can
be listed and cached one trajectory at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import mdtraj
import numpy as np


@dataclass
class MDTrajectory:
    """Heavy-atom frames of one simulation replica.

    ``xyz`` is (n_frames, n_atoms, 3) float32 in Angstrom, atoms in ``topology`` order (heavy
    atoms only); ``dt_ps`` is the time between consecutive frames in picoseconds.
    """

    name: str
    topology: mdtraj.Topology
    xyz: np.ndarray
    dt_ps: float
    temperature_K: float
    source: str
    replica: str = "0"

    @property
    def n_frames(self) -> int:
        return int(self.xyz.shape[0])


@dataclass(frozen=True)
class TrajectoryRef:
    """A trajectory not yet read: ``key`` is unique and changes when the underlying files change."""

    key: str
    name: str
    temperature_K: float
    load: Callable[[], MDTrajectory]


def heavy_atom_indices(topology: mdtraj.Topology) -> np.ndarray:
    """Indices of atoms that are not hydrogen (element H or D, or a name starting with H when untyped)."""
    return np.array([a.index for a in topology.atoms
                     if not (a.element is not None and a.element.symbol in ("H", "D"))
                     and not (a.element is None and a.name.startswith("H"))], dtype=np.int64)


def strip_hydrogens(topology: mdtraj.Topology, xyz: np.ndarray) -> tuple[mdtraj.Topology, np.ndarray]:
    """Heavy-atom topology and coordinates (F, n_heavy, 3) float32."""
    keep = heavy_atom_indices(topology)
    if keep.size == topology.n_atoms:
        return topology, np.asarray(xyz, dtype=np.float32)
    return topology.subset(keep), np.asarray(xyz[:, keep], dtype=np.float32)


def file_stamp(*paths) -> str:
    """Short fingerprint of files' sizes and modification times (part of cache keys)."""
    import hashlib
    import os

    text = "|".join(f"{os.fspath(p)}:{os.stat(p).st_size}:{os.stat(p).st_mtime_ns}" for p in paths)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def frame_spacing_ps(times: np.ndarray, default_ps: float) -> float:
    """Median spacing of an XTC's time field in ps, or ``default_ps`` when the field is unusable."""
    if times is None or len(times) < 2:
        return default_ps
    steps = np.diff(np.asarray(times, dtype=np.float64))
    spacing = float(np.median(steps))
    return spacing if spacing > 0 else default_ps
