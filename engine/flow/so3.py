"""Rotation and rigid-frame arithmetic in numpy, vectorized over leading dimensions.

Rotations are 3x3 matrices mapping local to global coordinates; rotation vectors are
axis * angle in radians; translations are in Angstrom.
"""

from __future__ import annotations

import numpy as np

_SMALL = 1e-6


def hat(v: np.ndarray) -> np.ndarray:
    """Skew-symmetric matrices (..., 3, 3) of vectors (..., 3)."""
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    zero = np.zeros_like(x)
    return np.stack([np.stack([zero, -z, y], -1), np.stack([z, zero, -x], -1),
                     np.stack([-y, x, zero], -1)], -2)


def exp_map(v: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) of rotation vectors (..., 3) (Rodrigues' formula)."""
    v = np.asarray(v, dtype=np.float64)
    theta = np.linalg.norm(v, axis=-1)[..., None, None]
    small = theta < _SMALL
    safe = np.where(small, 1.0, theta)
    a = np.where(small, 1.0 - theta ** 2 / 6.0, np.sin(safe) / safe)
    b = np.where(small, 0.5 - theta ** 2 / 24.0, (1.0 - np.cos(safe)) / safe ** 2)
    k = hat(v)
    return np.eye(3) + a * k + b * (k @ k)


def log_map(r: np.ndarray) -> np.ndarray:
    """Rotation vectors (..., 3) of rotation matrices (..., 3, 3), angle in [0, pi]."""
    r = np.asarray(r, dtype=np.float64)
    skew = 0.5 * np.stack([r[..., 2, 1] - r[..., 1, 2], r[..., 0, 2] - r[..., 2, 0],
                           r[..., 1, 0] - r[..., 0, 1]], -1)
    cos = np.clip((np.trace(r, axis1=-2, axis2=-1) - 1.0) / 2.0, -1.0, 1.0)
    sin = np.linalg.norm(skew, axis=-1)
    theta = np.arctan2(sin, cos)[..., None]
    factor = np.where(theta < _SMALL, 1.0 + theta ** 2 / 6.0, theta / np.where(sin[..., None] < 1e-12, 1.0,
                                                                                sin[..., None]))
    vec = skew * factor
    near_pi = (cos < -0.99)[..., None]
    return np.where(near_pi, _log_near_pi(r, theta), vec)


def _log_near_pi(r: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Rotation vectors for angles close to pi, from the symmetric part of the matrix."""
    sym = 0.5 * (r + np.swapaxes(r, -1, -2))
    bb = (sym - np.cos(theta)[..., None] * np.eye(3)) / np.maximum(1.0 - np.cos(theta), 1e-12)[..., None]
    col = np.argmax(np.diagonal(bb, axis1=-2, axis2=-1), axis=-1)
    axis = np.take_along_axis(bb, col[..., None, None].repeat(3, -2), axis=-1)[..., 0]
    axis = axis / np.maximum(np.linalg.norm(axis, axis=-1, keepdims=True), 1e-12)
    skew = np.stack([r[..., 2, 1] - r[..., 1, 2], r[..., 0, 2] - r[..., 2, 0], r[..., 1, 0] - r[..., 0, 1]], -1)
    sign = np.where((axis * skew).sum(-1, keepdims=True) < 0, -1.0, 1.0)
    return axis * sign * theta


def geodesic(r0: np.ndarray, r1: np.ndarray, frac: np.ndarray | float) -> np.ndarray:
    """Rotations a fraction ``frac`` (broadcast to (...,)) of the way from r0 to r1 (right-invariant in r0's frame)."""
    delta = log_map(np.swapaxes(r0, -1, -2) @ r1)
    frac = np.asarray(frac, dtype=np.float64)[..., None]
    return (r0 @ exp_map(frac * delta)).astype(np.float32)


def wrap_angle(a: np.ndarray) -> np.ndarray:
    """Angles wrapped into [-pi, pi)."""
    return (a + np.pi) % (2.0 * np.pi) - np.pi


def orthonormalize(r: np.ndarray) -> np.ndarray:
    """Nearest rotation matrices (SVD projection), removing float32 drift after many compositions."""
    u, _, vt = np.linalg.svd(np.asarray(r, dtype=np.float64))
    d = np.sign(np.linalg.det(u @ vt))
    u[..., :, -1] *= d[..., None]
    return (u @ vt).astype(np.float32)
