"""All heavy atoms from backbone frames and torsion angles (numpy, fully vectorized).

Each residue's rigid groups (backbone, psi, chi1..chi4) are posed by composing the backbone frame with
the ideal default group frames of its residue type and a rotation about each group's x axis by its
torsion; the atoms are the ideal local positions mapped through their group's frame. Proline's CD
is then moved to close its ring with ideal bond lengths (``close_proline_rings``). No loop over
residues or frames: per-type tables are gathered by ``aatype``.
"""

import numpy as np

from trajgen.engine.errors import GeometryError
from trajgen.engine.geometry import ideal
from trajgen.engine.geometry.rigid import compose, normalize
from trajgen.engine.geometry.rigid_groups import ATOM_EXISTS, ATOM_LOCAL_BY_GROUP, GROUP_DEFAULT_ROT, GROUP_DEFAULT_TRANS
from trajgen.engine.residue_constants import OXT_SLOT, RESTYPES_3, slot_of


def atom_mask(aatype: np.ndarray, chain_end: np.ndarray) -> np.ndarray:
    """Which slots (L, 15) bool a rebuilt residue fills: its own atoms, and OXT where ``chain_end``."""
    mask = ATOM_EXISTS[aatype].copy()
    mask[:, OXT_SLOT] = np.asarray(chain_end, dtype=bool)
    return mask


def rotate_about_x(rot: np.ndarray, sin: np.ndarray, cos: np.ndarray) -> np.ndarray:
    """``rot @ Rx(angle)`` for rot (..., 3, 3) and the angle's sin, cos (...,), without a matrix product."""
    s, c = sin[..., None], cos[..., None]
    col1, col2 = rot[..., :, 1], rot[..., :, 2]
    col0 = np.broadcast_to(rot[..., :, 0], np.broadcast_shapes(col1.shape, s.shape))
    return np.stack([col0, c * col1 + s * col2, c * col2 - s * col1], axis=-1)


def group_frames(
    aatype: np.ndarray, rot: np.ndarray, trans: np.ndarray, sin: np.ndarray, cos: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Global frames of the six rigid groups of every residue.

    rot (..., L, 3, 3), trans (..., L, 3) Angstrom; sin, cos (..., L, 6) of each group's torsion
    (the backbone group's entry is ignored). Returns rot (..., L, 6, 3, 3) and trans (..., L, 6, 3).
    """
    local_rot = rotate_about_x(GROUP_DEFAULT_ROT[aatype].astype(rot.dtype), sin, cos)  # (..., L, 6, 3, 3)
    local_trans = GROUP_DEFAULT_TRANS[aatype].astype(rot.dtype)  # (L, 6, 3)
    frames = [(rot, trans)]
    for group in range(1, ideal.NUM_GROUPS):
        parent = frames[ideal.PARENT_OF_GROUP[group]]
        frames.append(compose(*parent, local_rot[..., group, :, :], local_trans[..., group, :]))
    return np.stack([f[0] for f in frames], axis=-3), np.stack([f[1] for f in frames], axis=-2)


def place_atoms(aatype: np.ndarray, group_rot: np.ndarray, group_trans: np.ndarray) -> np.ndarray:
    """Every atom slot (..., L, 15, 3) mapped through its group frame, as one batched matrix product.

    group_rot (..., L, 6, 3, 3), group_trans (..., L, 6, 3). Frames of a residue are laid side by side
    as a (3, 24) matrix [rot | trans] per group and multiplied with ``ATOM_LOCAL_BY_GROUP``.
    """
    batch, n_res = group_rot.shape[:-4], aatype.shape[0]
    frames = np.concatenate([group_rot, group_trans[..., None]], axis=-1)  # (..., L, 6, 3, 4)
    frames = frames.reshape((-1, n_res) + frames.shape[-3:])  # (F, L, 6, 3, 4)
    stacked = frames.transpose(1, 0, 3, 2, 4).reshape(n_res, -1, ideal.NUM_GROUPS * 4)  # (L, F*3, 24)
    atoms = stacked @ ATOM_LOCAL_BY_GROUP[aatype].astype(frames.dtype)  # (L, F*3, 15)
    atoms = atoms.reshape(n_res, -1, 3, atoms.shape[-1]).transpose(1, 0, 3, 2)  # (F, L, 15, 3)
    return atoms.reshape(batch + atoms.shape[1:])


_PRO = RESTYPES_3.index("PRO")
_PRO_N, _PRO_CG, _PRO_CD = (slot_of("PRO", name) for name in ("N", "CG", "CD"))
_N_CD_BOND = dict(((a, b), x) for a, b, x in ideal.RING_CLOSURE_BONDS["PRO"])[("CD", "N")]
_CG_CD_BOND = next(row[3] for row in ideal.SIDE_CHAIN_TABLE["PRO"] if row[0] == "CD")


def close_proline_rings(aatype: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Move each proline CD onto the circle where both ring bonds (CG-CD, CD-N) have ideal length.

    The CD placed by chi2 is projected onto that circle, so the five-membered ring closes with ideal
    bond lengths; the ring's bond angles absorb the small misfit. positions (..., L, 15, 3), in place.
    """
    pro = np.flatnonzero(aatype == _PRO)
    if pro.size == 0:
        return positions
    n, cg, cd = (positions[..., pro, slot, :] for slot in (_PRO_N, _PRO_CG, _PRO_CD))
    axis = cg - n
    distance = np.maximum(np.linalg.norm(axis, axis=-1, keepdims=True), 1e-6)
    axis = axis / distance
    along = (distance**2 + _N_CD_BOND**2 - _CG_CD_BOND**2) / (2 * distance)
    radius = np.sqrt(np.maximum(_N_CD_BOND**2 - along**2, 0.0))
    centre = n + along * axis
    offset = cd - centre
    offset = offset - np.sum(offset * axis, axis=-1, keepdims=True) * axis
    positions[..., pro, _PRO_CD, :] = centre + radius * normalize(offset)
    return positions


def _check(aatype: np.ndarray, rot: np.ndarray, trans: np.ndarray, angles: np.ndarray, chain_end: np.ndarray) -> None:
    n_res = aatype.shape[0]
    expected = {"rot": (rot, (n_res, 3, 3)), "trans": (trans, (n_res, 3)), "angles": (angles, (n_res, 7))}
    for name, (array, tail) in expected.items():
        if array.shape[-len(tail):] != tail:
            raise GeometryError(f"{name} must end in shape {tail} for {n_res} residues; got {array.shape}.")
    if chain_end.shape != (n_res,):
        raise GeometryError(f"chain_end must have shape ({n_res},); got {chain_end.shape}.")


def atoms_from_frames_torsions(
    aatype: np.ndarray, rot: np.ndarray, trans: np.ndarray, angles: np.ndarray, chain_end: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rebuild all heavy atoms (incl. O, and OXT at chain ends) from frames and torsions.

    aatype (L,) int; rot (..., L, 3, 3) and trans (..., L, 3) Angstrom backbone frames as from
    ``backbone_frames``; angles (..., L, 7) radians [omega, phi, psi, chi1..chi4] (omega and phi are
    not needed: the frames fix the backbone); chain_end (L,) bool.
    Returns positions (..., L, 15, 3) float32 Angstrom (zero in empty slots) and mask (L, 15) bool.
    """
    aatype, chain_end = np.asarray(aatype), np.asarray(chain_end, dtype=bool)
    rot, trans, angles = (np.asarray(x, dtype=np.float32) for x in (rot, trans, angles))
    _check(aatype, rot, trans, angles, chain_end)
    batch = np.broadcast_shapes(rot.shape[:-3], trans.shape[:-2], angles.shape[:-2])
    torsion = np.concatenate([np.zeros_like(angles[..., :1]), angles[..., 2:]], axis=-1)  # (..., L, 6)
    rot = np.broadcast_to(rot, batch + rot.shape[-3:])
    trans = np.broadcast_to(trans, batch + trans.shape[-2:])
    sin, cos = (np.broadcast_to(f(torsion), batch + torsion.shape[-2:]) for f in (np.sin, np.cos))
    positions = close_proline_rings(aatype, place_atoms(aatype, *group_frames(aatype, rot, trans, sin, cos)))
    mask = atom_mask(aatype, chain_end)
    return np.where(mask[..., None], positions, np.float32(0.0)), mask
