"""The flow-matching training loss: a tiny model learns a small batch of real-protein windows."""

import numpy as np
import pytest
import torch

from model_inputs import example_protein
from trajgen.engine.flow.loss import LossConfig, flow_matching_loss
from trajgen.engine.model import preset
from trajgen.engine.model.network import Denoiser
from trajgen.engine.rollout.protein_state import protein_context


def window_batch(n_frames: int = 4) -> dict[str, torch.Tensor]:
    """Two windows of the example protein drifting by a fixed step per frame (Angstrom)."""
    context, start = protein_context(example_protein())
    step = np.random.default_rng(0).normal(0.0, 0.5, (1, 1, context.n_res, 3)) * np.arange(n_frames)[None, :, None, None]
    rep = lambda a: torch.tensor(np.repeat(a[None], 2, 0))
    return {"aatype": rep(context.aatype), "residue_index": rep(context.residue_index),
            "chain_index": rep(context.chain_index), "res_mask": torch.ones(2, context.n_res),
            "torsion_mask": rep(context.torsion_mask),
            "rot": torch.tensor(np.repeat(start.rot[:, None], n_frames, 1)).repeat(2, 1, 1, 1, 1),
            "trans": torch.tensor((start.trans[:, None] + step).astype(np.float32)).repeat(2, 1, 1, 1),
            "torsions": torch.tensor(np.repeat(start.torsions[:, None], n_frames, 1)).repeat(2, 1, 1, 1),
            "dt_ps": torch.tensor([100.0, 1000.0]), "temperature_K": torch.tensor([300.0, 350.0])}


def test_training_on_a_fixed_batch_lowers_the_loss():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model, batch = Denoiser(preset("tiny")), window_batch()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    losses = []
    for _ in range(25):
        loss, _ = flow_matching_loss(model, batch, cfg=LossConfig(goal_prob=0.5))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert np.mean(losses[-5:]) < 0.6 * np.mean(losses[:5])


def test_the_loss_reports_translation_rotation_and_torsion_parts():
    torch.manual_seed(0)
    _, parts = flow_matching_loss(Denoiser(preset("tiny")), window_batch(), cfg=LossConfig(goal_prob=1.0))
    assert set(parts) == {"trans", "rot", "torsion", "distance"} and all(np.isfinite(v) for v in parts.values())


def test_chain_link_term_is_zero_for_the_truth_and_sees_a_broken_peptide_bond():
    from trajgen.engine.flow.loss import chain_link_term

    batch = window_batch()
    rot, trans = batch["rot"][:, 1:], batch["trans"][:, 1:]
    index, mask = batch["residue_index"], batch["res_mask"]
    assert float(chain_link_term(rot, trans, rot, trans, index, mask)) == pytest.approx(0.0, abs=1e-8)
    moved = trans.clone()
    moved[:, :, 5:] += torch.tensor([1.0, 0.0, 0.0])             # the chain torn between residues 4 and 5
    broken = float(chain_link_term(rot, moved, rot, trans, index, mask))
    assert broken * (trans.shape[2] - 1) * 4 > 0.5                # one link of 49 off by about 1 A
    wider = moved.clone()
    wider[:, :, 5:] += torch.tensor([1.0, 0.0, 0.0])
    assert float(chain_link_term(rot, wider, rot, trans, index, mask)) > 2 * broken
    unlinked = index.clone()
    unlinked[:, 5:] += 100                                       # the same tear at a chain break is no error
    assert float(chain_link_term(rot, moved, rot, trans, unlinked, mask)) == pytest.approx(0.0, abs=1e-8)


def test_the_loss_counts_chain_links_when_weighted():
    _, parts = flow_matching_loss(Denoiser(preset("tiny")), window_batch(), cfg=LossConfig(w_bonds=1.0))
    assert parts["bonds"] > 0
    _, parts = flow_matching_loss(Denoiser(preset("tiny")), window_batch(), cfg=LossConfig())
    assert "bonds" not in parts


def test_a_far_anchor_batch_shows_frame_0_at_the_clamped_offset_and_no_goal():
    torch.manual_seed(0)
    model, seen = Denoiser(preset("tiny")), []

    def recording(inputs, context):
        seen.append(context.self_offset.clone())
        return model(inputs, context)
    recording.cfg = model.cfg
    batch = window_batch(n_frames=4)
    flow_matching_loss(recording, {**batch, "anchor_far": torch.tensor([True, True])}, cfg=LossConfig(goal_prob=1.0))
    flow_matching_loss(recording, {**batch, "anchor_far": torch.tensor([False, False])}, cfg=LossConfig(goal_prob=0.0))
    far, near = seen
    assert far.shape == near.shape == (7, 7)                       # 4 clean + 3 noisy queries, no goal
    later = near[:, 0] > 0
    assert torch.all(far[later, 0] >= model.cfg.max_offset) and torch.all(near[later, 0] < model.cfg.max_offset)
    assert torch.equal(far[:, 1:], near[:, 1:]) and near[1, 0] == 1.0
