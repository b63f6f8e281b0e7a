"""Coverage of the reference's conformational space (STAR-MD convention).

Both ensembles are projected on the reference's top-2 Calpha PCA plane and binned on a
10 x 10 grid spanning the reference's range; generated points outside it fall in the edge bins.
JSD (base 2, 0 = identical, 1 = disjoint) compares the two histograms; recall is the share
of reference-occupied bins that the generated ensemble also visits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Coverage:
    """Histogram comparison in the reference PCA plane: jsd in [0, 1] bits, recall in [0, 1]."""

    jsd: float
    recall: float


def plane_histogram(points: np.ndarray, edges: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Normalized 2-D histogram (n_bins, n_bins) of points (T, 2), out-of-range points clipped."""
    clipped = np.column_stack([np.clip(points[:, k], edges[k][0], edges[k][-1]) for k in range(2)])
    hist, _, _ = np.histogram2d(clipped[:, 0], clipped[:, 1], bins=edges)
    return hist / hist.sum()


def jensen_shannon(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence of two discrete distributions, in bits (0..1)."""
    p, q = p.ravel() / p.sum(), q.ravel() / q.sum()
    m = 0.5 * (p + q)

    def kl(a: np.ndarray) -> float:
        nz = a > 0
        return float((a[nz] * np.log2(a[nz] / m[nz])).sum())

    return 0.5 * kl(p) + 0.5 * kl(q)


def coverage(gen_plane: np.ndarray, ref_plane: np.ndarray, n_bins: int = 10) -> Coverage:
    """JSD and recall of ``n_bins`` x ``n_bins`` histograms; inputs (T, 2) in the reference plane."""
    edges = tuple(np.linspace(ref_plane[:, k].min(), ref_plane[:, k].max(), n_bins + 1) for k in range(2))
    p, q = plane_histogram(gen_plane, edges), plane_histogram(ref_plane, edges)
    ref_bins = q > 0
    return Coverage(jensen_shannon(p, q), float((p[ref_bins] > 0).mean()))
