"""The reference suite: baselines against every MD trajectory in a reference folder.

For each target the reference MD is split in two halves. The first half is the reference;
the second half (MD against MD, the ceiling) and an elastic-network Langevin trajectory of the
same length, spacing and temperature, started from the target's PDB structure, are evaluated
against it. Run: ``python -m trajgen.engine.evaluate.suite --out docs/eval``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import mdtraj as md
import numpy as np

from trajgen.engine.baselines.enm import (ELEMENT_MASS_AMU, ElasticNetworkLangevin, EnmConfig, chain_pairs,
                                          enm_trajectory, segments_from_calpha)
from trajgen.engine.errors import StructureError
from trajgen.engine.structure.residue_constants import ATOM_NAMES
from trajgen.engine.evaluate.compare import EvalConfig, PairResult, evaluate_pair
from trajgen.engine.evaluate.ensemble import NM_TO_ANGSTROM, load_trajectory, prepare_pair
from trajgen.engine.evaluate.report import write_report

DEFAULT_REFERENCE_DIR = "/work/shared/data/reference"


@dataclass(frozen=True)
class ReferenceTarget:
    """One reference MD: file stem (``stem.pdb`` + ``stem.xtc``), frame spacing and temperature."""

    stem: str
    timestep_ps: float   # true spacing (the ntl9 xtc time field counts frames)
    temperature_K: float


REFERENCE_TARGETS = (
    ReferenceTarget("trpcage_1l2y", 1.0, 300.0),
    ReferenceTarget("lambda_lysozyme_1am7", 100.0, 300.0),
    ReferenceTarget("ntl9_2hbaA00_320K", 1000.0, 320.0),
    ReferenceTarget("bpti_ca", 1000.0, 300.0),
)


def enm_reference_trajectory(pdb: str, n_frames: int, interval_ps: float, temperature_K: float,
                             seed: int) -> tuple[md.Trajectory, str]:
    """ENM Langevin trajectory of the structure in ``pdb`` as heavy atoms; and a note on the network.

    Structures with full backbones go through ``load_protein`` and ``enm_trajectory`` (heavy-atom
    network); Calpha-only models, which load_protein refuses, get a Calpha network.
    """
    from trajgen.engine.structure import load_protein

    try:
        protein = load_protein(pdb)
    except StructureError:
        return _calpha_enm(pdb, n_frames, interval_ps, temperature_K, seed)
    frames = np.stack([protein.heavy_atom_xyz(f) for f in
                       enm_trajectory(protein, n_frames, interval_ps, temperature_K, seed)])
    return md.Trajectory(frames / NM_TO_ANGSTROM, protein.heavy_atom_topology()), "Calpha network, rigid residues"


def _calpha_enm(pdb: str, n_frames: int, interval_ps: float, temperature_K: float,
                seed: int) -> tuple[md.Trajectory, str]:
    struct = md.load(pdb)
    ca = struct.atom_slice(struct.topology.select("name CA"))
    masses = np.array([sum(ELEMENT_MASS_AMU[name[0]] for name in ATOM_NAMES.get(res.name, ATOM_NAMES["UNK"]))
                       for res in ca.topology.residues])  # the residue's heavy atoms, as in enm_trajectory
    model = ElasticNetworkLangevin(ca.xyz[0] * NM_TO_ANGSTROM, masses, EnmConfig(),
                                   chain=chain_pairs(segments_from_calpha(ca.xyz[0] * NM_TO_ANGSTROM)))
    frames = np.stack(list(model.frames(n_frames, interval_ps, temperature_K, seed)))
    return md.Trajectory(frames / NM_TO_ANGSTROM, ca.topology), "Calpha network (the model has only Calpha atoms)"


def evaluate_target(target: ReferenceTarget, reference_dir: str, config: EvalConfig) -> tuple[list[PairResult], str]:
    """Both baselines on one target against the first half of its MD; and a one-line description."""
    pdb, xtc = f"{reference_dir}/{target.stem}.pdb", f"{reference_dir}/{target.stem}.xtc"
    traj = load_trajectory(xtc, pdb)
    half = traj.n_frames // 2
    ref = traj[:half]
    dt = target.timestep_ps
    enm, network = enm_reference_trajectory(pdb, half, dt, target.temperature_K, config.seed)
    results, n_atoms = [], []
    for label, gen in (("ENM Langevin", enm), ("MD 2nd half", traj[half:2 * half])):
        gen_ens, ref_ens, start = prepare_pair(gen, ref, dt, dt, label, "MD 1st half")
        results.append(evaluate_pair(gen_ens, ref_ens, start, target.stem, label, config))
        n_atoms.append(str(ref_ens.xyz.shape[1]))
    line = (f"| {target.stem} | {ref_ens.topology.n_residues} | {' / '.join(n_atoms)} | {half} × {dt:g} ps "
            f"| {target.temperature_K:g} K | {start_offset_A(pdb, traj):.2f} | {network} |")
    return results, line


def start_offset_A(pdb: str, traj: md.Trajectory) -> float:
    """Calpha RMSD (A, after superposition) between the PDB structure and the MD's first frame."""
    struct = md.load(pdb)
    ca_pdb, ca_md = struct.topology.select("name CA"), traj.topology.select("name CA")
    return float(md.rmsd(struct.atom_slice(ca_pdb), traj[0].atom_slice(ca_md))[0] * NM_TO_ANGSTROM)


PREAMBLE = """Each reference MD is split in two halves; the first half is the reference. Methods: **ENM
Langevin** (elastic-network baseline, `trajgen.engine.baselines.enm`, overdamped Langevin from the PDB
structure, same frame count, spacing and temperature) and **MD 2nd half** (the ceiling: MD against
MD). All frames are superposed on the reference's first frame on Calpha atoms; hydrogens dropped.
Metric definitions: docs/evaluation.md. Generated with seed {seed}.

ENM frames start from the PDB structure; the "PDB vs MD start" column gives its Calpha RMSD from the
MD's first frame, which every frame is superposed on (a large value shows up as RMWD translation).

| target | residues | heavy atoms compared (ENM / MD half) | frames per half | temperature | PDB vs MD start Cα RMSD (Å) | ENM network |
|---|---|---|---|---|---|---|
{rows}"""


def run_suite(reference_dir: str, out_dir: str, seed: int = 0, stems: list[str] | None = None) -> Path:
    """Evaluate the baselines on every reference target and write the report; returns report.md."""
    config = EvalConfig(seed=seed)
    results, rows = [], []
    for target in REFERENCE_TARGETS:
        if stems and target.stem not in stems:
            continue
        target_results, row = evaluate_target(target, reference_dir, config)
        results += target_results
        rows.append(row)
    return write_report(results, out_dir, "trajgen evaluation: baselines on the reference MD",
                        settings={"seed": seed, "reference_dir": Path(reference_dir).name},
                        preamble=PREAMBLE.format(seed=seed, rows="\n".join(rows)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate the baselines on the reference MD trajectories.")
    parser.add_argument("--reference-dir", default=DEFAULT_REFERENCE_DIR)
    parser.add_argument("--out", default="docs/eval", help="report folder (report.md, metrics.json, PNGs)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--targets", nargs="*", help="file stems to run (default: all)")
    args = parser.parse_args(argv)
    print(run_suite(args.reference_dir, args.out, args.seed, args.targets))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
