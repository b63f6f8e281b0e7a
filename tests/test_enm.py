"""Elastic-network Langevin baseline: network physics, time scale, determinism, Protein interface."""

import itertools

import numpy as np
import pytest
from scipy.spatial.distance import pdist

from trajgen.engine.baselines.enm import (BOLTZMANN_KCAL_PER_MOL_K, ElasticNetworkLangevin, EnmConfig,
                                          RigidUnitPlacer, chain_pairs, enm_trajectory, network_hessian,
                                          segments_from_calpha, slot_masses)
from trajgen.engine.structure import load_protein
from conftest import SHARED

TRPCAGE = f"{SHARED}/data/reference/trpcage_1l2y.pdb"


@pytest.fixture(scope="module")
def protein():
    return load_protein(TRPCAGE)


@pytest.fixture(scope="module")
def model(protein):
    """Pure network dynamics on the Calpha atoms (no chain links, so no length restoration)."""
    return ElasticNetworkLangevin(protein.positions[:, 1], slot_masses(protein).sum(axis=1))


def test_hessian_is_the_second_derivative_of_the_spring_energy():
    x = np.random.default_rng(0).normal(size=(5, 3)) * 2.0
    config = EnmConfig(cutoff_A=50.0, bonded_A=2.5)
    r0 = pdist(x)
    k = np.where(r0 < config.bonded_A, config.bonded_spring, config.spring)
    energy = lambda y: 0.5 * (k * (pdist(y.reshape(-1, 3)) - r0) ** 2).sum()  # noqa: E731
    eps, flat = 1e-4, x.ravel()
    numeric = np.zeros((flat.size, flat.size))
    for i, j in itertools.product(range(flat.size), repeat=2):
        e = np.zeros(flat.size)
        e[i] += eps
        f = np.zeros(flat.size)
        f[j] += eps
        numeric[i, j] = (energy(flat + e + f) - energy(flat + e - f) - energy(flat - e + f)
                         + energy(flat - e - f)) / (4 * eps * eps)
    np.testing.assert_allclose(network_hessian(x, config), numeric, atol=1e-4)


def test_the_six_rigid_body_motions_are_not_modes(model):
    assert len(model.rates) == 3 * len(model.start) - 6
    assert (model.rates > 0).all()


def test_the_first_frame_is_the_input_structure(model):
    first = next(model.frames(3, 10.0, 300.0, seed=0))
    np.testing.assert_allclose(first, model.start, atol=1e-5)


def test_frames_are_deterministic_for_a_seed(model):
    a = np.stack(list(model.frames(4, 10.0, 300.0, seed=7)))
    b = np.stack(list(model.frames(4, 10.0, 300.0, seed=7)))
    c = np.stack(list(model.frames(4, 10.0, 300.0, seed=8)))
    np.testing.assert_array_equal(a, b)
    assert np.abs(a[1:] - c[1:]).max() > 0.01


def test_sampled_fluctuations_match_the_equilibrium_rmsf(model):
    interval = 20.0 / model.rates.min()  # far beyond the slowest relaxation: independent frames
    xyz = np.stack(list(model.frames(1500, interval, 300.0, seed=1)))[1:]
    sampled = np.sqrt(((xyz - model.start) ** 2).sum(-1).mean(0))
    np.testing.assert_allclose(sampled.mean(), model.rmsf(300.0).mean(), rtol=0.1)


def test_equilibrium_fluctuations_grow_as_the_square_root_of_temperature(model):
    np.testing.assert_allclose(model.rmsf(400.0) / model.rmsf(100.0), 2.0)


def test_the_slowest_mode_relaxes_with_its_physical_rate(model):
    interval = 0.5 / model.rates[0]  # expected lag-1 correlation exp(-0.5)
    xyz = np.stack(list(model.frames(4000, interval, 300.0, seed=2)))
    direction = model.modes[:, 0] / np.linalg.norm(model.modes[:, 0]) ** 2
    amplitude = (xyz - model.start).reshape(len(xyz), -1) @ direction
    r = np.corrcoef(amplitude[:-1], amplitude[1:])[0, 1]
    assert r == pytest.approx(np.exp(-0.5), abs=0.05)


def test_chain_pairs_stay_inside_segments():
    segment_start = np.array([True, False, False, True, False])
    assert chain_pairs(segment_start).tolist() == [[0, 1], [1, 2], [3, 4], [0, 2]]


def test_a_calpha_gap_opens_a_segment():
    ca = np.array([[0.0, 0, 0], [3.8, 0, 0], [12.0, 0, 0], [15.8, 0, 0]])
    np.testing.assert_array_equal(segments_from_calpha(ca), [True, False, True, False])


def test_chain_neighbours_get_stiff_springs_beyond_the_cutoff():
    x = np.array([[0.0, 0, 0], [20.0, 0, 0]])
    config = EnmConfig(cutoff_A=5.0)
    assert network_hessian(x, config)[0, 0] == 0.0
    assert network_hessian(x, config, chain=np.array([[0, 1]]))[0, 0] == pytest.approx(config.bonded_spring)


def test_restoring_links_gives_back_the_start_lengths(protein):
    ca = protein.positions[:, 1]
    chained = ElasticNetworkLangevin(ca, slot_masses(protein).sum(axis=1), chain=chain_pairs(protein.segment_start))
    stretched = ca + np.random.default_rng(4).normal(scale=0.5, size=ca.shape)
    restored = chained.restore_links(stretched)
    lengths = np.linalg.norm(np.diff(restored, axis=0), axis=-1)
    np.testing.assert_allclose(lengths, np.linalg.norm(np.diff(ca, axis=0), axis=-1), atol=0.02)


def test_placing_the_start_calphas_gives_back_the_start_structure(protein):
    placer = RigidUnitPlacer(protein.positions, protein.segment_start)
    placed = placer.place(protein.positions[:, 1])
    np.testing.assert_allclose(placed[protein.mask], protein.positions[protein.mask], atol=1e-4)


def test_protein_frames_keep_the_slot_layout(protein):
    frames = list(enm_trajectory(protein, n_frames=5, interval_ps=50.0, temperature_K=300.0, seed=0))
    assert len(frames) == 5 and frames[0].shape == protein.positions.shape and frames[0].dtype == np.float32
    np.testing.assert_allclose(frames[0][protein.mask], protein.positions[protein.mask], atol=1e-4)
    np.testing.assert_array_equal(frames[-1][~protein.mask], protein.positions[~protein.mask])
    assert np.abs(frames[-1] - frames[0])[protein.mask].max() > 0.5


def test_every_bond_keeps_its_length_in_enm_frames(protein):
    frames = np.stack([protein.heavy_atom_xyz(f) for f in
                       enm_trajectory(protein, n_frames=30, interval_ps=100.0, temperature_K=300.0, seed=0)])
    bonds = np.array([[a.index, b.index] for a, b in protein.heavy_atom_topology().bonds])
    length = np.linalg.norm(frames[:, bonds[:, 0]] - frames[:, bonds[:, 1]], axis=-1)
    assert np.abs(length - length[0]).max() < 0.25


def test_boltzmann_constant_is_in_kcal_per_mol():
    assert BOLTZMANN_KCAL_PER_MOL_K * 300.0 == pytest.approx(0.596, abs=1e-3)
