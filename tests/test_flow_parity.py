"""The noise process has two twins, numpy (sampler) and torch (training loss): same noise, same numbers.
And what a long rollout shows the network is what training showed it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from model_inputs import example_protein, tiny_torch_backend
from trajgen.engine.flow import torch_process
from trajgen.engine.flow.process import FlowConfig, Frames, interpolate, perturb
from trajgen.engine.model import preset
from trajgen.engine.model.layers import offset_features
from trajgen.engine.rollout.protein_state import protein_context
from trajgen.engine.rollout.single import rollout, row_generators
from trajgen.engine.rollout.stepper import FrameSampler

FLOW = FlowConfig()


@pytest.fixture(scope="module")
def frames():
    context, start = protein_context(example_protein())
    sampler = FrameSampler(tiny_torch_backend(seed=2), context, FlowConfig(n_steps=2), 100.0, 300.0)
    return [start] + list(rollout(sampler, start, 2, seed=1))


def _torch(f: Frames):
    return tuple(torch.from_numpy(np.asarray(a, np.float64)) for a in (f.rot, f.trans, f.torsions))


@pytest.mark.parametrize("level", [1.0, 0.3])
def test_perturb_twins_agree(frames, level):
    rng = np.random.default_rng(0)
    n = frames[1].trans.shape[1]
    noise = {"rot": rng.standard_normal((1, n, 3)), "trans": rng.standard_normal((1, n, 3)),
             "torsions": rng.standard_normal((1, n, 7))}
    a = perturb(frames[1], noise, FLOW, level)
    b = torch_process.perturb(*_torch(frames[1]), torch.full((1,), level, dtype=torch.float64), FLOW,
                              {k: torch.from_numpy(v) for k, v in noise.items()})
    for x, y in zip((a.rot, a.trans, a.torsions), b):
        np.testing.assert_allclose(x, y.numpy(), atol=2e-5)


@pytest.mark.parametrize("s", [0.0, 0.25, 0.8, 1.0])
def test_interpolate_twins_agree(frames, s):
    a = interpolate(frames[1], frames[2], s)
    b = torch_process.interpolate(_torch(frames[1]), _torch(frames[2]), torch.full((1,), s, dtype=torch.float64))
    for x, y in zip((a.rot, a.trans, a.torsions), b):
        np.testing.assert_allclose(x, y.numpy(), atol=2e-5)
    if s == 1.0:
        np.testing.assert_allclose(a.trans, frames[2].trans, atol=1e-4)


def test_step_1000_of_a_rollout_sees_what_a_training_window_showed():
    """Cache: anchor + context_window past frames (= train_frames - 1), offsets clamped to max_offset."""
    cfg = preset("cpu")                                   # train_frames 6, window 4, one anchor
    backend = tiny_torch_backend(seed=3, train_frames=6)
    tcfg = backend.config
    context, start = protein_context(example_protein())
    sampler = FrameSampler(backend, context, FlowConfig(n_steps=1, history_noise=0.0), 100.0, 300.0)
    cache = sampler.new_cache(1)
    rngs = row_generators(0, [0])
    for i in range(1001):                                 # cheap stand-in frames: only the cache matters
        cache.add(i, np.zeros_like(cache.k[:, :, 0]), np.zeros_like(cache.v[:, :, 0]), start.trans)
    ctx = cache.context(1001)
    seen = ctx["slot_offset"][0][ctx["slot_mask"][0] > 0]
    assert len(seen) == tcfg.train_frames - 1 == tcfg.n_anchor + tcfg.context_window
    assert sorted(seen.tolist()) == [1, 2, 3, 4, 1001]
    feats = offset_features(torch.from_numpy(seen), tcfg.max_offset)
    assert float(feats[:, 0].max()) == pytest.approx(np.log1p(tcfg.train_frames - 1))   # as training's farthest
    # and the network cannot tell the 1001-frame-old anchor from the farthest frame of a window
    x = start
    far = sampler._inputs(x, x, 0.5, ctx, start.trans)
    near = {**far, "slot_offset": np.where(far["slot_offset"] > tcfg.max_offset, tcfg.max_offset,
                                           far["slot_offset"]).astype(np.float32)}
    a, b = backend(far), backend(near)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
    assert cfg.context_window + cfg.n_anchor == cfg.train_frames - 1


def test_training_records_its_window_length_and_refuses_another(tmp_path):
    from trajgen.engine.errors import TrainingError
    from trajgen.engine.train.config import TrainConfig

    config = TrainConfig.from_dict({"data": {"n_frames": 6}, "model": {"preset": "cpu"}})
    assert config.model.train_frames == 6 and config.model.context_window == 4
    with pytest.raises(TrainingError, match="train_frames"):
        TrainConfig.from_dict({"data": {"n_frames": 6}, "model": {"preset": "cpu", "train_frames": 8}})
