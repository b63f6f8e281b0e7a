"""The ideal internal-coordinate tables and the rigid-group tables computed from them."""

import math

import numpy as np
import pytest

from conftest import pfam40_files
from trajgen.engine.geometry import ideal
from trajgen.engine.geometry.bonds import IDEAL_BOND_ANGLES, IDEAL_BOND_LENGTHS, bond_angle_deviations, bond_length_deviations
from trajgen.engine.geometry.rigid_groups import GROUP_DEFAULT_ROT, GROUP_EXISTS, ATOM_EXISTS, ideal_residue
from trajgen.engine.structure import load_protein
from trajgen.engine.residue_constants import ATOM_NAMES, CHI_ATOMS, RESTYPES_3


def test_branch_dihedral_of_a_perfect_tetrahedron_is_120_degrees():
    tetrahedral = math.degrees(math.acos(-1.0 / 3.0))
    assert ideal.branch_dihedral(tetrahedral, tetrahedral, tetrahedral, 1.0) == pytest.approx(120.0)
    assert ideal.branch_dihedral(tetrahedral, tetrahedral, tetrahedral, -1.0) == pytest.approx(-120.0)


@pytest.mark.parametrize("resname", ["HIS", "PHE", "TRP", "TYR"])  # proline's ring closes through chi1, chi2
def test_every_aromatic_ring_of_an_ideal_residue_closes_within_a_hundredth_of_an_angstrom(resname):
    coords, _ = ideal_residue(resname)
    for first, second, length in ideal.RING_CLOSURE_BONDS.get(resname, ()):
        assert np.linalg.norm(coords[first] - coords[second]) == pytest.approx(length, abs=0.01)


@pytest.mark.parametrize("resname", RESTYPES_3)
def test_every_side_chain_atom_has_exactly_one_placement_and_one_rigid_group(resname):
    placed = [row[0] for row in ideal.SIDE_CHAIN_TABLE[resname]]
    assert sorted(placed) == sorted(ATOM_NAMES[resname][4:])
    t = RESTYPES_3.index(resname)
    assert ATOM_EXISTS[t].sum() == len(ATOM_NAMES[resname])
    assert GROUP_EXISTS[t].sum() == 2 + len(CHI_ATOMS[resname])


def test_default_group_frames_are_proper_rotations():
    rot = GROUP_DEFAULT_ROT.reshape(-1, 3, 3)
    np.testing.assert_allclose(rot @ np.swapaxes(rot, -1, -2), np.broadcast_to(np.eye(3), rot.shape), atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(rot), 1.0, atol=1e-12)


def test_ideal_bonds_and_angles_cover_every_atom_of_every_residue():
    for resname in RESTYPES_3:
        bonded = {atom for first, second, _ in IDEAL_BOND_LENGTHS[resname] for atom in (first, second)}
        assert bonded == set(ATOM_NAMES[resname])
        assert all(90.0 < angle < 135.0 for *_, angle in IDEAL_BOND_ANGLES[resname])


def test_ideal_values_agree_with_the_mean_geometry_of_refined_xray_structures():
    lengths, angles = [], []
    for path in pfam40_files()[:12]:
        protein = load_protein(path)
        deviation, valid = bond_length_deviations(protein.aatype, protein.positions, protein.mask)
        lengths.append(deviation[valid])
        deviation, valid = bond_angle_deviations(protein.aatype, protein.positions, protein.mask)
        angles.append(deviation[valid])
    lengths, angles = np.concatenate(lengths), np.concatenate(angles)
    assert abs(np.mean(lengths)) < 0.005 and np.sqrt(np.mean(lengths**2)) < 0.03
    assert abs(np.mean(angles)) < 0.5 and np.sqrt(np.mean(angles**2)) < 3.0
