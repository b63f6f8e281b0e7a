"""Loading, atom matching and superposition of trajectory pairs."""

import mdtraj as md
import numpy as np
import pytest

from trajgen.engine.evaluate.ensemble import (EvaluationError, kabsch_superpose, match_heavy_atoms,
                                              prepare_pair)
from conftest import SHARED

REF = f"{SHARED}/data/reference/trpcage_1l2y"


def rotation_z(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


def test_kabsch_undoes_a_rotation_and_translation():
    target = np.random.default_rng(0).normal(size=(10, 3)) * 5
    moved = target @ rotation_z(0.7).T + np.array([3.0, -2.0, 1.0])
    aligned = kabsch_superpose(moved[None], target, np.arange(10))
    np.testing.assert_allclose(aligned[0], target, atol=1e-4)


def test_kabsch_never_reflects():
    target = np.random.default_rng(1).normal(size=(6, 3))
    mirrored = target * np.array([-1.0, 1.0, 1.0])
    aligned = kabsch_superpose(mirrored[None], target, np.arange(6))[0]
    handedness = lambda x: np.sign(np.linalg.det(x[1:4] - x[0]))  # noqa: E731
    assert handedness(aligned) == handedness(mirrored) == -handedness(target)


def test_hydrogens_are_dropped_when_matching_with_a_heavy_atom_copy():
    full = md.load(REF + ".pdb")
    heavy = full.atom_slice(full.topology.select("not element H"))
    gen_idx, ref_idx = match_heavy_atoms(heavy.topology, full.topology)
    assert len(gen_idx) == heavy.n_atoms == 154
    assert all(full.topology.atom(i).element.symbol != "H" for i in ref_idx)


def test_different_sequences_cannot_be_compared():
    full = md.load(REF + ".pdb")
    shorter = full.atom_slice(full.topology.select("resid 0 to 18"))
    with pytest.raises(EvaluationError, match="same protein"):
        match_heavy_atoms(shorter.topology, full.topology)


def test_prepare_pair_superposes_both_on_the_reference_start():
    ref = md.load(REF + ".xtc", top=REF + ".pdb")[:20]
    gen = ref[10:20]
    gen.xyz = (gen.xyz @ rotation_z(1.0).T + 2.0).astype(np.float32)  # a moved copy
    gen_ens, ref_ens, start = prepare_pair(gen, ref, 1.0, 1.0)
    np.testing.assert_allclose(gen_ens.xyz, ref_ens.xyz[10:20], atol=2e-3)
    np.testing.assert_allclose(ref_ens.xyz[0], start, atol=1e-4)
    assert gen_ens.xyz.shape[1] == 154


def test_prepare_pair_keeps_the_replica_boundaries():
    ref = md.load(REF + ".xtc", top=REF + ".pdb")[:30]
    gen_ens, ref_ens, _ = prepare_pair(ref[:10], ref, 1.0, 1.0, ref_runs=(10, 20))
    assert ref_ens.runs == (10, 20) and gen_ens.runs == (10,)


def test_solvent_and_a_calcium_ion_are_not_residues_to_match():
    full = md.load(REF + ".pdb")
    heavy = full.atom_slice(full.topology.select("not element H"))
    top = heavy.topology.copy()
    chain = top.add_chain()
    top.add_atom("CA", md.element.calcium, top.add_residue("CA", chain))
    top.add_atom("O", md.element.oxygen, top.add_residue("HOH", chain))
    gen_idx, ref_idx = match_heavy_atoms(top, heavy.topology)
    assert len(gen_idx) == heavy.n_atoms
