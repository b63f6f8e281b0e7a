"""Where backbone (phi, psi) and side-chain chi1 dihedrals go in MD: a density learned from training data.

``DihedralPrior`` holds smoothed log-densities on periodic 10-degree grids: (phi, psi) for four
residue classes (general, glycine, proline, pre-proline) and chi1 for each residue type, each with
the log-density of its 1st-percentile training point, below which a dihedral is *disallowed*.
``rollout.relax`` pushes generated frames out of disallowed regions (and only there: inside the
allowed regions the prior exerts no force). Built by ``trajgen data dihedral-prior`` from the
featurized MD cache (``dataset.features``; held-out proteins never enter it) and shipped as
``engine/assets/dihedral_prior.npz``. numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.ndimage import distance_transform_edt, gaussian_filter

from trajgen.engine.residue_constants import RESTYPES_3

BINS = 36                                   # 10-degree bins over [-pi, pi)
GENERAL, GLYCINE, PROLINE, PRE_PROLINE = 0, 1, 2, 3
GLY, PRO = RESTYPES_3.index("GLY"), RESTYPES_3.index("PRO")
OMEGA, PHI, PSI, CHI1 = 0, 1, 2, 3          # torsion columns (radians)
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "assets" / "dihedral_prior.npz"


def rama_class(aatype: np.ndarray) -> np.ndarray:
    """(L,) class of each residue: glycine, proline, pre-proline (before a proline) or general."""
    aatype = np.asarray(aatype)
    out = np.full(aatype.shape, GENERAL, np.int64)
    out[:-1][aatype[1:] == PRO] = PRE_PROLINE
    out[aatype == GLY] = GLYCINE
    out[aatype == PRO] = PROLINE
    return out


def _log_density(hist: np.ndarray) -> np.ndarray:
    smooth = gaussian_filter(hist.astype(np.float64), sigma=1.0, mode="wrap")
    total = smooth.sum()
    p = smooth / total if total > 0 else np.full(smooth.shape, 1.0 / smooth.size)
    return np.log(np.maximum(p, 1e-9))


def _funnel(logp: np.ndarray, limit: float) -> np.ndarray:
    """The log-density where allowed (>= limit); in disallowed bins, limit minus the distance (in bins,
    periodic) to the nearest allowed bin, so the prior's gradient always points to the nearest allowed
    region (the density itself is flat, near zero, far from it)."""
    allowed = logp >= limit
    if allowed.all() or not allowed.any():
        return logp
    tiled = np.tile(~allowed, (3,) * logp.ndim)
    dist = distance_transform_edt(tiled)
    centre = tuple(slice(n, 2 * n) for n in logp.shape)
    return np.where(allowed, logp, limit - dist[centre])


def _bin(angles: np.ndarray) -> np.ndarray:
    return np.clip(((np.asarray(angles) + np.pi) / (2 * np.pi) * BINS).astype(np.int64), 0, BINS - 1)


@dataclass(frozen=True)
class DihedralPrior:
    """rama (4, 36, 36) and chi1 (21, 36) log-densities; rama_limit (4,), chi1_limit (21,) their
    disallowed thresholds; counts of training points behind each (rama_n (4,), chi1_n (21,)).
    Disallowed rama bins hold the limit minus their distance to the allowed region (``_funnel``)."""

    rama: np.ndarray
    rama_limit: np.ndarray
    rama_n: np.ndarray
    chi1: np.ndarray
    chi1_limit: np.ndarray
    chi1_n: np.ndarray

    @classmethod
    def build(cls, aatypes: list[np.ndarray], torsions: list[np.ndarray], masks: list[np.ndarray],
              point_percentile: float = 5.0, min_points: int = 200) -> "DihedralPrior":
        """From trajectories: aatype (L,), torsions (T, L, 7) radians, torsion mask (L, 7) each.
        A class with fewer than ``min_points`` points gets a flat density and no disallowed region."""
        rama_pts = [[] for _ in range(4)]
        chi_pts = [[] for _ in range(len(RESTYPES_3))]
        for aatype, tors, mask in zip(aatypes, torsions, masks):
            cls_of = rama_class(aatype)
            both = mask[:, PHI].astype(bool) & mask[:, PSI].astype(bool)
            for c in range(4):
                sel = both & (cls_of == c)
                rama_pts[c].append(tors[:, sel][..., [PHI, PSI]].reshape(-1, 2))
            for a in range(len(RESTYPES_3)):
                sel = mask[:, CHI1].astype(bool) & (np.asarray(aatype) == a)
                chi_pts[a].append(tors[:, sel, CHI1].reshape(-1))
        rama, rama_limit, rama_n = [], [], []
        for pts in rama_pts:
            pts = np.concatenate(pts) if pts else np.zeros((0, 2))
            hist = np.zeros((BINS, BINS))
            np.add.at(hist, (_bin(pts[:, 0]), _bin(pts[:, 1])), 1.0)
            logp = _log_density(hist)
            enough = len(pts) >= min_points
            limit = np.percentile(logp[_bin(pts[:, 0]), _bin(pts[:, 1])], point_percentile) if enough else -np.inf
            rama.append(_funnel(logp, limit) if enough else np.full_like(logp, -np.log(BINS * BINS)))
            rama_limit.append(limit)
            rama_n.append(len(pts))
        chi1, chi1_limit, chi1_n = [], [], []
        for pts in chi_pts:
            pts = np.concatenate(pts) if pts else np.zeros(0)
            hist = np.bincount(_bin(pts), minlength=BINS).astype(np.float64)
            logp = _log_density(hist)
            enough = len(pts) >= min_points
            chi1.append(logp if enough else np.full_like(logp, -np.log(BINS)))
            chi1_limit.append(np.percentile(logp[_bin(pts)], point_percentile) if enough else -np.inf)
            chi1_n.append(len(pts))
        return cls(np.array(rama), np.array(rama_limit), np.array(rama_n), np.array(chi1), np.array(chi1_limit),
                   np.array(chi1_n))

    def save(self, path: str | Path) -> None:
        np.savez_compressed(path, **{k: getattr(self, k) for k in self.__dataclass_fields__})

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> "DihedralPrior":
        with np.load(path) as f:
            return cls(**{k: f[k] for k in cls.__dataclass_fields__})

    def rama_excess(self, cls_of: np.ndarray, phi: np.ndarray, psi: np.ndarray):
        """How far below its class limit each (phi, psi) lies (>= 0; 0 when allowed; about the distance
        in bins to the allowed region) and the
        gradient of that excess with respect to phi and psi (per radian). Shapes (L,)."""
        u = (np.asarray(phi) + np.pi) / (2 * np.pi) * BINS - 0.5
        v = (np.asarray(psi) + np.pi) / (2 * np.pi) * BINS - 0.5
        i0, j0 = np.floor(u).astype(np.int64), np.floor(v).astype(np.int64)
        f, g = u - i0, v - j0
        i0, j0 = i0 % BINS, j0 % BINS
        i1, j1 = (i0 + 1) % BINS, (j0 + 1) % BINS
        t = self.rama
        a, b, c, d = t[cls_of, i0, j0], t[cls_of, i1, j0], t[cls_of, i0, j1], t[cls_of, i1, j1]
        logp = (1 - f) * (1 - g) * a + f * (1 - g) * b + (1 - f) * g * c + f * g * d
        per_rad = BINS / (2 * np.pi)
        d_phi = ((b - a) * (1 - g) + (d - c) * g) * per_rad
        d_psi = ((c - a) * (1 - f) + (d - b) * f) * per_rad
        below = logp < self.rama_limit[cls_of]
        excess = np.where(below, self.rama_limit[cls_of] - logp, 0.0)
        return excess, np.where(below, -d_phi, 0.0), np.where(below, -d_psi, 0.0)

    def chi1_allowed(self, aatype: np.ndarray, chi1: np.ndarray) -> np.ndarray:
        """(L,) True where chi1 (radians) lies in an allowed bin of its residue type."""
        return self.chi1[aatype, _bin(chi1)] >= self.chi1_limit[aatype]

    def nearest_allowed_chi1(self, aatype: np.ndarray, chi1: np.ndarray) -> np.ndarray:
        """chi1 (L,) with each disallowed angle moved to the centre of the nearest allowed bin."""
        out = np.array(chi1, dtype=np.float64)
        centres = -np.pi + (np.arange(BINS) + 0.5) * 2 * np.pi / BINS
        for k in np.nonzero(~self.chi1_allowed(aatype, chi1))[0]:
            ok = self.chi1[aatype[k]] >= self.chi1_limit[aatype[k]]
            if ok.any():
                gap = np.abs(np.angle(np.exp(1j * (centres - out[k]))))
                out[k] = centres[np.argmin(np.where(ok, gap, np.inf))]
        return out


def prior_from_cache(paths: list[Path], heldout: dict[str, str], max_frames: int = 100,
                     point_percentile: float = 5.0) -> tuple["DihedralPrior", list[str], dict[str, tuple[str, float]]]:
    """The prior of featurized MD files (``dataset.features``; synthetic ENM files are refused: their
    side chains are rigid), ``max_frames`` evenly spaced frames of each. Files whose sequence is a
    relative of a ``heldout`` protein are left out. Returns (prior, files used, {left out: (held-out
    name, identity)})."""
    from trajgen.engine.dataset.features import open_features
    from trajgen.engine.dataset.splits import heldout_exclusions

    feats = {Path(p).name: open_features(p) for p in paths}
    synthetic = [n for n, f in feats.items() if bool(f.get("synthetic", False))]
    if synthetic:
        raise ValueError(f"{len(synthetic)} synthetic (ENM) files given, e.g. {synthetic[0]}: the prior is made of MD only.")
    excluded = heldout_exclusions({n: str(f["sequence"]) for n, f in feats.items()}, heldout)
    used = sorted(n for n in feats if n not in excluded)
    if not used:
        raise ValueError("No MD file is left to build the dihedral prior from.")
    aatypes, torsions, masks = [], [], []
    for name in used:
        f = feats[name]
        frames = np.unique(np.linspace(0, len(f["torsions"]) - 1, min(max_frames, len(f["torsions"]))).astype(int))
        aatypes.append(np.asarray(f["aatype"]))
        torsions.append(np.asarray(f["torsions"][frames]))
        masks.append(np.asarray(f["torsion_mask"]))
    return DihedralPrior.build(aatypes, torsions, masks, point_percentile), used, excluded
