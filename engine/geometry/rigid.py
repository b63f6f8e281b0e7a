"""Rigid transforms (rotation + translation) in numpy, batched over any leading dimensions.

A rigid transform is a pair ``(rot (..., 3, 3), trans (..., 3))`` mapping local coordinates x to
``rot @ x + trans``; the columns of ``rot`` are the local x, y, z axes in global coordinates.
Translations are in Angstrom.
"""

import numpy as np

from trajgen.engine.errors import GeometryError

_EPS = 1e-8


def normalize(v: np.ndarray) -> np.ndarray:
    """Unit vectors along the last axis (zero vectors stay zero instead of becoming NaN)."""
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), _EPS)


def gram_schmidt(x_axis: np.ndarray, xy_vector: np.ndarray) -> np.ndarray:
    """Rotation (..., 3, 3) whose x axis is ``x_axis`` and whose xy-plane holds ``xy_vector``.

    ``xy_vector`` gets a positive y component. Both inputs are (..., 3).
    """
    e1 = normalize(x_axis)
    e2 = normalize(xy_vector - np.sum(xy_vector * e1, axis=-1, keepdims=True) * e1)
    e3 = np.cross(e1, e2)
    return np.stack([e1, e2, e3], axis=-1)


def apply(rot: np.ndarray, trans: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map local points (..., 3) to global coordinates: ``rot @ points + trans``."""
    return np.einsum("...ij,...j->...i", rot, points) + trans


def compose(rot_a: np.ndarray, trans_a: np.ndarray, rot_b: np.ndarray, trans_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The transform ``a o b`` (apply b, then a)."""
    return rot_a @ rot_b, apply(rot_a, trans_a, trans_b)


def invert(rot: np.ndarray, trans: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse transform: ``rot^T (x - trans)``."""
    rot_t = np.swapaxes(rot, -1, -2)
    return rot_t, -np.einsum("...ij,...j->...i", rot_t, trans)


def check_positions(positions: np.ndarray) -> None:
    """Raise GeometryError unless ``positions`` is (..., L, 15, 3) in the residue slot layout."""
    if positions.ndim < 3 or positions.shape[-2:] != (15, 3):
        raise GeometryError(
            f"Atom positions must have shape (..., residues, 15, 3) in the residue slot layout; got {positions.shape}."
        )


def backbone_frames(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Backbone frame of every residue from its N, CA and C atoms (Gram-Schmidt).

    positions: (..., L, 15, 3) Angstrom in the slot layout (N, CA, C in slots 0, 1, 2).
    Returns rot (..., L, 3, 3) and trans (..., L, 3): origin at CA, x axis from CA to C, N in the
    xy-plane on the positive-y side. Residues without N, CA or C give meaningless frames.
    """
    check_positions(positions)
    n, ca, c = positions[..., 0, :], positions[..., 1, :], positions[..., 2, :]
    return gram_schmidt(c - ca, n - ca), ca.copy()
