"""Per-frame validity checks on the real Trp-cage structure with deliberate defects."""

import mdtraj as md
import numpy as np
import pytest

from trajgen.engine.evaluate.ensemble import Ensemble
from trajgen.engine.evaluate.validity import ValidityConfig, build_geometry, frame_validity, validity_vs_time
from conftest import SHARED

REF = f"{SHARED}/data/reference/trpcage_1l2y"


@pytest.fixture(scope="module")
def start_ensemble() -> Ensemble:
    traj = md.load(REF + ".pdb")[0]
    traj = traj.atom_slice(traj.topology.select("not element H"))
    return Ensemble(traj.xyz * 10.0, traj.topology, 1.0, "start")


def with_frames(ens: Ensemble, xyz: np.ndarray) -> Ensemble:
    return Ensemble(xyz.astype(np.float32), ens.topology, 1.0, "test")


def atom(ens: Ensemble, res: int, name: str) -> int:
    return next(a.index for a in ens.topology.residue(res).atoms if a.name == name)


def test_the_start_structure_is_valid(start_ensemble):
    result = frame_validity(start_ensemble, start_ensemble.xyz[0], None)
    assert result.valid.all()
    assert result.bond_rms_A[0] == pytest.approx(0.0) and result.angle_rms_deg[0] == pytest.approx(0.0)


def test_geometry_finds_every_peptide_link_and_chemical_bond_lengths(start_ensemble):
    geom = build_geometry(start_ensemble, start_ensemble.xyz[0], ValidityConfig())
    n_res = start_ensemble.topology.n_residues
    assert len(geom.ca_links) == n_res - 1 and len(geom.cn_links) == n_res - 1
    xyz = start_ensemble.xyz[0]
    lengths = np.linalg.norm(xyz[geom.bonds[:, 0]] - xyz[geom.bonds[:, 1]], axis=-1)
    assert lengths.min() > 1.1 and lengths.max() < 1.9


def test_moving_a_residue_away_breaks_the_chain(start_ensemble):
    xyz = np.repeat(start_ensemble.xyz, 2, axis=0)
    tail = [a.index for a in start_ensemble.topology.atoms if a.residue.index >= 10]
    xyz[1, tail] += np.array([3.0, 0.0, 0.0])  # peptide C-N stretched to ~4 A
    result = frame_validity(with_frames(start_ensemble, xyz), start_ensemble.xyz[0], None)
    np.testing.assert_array_equal(result.chain_break, [False, True])
    np.testing.assert_array_equal(result.valid, [True, False])


def test_two_calphas_on_top_of_each_other_clash(start_ensemble):
    xyz = np.repeat(start_ensemble.xyz, 2, axis=0)
    res5 = [a.index for a in start_ensemble.topology.residue(5).atoms]
    shift = xyz[1, atom(start_ensemble, 15, "CA")] - xyz[1, atom(start_ensemble, 5, "CA")]
    xyz[1, res5] += shift + np.array([0.5, 0.0, 0.0])
    result = frame_validity(with_frames(start_ensemble, xyz), start_ensemble.xyz[0], None)
    assert not result.ca_clash[0] and result.ca_clash[1]
    assert result.heavy_clash[1]


def test_a_stretched_bond_shows_as_bond_length_deviation(start_ensemble):
    xyz = np.repeat(start_ensemble.xyz, 2, axis=0)
    cb = atom(start_ensemble, 1, "CB")
    side = [a.index for a in start_ensemble.topology.residue(1).atoms if a.name not in ("N", "CA", "C", "O")]
    direction = xyz[1, cb] - xyz[1, atom(start_ensemble, 1, "CA")]
    xyz[1, side] += 0.3 * direction / np.linalg.norm(direction)
    bond = frame_validity(with_frames(start_ensemble, xyz), start_ensemble.xyz[0], None).bond_rms_A
    assert bond[0] == pytest.approx(0.0) and bond[1] > 0.01


def test_validity_vs_time_averages_consecutive_windows():
    np.testing.assert_allclose(validity_vs_time(np.array([1, 1, 0, 0, 1, 0]), 3), [1.0, 0.0, 0.5])
