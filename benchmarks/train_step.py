"""Cost of one training step of the denoiser: FLOPs (counted by torch) and CPU time per window.

Each case is (model preset, residues L, frames T): one window of L residues and T frames through
``flow_matching_loss`` forward and backward plus an AdamW step. FLOPs come from
``torch.utils.flop_counter`` (matrix products and attention; element-wise work not counted), so
they scale to GPUs independently of this machine. Windows are made from the shipped 1GUU chain,
copied along x until L residues (the loss does not care where the atoms came from). Weights random.

    python benchmarks/train_step.py --presets tiny,small,default --residues 128,256 --frames 8
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]


def window_batch(n_res: int, n_frames: int, batch: int) -> dict[str, torch.Tensor]:
    """``batch`` identical windows: the example protein tiled to n_res residues, 0.3 A jitter per frame."""
    from trajgen.engine.rollout.protein_state import protein_context
    from trajgen.engine.structure import load_protein

    context, start = protein_context(load_protein(ROOT / "engine" / "assets" / "1GUU_A.pdb"))
    reps = -(-n_res // context.n_res)
    tile = lambda a: np.concatenate([a] * reps)[:n_res]
    trans = np.concatenate([start.trans[0] + [40.0 * i, 0.0, 0.0] for i in range(reps)])[:n_res]
    rng = np.random.default_rng(0)
    trans_t = trans[None] + rng.normal(0.0, 0.3, (n_frames, n_res, 3))
    rep = lambda a, dtype: torch.tensor(np.repeat(np.asarray(a)[None], batch, 0), dtype=dtype)
    return {"aatype": rep(tile(context.aatype), torch.long), "residue_index": rep(np.arange(n_res), torch.long),
            "chain_index": rep(np.zeros(n_res), torch.long), "res_mask": torch.ones(batch, n_res),
            "torsion_mask": rep(tile(context.torsion_mask), torch.float32),
            "rot": rep(np.repeat(tile(start.rot[0])[None], n_frames, 0), torch.float32),
            "trans": rep(trans_t, torch.float32),
            "torsions": rep(np.repeat(tile(start.torsions[0])[None], n_frames, 0), torch.float32),
            "dt_ps": torch.full((batch,), 100.0), "temperature_K": torch.full((batch,), 300.0)}


def measure(preset_name: str, n_res: int, n_frames: int, repeats: int) -> dict:
    from torch.utils.flop_counter import FlopCounterMode

    from trajgen.engine.flow.loss import LossConfig, flow_matching_loss
    from trajgen.engine.model import preset
    from trajgen.engine.model.network import Denoiser, count_parameters

    torch.manual_seed(0)
    model = Denoiser(preset(preset_name))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    batch, loss_cfg = window_batch(n_res, n_frames, 1), LossConfig(goal_prob=0.0)

    def step():
        loss, _ = flow_matching_loss(model, batch, cfg=loss_cfg)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    with FlopCounterMode(display=False) as counter:
        step()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return {"preset": preset_name, "parameters": count_parameters(model), "residues": n_res, "frames": n_frames,
            "gflop_per_window": counter.get_total_flops() / 1e9, "cpu_s_per_window": min(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default="tiny,small,default")
    parser.add_argument("--residues", default="128,256")
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = [measure(p, int(r), args.frames, args.repeats)
            for p in args.presets.split(",") for r in args.residues.split(",")]
    for row in rows:
        print(json.dumps(row))
    print("\n| preset | parameters | residues | frames | GFLOP per window (fwd+bwd) | CPU s per window |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['preset']} | {r['parameters']:,} | {r['residues']} | {r['frames']} | "
              f"{r['gflop_per_window']:.1f} | {r['cpu_s_per_window']:.2f} |")


if __name__ == "__main__":
    main()
