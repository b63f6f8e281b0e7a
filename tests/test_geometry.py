"""Frames and torsions <-> all heavy atoms: round trip on real structures, ideal bonds, OXT, batches."""

import numpy as np
import pytest

from conftest import PFAM40, pfam40_files
from trajgen.engine.errors import GeometryError
from trajgen.engine.geometry import atoms_from_frames_torsions, backbone_frames, torsions_from_atoms
from trajgen.engine.geometry.bonds import IDEAL_BOND_LENGTHS, bond_angle_deviations, bond_length_deviations
from trajgen.engine.geometry.compare import backbone_mask, rmsd, round_trip, symmetric_squared_errors
from trajgen.engine.geometry.rigid import compose, invert
from trajgen.engine.structure import load_protein
from trajgen.engine.structure.residue_constants import ATOM_NAMES, OXT_SLOT, RESTYPE_INDEX, RESTYPES_3, slot_of


def _rebuild(protein, positions=None, chain_end=None):
    positions = protein.positions if positions is None else positions
    rot, trans = backbone_frames(positions)
    angles, _ = torsions_from_atoms(protein.aatype, positions, protein.mask, protein.segment_start)
    return atoms_from_frames_torsions(protein.aatype, rot, trans, angles, protein.chain_end if chain_end is None else chain_end)


def _random_rotations(n: int, rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(n, 3, 3)))
    q = q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[:, None, :]
    return q * np.linalg.det(q)[:, None, None]


@pytest.fixture(scope="module")
def round_trips() -> list[tuple[str, float, float]]:
    """(name, backbone RMSD, all-heavy RMSD) for 24 of the real X-ray structures."""
    results = []
    for path in pfam40_files()[:24]:
        protein = load_protein(path)
        _, errors, compared = round_trip(protein.aatype, protein.positions, protein.mask, protein.segment_start, protein.chain_end)
        results.append((path.stem, float(rmsd(errors, backbone_mask(compared))), float(rmsd(errors, compared))))
    return results


def test_round_trip_backbone_median_rmsd_is_at_most_a_tenth_of_an_angstrom(round_trips):
    assert np.median([backbone for _, backbone, _ in round_trips]) <= 0.1


def test_round_trip_all_heavy_atom_median_rmsd_is_at_most_three_tenths_of_an_angstrom(round_trips):
    assert np.median([heavy for _, _, heavy in round_trips]) <= 0.3


def test_round_trip_keeps_ca_exactly_and_n_c_within_idealization_error():
    protein = load_protein(PFAM40 / "1JL3_A.pdb")
    rebuilt, _ = _rebuild(protein)
    np.testing.assert_allclose(rebuilt[:, 1], protein.positions[:, 1], atol=1e-4)
    assert np.abs(rebuilt[:, [0, 2]] - protein.positions[:, [0, 2]]).max() < 0.3


def test_rebuilt_bond_lengths_are_ideal_for_every_residue_type():
    seen = set()
    for path in pfam40_files()[:8]:
        protein = load_protein(path)
        rebuilt, mask = _rebuild(protein)
        deviations, valid = bond_length_deviations(protein.aatype, rebuilt, mask)
        assert np.abs(deviations[valid]).max() < 0.02
        seen |= set(protein.aatype.tolist())
    assert len(seen) == 20


def test_rebuilt_bond_lengths_stay_ideal_for_arbitrary_torsions_outside_proline():
    # A proline ring cannot close for most (chi1, chi2) pairs, so prolines are left out here.
    protein = load_protein(PFAM40 / "1JL3_A.pdb")
    rot, trans = backbone_frames(protein.positions)
    angles = np.random.default_rng(0).uniform(-np.pi, np.pi, size=(3, protein.n_residues, 7)).astype(np.float32)
    rebuilt, mask = atoms_from_frames_torsions(protein.aatype, rot, trans, angles, protein.chain_end)
    deviations, valid = bond_length_deviations(protein.aatype, rebuilt, mask)
    valid &= (protein.aatype != RESTYPE_INDEX["PRO"])[:, None]
    assert np.abs(deviations[..., valid]).max() < 0.02


def test_rebuilt_bond_angles_are_ideal_outside_the_proline_ring():
    protein = load_protein(PFAM40 / "1JL3_A.pdb")
    rebuilt, mask = _rebuild(protein)
    deviations, valid = bond_angle_deviations(protein.aatype, rebuilt, mask)
    valid &= (protein.aatype != RESTYPE_INDEX["PRO"])[:, None]
    assert np.abs(deviations[valid]).max() < 0.05


def test_proline_ring_closes_with_ideal_bonds_and_near_ideal_angles():
    protein = load_protein(PFAM40 / "1JL3_A.pdb")
    rebuilt, mask = _rebuild(protein)
    prolines = protein.aatype == RESTYPE_INDEX["PRO"]
    assert prolines.sum() >= 3
    ring = IDEAL_BOND_LENGTHS["PRO"].index(("CD", "N", 1.473))
    deviations, _ = bond_length_deviations(protein.aatype, rebuilt, mask)
    assert np.abs(deviations[prolines, ring]).max() < 1e-3
    angles, valid = bond_angle_deviations(protein.aatype, rebuilt, mask)
    assert np.median(np.abs(angles[prolines][valid[prolines]])) < 3.0


def test_oxt_is_rebuilt_only_at_chain_ends():
    protein = load_protein(PFAM40 / "1GUU_A.pdb")
    chain_end = np.zeros(protein.n_residues, dtype=bool)
    chain_end[[24, -1]] = True
    rebuilt, mask = _rebuild(protein, chain_end=chain_end)
    assert mask[:, OXT_SLOT].tolist() == chain_end.tolist()
    assert (rebuilt[~chain_end, OXT_SLOT] == 0).all()


def test_oxt_lands_on_the_terminal_carboxyl_oxygen_of_a_real_structure():
    protein = load_protein(PFAM40 / "1GUU_A.pdb")
    assert protein.mask[-1, OXT_SLOT]
    rebuilt, _ = _rebuild(protein)
    c, o, oxt = rebuilt[-1, 2], rebuilt[-1, 3], rebuilt[-1, OXT_SLOT]
    assert np.linalg.norm(oxt - protein.positions[-1, OXT_SLOT]) < 0.2
    assert np.linalg.norm(oxt - c) == pytest.approx(1.249, abs=1e-3)
    cos_angle = np.dot(o - c, oxt - c) / (np.linalg.norm(o - c) * np.linalg.norm(oxt - c))
    assert np.degrees(np.arccos(cos_angle)) == pytest.approx(122.9, abs=0.1)


def test_rebuilt_mask_holds_exactly_the_atoms_of_each_residue_type():
    protein = load_protein(PFAM40 / "1JL3_A.pdb")
    _, mask = _rebuild(protein)
    for i, t in enumerate(protein.aatype):
        n_atoms = len(ATOM_NAMES[RESTYPES_3[t]])
        assert mask[i, :n_atoms].all() and not mask[i, n_atoms:OXT_SLOT].any()


def test_backbone_frames_are_right_handed_with_n_in_the_xy_plane():
    protein = load_protein(PFAM40 / "1GUU_A.pdb")
    rot, trans = backbone_frames(protein.positions)
    np.testing.assert_allclose(rot @ np.swapaxes(rot, -1, -2), np.broadcast_to(np.eye(3), rot.shape), atol=1e-5)
    np.testing.assert_allclose(np.linalg.det(rot), 1.0, atol=1e-5)
    n_local = np.einsum("lji,lj->li", rot, protein.positions[:, 0] - trans)
    c_local = np.einsum("lji,lj->li", rot, protein.positions[:, 2] - trans)
    assert np.abs(n_local[:, 2]).max() < 1e-4 and (n_local[:, 1] > 0).all()
    assert np.abs(c_local[:, 1:]).max() < 1e-4 and (c_local[:, 0] > 0).all()


def test_composing_a_transform_with_its_inverse_gives_the_identity():
    rng = np.random.default_rng(1)
    rot, trans = _random_rotations(5, rng), rng.normal(size=(5, 3))
    identity_rot, identity_trans = compose(rot, trans, *invert(rot, trans))
    np.testing.assert_allclose(identity_rot, np.broadcast_to(np.eye(3), (5, 3, 3)), atol=1e-12)
    np.testing.assert_allclose(identity_trans, 0.0, atol=1e-12)


def test_batched_frames_rebuild_each_frame_like_a_single_one_and_follow_rigid_motions():
    protein = load_protein(PFAM40 / "1GUU_A.pdb")
    rng = np.random.default_rng(2)
    rotations, shifts = _random_rotations(6, rng).reshape(2, 3, 3, 3), rng.normal(scale=10.0, size=(2, 3, 1, 1, 3))
    moved = (np.einsum("fgij,lsj->fglsi", rotations, protein.positions) + shifts).astype(np.float32)
    rebuilt, mask = _rebuild(protein, positions=moved)
    assert rebuilt.shape == (2, 3, protein.n_residues, 15, 3)
    single, _ = _rebuild(protein)
    expected = (np.einsum("fgij,lsj->fglsi", rotations, single) + shifts) * mask[..., None]
    np.testing.assert_allclose(rebuilt, expected, atol=2e-3)
    np.testing.assert_allclose(_rebuild(protein, positions=moved[1, 2])[0], rebuilt[1, 2], atol=1e-5)


def test_frames_shared_by_all_torsion_samples_broadcast():
    protein = load_protein(PFAM40 / "1GUU_A.pdb")
    rot, trans = backbone_frames(protein.positions)
    angles, _ = torsions_from_atoms(protein.aatype, protein.positions, protein.mask, protein.segment_start)
    rebuilt, _ = atoms_from_frames_torsions(protein.aatype, rot, trans, np.stack([angles, angles]), protein.chain_end)
    assert rebuilt.shape == (2, protein.n_residues, 15, 3)
    # Same inputs, but float32 and a different place in the batch: vectorised kernels may round the
    # two samples differently (seen on AMD EPYC: up to 1.9e-6 A). 1e-5 A is float32 rounding at
    # coordinates of ~50 A, four orders of magnitude below any geometric error the tests look for.
    np.testing.assert_allclose(rebuilt[0], rebuilt[1], rtol=0, atol=1e-5)
    single, _ = atoms_from_frames_torsions(protein.aatype, rot, trans, angles, protein.chain_end)
    np.testing.assert_allclose(rebuilt[1], single, rtol=0, atol=1e-5)


def test_symmetric_errors_ignore_which_equivalent_atom_carries_which_name():
    protein = load_protein(PFAM40 / "1JL3_A.pdb")
    rebuilt, mask = _rebuild(protein)
    renamed = protein.positions.copy()
    tyr = np.flatnonzero(protein.aatype == RESTYPE_INDEX["TYR"])
    for a, b in (("CD1", "CD2"), ("CE1", "CE2")):
        sa, sb = slot_of("TYR", a), slot_of("TYR", b)
        renamed[tyr[:, None], [sa, sb]] = renamed[tyr[:, None], [sb, sa]]
    compared = mask & protein.mask
    original = symmetric_squared_errors(protein.aatype, rebuilt, protein.positions, compared)
    np.testing.assert_allclose(symmetric_squared_errors(protein.aatype, rebuilt, renamed, compared), original, atol=1e-6)
    plain = np.sum((rebuilt - renamed) ** 2, axis=-1) * compared
    assert plain[tyr].sum() > 10 * original[tyr].sum()


def test_wrong_shapes_raise_a_geometry_error_that_names_the_problem():
    protein = load_protein(PFAM40 / "1GUU_A.pdb")
    with pytest.raises(GeometryError, match="15, 3"):
        backbone_frames(protein.positions[:, :14])
    rot, trans = backbone_frames(protein.positions)
    with pytest.raises(GeometryError, match="angles"):
        atoms_from_frames_torsions(protein.aatype, rot, trans, np.zeros((protein.n_residues, 5)), protein.chain_end)
