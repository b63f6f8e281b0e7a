"""Loader for ``shared/data/public_md``: MD that other open projects ship as examples or test data.

Every system is one row of ``SYSTEMS`` (folder, trajectory + topology files, frame spacing,
temperature, license, source). ``public_md_refs(folder)`` lists the all-atom systems as
``TrajectoryRef`` objects; ``public_md_skipped(folder)`` says which systems were left out and why
(CA-only files cannot give N-CA-C backbone frames; files missing; relatives of ``heldout.fasta``
at >= 40% identity by ``splits.closest``, chain by chain: the screen is on by default).

What loading does, per row:

- keeps protein residues only (those with N, CA and C heavy atoms): ligands (retinal's LRT stays:
  it is Lys296 with retinal attached, backbone only), DNA, caps (ACE, NME, NHE), water and ions go;
  hydrogens are dropped; coordinates come back in Angstrom;
- ``spacing_ps`` None (the source does not state it): ``dt_ps`` is NaN, the cache keeps NaN and
  ``windows.WindowSampler`` never draws time-dependent windows from it;
- ``time_restarts``: one file holds several replicas, split where the time field goes backwards
  (gpcr_prolif: 3 replicas, time field in fs);
- ``one_chain_id``: several proteins share one chain id (b2ar_gs: Gs alpha, beta, gamma and the
  receptor); a new chain starts where the residue numbering goes backwards, and chain breaks
  inside a protein (the receptor's removed ICL3) are found by geometry (``SlotMap.segment_start``).

Temperatures are not stated by most sources: ``ASSUMED_TEMPERATURE_K`` (300 K) is used and the
row says ``temperature_assumed=True``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import mdtraj
import numpy as np

from trajgen.engine.dataset.trajectory import MDTrajectory, TrajectoryRef, file_stamp, strip_hydrogens
from trajgen.engine.errors import TrajgenError
from trajgen.engine.structure import residue_constants as rc

log = logging.getLogger(__name__)

ASSUMED_TEMPERATURE_K = 300.0
SOURCE = "public_md"


@dataclass(frozen=True)
class PublicSystem:
    """One system of the folder. ``files``: (trajectory, topology) pairs, one replica (or file) each."""

    folder: str
    protein: str
    files: tuple[tuple[str, str], ...]
    spacing_ps: float | None            # None: the source does not state it
    license: str
    source: str
    atoms: str = "all"                  # "all" (with H), "heavy" or "CA" (CA-only: cannot train frames)
    temperature_K: float = ASSUMED_TEMPERATURE_K
    temperature_assumed: bool = True
    time_unit_ps: float = 1.0           # ps per unit of the file's time field (gpcr_prolif writes fs)
    time_restarts: bool = False         # several replicas concatenated; split where time goes backwards
    one_chain_id: bool = False          # several proteins under one chain id: split at numbering restarts

    @property
    def name(self) -> str:
        return self.folder

    @property
    def spacing_known(self) -> bool:
        return self.spacing_ps is not None


SYSTEMS: tuple[PublicSystem, ...] = (
    PublicSystem("rhodopsin_1u19", "bovine rhodopsin (1U19), retinal, membrane and water stripped",
                 (("md_1u19.xtc", "md_1u19.gro"),), 20.0, "MIT", "NGL viewer example data"),
    PublicSystem("p38_mapk", "p38 MAP kinase", (("p38_100frames.dcd", "p38.pdb"),), None, "MIT",
                 "ProDy tutorial files", atoms="heavy"),
    PublicSystem("b2ar_gs", "beta2-adrenergic receptor + Gs heterotrimer",
                 (("gs-b2ar.noH.stride.5.xtc", "gs-b2ar.noH.pdb"),), 50.0, "LGPL-3.0",
                 "mdciao 1.1.0 example data", atoms="heavy", one_chain_id=True),
    PublicSystem("gpcr_prolif", "aminergic GPCR (ICL3 removed) + ligand", (("traj.xtc", "top.pdb"),), 6000.0,
                 "Apache-2.0", "ProLIF 2.2.3 data", time_unit_ps=1e-3, time_restarts=True),
    PublicSystem("saxs_dimer", "homodimer, 2 x 256 residues (with DNA, stripped)",
                 (("saxs_samplextc.xtc", "saxs_start.pdb"),), 200.0, "LGPL-3.0", "PLUMED SAXS tutorial"),
    PublicSystem("trpzip2", "Trp-zipper 2 (12 residues + NHE/NME cap), Amber GB implicit solvent",
                 (("trpzip2_1201frames.nc", "trpzip2.ff14SB.mbondi3.parm7"), ("tz2.nc", "tz2.parm7")), None,
                 "Apache-2.0 (trpzip2_1201frames: biobb_analysis test data); GPL-3.0 (tz2: cpptraj test data)",
                 "biobb_analysis and cpptraj test data"),
    PublicSystem("dpdp", "DPDP designed beta peptide, ACE-capped", (("DPDP.nc", "DPDP.parm7"),), None, "GPL-3.0",
                 "cpptraj test data"),
    PublicSystem("dhfr_1rx2_ca", "E. coli DHFR (1RX2), CA only", (("1rx2_5ns_CA159.xtc", "1rx2-CA.pdb"),), 5.0,
                 "GPL-2.0-or-later", "bio3d vignette data", atoms="CA"),
    PublicSystem("hiv_protease_ca", "HIV-1 protease dimer, CA only", (("hivp_351frames.dcd", "hivp.pdb"),), None,
                 "GPL-2.0-or-later", "bio3d example data", atoms="CA"),
)
BY_NAME = {s.name: s for s in SYSTEMS}

CA_ONLY_REASON = ("CA-only coordinates: no N and C atoms, so no backbone frames or torsions can be built; "
                  "use it for CA-level checks (RMSF, PCA), not training")


def _protein_atoms(topology: mdtraj.Topology) -> np.ndarray:
    """Heavy atoms of residues that have N, CA and C (water and ions excluded), in topology order."""
    keep = []
    for res in topology.residues:
        if res.name in rc.WATER_NAMES or res.name in rc.ION_NAMES:
            continue
        if {"N", "CA", "C"} <= {a.name for a in res.atoms}:
            keep.extend(a.index for a in res.atoms)
    return np.array(keep, dtype=np.int64)


def _split_chains_at_renumbering(topology: mdtraj.Topology) -> mdtraj.Topology:
    """Same atoms in the same order; a new chain starts wherever the residue number goes backwards."""
    new = mdtraj.Topology()
    atoms = {}
    for chain in topology.chains:
        target, previous = new.add_chain(), None
        for res in chain.residues:
            if previous is not None and res.resSeq < previous:
                target = new.add_chain()
            copy = new.add_residue(res.name, target, res.resSeq, res.segment_id)
            for atom in res.atoms:
                atoms[atom.index] = new.add_atom(atom.name, atom.element, copy, serial=atom.serial)
            previous = res.resSeq
    for a, b in topology.bonds:
        new.add_bond(atoms[a.index], atoms[b.index])
    if [atoms[i].index for i in range(topology.n_atoms)] != list(range(topology.n_atoms)):
        raise TrajgenError("Re-chaining changed the atom order; the topology's atoms are not in chain order.")
    return new


def replica_bounds(times_ps: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) frame ranges of the replicas in a file whose time field restarts (goes backwards)."""
    cuts = np.flatnonzero(np.diff(np.asarray(times_ps, dtype=np.float64)) < 0) + 1
    edges = [0, *cuts.tolist(), len(times_ps)]
    return list(zip(edges[:-1], edges[1:]))


def _check_spacing(system: PublicSystem, path: Path, times_ps: np.ndarray) -> None:
    """Refuse a file whose time field states a spacing other than the table's (the wrong file, or a wrong row)."""
    if system.spacing_ps is None or len(times_ps) < 2:
        return
    steps = np.diff(np.asarray(times_ps, dtype=np.float64))
    steps = steps[steps > 0]
    if steps.size and np.all(np.isfinite(steps)):
        stated = float(np.median(steps))
        if abs(stated - system.spacing_ps) > 0.01 * system.spacing_ps:
            raise TrajgenError(f"{path}: the time field says frames are {stated:g} ps apart, the public_md table "
                               f"says {system.spacing_ps:g} ps; check the file or the table row.")


def _check_spacing_all(system: PublicSystem, path: Path, times: np.ndarray) -> None:
    bounds = replica_bounds(times) if system.time_restarts else [(0, len(times))]
    for start, stop in bounds:
        _check_spacing(system, path, times[start:stop])


def _read(folder: Path, system: PublicSystem, trajectory: str, topology: str) -> tuple[mdtraj.Topology, np.ndarray,
                                                                                       np.ndarray]:
    """(protein heavy-atom topology, xyz in Angstrom (F, N, 3) float32, time field in ps) of one file."""
    traj_path, top_path = folder / system.folder / trajectory, folder / system.folder / topology
    for path in (traj_path, top_path):
        if not path.exists():
            raise TrajgenError(f"public_md system {system.name}: {path} is missing.")
    try:
        traj = mdtraj.load(str(traj_path), top=str(top_path))
    except ImportError as exc:       # .nc needs scipy or netCDF4
        raise TrajgenError(f"Reading {traj_path.name} needs a NetCDF reader (scipy or netCDF4): {exc}") from exc
    keep = _protein_atoms(traj.topology)
    if keep.size == 0:
        raise TrajgenError(f"public_md system {system.name}: {top_path.name} holds no residue with N, CA and C.")
    top = traj.topology.subset(keep)
    top_h, xyz = strip_hydrogens(top, traj.xyz[:, keep] * 10.0)
    if system.one_chain_id:
        top_h = _split_chains_at_renumbering(top_h)
    times = np.asarray(traj.time, dtype=np.float64) * system.time_unit_ps
    _check_spacing_all(system, traj_path, times)
    return top_h, np.ascontiguousarray(xyz, dtype=np.float32), times


def _load(folder: Path, system: PublicSystem, trajectory: str, topology: str, replica: str,
          frames: tuple[int, int] | None) -> MDTrajectory:
    top, xyz, _ = _read(folder, system, trajectory, topology)
    if frames is not None:
        xyz = xyz[frames[0]:frames[1]]
    return MDTrajectory(name=system.name, topology=top, xyz=xyz,
                        dt_ps=float(system.spacing_ps) if system.spacing_known else math.nan,
                        temperature_K=system.temperature_K, source=SOURCE, replica=replica)


def _replica_name(trajectory: str, index: int, n_files: int) -> str:
    return Path(trajectory).stem if n_files > 1 else str(index)


def system_sequence(folder: Path, system: PublicSystem) -> str:
    """One-letter sequence of the system's first file, chains and geometric segments joined by '/'."""
    from trajgen.engine.dataset.slots import SlotMap

    trajectory, topology = system.files[0]
    path = Path(folder) / system.folder
    first = mdtraj.load_frame(str(path / trajectory), 0, top=str(path / topology))
    keep = _protein_atoms(first.topology)
    top, xyz = strip_hydrogens(first.topology.subset(keep), first.xyz[:, keep] * 10.0)
    if system.one_chain_id:
        top = _split_chains_at_renumbering(top)
    slots = SlotMap.from_topology(top)
    starts = np.flatnonzero(slots.segment_start(slots.to_slots(xyz[0])))
    seq = slots.sequence
    return "/".join(seq[a:b] for a, b in zip(starts, [*starts[1:], len(seq)]))


def _skip_reasons(folder: Path, heldout: dict[str, str] | None, threshold: float) -> dict[str, str]:
    folder = Path(folder)
    reasons = {}
    for system in SYSTEMS:
        missing = [f for pair in system.files for f in pair if not (folder / system.folder / f).exists()]
        if missing:
            reasons[system.name] = f"missing file(s) {', '.join(missing)} in {folder / system.folder}"
        elif system.atoms == "CA":
            reasons[system.name] = CA_ONLY_REASON
        elif heldout:
            from trajgen.engine.dataset.splits import closest

            ref, ident = closest(system_sequence(folder, system), heldout)
            if ident >= threshold:
                reasons[system.name] = (f"{ident:.1%} identical to held-out {ref} (splits.closest; threshold "
                                       f"{threshold:.0%}): held-out relatives never train")
    if folder.is_dir():
        for extra in sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name not in BY_NAME):
            reasons[extra] = "not in trajgen's public_md table (no spacing, temperature or license recorded)"
    return reasons


def public_md_skipped(folder: Path, heldout_fasta: Path | str | None = "auto",
                      threshold: float = 0.40) -> list[tuple[str, str]]:
    """(system, reason) of every system ``public_md_refs`` leaves out of the same folder (same arguments)."""
    folder = Path(folder)
    return sorted(_skip_reasons(folder, _heldout(folder, heldout_fasta), threshold).items())


def _heldout(folder: Path, heldout_fasta: Path | str | None) -> dict[str, str] | None:
    """The held-out sequences: "auto" reads ``heldout.fasta`` beside the folder (shared/data), and
    refuses to go on without it; None screens nothing (only for callers that screen themselves)."""
    from trajgen.engine.dataset.splits import read_fasta

    if heldout_fasta is None:
        return None
    if heldout_fasta == "auto":
        heldout_fasta = Path(folder).parent / "heldout.fasta"
        if not heldout_fasta.exists():
            raise TrajgenError(f"No {heldout_fasta} beside {folder}: name the held-out FASTA, so that no "
                               "held-out relative trains.")
    return read_fasta(Path(heldout_fasta))


def public_md_refs(folder: Path, names: list[str] | None = None, heldout_fasta: Path | str | None = "auto",
                   threshold: float = 0.40) -> list[TrajectoryRef]:
    """References to every replica of the all-atom systems (optionally only ``names``), in table order.

    Systems are screened against the held-out set (``heldout_fasta``; "auto": ``heldout.fasta`` beside
    ``folder``) with ``splits.closest``, chain by chain (geometric segments). Skipped systems (CA-only,
    missing files, held-out relatives >= ``threshold``) are logged with the reason; ``public_md_skipped``
    lists them. A file of concatenated replicas whose time field restarts gives one reference per
    replica (its time field is read here, once).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise TrajgenError(f"{folder} is not a folder; name the public_md folder (../shared/data/public_md).")
    skipped = _skip_reasons(folder, _heldout(folder, heldout_fasta), threshold)
    refs = []
    for system in SYSTEMS:
        if names is not None and system.name not in names:
            continue
        if system.name in skipped:
            log.info("public_md: %s skipped: %s", system.name, skipped[system.name])
            continue
        for index, (trajectory, topology) in enumerate(system.files):
            paths = (folder / system.folder / trajectory, folder / system.folder / topology)
            stamp = file_stamp(*paths)
            base = _replica_name(trajectory, index, len(system.files))
            if system.time_restarts:
                times = mdtraj.load(str(paths[0]), top=str(paths[1]), atom_indices=[0]).time * system.time_unit_ps
                bounds = replica_bounds(times)
            else:
                bounds = [None]
            for r, frames in enumerate(bounds):
                replica = f"r{r}" if frames is not None else base
                refs.append(TrajectoryRef(
                    key=f"public_md_{system.name}_{replica}_{stamp}", name=system.name,
                    temperature_K=system.temperature_K,
                    load=partial(_load, folder, system, trajectory, topology, replica, frames)))
    return refs
