"""Contact and solvent-exposure sets compared by Jaccard index (ATLAS protocol).

Contacts: Calpha-Calpha distance below 8 Angstrom, over residue pairs i < j. Weak contacts
exist in the start structure and are present in less than 90% of frames; transient contacts
are absent in the start structure and present in more than 10% of frames. Exposed residues
have side-chain SASA below 0.02 nm**2 in the start structure and above it in more than 10%
of frames (Shrake-Rupley, probe radius 0.28 nm, as in the protocol).
"""

from __future__ import annotations

from dataclasses import dataclass

import mdtraj as md
import numpy as np

BACKBONE_NAMES = frozenset({"N", "CA", "C", "O", "OXT"})


@dataclass(frozen=True)
class ContactConfig:
    """Thresholds of the contact and exposure sets (defaults: the ATLAS protocol)."""

    cutoff_A: float = 8.0
    weak_max_fraction: float = 0.9
    transient_min_fraction: float = 0.1
    sasa_probe_nm: float = 0.28
    buried_sasa_nm2: float = 0.02
    exposed_min_fraction: float = 0.1
    max_sasa_frames: int = 100
    sasa_sphere_points: int = 240


def jaccard(a: set, b: set) -> float:
    """|a & b| / |a | b|; nan when both sets are empty (nothing to compare)."""
    union = a | b
    return len(a & b) / len(union) if union else float("nan")


def _ca_distances(ca_xyz: np.ndarray) -> np.ndarray:
    """(T, n, 3) -> (T, n_pairs) distances over pairs i < j (np.triu_indices order)."""
    i, j = np.triu_indices(ca_xyz.shape[1], k=1)
    return np.linalg.norm(ca_xyz[:, i] - ca_xyz[:, j], axis=-1)


def contact_fraction(ca_xyz: np.ndarray, cutoff_A: float, chunk: int = 64) -> np.ndarray:
    """Share of frames (n_pairs,) in which each pair i < j is closer than ``cutoff_A``.

    Frames are processed in chunks so memory stays small for large proteins and long runs.
    """
    counts = np.zeros(ca_xyz.shape[1] * (ca_xyz.shape[1] - 1) // 2)
    for t in range(0, len(ca_xyz), chunk):
        counts += (_ca_distances(ca_xyz[t:t + chunk]) < cutoff_A).sum(axis=0)
    return counts / len(ca_xyz)


def contact_sets(ca_xyz: np.ndarray, start_ca: np.ndarray,
                 config: ContactConfig = ContactConfig()) -> tuple[set, set]:
    """Weak and transient contacts of an ensemble as sets of residue pairs (i, j), i < j.

    ca_xyz: (T, n, 3) Angstrom; start_ca: (n, 3) Angstrom, the start structure.
    """
    i, j = np.triu_indices(ca_xyz.shape[1], k=1)
    in_start = _ca_distances(start_ca[None])[0] < config.cutoff_A
    fraction = contact_fraction(ca_xyz, config.cutoff_A)
    weak = in_start & (fraction < config.weak_max_fraction)
    transient = ~in_start & (fraction > config.transient_min_fraction)
    as_set = lambda m: {(int(a), int(b)) for a, b in zip(i[m], j[m])}  # noqa: E731
    return as_set(weak), as_set(transient)


def sidechain_sasa(traj: md.Trajectory, config: ContactConfig = ContactConfig()) -> np.ndarray:
    """Side-chain SASA per residue, (T, n_residues) nm**2 (glycine and backbone-only: 0)."""
    atom_sasa = md.shrake_rupley(traj, probe_radius=config.sasa_probe_nm,
                                  n_sphere_points=config.sasa_sphere_points, mode="atom")
    side = np.array([a.name not in BACKBONE_NAMES for a in traj.topology.atoms])
    res_of_atom = np.array([a.residue.index for a in traj.topology.atoms])
    out = np.zeros((traj.n_frames, traj.topology.n_residues))
    for r in range(traj.topology.n_residues):
        sel = side & (res_of_atom == r)
        if sel.any():
            out[:, r] = atom_sasa[:, sel].sum(axis=1)
    return out


def has_side_chains(topology: md.Topology) -> bool:
    """True when any residue carries an atom beyond the backbone (else exposure is undefined)."""
    return any(a.name not in BACKBONE_NAMES for a in topology.atoms)


def exposed_residues(traj: md.Trajectory, start: md.Trajectory,
                     config: ContactConfig = ContactConfig()) -> set:
    """Residues buried in ``start`` (one frame) that become exposed in > 10% of ``traj`` frames.

    At most ``max_sasa_frames`` evenly spaced frames of ``traj`` are used, to bound the cost.
    """
    if traj.n_frames > config.max_sasa_frames:
        traj = traj[np.linspace(0, traj.n_frames - 1, config.max_sasa_frames).astype(int)]
    buried = sidechain_sasa(start, config)[0] < config.buried_sasa_nm2
    has_side = np.array([any(a.name not in BACKBONE_NAMES for a in r.atoms) for r in start.topology.residues])
    fraction = (sidechain_sasa(traj, config) > config.buried_sasa_nm2).mean(axis=0)
    return {int(r) for r in np.flatnonzero(buried & has_side & (fraction > config.exposed_min_fraction))}
