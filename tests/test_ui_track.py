"""RunTrack: Calpha RMSD to the start against time, and RMSF per residue, from streamed frames."""

from __future__ import annotations

import numpy as np
import pytest

from trajgen.engine.structure import load_protein
from trajgen.engine.geometry.superpose import superpose
from trajgen.ui.track import RunTrack


@pytest.fixture(scope="module")
def protein(example_pdb):
    return load_protein(example_pdb)


def rotation(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def test_one_label_per_residue_from_the_topology(protein):
    track = RunTrack.for_protein(protein)
    assert len(track.ca_index) == protein.n_residues == 50
    assert track.residue_labels[0] == "A:40" and track.residue_labels[-1] == "A:89"


def test_a_rigidly_moved_frame_has_zero_rmsd(protein):
    xyz = protein.heavy_atom_xyz(protein.positions)
    track = RunTrack.for_protein(protein)
    track.add(0.0, xyz)
    track.add(100.0, xyz @ rotation(0.7).T + np.array([5.0, -3.0, 12.0]))
    times, rmsd = track.rmsd_series()
    assert times.tolist() == [0.0, 100.0]
    np.testing.assert_allclose(rmsd, [0.0, 0.0], atol=1e-4)


def test_rmsd_of_a_shifted_atom_is_computed_by_hand():
    start = np.array([[0.0, 0, 0], [4.0, 0, 0], [0, 4.0, 0], [0, 0, 4.0]])
    track = RunTrack(np.arange(4), ["a", "b", "c", "d"])
    track.add(0.0, start)
    track.add(10.0, start + 3.0)  # a pure shift
    assert track.rmsd_series()[1][1] == pytest.approx(0.0, abs=1e-9)
    flat = start * np.array([1.0, 1.0, 0.5])  # the z atom comes 2 A closer; no rigid motion undoes it
    track.add(20.0, flat)
    fitted = superpose(flat, start)
    expected = np.sqrt(np.mean(np.sum((fitted - start) ** 2, axis=1)))
    assert track.rmsd_series()[1][2] == pytest.approx(expected) and expected > 0.3


def test_rmsf_is_the_spread_of_each_residue_about_its_mean():
    start = np.array([[0.0, 0, 0], [5.0, 0, 0], [0, 5.0, 0], [0, 0, 5.0]])
    track = RunTrack(np.arange(4), list("abcd"))
    assert track.rmsf().tolist() == [0.0] * 4  # nothing to spread yet
    rng = np.random.default_rng(0)
    frames = [start + rng.normal(0, 0.01, start.shape) for _ in range(4)]
    wobble = np.array([0.0, 0.0, 0.0, 1.0])
    for i, frame in enumerate(frames):
        frame[3, 2] += wobble[3] * (1 if i % 2 else -1)
        track.add(float(i), frame)
    rmsf = track.rmsf()
    assert rmsf.shape == (4,) and rmsf[3] == rmsf.max() and rmsf[3] > 0.5
