"""Torsion angles: sign convention, the psi offset, chain breaks and the pi-periodic side chains."""

import math

import numpy as np
import pytest

from conftest import PFAM40
from trajgen.engine.geometry import canonicalize_symmetric_atoms, dihedral, torsions_from_atoms
from trajgen.engine.geometry import ideal
from trajgen.engine.geometry.rigid_groups import backbone_local, place_atom
from trajgen.engine.structure import load_protein
from trajgen.engine.residue_constants import RESTYPE_INDEX, SYMMETRIC_ATOM_PAIRS, slot_of

OMEGA, PHI, PSI, CHI1, CHI2 = 0, 1, 2, 3, 4


def _ideal_alanine_dipeptide(psi1: float, omega2: float, phi2: float, psi2: float) -> np.ndarray:
    """ALA-ALA (2, 15, 3) Angstrom built atom by atom from the given torsions (degrees)."""
    cb_entry = ideal.SIDE_CHAIN_TABLE["ALA"][0]
    first = backbone_local("ALA")
    second = {"N": place_atom(first["N"], first["CA"], first["C"], ideal.PEPTIDE_C_N_BOND, 116.2, psi1)}
    second["CA"] = place_atom(first["CA"], first["C"], second["N"], 1.458, 121.7, omega2)
    second["C"] = place_atom(first["C"], second["N"], second["CA"], 1.525, 111.2, phi2)
    positions = np.zeros((2, 15, 3))
    for i, (residue, psi) in enumerate(((first, psi1), (second, psi2))):
        residue["O"] = place_atom(residue["N"], residue["CA"], residue["C"], ideal.C_O_BOND, ideal.CA_C_O_ANGLE, psi + 180.0)
        residue["CB"] = place_atom(*(residue[x] for x in cb_entry[2]), *cb_entry[3:])
        for name, xyz in residue.items():
            positions[i, slot_of("ALA", name)] = xyz
    return positions


def _dipeptide_torsions(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    aatype = np.full(2, RESTYPE_INDEX["ALA"])
    mask = np.zeros((2, 15), dtype=bool)
    mask[:, :5] = True
    return torsions_from_atoms(aatype, positions, mask, np.array([True, False]))


def test_dihedral_is_positive_for_a_clockwise_turn_seen_along_the_central_bond():
    # Looking along +z from b to c, a at +x turns clockwise by 90 degrees onto d at +y.
    a, b, c, d = np.array([[1.0, 0, 0], [0, 0, 0], [0, 0, 1.0], [0, 1.0, 1.0]])
    assert dihedral(a, b, c, d) == pytest.approx(math.pi / 2)
    assert dihedral(d, c, b, a) == pytest.approx(math.pi / 2)  # reversed order keeps the sign


def test_nerf_places_an_atom_at_the_requested_bond_angle_and_dihedral():
    a, b, c = np.array([[0.3, 1.2, -0.4], [0.0, 0.0, 0.0], [1.5, 0.1, 0.2]])
    d = place_atom(a, b, c, 1.52, 110.0, -65.0)
    assert np.linalg.norm(d - c) == pytest.approx(1.52)
    cos_angle = np.dot(b - c, d - c) / (np.linalg.norm(b - c) * np.linalg.norm(d - c))
    assert math.degrees(math.acos(cos_angle)) == pytest.approx(110.0)
    assert math.degrees(dihedral(a, b, c, d)) == pytest.approx(-65.0)


@pytest.mark.parametrize("psi1, omega2, phi2, psi2", [(-47.0, 180.0, -57.0, -47.0), (135.0, -178.0, -120.0, 120.0), (150.0, 2.0, 60.0, 30.0)])
def test_dipeptide_built_from_known_angles_gives_them_back_with_their_signs(psi1, omega2, phi2, psi2):
    angles, mask = _dipeptide_torsions(_ideal_alanine_dipeptide(psi1, omega2, phi2, psi2))
    expected = {(1, OMEGA): omega2, (1, PHI): phi2, (0, PSI): psi1, (1, PSI): psi2}
    for (residue, torsion), value in expected.items():
        difference = (math.degrees(angles[residue, torsion]) - value + 180.0) % 360.0 - 180.0
        assert abs(difference) < 1e-3, (residue, torsion)
    assert mask[1, :3].all() and mask[0, PSI]


def test_psi_from_the_carbonyl_oxygen_equals_the_conventional_psi_for_ideal_geometry():
    positions = _ideal_alanine_dipeptide(psi1=-60.0, omega2=180.0, phi2=-90.0, psi2=0.0)
    angles, _ = _dipeptide_torsions(positions)
    n, ca, c = positions[0, 0], positions[0, 1], positions[0, 2]
    conventional = dihedral(n, ca, c, positions[1, 0])
    assert angles[0, PSI] == pytest.approx(conventional, abs=1e-5)


def test_first_residue_has_no_omega_or_phi():
    _, mask = _dipeptide_torsions(_ideal_alanine_dipeptide(-47.0, 180.0, -57.0, -47.0))
    assert not mask[0, OMEGA] and not mask[0, PHI]


def test_alanine_has_no_side_chain_torsions():
    angles, mask = _dipeptide_torsions(_ideal_alanine_dipeptide(-47.0, 180.0, -57.0, -47.0))
    assert not mask[:, CHI1:].any() and (angles[:, CHI1:] == 0).all()


def test_most_residues_of_a_real_protein_have_negative_phi():
    protein = load_protein(PFAM40 / "1JL3_A.pdb")
    angles, mask = torsions_from_atoms(protein.aatype, protein.positions, protein.mask, protein.segment_start)
    phi = angles[mask[:, PHI], PHI]
    assert (phi < 0).mean() > 0.85


def test_omega_is_trans_for_most_peptide_bonds_of_a_real_protein():
    protein = load_protein(PFAM40 / "1JL3_A.pdb")
    angles, mask = torsions_from_atoms(protein.aatype, protein.positions, protein.mask, protein.segment_start)
    assert (np.abs(angles[mask[:, OMEGA], OMEGA]) > math.radians(150)).mean() > 0.95


def test_no_omega_or_phi_across_a_chain_break():
    protein = load_protein(PFAM40 / "3GQS_A.pdb")  # one real chain break
    breaks = np.flatnonzero(protein.segment_start[1:]) + 1
    assert breaks.size == 1
    _, mask = torsions_from_atoms(protein.aatype, protein.positions, protein.mask, protein.segment_start)
    assert not mask[breaks, OMEGA].any() and not mask[breaks, PHI].any()
    assert mask[breaks, PSI].all()
    assert mask[1:, OMEGA].sum() == protein.n_residues - 2


def test_a_declared_segment_start_masks_omega_and_phi_there_only():
    protein = load_protein(PFAM40 / "1GUU_A.pdb")
    segment_start = protein.segment_start.copy()
    segment_start[20] = True
    _, before = torsions_from_atoms(protein.aatype, protein.positions, protein.mask, protein.segment_start)
    _, after = torsions_from_atoms(protein.aatype, protein.positions, protein.mask, segment_start)
    changed = np.argwhere(before != after)
    assert changed.tolist() == [[20, OMEGA], [20, PHI]]


def _swap_names(protein, resname: str) -> np.ndarray:
    swapped = protein.positions.copy()
    for i in np.flatnonzero(protein.aatype == RESTYPE_INDEX[resname]):
        for first, second in SYMMETRIC_ATOM_PAIRS[resname]:
            a, b = slot_of(resname, first), slot_of(resname, second)
            swapped[i, [a, b]] = swapped[i, [b, a]]
    return swapped


@pytest.mark.parametrize("resname, chi", [("ASP", CHI2), ("GLU", CHI1 + 2), ("PHE", CHI2), ("TYR", CHI2)])
def test_pi_periodic_chi_does_not_depend_on_how_symmetric_atoms_are_named(resname, chi):
    protein = load_protein(PFAM40 / "1JL3_A.pdb")
    assert (protein.aatype == RESTYPE_INDEX[resname]).any()
    plain, _ = torsions_from_atoms(protein.aatype, protein.positions, protein.mask, protein.segment_start)
    renamed, _ = torsions_from_atoms(protein.aatype, _swap_names(protein, resname), protein.mask, protein.segment_start)
    np.testing.assert_allclose(renamed, plain, atol=1e-5)


def test_pi_periodic_chis_fall_in_the_canonical_half_range():
    for path in sorted(PFAM40.glob("*.pdb"))[:10]:
        protein = load_protein(path)
        angles, mask = torsions_from_atoms(protein.aatype, protein.positions, protein.mask, protein.segment_start)
        for resname, chi_index in (("ASP", 1), ("GLU", 2), ("PHE", 1), ("TYR", 1)):
            rows = (protein.aatype == RESTYPE_INDEX[resname]) & mask[:, CHI1 + chi_index]
            assert (np.abs(angles[rows, CHI1 + chi_index]) < math.radians(100)).all()


def test_canonical_arginine_has_nh1_cis_to_cd():
    protein = load_protein(PFAM40 / "1JL3_A.pdb")
    renamed = canonicalize_symmetric_atoms(protein.aatype, _swap_names(protein, "ARG"), protein.mask)
    rows = np.flatnonzero((protein.aatype == RESTYPE_INDEX["ARG"]) & protein.mask[:, slot_of("ARG", "NH2")])
    assert rows.size > 0
    cd, ne, cz, nh1 = (renamed[rows, slot_of("ARG", x)] for x in ("CD", "NE", "CZ", "NH1"))
    assert (np.abs(dihedral(cd, ne, cz, nh1)) < math.pi / 2).all()


def test_torsions_are_computed_for_every_frame_of_a_batch():
    protein = load_protein(PFAM40 / "1GUU_A.pdb")
    frames = np.stack([protein.positions, protein.positions[::1] * np.array([1.0, 1.0, -1.0], dtype=np.float32)])
    angles, _ = torsions_from_atoms(protein.aatype, frames, protein.mask, protein.segment_start)
    assert angles.shape == (2, protein.n_residues, 7)
    single, mask = torsions_from_atoms(protein.aatype, protein.positions, protein.mask, protein.segment_start)
    np.testing.assert_allclose(angles[0], single, atol=1e-6)
    # The mirror image has every dihedral negated (pi-periodic chis may also move by pi).
    backbone = mask[:, :3]
    np.testing.assert_allclose(np.sin(angles[1, :, :3][backbone]), -np.sin(single[:, :3][backbone]), atol=1e-5)
