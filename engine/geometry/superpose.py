"""Least-squares rigid superposition (Kabsch), the one implementation the project uses.

Coordinates are row vectors in Angstrom; leading dimensions are batched (frames, windows).
"""

from __future__ import annotations

import numpy as np


def kabsch_rotation(mobile: np.ndarray, reference: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Rotations (..., 3, 3), acting on row vectors, that best map centred ``mobile`` onto centred ``reference``.

    mobile, reference: (..., n, 3) point sets (broadcast against each other); weights: (n,) or None.
    Each set is centred on its (weighted) centroid first; proper rotations only (no reflection).
    """
    mobile, reference = np.asarray(mobile, np.float64), np.asarray(reference, np.float64)
    w = np.ones(mobile.shape[-2]) if weights is None else np.asarray(weights, np.float64)
    w = (w / w.sum())[:, None]
    p = mobile - (w * mobile).sum(axis=-2, keepdims=True)
    q = reference - (w * reference).sum(axis=-2, keepdims=True)
    u, _, vt = np.linalg.svd(np.swapaxes(w * p, -1, -2) @ q)
    d = np.sign(np.linalg.det(u @ vt))
    u[..., :, -1] *= d[..., None]
    return u @ vt


def superpose(mobile: np.ndarray, reference: np.ndarray, fit=None) -> np.ndarray:
    """``mobile`` (..., n, 3) moved rigidly so its ``fit`` atoms best match ``reference`` (n, 3).

    fit: indices or a boolean mask over the n atoms (default: all). Returns float64 (..., n, 3).
    """
    mobile, reference = np.asarray(mobile, np.float64), np.asarray(reference, np.float64)
    fit = np.arange(mobile.shape[-2]) if fit is None else fit
    mob, ref = mobile[..., fit, :], reference[fit]
    rot = kabsch_rotation(mob, ref)
    return (mobile - mob.mean(axis=-2, keepdims=True)) @ rot + ref.mean(axis=0)
