"""Trajectories converted once to backbone frames + torsions, cached as ``.npz`` files.

One cache file per trajectory (named after ``TrajectoryRef.key``) holds:

    aatype (L,) int64            residue types, index into RESTYPES_3
    rot (F, L, 3, 3) float32     backbone frame rotations (N, CA, C; origin CA)
    trans (F, L, 3) float32      backbone frame origins = CA positions, Angstrom
    torsions (F, L, 7) float32   [omega, phi, psi, chi1..chi4] radians, 0 where masked
    torsion_mask (L, 7) bool
    atom_mask (L, 15) bool       slots present in the simulated structure
    segment_start (L,) bool      chain starts and chain breaks (C-N > 2 A in the first frame)
    chain_end (L,) bool
    residue_index (L,) int64     residue numbers of the topology
    dt_ps () float64             time between frames, ps; NaN when the source does not state it
    temperature_K () float64
    name, source, replica, sequence () str
    n_frames () int64            frames in this file

Files are written atomically, so an interrupted build leaves no half file and the next build
redoes only what is missing.
"""

from __future__ import annotations

import logging
import os
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trajgen.engine.dataset.slots import SlotMap
from trajgen.engine.dataset.trajectory import MDTrajectory, TrajectoryRef
from trajgen.engine.geometry import backbone_frames, torsions_from_atoms

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeatureConfig:
    """How trajectories are featurized: frames per chunk bounds memory, ``max_frames`` trims long runs."""

    chunk_frames: int = 512
    max_frames: int | None = None


def featurize(traj: MDTrajectory, config: FeatureConfig = FeatureConfig()) -> dict[str, np.ndarray]:
    """Frames + torsions of every frame of ``traj`` (see the module docstring for keys and shapes)."""
    slots = SlotMap.from_topology(traj.topology)
    xyz = traj.xyz if config.max_frames is None else traj.xyz[: config.max_frames]
    first = slots.to_slots(xyz[0])
    segment_start = slots.segment_start(first)
    rots, transes, tors = [], [], []
    torsion_mask = None
    for start in range(0, len(xyz), config.chunk_frames):
        positions = slots.to_slots(xyz[start:start + config.chunk_frames])   # (f, L, 15, 3)
        rot, trans = backbone_frames(positions)
        angles, torsion_mask = torsions_from_atoms(slots.aatype, positions, slots.mask, segment_start)
        rots.append(rot.astype(np.float32))
        transes.append(trans.astype(np.float32))
        tors.append(angles.astype(np.float32))
    return {
        "aatype": slots.aatype, "rot": np.concatenate(rots), "trans": np.concatenate(transes),
        "torsions": np.concatenate(tors), "torsion_mask": torsion_mask, "atom_mask": slots.mask,
        "segment_start": segment_start, "chain_end": slots.chain_end, "residue_index": slots.residue_numbers,
        "dt_ps": np.float64(traj.dt_ps), "temperature_K": np.float64(traj.temperature_K),
        "name": np.str_(traj.name), "source": np.str_(traj.source), "replica": np.str_(traj.replica),
        "sequence": np.str_(slots.sequence), "n_frames": np.int64(len(xyz)),
    }


def _save_atomic(path: Path, arrays: dict[str, np.ndarray]) -> None:
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")   # per process: two runs may share a cache
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def build_cache(refs: list[TrajectoryRef], cache_dir: Path, config: FeatureConfig = FeatureConfig()) -> list[Path]:
    """Featurize every referenced trajectory not yet cached; return the cache files in ``refs`` order."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for ref in refs:
        path = cache_dir / f"{ref.key}.npz"
        if not path.exists():
            log.info("featurizing %s", ref.key)
            _save_atomic(path, featurize(ref.load(), config))
        paths.append(path)
    return paths


def load_features(path: Path) -> dict[str, np.ndarray]:
    """All arrays of one cache file, read into memory (strings come back as Python str)."""
    with np.load(path, allow_pickle=False) as data:
        out = {k: data[k] for k in data.files}
    for key in ("name", "source", "replica", "sequence"):
        out[key] = str(out[key])
    return out


PER_FRAME_KEYS = ("rot", "trans", "torsions")


def _member_memmap(path: Path, archive: zipfile.ZipFile, key: str) -> np.memmap:
    """Memory-map one array of an uncompressed ``.npz`` without reading it."""
    info = archive.getinfo(f"{key}.npy")
    if info.compress_type != zipfile.ZIP_STORED:
        raise ValueError(f"{path} is compressed; cache files are written uncompressed by build_cache.")
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        local = fh.read(30)
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        offset = fh.tell()
    return np.memmap(path, dtype=dtype, mode="r", shape=shape, order="F" if fortran else "C", offset=offset)


def open_features(path: Path) -> dict[str, np.ndarray]:
    """Like ``load_features`` but the per-frame arrays (rot, trans, torsions) are read-only memory maps.

    Reading a window then touches only its frames, so thousands of long trajectories can be open at once.
    """
    with zipfile.ZipFile(path) as archive, np.load(path, allow_pickle=False) as data:
        out = {k: data[k] for k in data.files if k not in PER_FRAME_KEYS}
        out.update({k: _member_memmap(Path(path), archive, k) for k in PER_FRAME_KEYS})
    for key in ("name", "source", "replica", "sequence"):
        out[key] = str(out[key])
    return out
