"""Round trip atoms -> frames + torsions -> atoms on real structures, and rebuild speed.

Prints Markdown: one row per structure with backbone (N, CA, C, O) and all-heavy-atom RMSD of the
rebuilt atoms against the input (same coordinate frame, no superposition, symmetric atom names
matched), the largest bond-length deviation of rebuilt atoms from ideal, then rebuild timings.

    .venv/bin/python benchmarks/roundtrip.py [--structures DIR] [--frames 1000] [--repeats 5]
"""

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trajgen.engine.geometry import atom_mask, atoms_from_frames_torsions, backbone_frames, torsions_from_atoms
from trajgen.engine.geometry.bonds import bond_angle_deviations, bond_length_deviations
from trajgen.engine.geometry.compare import backbone_mask, rmsd, round_trip
from trajgen.engine.structure import load_protein

DEFAULT_STRUCTURES = Path(__file__).resolve().parents[2] / "shared" / "data" / "structures" / "pfam40"


@dataclass
class RoundTripRow:
    name: str
    residues: int
    backbone_rmsd: float  # Angstrom
    heavy_rmsd: float  # Angstrom
    max_bond_deviation: float  # Angstrom, rebuilt atoms vs ideal
    rms_angle_deviation: float  # degrees, rebuilt atoms vs ideal


def measure(path: Path) -> RoundTripRow:
    """Round-trip one structure file and measure the rebuilt geometry."""
    protein = load_protein(path)
    rebuilt, errors, compared = round_trip(protein.aatype, protein.positions, protein.mask, protein.segment_start, protein.chain_end)
    rebuilt_mask = atom_mask(protein.aatype, protein.chain_end) & protein.mask[:, :3].all(-1, keepdims=True)
    bonds, bonds_valid = bond_length_deviations(protein.aatype, rebuilt, rebuilt_mask)
    angles, angles_valid = bond_angle_deviations(protein.aatype, rebuilt, rebuilt_mask)
    return RoundTripRow(
        name=path.stem, residues=protein.n_residues,
        backbone_rmsd=float(rmsd(errors, backbone_mask(compared))), heavy_rmsd=float(rmsd(errors, compared)),
        max_bond_deviation=float(np.abs(bonds[bonds_valid]).max()),
        rms_angle_deviation=float(np.sqrt(np.mean(angles[angles_valid] ** 2))),
    )


def print_round_trip_table(rows: list[RoundTripRow]) -> None:
    print("| structure | residues | backbone RMSD (Å) | all-heavy RMSD (Å) | max bond dev. (Å) | RMS angle dev. (°) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r.name} | {r.residues} | {r.backbone_rmsd:.3f} | {r.heavy_rmsd:.3f} | {r.max_bond_deviation:.4f} | {r.rms_angle_deviation:.2f} |")
    columns = {name: np.array([getattr(r, name) for r in rows]) for name in ("backbone_rmsd", "heavy_rmsd", "max_bond_deviation", "rms_angle_deviation")}
    for label, reduce in (("median", np.median), ("max", np.max)):
        values = {name: reduce(v) for name, v in columns.items()}
        print(f"| **{label}** | | {values['backbone_rmsd']:.3f} | {values['heavy_rmsd']:.3f} | "
              f"{values['max_bond_deviation']:.4f} | {values['rms_angle_deviation']:.2f} |")


def best_seconds(function, repeats: int) -> float:
    """Fastest of ``repeats`` calls (seconds)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def print_timings(path: Path, n_frames: int, repeats: int) -> None:
    """Frames per second of each step for a batch of ``n_frames`` copies of one structure."""
    protein = load_protein(path)
    frames = np.repeat(protein.positions[None], n_frames, axis=0)
    rot, trans = backbone_frames(frames)
    angles, _ = torsions_from_atoms(protein.aatype, frames, protein.mask, protein.segment_start)
    steps = {
        "numpy `backbone_frames`": lambda: backbone_frames(frames),
        "numpy `torsions_from_atoms`": lambda: torsions_from_atoms(protein.aatype, frames, protein.mask, protein.segment_start),
        "numpy `atoms_from_frames_torsions`": lambda: atoms_from_frames_torsions(protein.aatype, rot, trans, angles, protein.chain_end),
    }
    steps.update(_torch_steps(protein, rot, trans, angles))
    print(f"\nRebuild speed: {path.stem}, {protein.n_residues} residues, {n_frames} frames in one batch, best of {repeats}.\n")
    print("| step | seconds per batch | frames/s |")
    print("|---|---|---|")
    for label, function in steps.items():
        seconds = best_seconds(function, repeats)
        print(f"| {label} | {seconds:.4f} | {n_frames / seconds:,.0f} |")


def _torch_steps(protein, rot: np.ndarray, trans: np.ndarray, angles: np.ndarray) -> dict:
    try:
        import torch
        from trajgen.engine.geometry import torch_ops
    except ImportError:
        return {}
    rot_t, trans_t = torch.tensor(rot), torch.tensor(trans)
    torsions = torch.stack([torch.sin(torch.tensor(angles)), torch.cos(torch.tensor(angles))], dim=-1)

    def rebuild():
        with torch.no_grad():
            torch_ops.atoms_from_frames_torsions(protein.aatype, rot_t, trans_t, torsions, protein.chain_end)

    return {f"torch (CPU, {torch.get_num_threads()} threads) `atoms_from_frames_torsions`": rebuild}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--structures", type=Path, default=DEFAULT_STRUCTURES, help="folder of PDB files")
    parser.add_argument("--timing-structure", default="2ZXJ_A.pdb", help="file in --structures to time (100 residues)")
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print_round_trip_table([measure(path) for path in sorted(args.structures.glob("*.pdb"))])
    print_timings(args.structures / args.timing_structure, args.frames, args.repeats)


if __name__ == "__main__":
    main()
