"""Ensemble fidelity metrics on tiny hand-computed cases."""

import numpy as np
import pytest

from trajgen.engine.evaluate import fidelity as fid
from conftest import SHARED


def frames(*points):
    """Frames of point lists -> (T, N, 3) float array."""
    return np.array(points, dtype=float)


def test_rmsf_of_two_frame_trajectory_is_half_the_displacement():
    xyz = frames([[0, 0, 0], [5, 5, 5]], [[2, 0, 0], [5, 5, 5]])
    np.testing.assert_allclose(fid.rmsf(xyz), [1.0, 0.0])


def test_pairwise_rmsd_averages_all_distinct_frame_pairs():
    xyz = frames([[0, 0, 0]], [[1, 0, 0]], [[3, 0, 0]])  # pair distances 1, 3, 2
    assert fid.pairwise_rmsd(xyz) == pytest.approx(2.0)


def test_pairwise_rmsd_is_per_atom():
    xyz = frames([[0, 0, 0], [0, 0, 0]], [[2, 0, 0], [2, 0, 0]])
    assert fid.pairwise_rmsd(xyz) == pytest.approx(2.0)


def test_pearson_of_proportional_vectors_is_one_and_of_constant_is_nan():
    assert fid.pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert np.isnan(fid.pearson([1, 1, 1], [1, 2, 3]))


def test_rmwd_of_shifted_ensemble_is_the_shift_and_all_translation():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(50, 4, 3))
    result = fid.rmwd(a + np.array([3.0, 4.0, 0.0]), a)
    assert result.total == pytest.approx(5.0)
    assert result.translation == pytest.approx(5.0)
    assert result.variance == pytest.approx(0.0, abs=1e-6)


def _six_point_shell(radius):
    """One atom at +-radius on each axis: mean 0, covariance radius**2 / 3 * identity."""
    pts = np.concatenate([np.eye(3), -np.eye(3)]) * radius
    return pts[:, None, :]


def test_rmwd_of_isotropic_spreads_is_sqrt3_times_sigma_difference():
    sigma1, sigma2 = 1.0, 2.0  # W2**2 = 3 (sigma1 - sigma2)**2 for isotropic Gaussians
    result = fid.rmwd(_six_point_shell(np.sqrt(3) * sigma1), _six_point_shell(np.sqrt(3) * sigma2))
    assert result.variance == pytest.approx(np.sqrt(3.0))
    assert result.translation == pytest.approx(0.0)
    assert result.total == pytest.approx(np.sqrt(3.0))


def test_w2_assignment_finds_the_cheaper_matching():
    a = np.array([[0.0, 0.0], [1.0, 0.0]])
    b = np.array([[0.0, 0.0], [1.0, 2.0]])  # matching straight across costs 0 + 4
    assert fid.w2_assignment(a, b) == pytest.approx(np.sqrt(2.0))


def test_w2_assignment_subsamples_to_equal_counts_deterministically():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(30, 2)), rng.normal(size=(12, 2))
    assert fid.w2_assignment(a, b, seed=3) == fid.w2_assignment(a, b, seed=3)


def test_pca_projection_of_one_atom_moving_on_x_is_its_offset():
    xyz = frames([[-1, 0, 0]], [[1, 0, 0]])
    pca = fid.fit_pca(xyz, 1)
    np.testing.assert_allclose(pca.project(xyz)[:, 0], [-1.0, 1.0])
    assert pca.variances[0] == pytest.approx(1.0)


def _line_ensemble(axis, n=20):
    t = np.linspace(-1, 1, n)[:, None, None]
    base = np.array([[0.0, 0.0, 0.0], [4.0, 0.0, 0.0], [0.0, 4.0, 0.0]])
    return base + t * np.asarray(axis, float)


def test_pc_sim_is_one_for_the_same_motion_and_zero_for_orthogonal_motions():
    assert fid.pc_sim(_line_ensemble([1, 0, 0]), _line_ensemble([1, 0, 0])) == pytest.approx(1.0)
    assert fid.pc_sim(_line_ensemble([1, 0, 0]), _line_ensemble([0, 0, 1])) == pytest.approx(0.0, abs=1e-9)


def test_md_pca_w2_of_identical_ensembles_is_zero():
    ens = _line_ensemble([1, 1, 0]) + np.random.default_rng(2).normal(scale=0.1, size=(20, 3, 3))
    assert fid.md_pca_w2(ens, ens) == pytest.approx(0.0, abs=1e-9)
    assert fid.joint_pca_w2(ens, ens) == pytest.approx(0.0, abs=1e-9)


def test_md_pca_w2_of_shifted_ensemble_grows_with_the_shift():
    ens = _line_ensemble([1, 0, 0])
    near = fid.md_pca_w2(ens + 0.1, ens)
    far = fid.md_pca_w2(ens + 0.5, ens)
    assert 0 < near < far


def test_rmsf_agrees_with_mdtraj_on_real_md():
    import mdtraj as md

    ref = f"{SHARED}/data/reference/trpcage_1l2y"
    traj = md.load(ref + ".xtc", top=ref + ".pdb")[:200]
    traj = traj.atom_slice(traj.topology.select("not element H"))
    expected = md.rmsf(traj[:], traj[:], 0) * 10.0  # mdtraj fits on frame 0, then RMSF in nm
    aligned = traj[:].superpose(traj, 0)
    np.testing.assert_allclose(fid.rmsf(aligned.xyz * 10.0), expected, rtol=1e-3, atol=1e-3)


def test_pairwise_rmsd_of_a_long_trajectory_uses_evenly_spaced_frames():
    xyz = np.zeros((5, 1, 3))
    xyz[:, 0, 0] = [0, 10, 1, 10, 2]  # thinned to frames 0, 2, 4: distances 1, 2, 1
    assert fid.pairwise_rmsd(xyz, max_frames=3) == pytest.approx(4 / 3)


def test_rmwd_variance_part_matches_the_gaussian_w2_formula_for_tilted_spreads():
    from scipy.linalg import sqrtm

    rng = np.random.default_rng(5)
    a = rng.normal(size=(400, 1, 3)) @ np.array([[2.0, 0.5, 0], [0, 1.0, 0.3], [0, 0, 0.2]])
    b = rng.normal(size=(300, 1, 3)) @ np.array([[0.3, 0, 0], [0.8, 1.5, 0], [0, 0.4, 1.0]])
    ca, cb = np.cov(a[:, 0].T, bias=True), np.cov(b[:, 0].T, bias=True)
    root = sqrtm(ca)
    expected = np.trace(ca + cb - 2 * np.real(sqrtm(root @ cb @ root)))
    assert fid.rmwd(a, b).variance ** 2 == pytest.approx(expected, rel=1e-6)
    assert fid.rmwd(b, a).variance == pytest.approx(fid.rmwd(a, b).variance, rel=1e-6)
