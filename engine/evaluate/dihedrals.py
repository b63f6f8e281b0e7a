"""Ramachandran and rotamer outliers judged against the reference MD's own dihedral density.

A ``DihedralOutlierModel`` bins the reference's dihedrals (degrees, 10-degree bins, periodic,
lightly smoothed). A residue is an outlier where that density falls below the density of the
reference's own 1st-percentile point; a frame fails when it has more outliers than 99% of
reference frames (the "99th percentile of MD" rule of STAR-MD, applied per protein).
"""

from __future__ import annotations

from typing import Callable

import mdtraj as md
import numpy as np
from scipy.ndimage import gaussian_filter

from trajgen.engine.evaluate.ensemble import Ensemble

DihedralFn = Callable[[Ensemble], np.ndarray]  # ensemble -> (T, n, d) degrees


def backbone_dihedrals(ens: Ensemble) -> np.ndarray:
    """(T, n, 2) (phi, psi) in degrees of residues that have both (chain interior)."""
    traj = ens.to_mdtraj()
    phi_idx, phi = md.compute_phi(traj)
    psi_idx, psi = md.compute_psi(traj)
    phi_res = [ens.topology.atom(i[2]).residue.index for i in phi_idx]
    psi_res = {ens.topology.atom(i[1]).residue.index: k for k, i in enumerate(psi_idx)}
    both = [(k, psi_res[r]) for k, r in enumerate(phi_res) if r in psi_res]
    a = np.array([k for k, _ in both], np.int64)
    b = np.array([k for _, k in both], np.int64)
    return np.degrees(np.stack([phi[:, a], psi[:, b]], axis=-1))


def chi1_dihedrals(ens: Ensemble) -> np.ndarray:
    """(T, n, 1) side-chain chi1 in degrees of every residue that has one."""
    _, chi1 = md.compute_chi1(ens.to_mdtraj())
    return np.degrees(chi1)[..., None]


def has_full_backbone(ens: Ensemble) -> bool:
    """True when N, CA and C exist for every residue (phi/psi computable)."""
    names = {(a.residue.index, a.name) for a in ens.topology.atoms}
    return all((r.index, n) in names for r in ens.topology.residues for n in ("N", "CA", "C"))


def has_chi1(ens: Ensemble) -> bool:
    """True when at least one residue has the four chi1 atoms."""
    indices, _ = md.compute_chi1(ens.to_mdtraj()[:1])
    return len(indices) > 0


class DihedralOutlierModel:
    """Smoothed density of the reference's dihedrals and the outlier limits derived from it."""

    def __init__(self, reference: Ensemble, dihedrals: DihedralFn, bins: int = 36,
                 point_percentile: float = 1.0, frame_percentile: float = 99.0):
        self.dihedrals, self.bins = dihedrals, bins
        angles = dihedrals(reference)  # (T, n, d)
        d = angles.shape[-1]
        hist, _ = np.histogramdd(angles.reshape(-1, d), bins=[np.linspace(-180.0, 180.0, bins + 1)] * d)
        self.density = gaussian_filter(hist / hist.sum(), sigma=1.0, mode="wrap")
        self.point_limit = float(np.percentile(self._density_at(angles), point_percentile))
        self.frame_limit = float(np.percentile(self.outliers_per_frame(reference), frame_percentile))

    def _density_at(self, angles: np.ndarray) -> np.ndarray:
        idx = np.clip(((angles + 180.0) / 360.0 * self.bins).astype(int), 0, self.bins - 1)
        return self.density[tuple(np.moveaxis(idx, -1, 0))]

    def outliers_per_frame(self, ens: Ensemble) -> np.ndarray:
        """(T,) number of residues whose dihedrals fall below the reference density limit."""
        return (self._density_at(self.dihedrals(ens)) < self.point_limit).sum(axis=-1)

    def passes(self, ens: Ensemble) -> tuple[np.ndarray, np.ndarray]:
        """(outliers per frame (T,), frame within the reference's limit (T,) bool)."""
        outliers = self.outliers_per_frame(ens)
        return outliers, outliers <= self.frame_limit


def ramachandran_model(reference: Ensemble) -> DihedralOutlierModel | None:
    """(phi, psi) model of the reference; None when it lacks backbone N/C atoms."""
    return DihedralOutlierModel(reference, backbone_dihedrals) if has_full_backbone(reference) else None


def rotamer_model(reference: Ensemble) -> DihedralOutlierModel | None:
    """chi1 model of the reference; None when no residue has a chi1."""
    return DihedralOutlierModel(reference, chi1_dihedrals) if has_chi1(reference) else None
