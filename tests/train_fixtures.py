"""Small real inputs for the training tests: two pfam40 domains in the ATLAS layout, featurized.

Each protein (1GUU_A, 50 residues; 1BXY_A, 60 residues) gets two 12-frame replicas made of its
deposited heavy-atom coordinates plus 0.1 A Gaussian noise per frame, 10 ps apart, and goes
through the real loader and feature cache. The real-MD path is in test_pipeline_e2e.py.
"""

from __future__ import annotations

from pathlib import Path

import mdtraj
import numpy as np
from conftest import PFAM40 as PFAM

from trajgen.engine.train.config import TrainConfig

PROTEINS = ("1GUU_A", "1BXY_A")


def make_atlas_layout(folder: Path, n_frames: int = 12, replicas: int = 2, seed: int = 0) -> Path:
    """``{name}.pdb`` and ``{name}_prod_R{r}_fit.xtc`` (nm) for both proteins."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name in PROTEINS:
        start = mdtraj.load(str(PFAM / f"{name}.pdb"))
        start = start.atom_slice(start.topology.select("not element H"))
        start.save_pdb(str(folder / f"{name}.pdb"))
        for rep in range(1, replicas + 1):
            xyz = start.xyz + rng.normal(0.0, 0.01, (n_frames, start.n_atoms, 3)).astype(np.float32)
            mdtraj.Trajectory(xyz, start.topology, time=10.0 * np.arange(n_frames)).save_xtc(
                str(folder / f"{name}_prod_R{rep}_fit.xtc"))
    return folder


def make_cache(folder: Path) -> Path:
    """Feature cache (.npz per replica) of ``make_atlas_layout``; returns the cache folder."""
    from trajgen.engine.dataset.atlas import atlas_refs
    from trajgen.engine.dataset.features import build_cache

    cache = folder / "cache"
    build_cache(atlas_refs(make_atlas_layout(folder / "atlas")), cache)
    return cache


def tiny_config(cache: Path, out_dir: Path, **sections) -> TrainConfig:
    """A few-second CPU run of the ``tiny`` model: 3-frame windows of 24 residues, 1BXY_A validates.

    ``sections`` update single keys, e.g. ``optim={"max_steps": 4}``.
    """
    values = {
        "data": {"cache_dir": str(cache), "val_proteins": ["1BXY_A"], "n_frames": 3, "crop_residues": 24,
                 "min_stride_ps": 10.0, "max_stride_ps": 50.0, "num_workers": 0},
        "model": {"preset": "tiny"},
        "optim": {"batch_size": 2, "max_steps": 6, "lr": 1e-3, "warmup_steps": 2, "ema_decay": 0.9},
        "run": {"out_dir": str(out_dir), "device": "cpu", "threads": 1, "log_every": 1, "val_every": 3,
                "val_batches": 2, "checkpoint_every": 3, "progress": False, "export_onnx": False},
    }
    for section, updates in sections.items():
        values.setdefault(section, {}).update(updates)
    return TrainConfig.from_dict(values)
