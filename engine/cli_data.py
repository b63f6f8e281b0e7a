"""``trajgen data ...`` subcommands: molecular-dynamics data generation.

The lead's ``trajgen.engine.cli`` calls ``add_parser(subparsers)``; every leaf parser sets
``func(args) -> int`` (the exit status) through ``set_defaults``.

    trajgen data simulate a.pdb b.pdb --out md/ --temperatures 300 350 --production-ps 1000
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from trajgen.engine.md.config import PLATFORMS, SOLVENTS, BatchConfig


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``data`` (with its ``simulate`` subcommand) on an argparse subparsers object."""
    data = subparsers.add_parser("data", help="make and inspect molecular-dynamics training data")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    _add_simulate(data_sub)
    return data


def _add_simulate(data_sub) -> None:
    p = data_sub.add_parser(
        "simulate", help="run OpenMM simulations of PDB/mmCIF files (resumable, several side by side)",
        description="Prepare each structure with PDBFixer (offline), minimize, equilibrate and run production "
                    "at every temperature and seed. Writes heavy-atom XTC trajectories and manifest.jsonl in --out. "
                    "Re-running the same command resumes interrupted runs and skips finished ones.",
    )
    p.add_argument("structures", nargs="+", type=Path, help="PDB or mmCIF files (.gz allowed)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--temperatures", type=float, nargs="+", default=[300.0], help="kelvin (default 300)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="one run per seed (default 0)")
    p.add_argument("--solvent", choices=SOLVENTS, default="obc", help="obc implicit (default) or tip3p explicit")
    p.add_argument("--production-ps", type=float, default=1000.0, help="production length per run (default 1000)")
    p.add_argument("--equilibration-ps", type=float, default=100.0, help="default 100")
    p.add_argument("--stride-ps", type=float, default=10.0, help="time between saved frames (default 10)")
    p.add_argument("--checkpoint-ps", type=float, default=100.0, help="time between checkpoints (default 100)")
    p.add_argument("--timestep-fs", type=float, default=4.0, help="default 4 (with hydrogen-mass repartitioning)")
    p.add_argument("--platform", choices=PLATFORMS, default="auto", help="auto: CUDA if usable, else CPU")
    p.add_argument("--workers", type=int, default=1, help="runs side by side, one process each (default 1)")
    p.add_argument("--threads", type=int, default=1, help="CPU threads per run (default 1)")
    p.add_argument("--devices", type=int, nargs="*", default=[], help="GPU indices to spread runs over")
    p.set_defaults(func=simulate_command)


def simulate_command(args: argparse.Namespace) -> int:
    """Run the batch described by the parsed arguments; exit status 1 if any run failed."""
    from trajgen.engine.md import run_batch

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    base = dict(
        solvent=args.solvent, production_ps=args.production_ps, equilibration_ps=args.equilibration_ps,
        report_interval_ps=args.stride_ps, checkpoint_interval_ps=args.checkpoint_ps,
        timestep_fs=args.timestep_fs, platform=args.platform, cpu_threads=args.threads,
    )
    batch = BatchConfig(
        pdb_paths=list(args.structures), out_dir=args.out, temperatures_K=tuple(args.temperatures),
        seeds=tuple(args.seeds), workers=args.workers, base=base,
    )
    rows, failures = run_batch(batch, devices=tuple(args.devices))
    print(f"{len(rows)} runs finished, {len(failures)} failed; manifest: {args.out / 'manifest.jsonl'}")
    for run_id, error in failures.items():
        print(f"  {run_id}: {error}")
    return 1 if failures else 0
