"""The denoiser network: sizes, invariance of its outputs, causality, cache consistency."""

import numpy as np
import pytest
import torch

from model_inputs import example_protein, move_frames, random_rigid, tiny_torch_backend
from trajgen.engine.flow.process import FlowConfig, perturb
from trajgen.engine.model import preset
from trajgen.engine.model.inputs import FrameInputs, TemporalContext
from trajgen.engine.model.masks import causal_window_mask
from trajgen.engine.model.network import Denoiser, count_parameters
from trajgen.engine.rollout.protein_state import protein_context
from trajgen.engine.rollout.single import rollout, row_generators
from trajgen.engine.rollout.stepper import FrameSampler, draw_noise


ARCHITECTURES = {"factorized, all pairs": {}, "joint, 8 neighbours": {"neighbors": 8, "temporal": "joint", "temporal_neighbors": 4}}


@pytest.fixture(scope="module", params=list(ARCHITECTURES))
def setup(request):
    context, start = protein_context(example_protein())
    backend = tiny_torch_backend(seed=1, **ARCHITECTURES[request.param])
    sampler = FrameSampler(backend, context, FlowConfig(n_steps=2, history_noise=0.0), dt_ps=100.0,
                           temperature_K=300.0)
    frames = [start] + list(rollout(sampler, start, 6, seed=3))
    return context, backend, sampler, frames


def test_default_preset_has_between_5_and_20_million_parameters():
    assert 5e6 <= count_parameters(Denoiser(preset("default"))) <= 20e6


def test_network_outputs_do_not_change_when_the_protein_is_moved(setup):
    context, backend, sampler, frames = setup
    cache = sampler.new_cache(1)
    inputs = sampler._inputs(frames[2], frames[1], 0.5, cache.context(1), frames[0].trans)
    rot, shift = random_rigid(0)
    moved = sampler._inputs(move_frames(frames[2], rot, shift), move_frames(frames[1], rot, shift), 0.5,
                            cache.context(1), move_frames(frames[0], rot, shift).trans)
    out, out_moved = backend(inputs), backend(moved)
    for name in ("rot_update", "trans_update", "torsions_out", "new_k"):
        np.testing.assert_allclose(out[name], out_moved[name], atol=1e-4)


def _stack_frames(sampler, frames, noisy, s):
    """Network inputs (B=1, Q frames) for clean frames[0..n-1] and one noisy last frame."""
    rows = [sampler._inputs(f, frames[max(i - 1, 0)], 1.0, {}) for i, f in enumerate(frames)]
    rows.append(sampler._inputs(noisy, frames[-1], s, {}))
    stacked = {k: torch.from_numpy(np.stack([r[k] for r in rows], axis=1))
               for k in ("rot", "trans", "torsions", "torsion_mask", "ref_rot", "ref_trans",
                         "flow_time", "log_dt", "temperature")}
    static = {k: torch.from_numpy(rows[0][k]) for k in ("aatype", "residue_index", "chain_index")}
    static["neighbor_trans"] = torch.from_numpy(frames[0].trans.astype(np.float32))   # the anchor
    return stacked, static


def _frame_inputs(stacked, static, n_res) -> FrameInputs:
    return FrameInputs(static["aatype"], static["residue_index"], static["chain_index"], stacked["rot"],
                       stacked["trans"], stacked["torsions"], stacked["torsion_mask"], stacked["ref_rot"],
                       stacked["ref_trans"], stacked["flow_time"], stacked["log_dt"], stacked["temperature"],
                       torch.ones(1, n_res), static["neighbor_trans"])


def test_a_cached_step_equals_the_step_recomputed_from_all_frames(setup):
    context, backend, sampler, frames = setup
    cfg = backend.config
    history = frames[:6]                                     # frames 0..5 finished; window 4 drops 1
    rngs = row_generators(0, [0])
    cache = sampler.new_cache(1)
    for i, f in enumerate(history):
        sampler.encode(cache, i, f, history[max(i - 1, 0)], rngs)
    noisy = perturb(history[-1], draw_noise(rngs, context.n_res), sampler.flow)
    cached = backend(sampler._inputs(noisy, history[-1], 0.25, cache.context(6), cache.neighbor_source(None)))

    stacked, static = _stack_frames(sampler, history, noisy, 0.25)
    offset, mask = causal_window_mask(7, cfg.context_window, cfg.n_anchor)
    with torch.no_grad():
        out = backend.model(_frame_inputs(stacked, static, context.n_res),
                            TemporalContext.among_queries(cfg, 1, context.n_res, torch.from_numpy(offset),
                                                          torch.from_numpy(mask), stacked["trans"]))
    full = (out.rot_update, out.trans_update, out.torsions)
    np.testing.assert_allclose(cached["rot_update"], full[0][:, -1].numpy(), atol=1e-4)
    np.testing.assert_allclose(cached["trans_update"], full[1][:, -1].numpy(), atol=1e-4)
    np.testing.assert_allclose(cached["torsions_out"], full[2][:, -1].numpy(), atol=1e-4)


def test_a_future_frame_never_changes_a_past_one(setup):
    context, backend, sampler, frames = setup
    stacked, static = _stack_frames(sampler, frames[:4], frames[5], 0.5)
    offset, mask = causal_window_mask(5, backend.config.context_window, backend.config.n_anchor)
    cfg = backend.config

    def run(trans):
        with torch.no_grad():
            out = backend.model(_frame_inputs({**stacked, "trans": trans}, static, context.n_res),
                                TemporalContext.among_queries(cfg, 1, context.n_res, torch.from_numpy(offset),
                                                              torch.from_numpy(mask), trans))
        return (out.rot_update, out.trans_update, out.torsions, out.k, out.v)

    base = run(stacked["trans"])
    changed = stacked["trans"].clone()
    changed[:, 4] += 3.0 * torch.randn_like(changed[:, 4])
    moved = run(changed)
    for a, b in zip(base, moved):
        past_a, past_b = (a[:, :, :4], b[:, :, :4]) if a.dim() == 6 else (a[:, :4], b[:, :4])
        torch.testing.assert_close(past_a, past_b, atol=1e-5, rtol=0)


def test_masked_all_pairs_and_gathered_neighbours_give_the_same_numbers():
    """Small proteins run neighbour attention as masked all-pairs attention; the ONNX graph gathers."""
    context, start = protein_context(example_protein())
    backend = tiny_torch_backend(seed=4, **ARCHITECTURES["joint, 8 neighbours"])
    sampler = FrameSampler(backend, context, FlowConfig(n_steps=2, history_noise=0.0), 100.0, 300.0)
    frames = [start] + list(rollout(sampler, start, 5, seed=3))
    stacked, static = _stack_frames(sampler, frames[:4], frames[5], 0.5)
    offset, mask = causal_window_mask(5, backend.config.context_window, backend.config.n_anchor)
    model = backend.model

    def run(dense_max):
        model.dense_max_residues = dense_max
        with torch.no_grad():
            return model(_frame_inputs(stacked, static, context.n_res),
                         TemporalContext.among_queries(backend.config, 1, context.n_res, torch.from_numpy(offset),
                                                       torch.from_numpy(mask), stacked["trans"]))
    try:
        dense, gathered = run(10_000), run(0)
    finally:
        model.dense_max_residues = 160
    for name in ("rot_update", "trans_update", "torsions", "k", "v"):
        torch.testing.assert_close(getattr(dense, name), getattr(gathered, name), atol=2e-5, rtol=1e-4)
