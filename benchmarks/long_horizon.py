"""Long rollouts of held-out proteins: does the generator stay folded and physically valid for microseconds?

For each reference target (``shared/data/reference``, never trained on) the generator runs from
the reference PDB for ``--length`` at ``--interval`` through the same API the CLI uses
(``TrajectoryGenerator``: hierarchical rollout where the model allows it). Per frame: Calpha RMSD
to the start (superposed), and validity by the evaluation suite's definition (no Calpha or
heavy-atom clash, no chain break, Ramachandran and chi1 within the reference MD's range).
Written to --out: ``long_horizon.md`` (a table per target: RMSD and valid share by tenth of the
run, plateau check) and ``{target}_long_horizon.png`` (RMSD and rolling validity against time).

    .venv/bin/python benchmarks/long_horizon.py --checkpoint best.onnx --length 1us --interval 1ns \
        --targets ntl9_2hbaA00_320K lambda_lysozyme_1am7 --out docs/eval/long
    .venv/bin/python benchmarks/long_horizon.py --generator enm --length 10us --interval 1ns --out /tmp/lh

"Stays folded" here: the mean RMSD of the last tenth exceeds that of the middle tenth by less
than ``--plateau-A`` (default 1 A) and stays under ``--unfolded-A`` (default 6 A).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import mdtraj
import numpy as np

from trajgen.engine.evaluate.dihedrals import ramachandran_model, rotamer_model
from trajgen.engine.evaluate.ensemble import Ensemble, ensemble_from_trajectory, kabsch_superpose, match_heavy_atoms
from trajgen.engine.evaluate.validity import frame_validity
from trajgen.engine.generate import GenerationRequest, TrajectoryGenerator
from trajgen.engine.structure import load_protein
from trajgen.engine.units import parse_time_ps

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "reference"


def generate(pdb: Path, request: GenerationRequest, backend) -> tuple[np.ndarray, mdtraj.Topology]:
    """Frames (F, N, 3) Angstrom in the protein's heavy-atom order, and that topology."""
    protein = load_protein(pdb)
    frames = [f.xyz for f in TrajectoryGenerator(protein, request, backend)]
    return np.stack(frames).astype(np.float32), protein.heavy_atom_topology()


def analyse(target: str, xyz: np.ndarray, top: mdtraj.Topology, interval_ps: float, reference: Path) -> dict:
    """RMSD to the start and per-frame validity (reference MD defines the dihedral ranges)."""
    ref = mdtraj.load(str(reference / f"{target}.xtc"), top=str(reference / f"{target}.pdb"))
    gen = mdtraj.Trajectory(xyz / 10.0, top)
    gen_idx, ref_idx = match_heavy_atoms(gen.topology, ref.topology)
    ref_ens = ensemble_from_trajectory(ref, ref_idx, 1.0, "MD")
    ca = ref_ens.ca_indices
    gen_xyz = xyz[:, gen_idx]
    start = gen_xyz[0]
    aligned = kabsch_superpose(gen_xyz, start, ca)
    rmsd = np.sqrt(((aligned[:, ca] - start[ca]) ** 2).sum(-1).mean(-1))
    ens = Ensemble(aligned, ref_ens.topology, interval_ps, "generated")
    validity = frame_validity(ens, start, ramachandran_model(ref_ens), rotamer_model(ref_ens))
    return {"time_ps": np.arange(len(xyz)) * interval_ps, "rmsd_A": rmsd, "valid": validity.valid,
            "notes": validity.notes}


def tenths(values: np.ndarray) -> list[float]:
    return [float(np.mean(chunk)) for chunk in np.array_split(values[1:], 10)]


def plot(target: str, result: dict, out: Path, label: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t_us = result["time_ps"] / 1e6
    window = max(1, len(t_us) // 50)
    rolling = np.convolve(result["valid"].astype(float), np.ones(window) / window, mode="same")
    fig, (a, b) = plt.subplots(2, 1, figsize=(7, 5), sharex=True)
    a.plot(t_us, result["rmsd_A"], lw=0.8)
    a.set_ylabel("Calpha RMSD to start (A)")
    a.set_title(f"{target}: {label}")
    b.plot(t_us, 100 * rolling, lw=0.8, color="tab:green")
    b.set_ylabel(f"valid frames, rolling {window} (%)")
    b.set_ylim(0, 105)
    b.set_xlabel("time (us)")
    fig.tight_layout()
    path = out / f"{target}_long_horizon.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", help=".onnx or .safetensors (the learned model)")
    p.add_argument("--generator", default="model", choices=("model", "enm"))
    p.add_argument("--length", default="1us")
    p.add_argument("--interval", default="1ns")
    p.add_argument("--temperature", type=float, default=300.0)
    p.add_argument("--targets", nargs="+", default=["ntl9_2hbaA00_320K", "lambda_lysozyme_1am7"])
    p.add_argument("--reference-dir", type=Path, default=REFERENCE)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--plateau-A", type=float, default=1.0)
    p.add_argument("--unfolded-A", type=float, default=6.0)
    args = p.parse_args(argv)
    backend = None
    if args.generator == "model":
        from trajgen.engine.backends.select import load_backend

        backend = load_backend(args.checkpoint, device="cpu", threads=args.threads)
    length_ps, interval_ps = parse_time_ps(args.length), parse_time_ps(args.interval)
    label = f"{'ENM baseline' if backend is None else Path(args.checkpoint).name}, {args.length} at {args.interval}"
    args.out.mkdir(parents=True, exist_ok=True)
    lines = [f"# Long rollouts: {label}, {args.temperature:g} K, seed {args.seed}", "",
             f"Command: `python benchmarks/long_horizon.py {' '.join(argv if argv is not None else sys.argv[1:])}`", ""]
    for target in args.targets:
        request = GenerationRequest(length_ps, interval_ps, args.temperature, args.seed, generator=args.generator)
        xyz, top = generate(args.reference_dir / f"{target}.pdb", request, backend)
        result = analyse(target, xyz, top, interval_ps, args.reference_dir)
        rmsd, valid = tenths(result["rmsd_A"]), tenths(result["valid"].astype(float))
        folded = rmsd[-1] - rmsd[4] < args.plateau_A and rmsd[-1] < args.unfolded_A
        plot(target, result, args.out, label)
        lines += [f"## {target}", "",
                  f"{len(xyz) - 1} frames; valid {100 * result['valid'][1:].mean():.1f}%; stays folded: "
                  f"{'yes' if folded else 'no'} (last tenth {rmsd[-1]:.2f} A vs middle {rmsd[4]:.2f} A). "
                  f"![]({target}_long_horizon.png)", "",
                  "| tenth of the run | " + " | ".join(str(i) for i in range(1, 11)) + " |",
                  "|---|" + "---|" * 10,
                  "| mean Calpha RMSD (A) | " + " | ".join(f"{v:.2f}" for v in rmsd) + " |",
                  "| valid frames (%) | " + " | ".join(f"{100 * v:.0f}" for v in valid) + " |", ""]
        lines += [f"- note: {n}" for n in result["notes"]] + ([""] if result["notes"] else [])
        print(f"{target}: valid {100 * result['valid'][1:].mean():.1f}%, RMSD last tenth {rmsd[-1]:.2f} A, "
              f"folded {folded}")
    (args.out / "long_horizon.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
