"""The reference suite: baselines against every MD trajectory in a reference folder.

For each target the reference MD is split in two halves. The first half is the reference;
the second half (MD against MD, the ceiling) and an elastic-network Langevin trajectory of the
same length, spacing and temperature, started from the target's PDB structure through the
streaming API, are evaluated against it; with ``--checkpoint`` the learned model joins them.
Run: ``python -m trajgen.engine.evaluate.suite --out docs/eval [--checkpoint PATH]``.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

import mdtraj as md
import numpy as np

from trajgen.engine.baselines.enm import (ELEMENT_MASS_AMU, ElasticNetworkLangevin, EnmConfig, chain_pairs,
                                          segments_from_calpha)
from trajgen.engine.errors import StructureError, TrajgenError
from trajgen.engine.residue_constants import ATOM_NAMES
from trajgen.engine.evaluate.compare import EvalConfig, PairResult, evaluate_pair
from trajgen.engine.evaluate.ensemble import NM_TO_ANGSTROM, load_trajectory, prepare_pair
from trajgen.engine.evaluate.report import write_report

# The project's reference MD sits in ../shared beside a checkout; TRAJGEN_REFERENCE_DIR overrides it.
DEFAULT_REFERENCE_DIR = os.environ.get(
    "TRAJGEN_REFERENCE_DIR", str(Path(__file__).resolve().parents[2].parent / "shared" / "data" / "reference"))


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


def streamed_trajectory(protein, n_frames: int, interval_ps: float, temperature_K: float, seed: int,
                        generator: str = "enm", backend=None) -> md.Trajectory:
    """``n_frames`` frames of ``protein`` from the streaming API (``trajgen.engine.generate``) as mdtraj.

    generator "enm" is the elastic-network baseline; "model" the learned model on ``backend``.
    Raises GenerationError when the generator refuses the request (e.g. a stride outside training).
    """
    from trajgen.engine.generate import GenerationRequest, TrajectoryGenerator

    request = GenerationRequest(length_ps=(n_frames - 1) * interval_ps, interval_ps=interval_ps,
                                temperature_K=temperature_K, seed=seed, generator=generator)
    xyz = np.stack([frame.xyz for frame in TrajectoryGenerator(protein, request, backend)])
    return md.Trajectory(xyz / NM_TO_ANGSTROM, protein.heavy_atom_topology())


def calpha_enm_trajectory(pdb: str, n_frames: int, interval_ps: float, temperature_K: float,
                          seed: int) -> md.Trajectory:
    """ENM frames of a Calpha-only model (which load_protein refuses): the same network, no rigid units."""
    struct = md.load(pdb)
    ca = struct.atom_slice(struct.topology.select("name CA"))
    masses = np.array([sum(ELEMENT_MASS_AMU[name[0]] for name in ATOM_NAMES.get(res.name, ATOM_NAMES["UNK"]))
                       for res in ca.topology.residues])  # the residue's heavy atoms, as in enm_trajectory
    model = ElasticNetworkLangevin(ca.xyz[0] * NM_TO_ANGSTROM, masses, EnmConfig(),
                                   chain=chain_pairs(segments_from_calpha(ca.xyz[0] * NM_TO_ANGSTROM)))
    frames = np.stack(list(model.frames(n_frames, interval_ps, temperature_K, seed)))
    return md.Trajectory(frames / NM_TO_ANGSTROM, ca.topology)


def generated_methods(target: ReferenceTarget, pdb: str, n_frames: int, seed: int,
                      backend=None) -> tuple[list[tuple[str, md.Trajectory]], list[str], str]:
    """(label, trajectory) of the ENM baseline and, with a backend, the learned model; notes on
    methods that could not run; and the kind of ENM network used."""
    from trajgen.engine.structure import load_protein

    dt, temp = target.timestep_ps, target.temperature_K
    calpha_only = not any(atom.name == "N" for atom in md.load_topology(pdb).atoms)
    notes = []
    try:
        protein = load_protein(pdb)       # a Calpha-only model gets its backbone rebuilt (structure.calpha)
    except StructureError as err:
        protein = None
        if backend is not None:
            notes.append(f"trajgen model not run: {err}")
    if calpha_only or protein is None:    # the ENM keeps to the atoms the reference has
        methods = [("ENM Langevin", calpha_enm_trajectory(pdb, n_frames, dt, temp, seed))]
        network = "Calpha network (the reference has only Calpha atoms)"
    else:
        methods = [("ENM Langevin", streamed_trajectory(protein, n_frames, dt, temp, seed, "enm"))]
        network = "Calpha network, rigid residues"
    if backend is not None and protein is not None:
        try:
            methods.append(("trajgen model", streamed_trajectory(protein, n_frames, dt, temp, seed, "model", backend)))
        except TrajgenError as err:
            notes.append(f"trajgen model not run: {err}")
        if calpha_only:
            notes.append("trajgen model run on a backbone rebuilt from the Calpha trace (N, C placed by a fitted "
                         "local model, O and side chains completed); only Calpha atoms are compared")
    return methods, notes, network


def evaluate_target(target: ReferenceTarget, reference_dir: str, config: EvalConfig,
                    backend=None) -> tuple[list[PairResult], str, list[str]]:
    """Every method on one target against the first half of its MD; a table row; notes."""
    pdb, xtc = f"{reference_dir}/{target.stem}.pdb", f"{reference_dir}/{target.stem}.xtc"
    traj = load_trajectory(xtc, pdb)
    half = traj.n_frames // 2
    ref = traj[:half]
    dt = target.timestep_ps
    methods, notes, network = generated_methods(target, pdb, half, config.seed, backend)
    results, n_atoms = [], []
    for label, gen in methods + [("MD 2nd half", traj[half:2 * half])]:
        gen_ens, ref_ens, start = prepare_pair(gen, ref, dt, dt, label, "MD 1st half")
        results.append(evaluate_pair(gen_ens, ref_ens, start, target.stem, label, config))
        n_atoms.append(str(ref_ens.xyz.shape[1]))
    line = (f"| {target.stem} | {ref_ens.topology.n_residues} | {' / '.join(n_atoms)} | {half} × {dt:g} ps "
            f"| {target.temperature_K:g} K | {start_offset_A(pdb, traj):.2f} | {network} |")
    return results, line, [f"{target.stem}: {n}" for n in notes]


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


def run_suite(reference_dir: str, out_dir: str, seed: int = 0, stems: list[str] | None = None,
              checkpoint: str | None = None) -> Path:
    """Evaluate the baselines (and, with ``checkpoint``, the learned model) on every reference target
    and write the report; returns report.md."""
    backend = None
    if checkpoint:
        from trajgen.engine.backends.select import load_backend

        backend = load_backend(checkpoint)
    config = EvalConfig(seed=seed)
    results, rows, notes = [], [], []
    for target in REFERENCE_TARGETS:
        if stems and target.stem not in stems:
            continue
        target_results, row, target_notes = evaluate_target(target, reference_dir, config, backend)
        results += target_results
        rows.append(row)
        notes += target_notes
    preamble = PREAMBLE.format(seed=seed, rows="\n".join(rows))
    if checkpoint:
        preamble += f"\n\n**trajgen model**: checkpoint `{Path(checkpoint).name}`, same request as the ENM."
    if notes:
        preamble += "\n\n" + "\n".join(f"- {n}" for n in notes)
    return write_report(results, out_dir, "trajgen evaluation: baselines on the reference MD",
                        settings={"seed": seed, "reference_dir": Path(reference_dir).name,
                                  "checkpoint": Path(checkpoint).name if checkpoint else None},
                        preamble=preamble)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate the baselines on the reference MD trajectories.")
    parser.add_argument("--reference-dir", default=DEFAULT_REFERENCE_DIR)
    parser.add_argument("--out", default="docs/eval", help="report folder (report.md, metrics.json, PNGs)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--targets", nargs="*", help="file stems to run (default: all)")
    parser.add_argument("--checkpoint", help="also evaluate the learned model from this checkpoint")
    args = parser.parse_args(argv)
    try:
        print(run_suite(args.reference_dir, args.out, args.seed, args.targets, args.checkpoint))
    except TrajgenError as err:
        print(f"evaluation suite: error: {err}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
