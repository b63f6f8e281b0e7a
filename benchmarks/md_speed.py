"""OpenMM production speed (ns/day) of trajgen's default MD set-up on this machine.

    .venv/bin/python benchmarks/md_speed.py PDB [--production-ps 10] [--threads 1] [--solvent obc]

Runs one short simulation in a temporary folder (PDBFixer, minimization, 1 ps equilibration,
production) and prints the manifest's ns/day, which times the production chunks only.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from trajgen.engine.md import SimulationConfig, run_simulation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdb", type=Path)
    parser.add_argument("--production-ps", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--solvent", default="obc")
    parser.add_argument("--platform", default="auto")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        config = SimulationConfig(pdb_path=args.pdb, out_dir=Path(out), solvent=args.solvent,
                                  equilibration_ps=1.0, production_ps=args.production_ps, report_interval_ps=1.0,
                                  checkpoint_interval_ps=args.production_ps, cpu_threads=args.threads,
                                  platform=args.platform)
        t0 = time.perf_counter()
        row = run_simulation(config)
        total = time.perf_counter() - t0
    print(f"{row['protein']}: {row['n_residues']} residues, {row['solvent']}, {row['platform']} "
          f"x{args.threads} threads: {row['ns_per_day']} ns/day (production {args.production_ps} ps; "
          f"whole run incl. preparation {total:.1f} s)")


if __name__ == "__main__":
    main()
