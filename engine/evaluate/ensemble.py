"""Trajectories as heavy-atom ensembles, matched atom by atom and superposed on a start structure.

Coordinates here are in Angstrom (float32), times in picoseconds. A generated and a reference
trajectory of the same protein are matched residue by residue in sequence order and by atom
name (hydrogens dropped), so atom ``i`` means the same atom in both.
"""

from __future__ import annotations

from dataclasses import dataclass

import mdtraj as md
import numpy as np

from trajgen.engine.errors import TrajgenError
from trajgen.engine.geometry.superpose import superpose
from trajgen.engine.structure.classify import residue_atom_names

NM_TO_ANGSTROM = 10.0


class EvaluationError(TrajgenError):
    """Two trajectories cannot be compared (different proteins, no common atoms, too few frames)."""


@dataclass(frozen=True)
class Ensemble:
    """Heavy-atom frames of one protein.

    xyz: (T, N, 3) float32 Angstrom. topology: mdtraj.Topology of the N atoms.
    timestep_ps: time between consecutive frames in ps. label: a short name for tables.
    run_lengths: frames of each independent run (replica) laid end to end in ``xyz``;
    empty means one run.
    """

    xyz: np.ndarray
    topology: md.Topology
    timestep_ps: float
    label: str
    run_lengths: tuple[int, ...] = ()

    @property
    def runs(self) -> tuple[int, ...]:
        """Frames per run, (T,) when the ensemble is a single run."""
        return self.run_lengths or (self.n_frames,)

    @property
    def n_frames(self) -> int:
        return int(self.xyz.shape[0])

    @property
    def ca_indices(self) -> np.ndarray:
        """(n_CA,) indices of the Calpha atoms."""
        return np.array([a.index for a in self.topology.atoms if a.name == "CA"], dtype=np.int64)

    @property
    def ca_xyz(self) -> np.ndarray:
        """(T, n_CA, 3) Calpha positions in Angstrom."""
        return self.xyz[:, self.ca_indices]

    def to_mdtraj(self) -> md.Trajectory:
        """The ensemble as an mdtraj.Trajectory (nm, as mdtraj expects)."""
        times = np.arange(self.n_frames, dtype=np.float64) * self.timestep_ps
        return md.Trajectory(self.xyz / NM_TO_ANGSTROM, self.topology, time=times)


def load_trajectory(path: str, top: str | None = None) -> md.Trajectory:
    """Read a trajectory file (any mdtraj format; ``top`` for formats without a topology)."""
    import os

    for name, what in ((path, "trajectory"), (top, "topology")):
        if name and not os.path.isfile(name):
            raise EvaluationError(f"No such file: the {what} {name} does not exist.")
    try:
        return md.load(path, top=top) if top else md.load(path)
    except (OSError, ValueError, TypeError) as exc:
        raise EvaluationError(f"Could not read the trajectory {path}: {exc}") from exc


def load_runs(paths: list[str], top: str | None = None) -> tuple[md.Trajectory, tuple[int, ...]]:
    """Read replicas of one system (same topology) and lay them end to end.

    Returns (joined trajectory, frames per replica). Replicas with different atoms are refused.
    """
    trajs = [load_trajectory(p, top) for p in paths]
    first = trajs[0].topology
    for path, traj in zip(paths[1:], trajs[1:]):
        if traj.n_atoms != first.n_atoms or [a.name for a in traj.topology.atoms] != [a.name for a in first.atoms]:
            raise EvaluationError(f"The replica {path} does not have the atoms of {paths[0]}; replicas of one "
                                  "reference must share a topology.")
    joined = md.Trajectory(np.concatenate([t.xyz for t in trajs]), first,
                           time=np.concatenate([t.time for t in trajs]))
    return joined, tuple(t.n_frames for t in trajs)


# Formats whose frames mdtraj numbers 0, 1, 2, ... because the file holds no time: their spacing is
# unknown unless trajgen reads it itself (DCD's header time step).
_NO_TIME_FORMATS = (".pdb", ".pdb.gz", ".cif", ".gro", ".mol2", ".arc", ".xyz", ".lammpstrj", ".dcd")


def frame_spacing_ps(path: str, traj: md.Trajectory) -> float | None:
    """Time between frames (ps) as the file ``path`` records it, or None when it records none.

    DCD: the header's time step (trajgen writes the real interval; mdtraj ignores it). XTC, TRR,
    HDF5, NetCDF: the frames' times. PDB and other formats without times: None.
    """
    from trajgen.engine.trajio.dcd import read_timestep_ps

    name = str(path).lower()
    if name.endswith(".dcd"):
        return read_timestep_ps(path)
    if name.endswith(_NO_TIME_FORMATS) or traj.n_frames < 2:
        return None
    step = float(traj.time[1] - traj.time[0])
    return step if step > 0 else None


def _layout_residue(residue) -> tuple[str, dict[str, str]]:
    """(residue name to compare, file atom name -> slot-layout name): the structure reader's rules, so
    force-field names (HSD, CHARMM's ILE CD, OT1) match trajgen's; unknown residues keep their name."""
    restype, renames = residue_atom_names(residue.name)
    return (residue.name if restype == "UNK" else restype), renames


def _protein_residues(top: md.Topology) -> list:
    """Standard amino acids (Calpha-only ones included) and nonstandard ones with a backbone;
    never water or ions (a calcium ion's atom is also named CA)."""
    return [r for r in top.residues
            if r.is_protein or {"N", "CA", "C"} <= {a.name for a in r.atoms}]


def match_heavy_atoms(gen_top: md.Topology, ref_top: md.Topology) -> tuple[np.ndarray, np.ndarray]:
    """Indices of heavy atoms present in both topologies, residue by residue in sequence order.

    Returns (gen_indices (M,), ref_indices (M,)) in the reference's atom order. Raises
    EvaluationError when the residue counts or residue names differ.
    """
    gen_res, ref_res = _protein_residues(gen_top), _protein_residues(ref_top)
    if len(gen_res) != len(ref_res):
        raise EvaluationError(
            f"The generated trajectory has {len(gen_res)} protein residues and the reference "
            f"{len(ref_res)}; they must be the same protein.")
    gen_idx, ref_idx = [], []
    for g, r in zip(gen_res, ref_res):
        (g_name, g_renames), (r_name, r_renames) = _layout_residue(g), _layout_residue(r)
        if g_name != r_name:
            raise EvaluationError(
                f"Residue {r.name}{r.resSeq} of the reference faces {g.name}{g.resSeq} in the "
                "generated trajectory; the sequences differ.")
        gen_atoms = {g_renames.get(a.name, a.name): a.index for a in g.atoms if not _is_hydrogen(a)}
        for atom in r.atoms:
            name = r_renames.get(atom.name, atom.name)
            if not _is_hydrogen(atom) and name in gen_atoms:
                gen_idx.append(gen_atoms[name])
                ref_idx.append(atom.index)
    if not any(ref_top.atom(i).name == "CA" for i in ref_idx):
        raise EvaluationError("The two trajectories share no Calpha atoms, so they cannot be superposed.")
    return np.array(gen_idx, dtype=np.int64), np.array(ref_idx, dtype=np.int64)


def _is_hydrogen(atom) -> bool:
    if atom.element is not None and atom.element.symbol in ("H", "D"):
        return True
    return atom.element is None and atom.name.startswith("H")


def kabsch_superpose(xyz: np.ndarray, target: np.ndarray, fit_indices: np.ndarray) -> np.ndarray:
    """Rigidly move every frame so its ``fit_indices`` atoms best match ``target`` (least squares).

    xyz: (T, N, 3), target: (N, 3), both Angstrom. Returns (T, N, 3) float32.
    """
    return superpose(xyz, target, fit_indices).astype(np.float32)


def ensemble_from_trajectory(traj: md.Trajectory, atom_indices: np.ndarray, timestep_ps: float,
                             label: str, run_lengths: tuple[int, ...] = ()) -> Ensemble:
    """Keep ``atom_indices`` of ``traj`` (in that order) as an Ensemble in Angstrom."""
    sub = traj.atom_slice(atom_indices)
    return Ensemble(sub.xyz.astype(np.float32) * NM_TO_ANGSTROM, sub.topology, float(timestep_ps), label,
                    tuple(run_lengths))


def prepare_pair(gen: md.Trajectory, ref: md.Trajectory, gen_timestep_ps: float, ref_timestep_ps: float,
                 gen_label: str = "generated", ref_label: str = "MD", gen_runs: tuple[int, ...] = (),
                 ref_runs: tuple[int, ...] = ()) -> tuple[Ensemble, Ensemble, np.ndarray]:
    """Match heavy atoms and superpose both trajectories (on Calpha) on the reference's first frame.

    gen_runs / ref_runs: frames per replica when a trajectory holds several laid end to end.
    Returns (generated Ensemble, reference Ensemble, start structure (N, 3) Angstrom). Both
    ensembles share the reference's topology and atom order.
    """
    if gen.n_frames < 2 or ref.n_frames < 2:
        raise EvaluationError("Both trajectories need at least two frames to compare ensembles.")
    gen_idx, ref_idx = match_heavy_atoms(gen.topology, ref.topology)
    ref_ens = ensemble_from_trajectory(ref, ref_idx, ref_timestep_ps, ref_label, ref_runs)
    gen_xyz = gen.xyz[:, gen_idx].astype(np.float32) * NM_TO_ANGSTROM
    start = ref_ens.xyz[0].copy()
    ca = ref_ens.ca_indices
    ref_aligned = kabsch_superpose(ref_ens.xyz, start, ca)
    gen_aligned = kabsch_superpose(gen_xyz, start, ca)
    return (Ensemble(gen_aligned, ref_ens.topology, float(gen_timestep_ps), gen_label, tuple(gen_runs)),
            Ensemble(ref_aligned, ref_ens.topology, float(ref_timestep_ps), ref_label, tuple(ref_runs)), start)
