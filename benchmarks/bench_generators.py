"""Simulated time per wall-clock second: the ENM baseline against OpenMM implicit-solvent MD.

    .venv/bin/python benchmarks/bench_generators.py PDB [--frames 1000] [--interval-ps 1000]
        [--md-production-ps 10] [--threads 1]

One run each on the same structure: ENM Langevin frames (network set-up and eigen-decomposition
included) and OpenMM with trajgen's default MD set-up (OBC implicit solvent, production chunks
timed by the MD module). Prints one Markdown table row per method.
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
    parser.add_argument("--md-production-ps", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    sim_ns, wall = enm_speed(args.pdb, args.frames, args.interval_ps)
    print(f"| {args.pdb.stem} | ENM Langevin ({args.frames} frames x {args.interval_ps:g} ps) "
          f"| {sim_ns / wall:,.1f} | {sim_ns / wall * 86400:,.0f} |")
    ns_day = md_speed(args.pdb, args.md_production_ps, args.threads)
    print(f"| {args.pdb.stem} | OpenMM OBC, CPU x{args.threads} ({args.md_production_ps:g} ps production) "
          f"| {ns_day / 86400:.2e} | {ns_day:,.1f} |")


if __name__ == "__main__":
    main()
