"""Ramachandran and rotamer outliers against the reference's own dihedral density."""

import mdtraj as md
import numpy as np
import pytest

from trajgen.engine.evaluate.dihedrals import (DihedralOutlierModel, has_chi1, ramachandran_model,
                                               rotamer_model)
from trajgen.engine.evaluate.ensemble import Ensemble
from conftest import SHARED

REF = f"{SHARED}/data/reference/"


def md_ensemble(stem: str, frames: int = 300) -> Ensemble:
    traj = md.load(REF + stem + ".xtc", top=REF + stem + ".pdb")[:frames]
    traj = traj.atom_slice(traj.topology.select("not element H"))
    return Ensemble(traj.xyz * 10.0, traj.topology, 1.0, "MD")


def labelled(label: str) -> Ensemble:
    return Ensemble(np.zeros((1, 1, 3), np.float32), None, 1.0, label)


def test_residues_in_an_empty_region_make_their_frame_fail():
    rng = np.random.default_rng(0)
    helix = np.array([-60.0, -45.0]) + rng.normal(scale=8.0, size=(200, 5, 2))  # (T, n, 2) degrees
    odd = helix[:2].copy()
    odd[1, 1:4] = [60.0, 180.0]  # three residues where the reference never goes (left-handed, extended)
    angles = {"ref": helix, "test": odd}
    model = DihedralOutlierModel(labelled("ref"), lambda ens: angles[ens.label])
    outliers, ok = model.passes(labelled("test"))
    assert outliers[1] > outliers[0]
    assert ok[0] and not ok[1]


def test_reference_md_passes_its_own_ramachandran_and_rotamer_limits():
    ref = md_ensemble("trpcage_1l2y")
    for model in (ramachandran_model(ref), rotamer_model(ref)):
        assert model.passes(ref)[1].mean() >= 0.99


def test_a_calpha_only_reference_has_no_dihedral_models():
    ref = md_ensemble("bpti_ca", frames=5)
    assert not has_chi1(ref)
    assert ramachandran_model(ref) is None and rotamer_model(ref) is None


def test_chi1_outliers_are_counted_per_residue_with_a_chi1():
    ref = md_ensemble("trpcage_1l2y", frames=50)
    model = rotamer_model(ref)
    assert model.outliers_per_frame(ref).shape == (50,)
    assert model.density.ndim == 1 and model.density.sum() == pytest.approx(1.0)
