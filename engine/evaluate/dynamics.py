"""Time-dependent metrics: autocorrelation, decorrelation time, RMSD against lag, tICA, VAMP-2.

Time series are (T, D) arrays sampled every ``timestep_ps`` ps. tICA and VAMP-2 follow the
usual definitions: instantaneous and time-lagged covariances C00, C0t, Ctt of mean-free
features; tICA solves the symmetrized generalized eigenproblem C0t v = lambda C00 v; VAMP-2
is the sum of squared singular values of C00^-1/2 C0t Ctt^-1/2 (constant function excluded).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def autocorrelation(x: np.ndarray, max_lag: int) -> np.ndarray:
    """Normalized autocorrelation of a 1-D series (T,) at lags 0..max_lag frames (value 1 at lag 0).

    Uses the series' own mean and variance; returns nan everywhere for a constant series.
    """
    x = np.asarray(x, np.float64) - np.mean(x)
    var = float((x * x).mean())
    max_lag = min(max_lag, len(x) - 1)
    if var <= 0:
        return np.full(max_lag + 1, np.nan)
    return np.array([(x[: len(x) - k] * x[k:]).mean() / var for k in range(max_lag + 1)])


def decorrelation_time(acf: np.ndarray, timestep_ps: float, level: float = 1.0 / np.e) -> float:
    """First time (ps) at which the autocorrelation falls below ``level`` (linear interpolation).

    nan when it never does within the lags given (the series is longer-lived than the data).
    """
    below = np.flatnonzero(acf < level)
    if below.size == 0:
        return float("nan")
    k = int(below[0])
    if k == 0:
        return 0.0
    frac = (acf[k - 1] - level) / (acf[k - 1] - acf[k])
    return float((k - 1 + frac) * timestep_ps)


def rmsd_vs_lag(xyz: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """Mean RMSD (Angstrom) between frames t and t + lag, no re-alignment; xyz (T, N, 3) Angstrom."""
    x = xyz.astype(np.float64)
    out = []
    for lag in lags:
        diff = x[lag:] - x[: len(x) - lag]
        out.append(np.sqrt((diff ** 2).sum(axis=-1).mean(axis=-1)).mean() if lag > 0 else 0.0)
    return np.array(out)


def _covariances(x: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """C00, C0t, Ctt of mean-free (T, D) features; means taken over each window separately."""
    a, b = x[: len(x) - lag], x[lag:]
    a, b = a - a.mean(axis=0), b - b.mean(axis=0)
    n = len(a)
    return a.T @ a / n, a.T @ b / n, b.T @ b / n


def _inv_sqrt(c: np.ndarray, rel_eps: float = 1e-8) -> np.ndarray:
    """C^-1/2 restricted to eigenvalues above rel_eps * max (drops degenerate directions)."""
    w, v = np.linalg.eigh(c)
    keep = w > rel_eps * max(w.max(), 1e-300)
    return v[:, keep] / np.sqrt(w[keep])


@dataclass(frozen=True)
class Tica:
    """tICA model: mean (D,), components (D, k) columns, eigenvalues (k,) at ``lag`` frames."""

    mean: np.ndarray
    components: np.ndarray
    eigenvalues: np.ndarray
    lag: int

    def transform(self, x: np.ndarray) -> np.ndarray:
        """(T, D) features -> (T, k) independent components."""
        return (np.asarray(x, np.float64) - self.mean) @ self.components


def fit_tica(x: np.ndarray, lag: int, n_components: int = 2) -> Tica:
    """tICA of features x (T, D) at ``lag`` frames (reversible: C0t symmetrized)."""
    x = np.asarray(x, np.float64)
    c00, c0t, ctt = _covariances(x, lag)
    c0 = 0.5 * (c00 + ctt)
    ct = 0.5 * (c0t + c0t.T)
    whiten = _inv_sqrt(c0)  # (D, r)
    w, v = np.linalg.eigh(whiten.T @ ct @ whiten)
    order = np.argsort(w)[::-1][:n_components]
    return Tica(x.mean(axis=0), whiten @ v[:, order], w[order], lag)


def vamp2(x: np.ndarray, lag: int, n_components: int | None = None) -> float:
    """VAMP-2 score of features x (T, D) at ``lag`` frames (sum of squared singular values)."""
    x = np.asarray(x, np.float64)
    c00, c0t, ctt = _covariances(x, lag)
    koopman = _inv_sqrt(c00).T @ c0t @ _inv_sqrt(ctt)
    s = np.linalg.svd(koopman, compute_uv=False)
    return float((s[:n_components] ** 2).sum())


def resample_curve(lag_ps: np.ndarray, values: np.ndarray, at_ps: np.ndarray) -> np.ndarray:
    """Linear interpolation of a lag curve at times ``at_ps``; nan outside its range."""
    return np.interp(at_ps, lag_ps, values, left=np.nan, right=np.nan)
