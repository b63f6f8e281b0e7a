"""Time-dependent metrics: autocorrelation, decorrelation time, RMSD against lag, tICA, VAMP-2.

Time series are (T, D) arrays sampled every ``timestep_ps`` ps. ``lengths`` (optional) splits
the T frames into independent runs (replicas) laid end to end: lagged pairs never cross from
one run into the next, and statistics pool all runs. tICA and VAMP-2 follow the
usual definitions: instantaneous and time-lagged covariances C00, C0t, Ctt of mean-free
features; tICA solves the symmetrized generalized eigenproblem C0t v = lambda C00 v; VAMP-2
is the sum of squared singular values of C00^-1/2 C0t Ctt^-1/2 (constant function excluded).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def split_runs(x: np.ndarray, lengths: tuple[int, ...] | None = None) -> list[np.ndarray]:
    """The independent runs in ``x`` (frames on axis 0); one run when ``lengths`` is empty or None."""
    if not lengths:
        return [x]
    if sum(lengths) != len(x):
        raise ValueError(f"Run lengths {lengths} do not add up to {len(x)} frames.")
    return np.split(x, np.cumsum(lengths)[:-1])


def autocorrelation(x: np.ndarray, max_lag: int, lengths: tuple[int, ...] | None = None) -> np.ndarray:
    """Normalized autocorrelation of a 1-D series (T,) at lags 0..max_lag frames (value 1 at lag 0).

    Uses the mean and variance of all frames; lagged products are pooled over the runs
    (``lengths``) that are long enough. Returns nan everywhere for a constant series.
    """
    x = np.asarray(x, np.float64) - np.mean(x)
    var = float((x * x).mean())
    runs = split_runs(x, lengths)
    max_lag = min(max_lag, max(len(r) for r in runs) - 1)
    if var <= 0:
        return np.full(max_lag + 1, np.nan)
    out = []
    for k in range(max_lag + 1):
        products = [r[: len(r) - k] * r[k:] for r in runs if len(r) > k]
        out.append(np.concatenate(products).mean() / var)
    return np.array(out)


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


def rmsd_vs_lag(xyz: np.ndarray, lags: np.ndarray, lengths: tuple[int, ...] | None = None) -> np.ndarray:
    """Mean RMSD (Angstrom) between frames t and t + lag of the same run, no re-alignment.

    xyz: (T, N, 3) Angstrom; lags in frames; nan for a lag longer than every run.
    """
    runs = split_runs(xyz.astype(np.float64), lengths)
    out = []
    for lag in lags:
        if lag == 0:
            out.append(0.0)
            continue
        per_pair = [np.sqrt(((r[lag:] - r[: len(r) - lag]) ** 2).sum(-1).mean(-1)) for r in runs if len(r) > lag]
        out.append(np.concatenate(per_pair).mean() if per_pair else np.nan)
    return np.array(out)


def _covariances(x: np.ndarray, lag: int, lengths: tuple[int, ...] | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """C00, C0t, Ctt of (T, D) features over time-lagged pairs within each run; each window
    (instantaneous and lagged frames) is made mean-free on its own."""
    runs = [r for r in split_runs(x, lengths) if len(r) > lag]
    a = np.concatenate([r[: len(r) - lag] for r in runs])
    b = np.concatenate([r[lag:] for r in runs])
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


def fit_tica(x: np.ndarray, lag: int, n_components: int = 2, lengths: tuple[int, ...] | None = None) -> Tica:
    """tICA of features x (T, D) at ``lag`` frames (reversible: C0t symmetrized)."""
    x = np.asarray(x, np.float64)
    c00, c0t, ctt = _covariances(x, lag, lengths)
    c0 = 0.5 * (c00 + ctt)
    ct = 0.5 * (c0t + c0t.T)
    whiten = _inv_sqrt(c0)  # (D, r)
    w, v = np.linalg.eigh(whiten.T @ ct @ whiten)
    order = np.argsort(w)[::-1][:n_components]
    return Tica(x.mean(axis=0), whiten @ v[:, order], w[order], lag)


def vamp2(x: np.ndarray, lag: int, n_components: int | None = None,
          lengths: tuple[int, ...] | None = None) -> float:
    """VAMP-2 score of features x (T, D) at ``lag`` frames (sum of squared singular values)."""
    x = np.asarray(x, np.float64)
    c00, c0t, ctt = _covariances(x, lag, lengths)
    koopman = _inv_sqrt(c00).T @ c0t @ _inv_sqrt(ctt)
    s = np.linalg.svd(koopman, compute_uv=False)
    return float((s[:n_components] ** 2).sum())


def resample_curve(lag_ps: np.ndarray, values: np.ndarray, at_ps: np.ndarray) -> np.ndarray:
    """Linear interpolation of a lag curve at times ``at_ps``; nan outside its range."""
    return np.interp(at_ps, lag_ps, values, left=np.nan, right=np.nan)
