"""Shared inputs for the model, rollout and backend tests: a real protein and a tiny random model."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trajgen.engine.flow.process import FlowConfig, Frames
from trajgen.engine.structure import load_protein

EXAMPLE_PDB = Path(__file__).resolve().parents[1] / "engine" / "assets" / "1GUU_A.pdb"


def example_protein():
    """1GUU chain A (50 residues), the shipped example."""
    return load_protein(EXAMPLE_PDB)


def tiny_torch_backend(seed: int = 0, flow: FlowConfig | None = None, **overrides):
    """A randomly initialized ``tiny`` model (seeded) behind the torch backend."""
    import torch

    from trajgen.engine.backends.torch_backend import TorchBackend, TorchOptions
    from trajgen.engine.model import preset
    from trajgen.engine.model.network import Denoiser

    torch.manual_seed(seed)
    # one thread: the test machine's two cores are shared, and torch's spinning threads then crawl
    return TorchBackend(Denoiser(preset("tiny", **overrides)), flow or FlowConfig(), TorchOptions(threads=1))


def random_rigid(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A random rotation (3, 3) and a translation (3,) of tens of Angstrom."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal(4)
    w, x, y, z = q / np.linalg.norm(q)
    rot = np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                    [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                    [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])
    return rot, rng.uniform(-40.0, 40.0, 3)


def move_frames(frames: Frames, rot: np.ndarray, shift: np.ndarray) -> Frames:
    """Frames after the global motion x -> rot x + shift."""
    return Frames((rot @ frames.rot).astype(np.float32), (frames.trans @ rot.T + shift).astype(np.float32),
                  frames.torsions.copy())
