"""``trajgen train CONFIG``: train the denoiser as a TOML/JSON config describes (one CPU, one GPU, many GPUs).

    trajgen train docs/configs/tiny_cpu.toml
    torchrun --nproc_per_node 8 -m trajgen.engine.cli train docs/configs/default_gpu.toml

Resumes from ``out_dir/last.pt`` when it exists (``run.resume = "auto"``). Everything is in the
config file; the few options here override single fields for quick experiments.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
from pathlib import Path


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help="train the trajectory model from a TOML/JSON config (CPU, GPU or torchrun multi-GPU)",
        description="Train the denoiser on featurized MD windows: AdamW, warm-up + cosine schedule, EMA, "
                    "gradient clipping, bf16 on GPU, validation on held-out proteins, best.safetensors (EMA) "
                    "and best.onnx in the output folder. Launch with torchrun for several GPUs or nodes.")
    p.add_argument("config", type=Path, help="training config (.toml or .json); see docs/training.md")
    p.add_argument("--out", type=Path, help="output folder (overrides run.out_dir)")
    p.add_argument("--resume", help="auto (default: out_dir/last.pt if present), never, or a last.pt path")
    p.add_argument("--max-steps", type=int, help="schedule length (overrides optim.max_steps)")
    p.add_argument("--stop-after", type=int, help="end this invocation at this step; resume later")
    p.add_argument("--hours", type=float, help="checkpoint and end this invocation after this much wall time")
    p.add_argument("--device", help="auto, cpu or cuda (overrides run.device)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def with_overrides(config, args: argparse.Namespace):
    """The config with the command-line overrides applied (validated like the file)."""
    run_fields = {"out_dir": str(args.out) if args.out else None, "resume": args.resume,
                  "stop_after_steps": args.stop_after, "device": args.device, "stop_after_hours": args.hours,
                  "progress": False if args.quiet else None}
    run_cfg = dataclasses.replace(config.run, **{k: v for k, v in run_fields.items() if v is not None})
    optim = config.optim if args.max_steps is None else dataclasses.replace(config.optim, max_steps=args.max_steps)
    return dataclasses.replace(config, run=run_cfg, optim=optim)


def run(args: argparse.Namespace) -> int:
    from trajgen.engine.train import load_config, train

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    result = train(with_overrides(load_config(args.config), args))
    if result.best_checkpoint is not None and os.environ.get("RANK", "0") == "0":
        best = "" if result.best_val_loss is None else f" (validation loss {result.best_val_loss:.4f})"
        print(f"step {result.step}: best checkpoint {result.best_checkpoint}{best}"
              + (f", ONNX {result.onnx}" if result.onnx else ""))
    return 0
