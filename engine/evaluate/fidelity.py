"""Ensemble fidelity metrics of the ATLAS protocol (AlphaFlow / MDGen convention).

All inputs are frames already superposed on a common start structure, Angstrom.
Conventions: PCA works on flattened Calpha coordinates; projections are divided by
sqrt(n_CA) so that distances in the PCA plane read as per-atom Angstrom, like an RMSD.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist, pdist


def pairwise_rmsd(xyz: np.ndarray, max_frames: int = 2000) -> float:
    """Mean RMSD over all pairs of distinct frames, without re-alignment per pair.

    xyz: (T, N, 3) Angstrom, T >= 2. Returns Angstrom. Longer trajectories are thinned to
    ``max_frames`` evenly spaced frames (the pair count grows as T**2).
    """
    if len(xyz) > max_frames:
        xyz = xyz[np.linspace(0, len(xyz) - 1, max_frames).astype(int)]
    flat = xyz.reshape(xyz.shape[0], -1).astype(np.float64)
    return float(pdist(flat).mean() / np.sqrt(xyz.shape[1]))


def rmsf(xyz: np.ndarray) -> np.ndarray:
    """Root-mean-square fluctuation of every atom about its mean position.

    xyz: (T, N, 3) Angstrom. Returns (N,) Angstrom.
    """
    x = xyz.astype(np.float64)
    return np.sqrt(((x - x.mean(axis=0)) ** 2).sum(axis=-1).mean(axis=0))


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two equal-length vectors; nan when either is constant."""
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    a, b = a - a.mean(), b - b.mean()
    denom = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denom) if denom > 0 else float("nan")


@dataclass(frozen=True)
class Rmwd:
    """Root mean Wasserstein distance (Angstrom) and its two parts.

    total**2 == translation**2 + variance**2: the mean shift of the atoms and the
    difference in the shape of their positional spread.
    """

    total: float
    translation: float
    variance: float


def _sqrtm_psd(m: np.ndarray) -> np.ndarray:
    """Square root of symmetric positive semi-definite matrices (..., 3, 3)."""
    w, v = np.linalg.eigh(m)
    return (v * np.sqrt(np.clip(w, 0.0, None))[..., None, :]) @ np.swapaxes(v, -1, -2)


def gaussian_w2_parts(xyz_a: np.ndarray, xyz_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Squared 2-Wasserstein distance between per-atom 3-D Gaussian fits, split in two.

    xyz_a: (Ta, N, 3), xyz_b: (Tb, N, 3) Angstrom. Returns (translation (N,), variance (N,))
    in Angstrom**2: |mu_a - mu_b|**2 and tr(Sa + Sb - 2 (Sb^1/2 Sa Sb^1/2)^1/2).
    """
    a, b = xyz_a.astype(np.float64), xyz_b.astype(np.float64)
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    da, db = a - mu_a, b - mu_b
    cov_a = np.einsum("tni,tnj->nij", da, da) / a.shape[0]
    cov_b = np.einsum("tni,tnj->nij", db, db) / b.shape[0]
    root_b = _sqrtm_psd(cov_b)
    cross = _sqrtm_psd(root_b @ cov_a @ root_b)
    trace = lambda m: np.trace(m, axis1=-2, axis2=-1)  # noqa: E731
    variance = np.clip(trace(cov_a) + trace(cov_b) - 2.0 * trace(cross), 0.0, None)
    return ((mu_a - mu_b) ** 2).sum(axis=-1), variance


def rmwd(xyz_a: np.ndarray, xyz_b: np.ndarray) -> Rmwd:
    """RMWD = sqrt(mean over atoms of the squared Gaussian W2), with its parts (Angstrom)."""
    trans, var = gaussian_w2_parts(xyz_a, xyz_b)
    return Rmwd(float(np.sqrt(trans.mean() + var.mean())), float(np.sqrt(trans.mean())),
                float(np.sqrt(var.mean())))


@dataclass(frozen=True)
class Pca:
    """Principal axes of flattened coordinates.

    mean: (D,) Angstrom; components: (k, D) unit rows; variances: (k,) Angstrom**2;
    n_atoms: atoms per frame (projections are divided by sqrt(n_atoms)).
    """

    mean: np.ndarray
    components: np.ndarray
    variances: np.ndarray
    n_atoms: int

    def project(self, xyz: np.ndarray) -> np.ndarray:
        """(T, N, 3) Angstrom -> (T, k) per-atom Angstrom."""
        flat = xyz.reshape(xyz.shape[0], -1).astype(np.float64) - self.mean
        return flat @ self.components.T / np.sqrt(self.n_atoms)


def fit_pca(xyz: np.ndarray, n_components: int = 2) -> Pca:
    """PCA of frames (T, N, 3) Angstrom, keeping ``n_components`` axes (sign: largest entry > 0)."""
    flat = xyz.reshape(xyz.shape[0], -1).astype(np.float64)
    mean = flat.mean(axis=0)
    _, s, vt = np.linalg.svd(flat - mean, full_matrices=False)
    comps = vt[:n_components]
    signs = np.sign(comps[np.arange(len(comps)), np.abs(comps).argmax(axis=1)])
    return Pca(mean, comps * signs[:, None], s[:n_components] ** 2 / flat.shape[0], xyz.shape[1])


def w2_assignment(a: np.ndarray, b: np.ndarray, max_points: int = 1000, seed: int = 0) -> float:
    """Empirical 2-Wasserstein distance between point sets by exact one-to-one assignment.

    a: (n, d), b: (m, d). Both are subsampled (without replacement, seeded) to the same
    count min(n, m, max_points), since W2 is comparable only at equal sample counts.
    """
    rng = np.random.default_rng(seed)
    n = min(len(a), len(b), max_points)
    a = a[np.sort(rng.choice(len(a), n, replace=False))] if len(a) > n else a
    b = b[np.sort(rng.choice(len(b), n, replace=False))] if len(b) > n else b
    cost = cdist(a, b, "sqeuclidean")
    rows, cols = linear_sum_assignment(cost)
    return float(np.sqrt(cost[rows, cols].mean()))


def md_pca_w2(gen_ca: np.ndarray, ref_ca: np.ndarray, seed: int = 0) -> float:
    """W2 (per-atom Angstrom) between generated and MD frames in the MD's top-2 Calpha PCA plane."""
    pca = fit_pca(ref_ca, 2)
    return w2_assignment(pca.project(gen_ca), pca.project(ref_ca), seed=seed)


def joint_pca_w2(gen_ca: np.ndarray, ref_ca: np.ndarray, seed: int = 0) -> float:
    """W2 (per-atom Angstrom) in the top-2 PCA plane fitted on both ensembles pooled."""
    pca = fit_pca(np.concatenate([gen_ca, ref_ca]), 2)
    return w2_assignment(pca.project(gen_ca), pca.project(ref_ca), seed=seed)


def pc_sim(gen_ca: np.ndarray, ref_ca: np.ndarray) -> float:
    """|cosine| between the first principal components of the two ensembles (1 = same axis)."""
    g, r = fit_pca(gen_ca, 1).components[0], fit_pca(ref_ca, 1).components[0]
    return float(abs(g @ r))
