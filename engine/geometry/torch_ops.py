"""Torch twin of the geometry functions: differentiable, any device, float32 by default.

Same names and meaning as the numpy functions in ``trajgen.engine.geometry``, but torsions are
(sin, cos) pairs: ``(..., L, 7, 2)`` for [omega, phi, psi, chi1..chi4]. Coordinates in Angstrom.
Integer/bool per-residue inputs (aatype, mask, segment_start, chain_end) may be numpy arrays or tensors.
The rebuild normalizes each (sin, cos) pair, so raw network outputs can be passed directly.
"""

import numpy as np
import torch

from trajgen.engine.errors import GeometryError
from trajgen.engine.geometry import ideal, rebuild, rigid_groups, symmetry, torsions

_EPS = 1e-8
_TABLES: dict[tuple[str, torch.dtype], dict[str, torch.Tensor]] = {}


def _tables(device: torch.device, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    """The per-residue-type numpy tables as tensors on ``device`` (cached)."""
    key = (str(device), dtype)
    if key not in _TABLES:
        sources = {
            "default_rot": rigid_groups.GROUP_DEFAULT_ROT, "default_trans": rigid_groups.GROUP_DEFAULT_TRANS,
            "atom_exists": rigid_groups.ATOM_EXISTS, "atom_local_by_group": rigid_groups.ATOM_LOCAL_BY_GROUP,
            "chi_slots": torsions.CHI_ATOM_SLOTS, "chi_exists": torsions.CHI_EXISTS,
            "swap_perm": symmetry.SWAP_PERM, "swap_decider": symmetry.SWAP_DECIDER, "has_swap": symmetry.HAS_SWAP,
        }
        _TABLES[key] = {
            name: torch.tensor(np.array(array), device=device, dtype=dtype if array.dtype.kind == "f" else None)
            for name, array in sources.items()
        }
    return _TABLES[key]


def _long(x, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x) if not torch.is_tensor(x) else x, device=device).long()


def _bool(x, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x) if not torch.is_tensor(x) else x, device=device).bool()


def _normalize(v: torch.Tensor) -> torch.Tensor:
    return v / torch.linalg.vector_norm(v, dim=-1, keepdim=True).clamp_min(_EPS)


def _apply(rot: torch.Tensor, trans: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    return torch.einsum("...ij,...j->...i", rot, points) + trans


def _check_positions(positions: torch.Tensor) -> None:
    if positions.dim() < 3 or tuple(positions.shape[-2:]) != (15, 3):
        raise GeometryError(f"Atom positions must have shape (..., residues, 15, 3); got {tuple(positions.shape)}.")


def backbone_frames(positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Backbone frames (rot (..., L, 3, 3), trans (..., L, 3)) from N, CA, C of positions (..., L, 15, 3)."""
    _check_positions(positions)
    n, ca, c = positions[..., 0, :], positions[..., 1, :], positions[..., 2, :]
    e1 = _normalize(c - ca)
    xy = n - ca
    e2 = _normalize(xy - (xy * e1).sum(-1, keepdim=True) * e1)
    return torch.stack([e1, e2, torch.linalg.cross(e1, e2)], dim=-1), ca


def dihedral_sin_cos(p0: torch.Tensor, p1: torch.Tensor, p2: torch.Tensor, p3: torch.Tensor) -> torch.Tensor:
    """(sin, cos) (..., 2) of the IUPAC dihedral p0-p1-p2-p3 over (..., 3) points; (0, 1) if degenerate."""
    b0, b1, b2 = p1 - p0, p2 - p1, p3 - p2
    n0, n1 = torch.linalg.cross(b0, b1), torch.linalg.cross(b1, b2)
    y = torch.linalg.vector_norm(b1, dim=-1) * (b0 * n1).sum(-1)
    x = (n0 * n1).sum(-1)
    norm = torch.sqrt(x * x + y * y + _EPS)
    return torch.stack([y / norm, (x + _EPS) / norm], dim=-1)


def canonicalize_symmetric_atoms(aatype, positions: torch.Tensor, mask) -> torch.Tensor:
    """Torch version of ``symmetry.canonicalize_symmetric_atoms``: positions (..., L, 15, 3)."""
    device = positions.device
    aatype, mask = _long(aatype, device), _bool(mask, device)
    t = _tables(device, positions.dtype)
    residues = torch.arange(aatype.shape[0], device=device)[:, None]
    slots, perm = t["swap_decider"][aatype], t["swap_perm"][aatype]
    moved_present = (mask[residues, perm] | (perm == torch.arange(perm.shape[-1], device=device))).all(-1)
    complete = t["has_swap"][aatype] & mask[residues, slots].all(-1) & moved_present
    with torch.no_grad():
        picked = positions[..., residues, slots, :]
        a, b, c, d, d_alt = (picked[..., k, :] for k in range(5))
        first, second = dihedral_sin_cos(a, b, c, d), dihedral_sin_cos(a, b, c, d_alt)
        swap = complete & (second[..., 1] > first[..., 1])  # smaller |angle| means larger cosine
    return torch.where(swap[..., None, None], positions[..., residues, perm, :], positions)


def torsions_from_atoms(aatype, positions: torch.Tensor, mask, segment_start) -> tuple[torch.Tensor, torch.Tensor]:
    """Torsions as (sin, cos) (..., L, 7, 2) and torsion_mask (L, 7) bool; see ``torsions.torsions_from_atoms``."""
    _check_positions(positions)
    device = positions.device
    aatype, mask, segment_start = _long(aatype, device), _bool(mask, device), _bool(segment_start, device)
    positions = canonicalize_symmetric_atoms(aatype, positions, mask)
    t = _tables(device, positions.dtype)
    n, ca, c, o = (positions[..., s, :] for s in range(4))
    prev_ca, prev_c = torch.roll(ca, 1, dims=-2), torch.roll(c, 1, dims=-2)
    psi = -dihedral_sin_cos(n, ca, c, o)  # dihedral(N, CA, C, O) - pi
    residues = torch.arange(aatype.shape[0], device=device)[:, None, None]
    chi_slots = t["chi_slots"][aatype]
    chi_atoms = positions[..., residues, chi_slots, :]  # (..., L, 4, 4, 3)
    chis = dihedral_sin_cos(*(chi_atoms[..., j, :] for j in range(4)))
    omega, phi = dihedral_sin_cos(prev_ca, prev_c, n, ca), dihedral_sin_cos(prev_c, n, ca, c)
    sin_cos = torch.cat([torch.stack([omega, phi, psi], -2), chis], -2)  # (..., L, 7, 2)
    has_prev = ~segment_start
    has_prev[0] = False
    prev_mask = torch.roll(mask, 1, dims=0)
    torsion_mask = torch.cat([
        torch.stack([
            has_prev & prev_mask[:, 1] & prev_mask[:, 2] & mask[:, 0] & mask[:, 1],
            has_prev & prev_mask[:, 2] & mask[:, 0] & mask[:, 1] & mask[:, 2],
            mask[:, :4].all(-1),
        ], -1),
        t["chi_exists"][aatype] & mask[residues, chi_slots].all(-1),
    ], -1)
    identity = torch.tensor([0.0, 1.0], device=device, dtype=positions.dtype)
    return torch.where(torsion_mask[..., None], sin_cos, identity), torsion_mask


def _place_atoms(local_by_group: torch.Tensor, group_rot: torch.Tensor, group_trans: torch.Tensor) -> torch.Tensor:
    """Atoms (..., L, 15, 3) from group frames (..., L, 6, 3, 3), (..., L, 6, 3) in one batched product."""
    n_res = local_by_group.shape[0]
    batch = group_rot.shape[:-4]
    frames = torch.cat([group_rot, group_trans[..., None]], dim=-1).reshape((-1, n_res) + group_rot.shape[-3:-1] + (4,))
    stacked = frames.permute(1, 0, 3, 2, 4).reshape(n_res, -1, ideal.NUM_GROUPS * 4)  # (L, F*3, 24)
    atoms = torch.bmm(stacked, local_by_group)  # (L, F*3, 15)
    atoms = atoms.reshape(n_res, -1, 3, local_by_group.shape[-1]).permute(1, 0, 3, 2)  # (F, L, 15, 3)
    return atoms.reshape(batch + atoms.shape[1:])


def close_proline_rings(aatype: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """Torch version of ``rebuild.close_proline_rings`` (returns a new tensor)."""
    pro = torch.nonzero(aatype == rebuild._PRO).flatten()
    if pro.numel() == 0:
        return positions
    n, cg, cd = (positions[..., pro, slot, :] for slot in (rebuild._PRO_N, rebuild._PRO_CG, rebuild._PRO_CD))
    distance = torch.linalg.vector_norm(cg - n, dim=-1, keepdim=True).clamp_min(1e-6)
    axis = (cg - n) / distance
    along = (distance**2 + rebuild._N_CD_BOND**2 - rebuild._CG_CD_BOND**2) / (2 * distance)
    radius = torch.sqrt((rebuild._N_CD_BOND**2 - along**2).clamp_min(1e-12))
    centre = n + along * axis
    offset = cd - centre
    offset = offset - (offset * axis).sum(-1, keepdim=True) * axis
    positions = positions.clone()
    positions[..., pro, rebuild._PRO_CD, :] = centre + radius * _normalize(offset)
    return positions


def atoms_from_frames_torsions(
    aatype, rot: torch.Tensor, trans: torch.Tensor, torsions_sin_cos: torch.Tensor, chain_end
) -> tuple[torch.Tensor, torch.Tensor]:
    """All heavy atoms (..., L, 15, 3) and mask (L, 15) from frames and (sin, cos) torsions (..., L, 7, 2)."""
    device = rot.device
    aatype, chain_end = _long(aatype, device), _bool(chain_end, device)
    if tuple(torsions_sin_cos.shape[-3:]) != (aatype.shape[0], 7, 2):
        raise GeometryError(f"Torsions must have shape (..., {aatype.shape[0]}, 7, 2); got {tuple(torsions_sin_cos.shape)}.")
    t = _tables(device, rot.dtype)
    batch = torch.broadcast_shapes(rot.shape[:-3], trans.shape[:-2], torsions_sin_cos.shape[:-3])
    rot, trans = rot.expand(batch + rot.shape[-3:]), trans.expand(batch + trans.shape[-2:])
    torsions_sin_cos = torsions_sin_cos.expand(batch + torsions_sin_cos.shape[-3:])
    unit = _normalize(torsions_sin_cos[..., 2:, :])  # psi, chi1..chi4
    sin, cos = unit[..., 0], unit[..., 1]
    zero, one = torch.zeros_like(sin), torch.ones_like(sin)
    rx = torch.stack([one, zero, zero, zero, cos, -sin, zero, sin, cos], -1).reshape(sin.shape + (3, 3))
    local_rot = t["default_rot"][aatype][..., 1:, :, :] @ rx  # (..., L, 5, 3, 3)
    local_trans = t["default_trans"][aatype][..., 1:, :]
    frames = [(rot, trans)]
    for group in range(1, ideal.NUM_GROUPS):
        parent_rot, parent_trans = frames[ideal.PARENT_OF_GROUP[group]]
        child_rot, child_trans = local_rot[..., group - 1, :, :], local_trans[..., group - 1, :]
        frames.append((parent_rot @ child_rot, _apply(parent_rot, parent_trans, child_trans)))
    group_rot = torch.stack([f[0] for f in frames], dim=-3)
    group_trans = torch.stack([f[1] for f in frames], dim=-2)
    positions = _place_atoms(t["atom_local_by_group"][aatype], group_rot, group_trans)
    positions = close_proline_rings(aatype, positions)
    mask = t["atom_exists"][aatype].clone()
    mask[:, -1] = chain_end
    return positions * mask[..., None], mask
