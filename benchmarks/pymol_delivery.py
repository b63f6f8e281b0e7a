"""How long it takes to hand generated frames to PyMOL (the GUI timer's work per frame).

Generates frames once with the elastic-network baseline, then times only the delivery that the
PyMOL plugin does on the GUI thread: ``load_coordset`` into the trajectory object plus the panel
plot's RMSD/RMSF update (`ViewerRun.deliver`). Headless PyMOL (``pymol2``), one process.

    .venv/bin/python benchmarks/pymol_delivery.py [--frames 500]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PFAM40 = REPO.parent / "shared" / "data" / "structures" / "pfam40"
PROTEINS = ("1GUU_A.pdb", "3GQS_A.pdb", "1TZV_A.pdb")  # 50, about 100 and about 160 residues


def frames_for(path: Path, n_frames: int):
    from trajgen.engine.generate import GenerationRequest
    from trajgen.engine.live import LiveRun
    from trajgen.engine.structure import load_protein

    protein = load_protein(path)
    request = GenerationRequest(length_ps=100.0 * (n_frames - 1), interval_ps=100.0, generator="enm")
    live = LiveRun(protein, request).start()
    live.wait()
    return protein, live


def time_delivery(protein, live) -> tuple[int, float]:
    """(frames, seconds) to deliver every frame of a finished run into a fresh headless PyMOL."""
    import pymol2

    from trajgen.plugin.pymol.delivery import deliver
    from trajgen.plugin.pymol.objects import create_trajectory_object
    from trajgen.ui.runs import ViewerRun

    pm = pymol2.PyMOL()
    pm.start()
    run = ViewerRun("prot", "prot_traj", protein, live)
    create_trajectory_object(run.target, protein, pm.cmd)
    start = time.perf_counter()
    deliver(run, pm.cmd, quiet=True)
    seconds = time.perf_counter() - start
    assert pm.cmd.count_states("prot_traj") == run.delivered
    pm.stop()
    return run.delivered, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=500)
    args = parser.parse_args()
    print("| protein | residues | heavy atoms | frames | ms/frame | frames/s |")
    print("|---|---|---|---|---|---|")
    for name in PROTEINS:
        protein, live = frames_for(PFAM40 / name, args.frames)
        n, seconds = time_delivery(protein, live)
        print(f"| {name[:-4]} | {protein.n_residues} | {protein.n_atoms} | {n} | {1000 * seconds / n:.3f} | "
              f"{n / seconds:.0f} |")


if __name__ == "__main__":
    main()
