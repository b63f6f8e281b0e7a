"""How far one model step moves a protein at each stride, against MD's displacement at that lag.

From the start structure, ``--samples`` independent first steps at each stride (a fresh cache:
only the anchor is visible), and the fifth step of the same rollouts; Calpha RMSD to the start
after superposition, mean over samples. With ``--md`` the MD's mean Calpha RMSD between frames
that far apart is printed beside it (lags the trajectory cannot give are left out). A model whose
step does not grow with the stride as MD's does drifts (short strides) or stays too still (long).

    .venv/bin/python benchmarks/stride_response.py --checkpoint best.onnx \\
        --pdb data/md/1GUU_A_obc_300K_s0_long.pdb --md data/md/1GUU_A_obc_300K_s0_long.xtc --euler-steps 3 10
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

import numpy as np

from trajgen.engine.backends.select import load_backend
from trajgen.engine.flow.process import Frames
from trajgen.engine.rollout.protein_state import protein_context
from trajgen.engine.rollout.single import rollout
from trajgen.engine.rollout.stepper import FrameSampler
from trajgen.engine.structure import load_protein


def superposed_rmsd(a: np.ndarray, b: np.ndarray) -> float:
    """Calpha RMSD (A) between (L, 3) arrays after optimal superposition."""
    a, b = a - a.mean(0), b - b.mean(0)
    u, s, vt = np.linalg.svd(a.T @ b)
    s[-1] *= np.sign(np.linalg.det(u @ vt))
    return float(np.sqrt(max(((a ** 2).sum() + (b ** 2).sum() - 2.0 * s.sum()) / len(a), 0.0)))


def md_lag_rmsd(xtc: str, pdb: str, lag_ps: float) -> float | None:
    """Mean Calpha RMSD (A) between MD frames ``lag_ps`` apart, or None when the run is too short."""
    import mdtraj as md

    traj = md.load(xtc, top=pdb)
    traj = traj.atom_slice(traj.topology.select("name CA"))
    k = int(round(lag_ps / traj.timestep))
    if k < 1 or abs(k * traj.timestep - lag_ps) > 1e-6 * lag_ps or k >= traj.n_frames:
        return None
    starts = range(0, traj.n_frames - k, max(1, (traj.n_frames - k) // 50))
    return float(np.mean([md.rmsd(traj[i + k], traj[i])[0] * 10.0 for i in starts]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--pdb", required=True)
    p.add_argument("--md", help="MD trajectory of the same structure (for the lag column)")
    p.add_argument("--strides-ps", type=float, nargs="+", default=[1, 5, 25, 125, 625, 3125])
    p.add_argument("--euler-steps", type=int, nargs="+", default=[None], help="sampler steps (default: the model's)")
    p.add_argument("--temperature", type=float, default=300.0)
    p.add_argument("--samples", type=int, default=16)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    backend = load_backend(args.checkpoint, device="cpu", threads=args.threads)
    context, start = protein_context(load_protein(args.pdb))
    batch = Frames.stack([start] * args.samples)
    flows = [backend.flow if n is None else dataclasses.replace(backend.flow, n_steps=n) for n in args.euler_steps]
    print(f"{args.checkpoint}; {args.pdb}; {args.samples} samples per stride, {args.temperature:g} K")
    head = " | ".join(f"{f.n_steps} steps: 1st / 5th step (A)" for f in flows)
    print(f"\n| stride (ps) | {head} |" + (" MD at that lag (A) |" if args.md else ""))
    print("|---|" + "---|" * len(flows) + ("---|" if args.md else ""))
    for dt in args.strides_ps:
        cells = []
        for flow in flows:
            frames = list(rollout(FrameSampler(backend, context, flow, dt, args.temperature), batch, 5, seed=0))
            first = np.mean([superposed_rmsd(frames[0].trans[r], start.trans[0]) for r in range(args.samples)])
            fifth = np.mean([superposed_rmsd(frames[4].trans[r], start.trans[0]) for r in range(args.samples)])
            cells.append(f"{first:.2f} / {fifth:.2f}")
        row = f"| {dt:g} | " + " | ".join(cells) + " |"
        if args.md:
            lag = md_lag_rmsd(args.md, args.pdb, dt)
            row += f" {'-' if lag is None else f'{lag:.2f}'} |"
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
