"""End-to-end check of training/sampling consistency: fit a small model to ENM dynamics, then roll it out.

Trains on an elastic-network Langevin trajectory of the shipped 1GUU chain (our own synthetic data,
100 ps frames) with ``flow_matching_loss`` for a fixed wall-clock budget, samples a single-level
rollout with the streaming API, and prints geometry and fluctuation statistics beside a fresh ENM
run. A train/inference mismatch (masks, references, noise frames) shows up as a rollout that
drifts away or explodes. Not a quality benchmark: minutes of CPU training only.

    .venv/bin/python benchmarks/fit_enm_check.py --preset small --seconds 300 --frames 300
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from trajgen.engine.backends.select import load_backend
from trajgen.engine.baselines.enm import enm_trajectory
from trajgen.engine.checkpoint import save_checkpoint
from trajgen.engine.flow.loss import LossConfig, flow_matching_loss
from trajgen.engine.flow.process import FlowConfig
from trajgen.engine.generate import GenerationRequest, TrajectoryGenerator
from trajgen.engine.geometry import backbone_frames, torsions_from_atoms
from trajgen.engine.model import preset
from trajgen.engine.model.network import Denoiser
from trajgen.engine.rollout.protein_state import protein_context
from trajgen.engine.structure import load_protein

EXAMPLE = Path(__file__).resolve().parents[1] / "engine" / "assets" / "1GUU_A.pdb"


def training_frames(protein, n_frames: int):
    """ENM trajectory as (rot (F, L, 3, 3), trans (F, L, 3), torsions (F, L, 7))."""
    pos = np.stack(list(enm_trajectory(protein, n_frames, 100.0, 300.0, seed=0)))
    rot, trans = backbone_frames(pos)
    angles, mask = torsions_from_atoms(protein.aatype, pos, protein.mask, protein.segment_start)
    return rot, trans, np.where(mask[None], angles, 0.0)


def train(protein, args) -> Path:
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    context, _ = protein_context(protein)
    rot, trans, tors = training_frames(protein, 1200)
    strides = np.array([1, args.window - 1] if args.hierarchical else [1])   # in 100 ps frames
    flow = FlowConfig(sigma_trans_A=0.5, sigma_rot_rad=0.1, sigma_torsion_rad=0.3)
    model = Denoiser(preset(args.preset))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    rng, b, t = np.random.default_rng(0), args.batch, args.window
    rep = lambda a: torch.tensor(np.repeat(a[None], b, 0))
    static = {"aatype": rep(context.aatype), "residue_index": rep(context.residue_index),
              "chain_index": rep(context.chain_index), "res_mask": torch.ones(b, context.n_res),
              "torsion_mask": rep(context.torsion_mask), "dt_ps": torch.full((b,), 100.0),
              "temperature_K": torch.full((b,), 300.0)}
    goal_prob = 0.5 if args.hierarchical else 0.0
    start, step = time.time(), 0
    while time.time() - start < args.seconds:
        stride = rng.choice(strides, b)[:, None]
        idx = rng.integers(0, len(trans) - t * strides.max(), b)[:, None] + stride * np.arange(t)
        batch = dict(static, dt_ps=torch.tensor(100.0 * stride[:, 0], dtype=torch.float32), rot=torch.tensor(rot[idx], dtype=torch.float32),
                     trans=torch.tensor(trans[idx], dtype=torch.float32),
                     torsions=torch.tensor(tors[idx], dtype=torch.float32))
        loss, parts = flow_matching_loss(model, batch, flow, LossConfig(goal_prob=goal_prob))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 100 == 0:
            print(f"step {step}: loss {loss.item():.4f} " + " ".join(f"{k} {v:.4f}" for k, v in parts.items()))
        step += 1
    path = Path(tempfile.mkdtemp()) / "fit.safetensors"
    save_checkpoint(path, model, flow, step)
    print(f"trained {step} steps in {args.seconds:.0f} s")
    return path


def describe(ca: np.ndarray, name: str) -> np.ndarray:
    """Print CA geometry and motion statistics of (F, L, 3); returns the per-residue RMSF."""
    bond = np.linalg.norm(ca[:, 1:] - ca[:, :-1], axis=-1)
    rmsf = np.sqrt(((ca - ca.mean(0)) ** 2).sum(-1).mean(0))
    rmsd0 = np.sqrt(((ca - ca[0]) ** 2).sum(-1).mean(-1))
    print(f"{name}: CA-CA bond {bond.mean():.2f} +- {bond.std():.2f} A; RMSF mean {rmsf.mean():.2f} A; "
          f"RMSD to start at 10% / 50% / end {rmsd0[len(rmsd0) // 10]:.2f} / {rmsd0[len(rmsd0) // 2]:.2f} / "
          f"{rmsd0[-1]:.2f} A")
    return rmsf


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="small")
    p.add_argument("--seconds", type=float, default=300.0)
    p.add_argument("--frames", type=int, default=300)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--window", type=int, default=6)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--hierarchical", action="store_true",
                   help="also train at a (window-1) x 100 ps stride with goal anchors; roll out hierarchically")
    args = p.parse_args()
    protein = load_protein(EXAMPLE)
    checkpoint = train(protein, args)
    backend = load_backend(checkpoint, device="cpu", threads=args.threads)
    mode = "hierarchical" if args.hierarchical else "single"
    request = GenerationRequest(args.frames * 100.0, 100.0, mode=mode, seed=1, fine_per_coarse=args.window - 1)
    generator = TrajectoryGenerator(protein, request, backend)
    model_ca = np.stack([f.positions[:, 1] for f in generator])
    if generator.seam_rmsd_A:
        steps = np.sqrt(((model_ca[1:] - model_ca[:-1]) ** 2).sum(-1).mean(-1))
        print(f"seam error (model's CA RMSD to the coarse anchor it lands on): mean {np.mean(generator.seam_rmsd_A):.2f}"
              f" A, max {np.max(generator.seam_rmsd_A):.2f} A; typical fine step {np.median(steps):.2f} A")
    enm_ca = np.stack([x[:, 1] for x in enm_trajectory(protein, args.frames + 1, 100.0, 300.0, seed=7)])
    r_model, r_enm = describe(model_ca, "model"), describe(enm_ca, "ENM  ")
    print(f"per-residue RMSF Pearson r, model vs ENM: {np.corrcoef(r_model, r_enm)[0, 1]:.2f}")


if __name__ == "__main__":
    main()
