"""Per-residue-type rigid-group tables, computed at import from the internal coordinates in ``ideal``.

Each residue type is first built in its backbone frame with every torsion at zero (NeRF). Every
rigid group then gets a frame from the first three atoms (a, b, c) of its torsion: origin at c,
x axis along b -> c, a in the xy-plane on the positive-y side. Rotating a group frame by angle t
about its x axis turns its torsion from 0 to t. Tables (numpy, indexed by residue type):

- ``GROUP_DEFAULT_ROT`` (21, 6, 3, 3), ``GROUP_DEFAULT_TRANS`` (21, 6, 3): each group's frame in the
  frame of its parent group (``PARENT_OF_GROUP``) at zero torsion; identity for the backbone group.
- ``ATOM_GROUP`` (21, 15) int: rigid group of every atom slot (backbone for absent slots).
- ``ATOM_LOCAL`` (21, 15, 3) Angstrom: every atom's position in its group frame.
- ``ATOM_EXISTS`` (21, 15) bool: slots the residue type has (OXT excluded: it depends on chain ends).
- ``GROUP_EXISTS`` (21, 6) bool: groups the residue type has (backbone and psi always).
- ``ATOM_LOCAL_BY_GROUP`` (21, 24, 15): the local positions arranged for one matrix product.
"""

import math

import numpy as np

from trajgen.engine.geometry import ideal
from trajgen.engine.geometry.rigid import gram_schmidt, invert, compose, apply
from trajgen.engine.residue_constants import ATOM_NAMES, CHI_ATOMS, MAX_SLOTS, OXT_SLOT, RESTYPES_3

NUM_TYPES = len(RESTYPES_3)


def place_atom(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, bond: float, angle_deg: float, dihedral_deg: float
) -> np.ndarray:
    """NeRF: the point at ``bond`` from c with angle (b, c, d) and dihedral (a, b, c, d) in degrees."""
    angle, dihedral = math.radians(angle_deg), math.radians(dihedral_deg)
    bc = (c - b) / np.linalg.norm(c - b)
    normal = np.cross(b - a, bc)
    normal /= np.linalg.norm(normal)
    local = bond * np.array([-math.cos(angle), math.sin(angle) * math.cos(dihedral), math.sin(angle) * math.sin(dihedral)])
    return c + np.stack([bc, np.cross(normal, bc), normal], axis=-1) @ local


def backbone_local(resname: str) -> dict[str, np.ndarray]:
    """N, CA, C of an ideal residue in its backbone frame (CA origin, C on +x, N in the xy-plane)."""
    n_ca, ca_c, n_ca_c = ideal.BACKBONE_GEOMETRY.get(resname, ideal.BACKBONE_GEOMETRY["default"])
    theta = math.radians(n_ca_c)
    return {
        "N": np.array([n_ca * math.cos(theta), n_ca * math.sin(theta), 0.0]),
        "CA": np.zeros(3),
        "C": np.array([ca_c, 0.0, 0.0]),
    }


def ideal_residue(resname: str, with_oxt: bool = True) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """All heavy atoms of an ideal residue with every torsion zero, in its backbone frame.

    Returns atom positions (Angstrom) and the rigid group of each atom.
    """
    coords = backbone_local(resname)
    groups = {"N": ideal.GROUP_BACKBONE, "CA": ideal.GROUP_BACKBONE, "C": ideal.GROUP_BACKBONE}
    entries = [("O", ideal.GROUP_PSI, ("N", "CA", "C"), ideal.C_O_BOND, ideal.CA_C_O_ANGLE, 180.0)]
    if with_oxt:
        entries.append(("OXT", ideal.GROUP_PSI, ("N", "CA", "C"), ideal.C_OXT_BOND, ideal.CA_C_OXT_ANGLE, 0.0))
    for atom, group, (a, b, c), bond, angle, dihedral in entries + list(ideal.SIDE_CHAIN_TABLE[resname]):
        coords[atom] = place_atom(coords[a], coords[b], coords[c], bond, angle, dihedral)
        groups[atom] = group
    return coords, groups


def group_defining_atoms(resname: str) -> dict[int, tuple[str, str, str]]:
    """The three atoms (a, b, c) whose frame each rigid group rotates about (b -> c axis)."""
    defining = {ideal.GROUP_PSI: ("N", "CA", "C")}
    for k, chi in enumerate(CHI_ATOMS[resname]):
        defining[ideal.GROUP_CHI1 + k] = chi[:3]
    return defining


def _group_frame(coords: dict[str, np.ndarray], abc: tuple[str, str, str]) -> tuple[np.ndarray, np.ndarray]:
    a, b, c = (coords[x] for x in abc)
    return gram_schmidt(c - b, a - b), c


def _build_type_tables(resname: str) -> tuple[np.ndarray, ...]:
    """Default group frames and atom tables of one residue type (see module docstring)."""
    coords, groups = ideal_residue(resname)
    frames_in_backbone = {ideal.GROUP_BACKBONE: (np.eye(3), np.zeros(3))}
    for group, abc in group_defining_atoms(resname).items():
        frames_in_backbone[group] = _group_frame(coords, abc)
    default_rot = np.tile(np.eye(3), (ideal.NUM_GROUPS, 1, 1))
    default_trans = np.zeros((ideal.NUM_GROUPS, 3))
    for group, (rot, trans) in frames_in_backbone.items():
        if group != ideal.GROUP_BACKBONE:
            parent = frames_in_backbone[ideal.PARENT_OF_GROUP[group]]
            default_rot[group], default_trans[group] = compose(*invert(*parent), rot, trans)
    atom_group = np.zeros(MAX_SLOTS, dtype=np.int64)
    atom_local = np.zeros((MAX_SLOTS, 3))
    atom_exists = np.zeros(MAX_SLOTS, dtype=bool)
    for slot, atom in list(enumerate(ATOM_NAMES[resname])) + [(OXT_SLOT, "OXT")]:
        group = groups[atom]
        atom_group[slot] = group
        atom_local[slot] = apply(*invert(*frames_in_backbone[group]), coords[atom])
        atom_exists[slot] = atom != "OXT"
    group_exists = np.array([g in frames_in_backbone for g in range(ideal.NUM_GROUPS)])
    return default_rot, default_trans, atom_group, atom_local, atom_exists, group_exists


def _build_all() -> tuple[np.ndarray, ...]:
    tables = [_build_type_tables(name) for name in RESTYPES_3]
    return tuple(np.stack(column) for column in zip(*tables))


def _scatter_local(atom_group: np.ndarray, atom_local: np.ndarray) -> np.ndarray:
    """(21, 6 * 4, 15): homogeneous local coordinates (x, y, z, 1) of each atom in its own group's rows.

    With group frames written as (3, 4) matrices [rot | trans] side by side, (3, 24) @ this table
    gives every atom's position in one matrix product.
    """
    homogeneous = np.concatenate([atom_local, np.ones(atom_local.shape[:-1] + (1,))], axis=-1)  # (21, 15, 4)
    one_hot = atom_group[:, None, :] == np.arange(ideal.NUM_GROUPS)[None, :, None]  # (21, 6, 15)
    table = one_hot[:, :, None, :] * np.swapaxes(homogeneous, -1, -2)[:, None, :, :]  # (21, 6, 4, 15)
    return table.reshape(NUM_TYPES, ideal.NUM_GROUPS * 4, MAX_SLOTS)


GROUP_DEFAULT_ROT, GROUP_DEFAULT_TRANS, ATOM_GROUP, ATOM_LOCAL, ATOM_EXISTS, GROUP_EXISTS = _build_all()
# ATOM_LOCAL_BY_GROUP (21, 24, 15): see ``_scatter_local``.
ATOM_LOCAL_BY_GROUP = _scatter_local(ATOM_GROUP, ATOM_LOCAL)
for _table in (
    GROUP_DEFAULT_ROT, GROUP_DEFAULT_TRANS, ATOM_GROUP, ATOM_LOCAL, ATOM_EXISTS, GROUP_EXISTS, ATOM_LOCAL_BY_GROUP
):
    _table.setflags(write=False)
