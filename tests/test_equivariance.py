"""Equivariance by construction: moving the input moves the whole generated trajectory."""

import numpy as np

from model_inputs import example_protein, move_frames, random_rigid, tiny_torch_backend
from trajgen.engine.flow.process import FlowConfig
from trajgen.engine.rollout.protein_state import protein_context
from trajgen.engine.rollout.single import rollout
from trajgen.engine.rollout.stepper import FrameSampler


def test_rotating_and_translating_the_input_moves_every_generated_frame_the_same_way():
    context, start = protein_context(example_protein())
    sampler = FrameSampler(tiny_torch_backend(seed=2), context, FlowConfig(n_steps=3, history_noise=0.05),
                           dt_ps=200.0, temperature_K=320.0)
    rot, shift = random_rigid(7)
    plain = list(rollout(sampler, start, 5, seed=11))
    moved = list(rollout(sampler, move_frames(start, rot, shift), 5, seed=11))
    for a, b in zip(plain, moved):
        expected = move_frames(a, rot, shift)
        np.testing.assert_allclose(b.trans, expected.trans, atol=1e-3)
        np.testing.assert_allclose(b.rot, expected.rot, atol=1e-4)
        np.testing.assert_allclose(b.torsions, a.torsions, atol=1e-4)


def test_the_generated_frames_move_away_from_the_start():
    context, start = protein_context(example_protein())
    sampler = FrameSampler(tiny_torch_backend(seed=2), context, FlowConfig(n_steps=2), dt_ps=200.0,
                           temperature_K=300.0)
    last = list(rollout(sampler, start, 3, seed=1))[-1]
    assert np.abs(last.trans - start.trans).max() > 0.1


def test_hierarchical_rollouts_are_equivariant_too():
    from trajgen.engine.rollout.hierarchical import HierarchicalRollout, HierarchyConfig

    context, start = protein_context(example_protein())
    backend, flow = tiny_torch_backend(seed=3), FlowConfig(n_steps=2)
    hier = HierarchicalRollout(FrameSampler(backend, context, flow, 300.0, 300.0),
                               FrameSampler(backend, context, flow, 100.0, 300.0),
                               HierarchyConfig(fine_per_coarse=3, parallel_segments=2))
    rot, shift = random_rigid(5)
    plain = [f for _, f in hier.frames(start, 7, seed=4)]
    moved = [f for _, f in hier.frames(move_frames(start, rot, shift), 7, seed=4)]
    for a, b in zip(plain, moved):
        np.testing.assert_allclose(b.trans, move_frames(a, rot, shift).trans, atol=1e-3)
