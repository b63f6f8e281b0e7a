"""Rollouts: single-level and hierarchical, order, determinism, constant memory, landing on anchors."""

import numpy as np
import pytest

from model_inputs import example_protein, tiny_torch_backend
from trajgen.engine.flow.process import FlowConfig
from trajgen.engine.rollout.hierarchical import HierarchicalRollout, HierarchyConfig, level_seed
from trajgen.engine.rollout.protein_state import protein_context
from trajgen.engine.rollout.single import rollout
from trajgen.engine.rollout.stepper import FrameSampler


@pytest.fixture(scope="module")
def parts():
    context, start = protein_context(example_protein())
    backend = tiny_torch_backend(seed=4)
    flow = FlowConfig(n_steps=2)
    fine = FrameSampler(backend, context, flow, dt_ps=100.0, temperature_K=300.0)
    coarse = FrameSampler(backend, context, flow, dt_ps=400.0, temperature_K=300.0)
    return start, fine, coarse


def test_the_same_seed_gives_the_same_trajectory(parts):
    start, fine, _ = parts
    a = [f.trans for f in rollout(fine, start, 3, seed=5)]
    b = [f.trans for f in rollout(fine, start, 3, seed=5)]
    np.testing.assert_array_equal(np.stack(a), np.stack(b))


def test_a_longer_rollout_begins_with_the_shorter_one(parts):
    start, fine, _ = parts
    short = [f.trans for f in rollout(fine, start, 3, seed=5)]
    long = [f.trans for f in rollout(fine, start, 5, seed=5)]
    np.testing.assert_allclose(np.stack(long[:3]), np.stack(short), atol=1e-5)


def test_the_cache_does_not_grow_with_the_rollout_length(parts):
    start, fine, _ = parts
    cache = fine.new_cache(1)
    before = cache.nbytes
    rngs = [np.random.default_rng(0)]
    for i in range(12):
        fine.encode(cache, i, start, start, rngs)
    assert cache.nbytes == before and (cache.frame_of_slot >= 0).sum() == fine.backend.config.n_slots - 1


def test_hierarchical_frames_come_in_time_order_and_land_on_the_coarse_anchors(parts):
    start, fine, coarse = parts
    hier = HierarchicalRollout(coarse, fine, HierarchyConfig(fine_per_coarse=4, parallel_segments=2))
    out = list(hier.frames(start, 14, seed=1))
    assert [i for i, _ in out] == list(range(1, 15))
    anchors = [f.trans for f in rollout(coarse, start, 3, seed=1, rows=[0])]
    for k, anchor in enumerate(anchors, start=1):
        np.testing.assert_array_equal(out[4 * k - 1][1].trans, anchor)
    assert len(hier.seam_rmsd_A) == 3 and all(np.isfinite(hier.seam_rmsd_A))


def test_nested_levels_pin_each_level_to_the_anchors_of_the_one_above(parts):
    start, fine, top = parts
    mid = FrameSampler(fine.backend, fine.context, fine.flow, dt_ps=200.0, temperature_K=300.0)
    hier = HierarchicalRollout.nested([fine, mid, top], HierarchyConfig(fine_per_coarse=2, parallel_segments=2))
    assert hier.n_levels == 3
    out = list(hier.frames(start, 11, seed=3))
    assert [i for i, _ in out] == list(range(1, 12))
    assert len(hier.seam_rmsd_A) == 5 and len(hier.coarse.seam_rmsd_A) == 3
    middle = dict(hier.coarse.frames(start, 6, level_seed(3, 2)))
    for k in range(1, 6):
        np.testing.assert_array_equal(out[2 * k - 1][1].trans, middle[k].trans)
    anchors = [f.trans for f in rollout(top, start, 3, seed=level_seed(3, 2), rows=[0])]
    for k, anchor in enumerate(anchors, start=1):
        np.testing.assert_array_equal(middle[2 * k].trans, anchor)


def test_grouping_segments_differently_gives_the_same_frames(parts):
    start, fine, coarse = parts
    one = HierarchicalRollout(coarse, fine, HierarchyConfig(fine_per_coarse=3, parallel_segments=1))
    three = HierarchicalRollout(coarse, fine, HierarchyConfig(fine_per_coarse=3, parallel_segments=3))
    a = np.stack([f.trans for _, f in one.frames(start, 9, seed=2)])
    b = np.stack([f.trans for _, f in three.frames(start, 9, seed=2)])
    np.testing.assert_allclose(a, b, atol=1e-3)


def test_the_goal_anchor_is_seen_by_frames_before_it_only(parts):
    _, fine, _ = parts
    cache = fine.new_cache(1)
    cache.set_goal(4, cache.k[:, :, 0], cache.v[:, :, 0])
    assert cache.context(3)["slot_mask"][0, -1] == 1 and cache.context(3)["slot_offset"][0, -1] == -1
    assert cache.context(4)["slot_mask"][0, -1] == 0
