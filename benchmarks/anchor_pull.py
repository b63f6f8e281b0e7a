"""Does the model pull a drifted structure back towards its anchor? The restoring force a long rollout needs.

A single-level rollout from the start structure runs ``--drift-frames`` frames at ``--interval``;
its frame farthest from the start (Calpha RMSD after superposition) is the drifted state. From
there ``--samples`` rollouts continue ``--steps`` frames with the drifted frame and the three before
it as recent history, twice: with the start as the anchor (what a rollout has) and with the
drifted frame as the anchor (no memory of the start). A model that learned the anchor's meaning
brings the first set back towards the start; the second is the control.

    .venv/bin/python benchmarks/anchor_pull.py --checkpoint best.onnx \\
        --pdb ../shared/data/reference/ntl9_2hbaA00_320K.pdb --interval-ps 1000
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from trajgen.engine.backends.select import load_backend
from trajgen.engine.flow.process import Frames
from trajgen.engine.rollout.protein_state import protein_context
from trajgen.engine.rollout.single import rollout, row_generators
from trajgen.engine.rollout.stepper import FrameSampler
from trajgen.engine.structure import load_protein

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stride_response import superposed_rmsd  # noqa: E402


def continue_from(sampler: FrameSampler, anchor: Frames, history: list[Frames], start: Frames,
                  samples: int, steps: int, seed: int) -> list[float]:
    """Mean Calpha RMSD (A) to ``start`` after each of ``steps`` frames sampled after ``history``."""
    rngs = row_generators(seed, list(range(samples)))
    cache = sampler.new_cache(samples)
    prev = Frames.stack([anchor] * samples)
    sampler.encode(cache, 0, prev, prev, rngs)
    index = 100                                  # far after the anchor, as in a long rollout
    for frame in history:
        batch = Frames.stack([frame] * samples)
        sampler.encode(cache, index, batch, prev, rngs)
        prev, index = batch, index + 1
    out = []
    for _ in range(steps):
        x = sampler.sample(cache, index, prev, rngs)
        sampler.encode(cache, index, x, prev, rngs)
        prev, index = x, index + 1
        out.append(float(np.mean([superposed_rmsd(x.trans[b], start.trans[0]) for b in range(samples)])))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--pdb", required=True)
    p.add_argument("--interval-ps", type=float, default=1000.0)
    p.add_argument("--temperature", type=float, default=300.0)
    p.add_argument("--drift-frames", type=int, default=400)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--samples", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    backend = load_backend(args.checkpoint, device="cpu", threads=args.threads)
    context, start = protein_context(load_protein(args.pdb))
    sampler = FrameSampler(backend, context, backend.flow, args.interval_ps, args.temperature)
    traj = [start, *rollout(sampler, start, args.drift_frames, seed=args.seed)]
    rmsd = [superposed_rmsd(f.trans[0], start.trans[0]) for f in traj]
    k = max(int(np.argmax(rmsd)), 3)
    history = traj[k - 3:k + 1]
    print(f"{args.checkpoint}; {args.pdb}; {args.interval_ps:g} ps frames; drifted state: frame {k}, "
          f"{rmsd[k]:.2f} A from the start; {args.samples} continuations of {args.steps} frames each")
    marks = sorted({1, 5, 10, args.steps} & set(range(1, args.steps + 1)))
    print("\n| anchor | " + " | ".join(f"RMSD to start after {m} (A)" for m in marks) + " |")
    print("|---|" + "---|" * len(marks))
    for label, anchor in (("the start (a rollout's anchor)", start), ("the drifted frame (control)", traj[k])):
        out = continue_from(sampler, anchor, history, start, args.samples, args.steps, args.seed + 1)
        print(f"| {label} | " + " | ".join(f"{out[m - 1]:.2f}" for m in marks) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
