"""Contact, exposure and coverage sets on small known inputs."""

import mdtraj as md
import numpy as np
import pytest

from trajgen.engine.evaluate import contacts as ct
from trajgen.engine.evaluate.coverage import coverage, jensen_shannon
from conftest import SHARED

TRPCAGE = f"{SHARED}/data/reference/trpcage_1l2y.pdb"


def test_jaccard_of_known_sets():
    assert ct.jaccard({(0, 1), (1, 2)}, {(1, 2), (2, 3)}) == pytest.approx(1 / 3)
    assert ct.jaccard({(0, 1)}, {(0, 1)}) == 1.0


def test_jaccard_of_two_empty_sets_is_undefined():
    assert np.isnan(ct.jaccard(set(), set()))


def test_contact_sets_find_weak_and_transient_pairs():
    start = np.array([[0.0, 0, 0], [5.0, 0, 0], [20.0, 0, 0]])  # (0,1) in contact, (1,2) not
    frames = np.repeat(start[None], 10, axis=0)
    frames[:5, 1, 0] = -10.0   # (0,1) at 10 A in half the frames -> weak (present < 90%)
    frames[5:7, 2, 0] = 11.0   # (1,2) at 6 A in 2 of 10 frames -> transient (> 10%)
    weak, transient = ct.contact_sets(frames, start)
    assert weak == {(0, 1)}
    assert transient == {(1, 2)}


def test_stable_contacts_are_neither_weak_nor_transient():
    start = np.array([[0.0, 0, 0], [5.0, 0, 0], [20.0, 0, 0]])
    weak, transient = ct.contact_sets(np.repeat(start[None], 4, axis=0), start)
    assert weak == set() and transient == set()


def _heavy_trpcage() -> md.Trajectory:
    traj = md.load(TRPCAGE)[0]
    return traj.atom_slice(traj.topology.select("not element H"))


def test_a_buried_side_chain_pulled_out_of_the_protein_is_exposed():
    start = _heavy_trpcage()
    sasa = ct.sidechain_sasa(start)[0]
    has_side = np.array([any(a.name not in ct.BACKBONE_NAMES for a in r.atoms) for r in start.topology.residues])
    buried = int(np.flatnonzero(has_side & (sasa < 0.02))[0])
    moved = start.xyz.copy()
    sel = [a.index for a in start.topology.residue(buried).atoms]
    moved[0, sel] += np.array([3.0, 0.0, 0.0])  # 3 nm away from everything
    traj = md.Trajectory(np.concatenate([moved] * 3), start.topology)
    assert ct.exposed_residues(traj, start) == {buried}


def test_the_start_structure_itself_exposes_nothing():
    start = _heavy_trpcage()
    assert ct.exposed_residues(md.Trajectory(np.repeat(start.xyz, 3, axis=0), start.topology), start) == set()


def test_jensen_shannon_of_disjoint_distributions_is_one_bit():
    assert jensen_shannon(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(1.0)


def test_coverage_of_identical_points_is_perfect():
    pts = np.random.default_rng(0).normal(size=(200, 2))
    result = coverage(pts, pts)
    assert result.jsd == pytest.approx(0.0)
    assert result.recall == 1.0


def test_coverage_recall_counts_reference_bins_visited():
    ref = np.array([[0.0, 0.0], [1.0, 1.0]])  # two corner bins of the 10 x 10 grid
    gen = np.array([[0.0, 0.0], [0.01, 0.01]])
    result = coverage(gen, ref)
    assert result.recall == pytest.approx(0.5)
    assert result.jsd == pytest.approx(jensen_shannon(np.array([1.0, 0.0]), np.array([0.5, 0.5])))


def test_contact_fraction_counts_frames_across_chunks():
    frames = np.zeros((5, 2, 3))
    frames[:, 1, 0] = [5.0, 5.0, 9.0, 5.0, 9.0]  # in contact in 3 of 5 frames
    assert ct.contact_fraction(frames, 8.0, chunk=2)[0] == pytest.approx(0.6)
