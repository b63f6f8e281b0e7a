"""Rigid-residue relaxation of generated frames (rollout.relax)."""

from __future__ import annotations

import numpy as np

from model_inputs import example_protein
from trajgen.engine.flow.process import FlowConfig, Frames, perturb
from trajgen.engine.geometry import atoms_from_frames_torsions
from trajgen.engine.rollout.protein_state import protein_context
from trajgen.engine.rollout.relax import RelaxConfig, Relaxer


def setup(config: RelaxConfig = RelaxConfig()):
    protein = example_protein()
    context, start = protein_context(protein)
    return protein, start, Relaxer(protein.aatype, protein.chain_end, context.residue_index, start, config)


def geometry(relaxer: Relaxer, protein, frames: Frames) -> tuple[float, float, float]:
    """(worst link-length error, worst overlap below r0, closest non-neighbour Calpha pair), Angstrom."""
    atoms, _ = atoms_from_frames_torsions(protein.aatype, frames.rot[0], frames.trans[0], frames.torsions[0],
                                          protein.chain_end)
    xyz = atoms[relaxer.res_of, relaxer.slot_of]
    link = np.abs(np.linalg.norm(xyz[relaxer.link_i] - xyz[relaxer.link_j], axis=-1) - relaxer.link_d0).max()
    i, j, r0 = relaxer._clash_pairs(xyz)
    overlap = np.maximum(r0 - np.linalg.norm(xyz[i] - xyz[j], axis=-1), 0.0).max()
    ca = frames.trans[0]
    d = np.linalg.norm(ca[:, None] - ca[None], axis=-1) + np.eye(len(ca)) * 99 + np.eye(len(ca), k=1) * 99 \
        + np.eye(len(ca), k=-1) * 99
    return float(link), float(overlap), float(d.min())


def broken(start: Frames, level: float = 0.5, seed: int = 0) -> Frames:
    """The start frame with every residue moved at random (as a network's independent errors do),
    and residue 20 pushed onto residue 23."""
    rng = np.random.default_rng(seed)
    shape = start.trans.shape
    x = perturb(start, {"rot": rng.standard_normal(shape), "trans": rng.standard_normal(shape),
                        "torsions": np.zeros(start.torsions.shape)}, FlowConfig(), level)
    trans = x.trans.copy()
    trans[0, 20] = trans[0, 23] + np.array([1.0, 0.5, 0.0], np.float32)
    return Frames(x.rot, trans, x.torsions)


def test_relaxation_rejoins_the_chain_and_separates_clashing_residues():
    protein, start, relaxer = setup(RelaxConfig(iterations=400))
    x = broken(start)
    link0, overlap0, ca0 = geometry(relaxer, protein, x)
    assert link0 > 2.0 and overlap0 > 1.5 and ca0 < 1.5          # broken bonds, a Calpha on another
    y = relaxer(x)
    link, overlap, ca = geometry(relaxer, protein, y)
    assert link < 0.2 and overlap < 0.1 and ca > 3.0             # within the suite's chain-break and clash limits
    np.testing.assert_array_equal(y.torsions, x.torsions)
    np.testing.assert_allclose(y.rot @ np.swapaxes(y.rot, -1, -2), np.broadcast_to(np.eye(3), y.rot.shape),
                               atol=1e-5)
    before = np.linalg.norm(x.trans[0] - start.trans[0], axis=-1)
    after = np.linalg.norm(y.trans[0] - start.trans[0], axis=-1)
    assert np.median(after) < 0.7 * np.median(before)             # a local repair towards an intact chain


def test_the_start_structure_is_left_as_it_is():
    protein, start, relaxer = setup()
    y = relaxer(start)
    np.testing.assert_allclose(y.trans, start.trans, atol=1e-4)
    np.testing.assert_allclose(y.rot, start.rot, atol=1e-5)


def test_a_disabled_relaxation_returns_the_frames_unchanged():
    protein, start, relaxer = setup(RelaxConfig(enabled=False))
    x = broken(start)
    assert relaxer(x) is x


def test_rows_of_a_batch_are_relaxed_independently():
    protein, start, relaxer = setup()
    a, b = broken(start, seed=1), broken(start, seed=2)
    both = relaxer(Frames.stack([a, b]))
    np.testing.assert_allclose(both.trans[1:], relaxer(b).trans, atol=1e-5)
    np.testing.assert_allclose(both.trans[:1], relaxer(a).trans, atol=1e-5)


def test_a_random_model_breaks_the_chain_and_relaxed_generation_does_not():
    from model_inputs import tiny_torch_backend
    from trajgen.engine.evaluate.ensemble import Ensemble
    from trajgen.engine.evaluate.validity import frame_validity
    from trajgen.engine.generate import GenerationRequest, TrajectoryGenerator

    protein = example_protein()
    backend = tiny_torch_backend(seed=0)
    shares = {}
    for relax in (False, True):
        request = GenerationRequest(length_ps=600, interval_ps=100, mode="single", relax=relax)
        xyz = np.stack([f.xyz for f in TrajectoryGenerator(protein, request, backend)])
        v = frame_validity(Ensemble(xyz, protein.heavy_atom_topology(), 100.0, "gen"), xyz[0])
        shares[relax] = (v.chain_break[1:].mean(), v.ca_clash[1:].mean(), v.heavy_clash[1:].mean())
    assert max(shares[False]) == 1.0 and max(shares[True]) == 0.0, shares
