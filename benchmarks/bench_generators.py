"""Simulated time per wall-clock second: trajgen's generators against OpenMM implicit-solvent MD.

    .venv/bin/python benchmarks/bench_generators.py PDB [--frames 1000] [--interval-ps 1000]
        [--model-frames 200] [--md-production-ps 10] [--threads 1]

One run, the same structure, one after the other: the learned model at its default size on ONNX
Runtime (random weights: its speed does not depend on training; backend loading and the heavy-atom
rebuild included), ENM Langevin frames (network set-up and eigen-decomposition included) and
OpenMM with trajgen's default MD set-up (OBC implicit solvent, production chunks timed by the MD
module). Prints one Markdown table row per method.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def enm_speed(pdb: Path, frames: int, interval_ps: float) -> tuple[float, float]:
    """(simulated ns, wall seconds) of one ENM trajectory, heavy-atom frames materialized."""
    from trajgen.engine.baselines.enm import enm_trajectory
    from trajgen.engine.structure import load_protein

    t0 = time.perf_counter()
    protein = load_protein(pdb)
    for frame in enm_trajectory(protein, frames, interval_ps, 300.0, seed=0):
        protein.heavy_atom_xyz(frame)
    return frames * interval_ps / 1000.0, time.perf_counter() - t0


def model_speed(pdb: Path, frames: int, interval_ps: float, threads: int) -> tuple[float, float]:
    """(simulated ns, wall seconds) of a default-size model rollout on ONNX Runtime, load included."""
    import torch

    from trajgen.engine.backends.export import export_onnx
    from trajgen.engine.backends.select import load_backend
    from trajgen.engine.flow.process import FlowConfig
    from trajgen.engine.generate import GenerationRequest, TrajectoryGenerator
    from trajgen.engine.model import preset
    from trajgen.engine.model.network import Denoiser
    from trajgen.engine.structure import load_protein

    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as folder:
        onnx = Path(folder) / "model.onnx"
        export_onnx(Denoiser(preset("default")), onnx, FlowConfig())
        t0 = time.perf_counter()
        backend = load_backend(onnx, backend="onnx", device="cpu", threads=threads)
        protein = load_protein(pdb)
        request = GenerationRequest(length_ps=frames * interval_ps, interval_ps=interval_ps, mode="single")
        n = sum(1 for _ in TrajectoryGenerator(protein, request, backend)) - 1
        return n * interval_ps / 1000.0, time.perf_counter() - t0


def md_speed(pdb: Path, production_ps: float, threads: int) -> float:
    """OpenMM production speed in ns/day (trajgen.engine.md defaults, OBC implicit solvent)."""
    from trajgen.engine.md import SimulationConfig, run_simulation

    with tempfile.TemporaryDirectory() as out:
        config = SimulationConfig(pdb_path=pdb, out_dir=Path(out), solvent="obc", equilibration_ps=1.0,
                                  production_ps=production_ps, report_interval_ps=1.0,
                                  checkpoint_interval_ps=production_ps, cpu_threads=threads)
        return float(run_simulation(config)["ns_per_day"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdb", type=Path)
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--interval-ps", type=float, default=1000.0)
    parser.add_argument("--model-frames", type=int, default=200)
    parser.add_argument("--md-production-ps", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    model_interval = min(args.interval_ps, 1000.0)
    sim_ns, wall = model_speed(args.pdb, args.model_frames, model_interval, args.threads)
    print(f"| {args.pdb.stem} | learned model, default size, ONNX Runtime CPU x{args.threads} "
          f"({args.model_frames} frames x {model_interval:g} ps) | {sim_ns / wall:,.2f} | {sim_ns / wall * 86400:,.0f} |")
    sim_ns, wall = enm_speed(args.pdb, args.frames, args.interval_ps)
    print(f"| {args.pdb.stem} | ENM Langevin ({args.frames} frames x {args.interval_ps:g} ps) "
          f"| {sim_ns / wall:,.1f} | {sim_ns / wall * 86400:,.0f} |")
    ns_day = md_speed(args.pdb, args.md_production_ps, args.threads)
    print(f"| {args.pdb.stem} | OpenMM OBC, CPU x{args.threads} ({args.md_production_ps:g} ps production) "
          f"| {ns_day / 86400:.2e} | {ns_day:,.1f} |")


if __name__ == "__main__":
    main()
