"""Validation loss of several checkpoints on the same windows: an architecture A/B on equal terms.

Every checkpoint is scored on one fixed set of validation windows (drawn once from the config's
validation proteins with a fixed seed) and with the same flow-time and noise draws per batch, so
the numbers differ only by the weights and the architecture. Training logs cannot serve: two runs
started at different times may validate on different files.

    .venv/bin/python benchmarks/compare_checkpoints.py docs/configs/cpu.toml \
        training/cpu/best.safetensors training/cpu_factorized/best.safetensors --batches 32
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import torch

from trajgen.engine.checkpoint import load_model
from trajgen.engine.flow.loss import flow_matching_loss
from trajgen.engine.train.config import load_config
from trajgen.engine.train.data import cache_files, model_inputs, split_cache, window_config
from trajgen.engine.train.distributed import init_distributed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config", help="training config whose [data] validation windows are used")
    p.add_argument("checkpoints", nargs="+", help=".safetensors files")
    p.add_argument("--batches", type=int, default=32)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    from trajgen.engine.dataset.windows import WindowSampler

    torch.set_num_threads(1)
    config = load_config(args.config)
    ctx = init_distributed("cpu")
    _, val_paths = split_cache(cache_files(config.data, ctx), config.data)
    sampler = WindowSampler(val_paths, window_config(config.data))
    batches = [model_inputs(sampler.batch(args.batch_size, np.random.default_rng((args.seed, 7, i))))
               for i in range(args.batches)]
    print(f"{args.batches} batches of {args.batch_size} windows from {len(val_paths)} validation trajectories")
    print("| checkpoint | architecture | step | val loss | trans | rot | torsion | distance |")
    print("|---|---|---|---|---|---|---|---|")
    for path in args.checkpoints:
        model, info = load_model(path)
        model.eval()
        totals, parts_sum = [], {}
        with torch.no_grad():
            for i, batch in enumerate(batches):
                torch.manual_seed(args.seed * 1000 + i)
                loss, parts = flow_matching_loss(model, batch, info.flow, config.loss)
                totals.append(float(loss))
                for k, v in parts.items():
                    parts_sum[k] = parts_sum.get(k, 0.0) + v / len(batches)
        m = info.model
        arch = f"joint, K={m.neighbors}/{m.temporal_neighbors}" if m.temporal == "joint" else (
            f"factorized, {'K=' + str(m.neighbors) if m.neighbors else 'all pairs'}")
        print(f"| {path} | {arch} | {info.step} | {np.mean(totals):.4f} | {parts_sum['trans']:.4f} | "
              f"{parts_sum['rot']:.4f} | {parts_sum['torsion']:.4f} | {parts_sum['distance']:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
