"""How the two-level rollout behaves at its seams: landing error and fluctuation damping near anchors.

For one checkpoint and protein, three rollouts of the same length and fine stride:
  single     every frame at the fine stride (the reference for step sizes),
  bridged    hierarchical, pulled onto the next coarse anchor like a Brownian bridge (the default),
  bridged, mean pull only   the same pull of 1/(frames left) without restoring the bridge's spread,
  free       hierarchical without the pull: the network's own landing is kept, the seam shows.
Reported: the seam error (CA RMSD between the fine segment's last sampled frame and the coarse
anchor it should land on, no superposition) and, per position j = 1..m inside a segment, the
mean CA step |x_j - x_{j-1}| relative to the single-level rollout's mean step. A bridged
segment whose steps shrink near j = m is damped there; a free one that jumps at j = m has a seam.

    .venv/bin/python benchmarks/hierarchy.py --checkpoint training/cpu/best.safetensors \
        --interval-ps 10 --frames 200 --seeds 0 1
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from trajgen.engine.assets import example_structure
from trajgen.engine.backends.select import load_backend
from trajgen.engine.rollout.hierarchical import HierarchicalRollout, HierarchyConfig
from trajgen.engine.rollout.protein_state import protein_context
from trajgen.engine.rollout.single import rollout
from trajgen.engine.rollout.stepper import FrameSampler
from trajgen.engine.structure import load_protein


def steps_A(trans: np.ndarray) -> np.ndarray:
    """Mean CA displacement (F-1,) between consecutive frames of trans (F, L, 3), Angstrom."""
    return np.sqrt(((trans[1:] - trans[:-1]) ** 2).sum(-1)).mean(-1)


def run(backend, protein, interval_ps: float, n_frames: int, fine: int, seed: int, temperature_K: float):
    context, start = protein_context(protein)
    sampler = FrameSampler(backend, context, backend.flow, interval_ps, temperature_K)
    single = np.stack([start.trans[0]] + [f.trans[0] for f in rollout(sampler, start, n_frames, seed)])
    out = {"single": (single, [])}
    for name, bridge, brownian in (("bridged", True, True), ("bridged, mean pull only", True, False),
                                   ("free", False, False)):
        coarse = FrameSampler(backend, context, backend.flow, interval_ps * fine, temperature_K)
        hier = HierarchicalRollout(coarse, sampler, HierarchyConfig(fine_per_coarse=fine, bridge=bridge,
                                                                    brownian=brownian))
        frames = dict(hier.frames(start, n_frames, seed))
        trans = np.stack([start.trans[0]] + [frames[i].trans[0] for i in range(1, n_frames + 1)])
        out[name] = (trans, list(hier.seam_rmsd_A))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--pdb", default=None, help="structure (default: the bundled example)")
    p.add_argument("--interval-ps", type=float, default=10.0)
    p.add_argument("--frames", type=int, default=200)
    p.add_argument("--fine", type=int, default=None, help="fine frames per coarse stride (default: the model's)")
    p.add_argument("--temperature", type=float, default=300.0)
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    backend = load_backend(args.checkpoint, device="cpu", threads=args.threads)
    fine = args.fine or max(2, backend.config.max_offset)
    protein = load_protein(Path(args.pdb or example_structure()))
    names = ("bridged", "bridged, mean pull only", "free")
    per_pos = {k: np.zeros(fine) for k in names}
    seams = {k: [] for k in names}
    single_steps = []
    for seed in args.seeds:
        result = run(backend, protein, args.interval_ps, args.frames, fine, seed, args.temperature)
        single_steps.append(steps_A(result["single"][0]))
        for name in per_pos:
            trans, seam = result[name]
            s = steps_A(trans)[: (args.frames // fine) * fine].reshape(-1, fine)   # (segments, position)
            per_pos[name] += s.mean(0) / len(args.seeds)
            seams[name] += seam
    ref = float(np.mean(single_steps))
    print(f"checkpoint {args.checkpoint}; {protein.n_residues} residues, {args.frames} frames of {args.interval_ps:g} ps, "
          f"{fine} fine frames per coarse stride, seeds {args.seeds}")
    print(f"single-level mean CA step: {ref:.3f} A\n")
    print("| rollout | seam CA RMSD, median (A) | seam max (A) | " + " | ".join(f"step {j} / single" for j in
                                                                          range(1, fine + 1)) + " |")
    print("|---|---|---|" + "---|" * fine)
    for name in per_pos:
        seam = np.array(seams[name])
        print(f"| {name} | {np.median(seam):.3f} | {seam.max():.3f} | "
              + " | ".join(f"{v / ref:.2f}" for v in per_pos[name]) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
