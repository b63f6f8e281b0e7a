"""Synthetic (ENM) pretraining data: what it writes, what it masks, who it refuses, how training mixes it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from conftest import PFAM40, SHARED
from train_fixtures import make_cache, tiny_config

from trajgen.engine.dataset.features import load_features
from trajgen.engine.dataset.synthetic import SyntheticConfig, is_synthetic, write_synthetic
from trajgen.engine.errors import TrainingError
from trajgen.engine.train.data import StepBatches, synthetic_count, synthetic_files
from trajgen.engine.train.config import DataConfig

HELDOUT = SHARED / "data/heldout.fasta"
SMALL = SyntheticConfig(intervals_ps=(10.0, 100.0), temperatures_K=(300.0,), n_frames=12)


@pytest.fixture(scope="module")
def synthetic_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic")
    written, refused = write_synthetic([PFAM40 / "1GUU_A.pdb", PFAM40 / "1BXY_A.pdb", PFAM40 / "1FQT_A.pdb"], out,
                                       SMALL, HELDOUT)
    return out, written, refused


def test_every_structure_gets_one_labelled_file_per_spacing_and_heldout_relatives_none(synthetic_dir):
    out, written, refused = synthetic_dir
    assert sorted(p.name for p in written) == sorted(
        f"synthetic_{n}_{dt}ps_300K_s0.npz" for n in ("1GUU_A", "1BXY_A") for dt in (10, 100))
    assert len(refused) == 1 and "1FQT_A" in refused[0] and "trpcage" in refused[0]
    feats = load_features(out / "synthetic_1GUU_A_100ps_300K_s0.npz")
    assert feats["source"] == "synthetic-enm" and bool(feats["synthetic"]) and is_synthetic(written[0])
    assert float(feats["dt_ps"]) == 100.0 and feats["rot"].shape == (12, 50, 3, 3)


def test_backbone_trains_and_rigid_side_chains_do_not(synthetic_dir):
    out, _, _ = synthetic_dir
    feats = load_features(out / "synthetic_1GUU_A_10ps_300K_s0.npz")
    assert feats["torsion_mask"][:, 1:3].sum() >= 2 * 50 - 2          # phi, psi everywhere but the ends
    assert not feats["torsion_mask"][:, 3:].any() and not feats["torsions"][:, :, 3:].any()
    ca = feats["trans"]
    moved = np.sqrt(((ca[1:] - ca[0]) ** 2).sum(-1).mean(-1))
    assert (moved > 0.05).all() and (moved < 3.0).all()               # it moves, and stays folded
    bonds = np.linalg.norm(ca[:, 1:] - ca[:, :-1], axis=-1)
    np.testing.assert_allclose(bonds, 3.8, atol=0.1)


def test_the_same_seed_writes_the_same_trajectory(tmp_path, synthetic_dir):
    out, _, _ = synthetic_dir
    again, _ = write_synthetic([PFAM40 / "1GUU_A.pdb"], tmp_path, SMALL, HELDOUT)
    a, b = load_features(again[0]), load_features(out / again[0].name)
    np.testing.assert_array_equal(a["trans"], b["trans"])


def test_synthetic_files_leave_out_validation_proteins_and_heldout_relatives(synthetic_dir, tmp_path):
    out, _, _ = synthetic_dir
    data = DataConfig(synthetic=(str(out),), synthetic_share=0.5)
    kept = synthetic_files(data, {"1BXY_A"})
    assert kept and all("1GUU_A" in p.name for p in kept)
    # a folder made without the screen: the training side refuses the relative too
    unscreened = tmp_path / "unscreened"
    written, _ = write_synthetic([PFAM40 / "1FQT_A.pdb"], unscreened, SMALL, heldout_fasta=None)
    assert written
    screened = DataConfig(synthetic=(str(unscreened),), synthetic_share=0.5, heldout_fasta=str(HELDOUT))
    assert synthetic_files(screened, set()) == []


def test_a_synthetic_folder_with_md_files_is_refused(tmp_path):
    cache = make_cache(tmp_path / "md")
    with pytest.raises(TrainingError, match="not synthetic"):
        synthetic_files(DataConfig(synthetic=(str(cache),), synthetic_share=0.5), set())


def test_share_schedule_goes_from_pretraining_to_fine_tuning():
    data = DataConfig(synthetic=("x",), synthetic_share=1.0, synthetic_share_final=0.25, synthetic_schedule_steps=100)
    assert [data.synthetic_share_at(s) for s in (0, 50, 100, 500)] == [1.0, 0.625, 0.25, 0.25]
    assert DataConfig(synthetic_share=0.7).synthetic_share_at(0) == 0.0     # no folders, no synthetic windows
    rng = np.random.default_rng(0)
    counts = [synthetic_count(8, 0.3, rng) for _ in range(2000)]
    assert set(counts) == {2, 3} and abs(np.mean(counts) - 2.4) < 0.05


def test_training_batches_mix_md_and_synthetic_windows_by_the_share(synthetic_dir, tmp_path):
    from trajgen.engine.dataset.windows import WindowConfig, WindowSampler

    out, written, _ = synthetic_dir
    md = sorted(make_cache(tmp_path).glob("*.npz"))
    config = WindowConfig(n_frames=3, min_stride_ps=10.0, max_stride_ps=50.0, crop_residues=24)
    md_sampler, syn_sampler = WindowSampler(md, config), WindowSampler(written, config)
    every = StepBatches(md_sampler, 4, seed=0, rank=0, synthetic=syn_sampler, share=lambda step: 1.0)[3]
    none = StepBatches(md_sampler, 4, seed=0, rank=0, synthetic=syn_sampler, share=lambda step: 0.0)[3]
    plain = StepBatches(md_sampler, 4, seed=0, rank=0)[3]
    # synthetic windows have no side-chain torsions to learn; the MD windows do
    assert not every["torsion_mask"][..., 3:].any() and none["torsion_mask"][..., 3:].any()
    assert all(np.array_equal(none[k].numpy(), plain[k].numpy()) for k in plain)
    half = StepBatches(md_sampler, 4, seed=0, rank=0, synthetic=syn_sampler, share=lambda step: 0.5)[3]
    has_chi = half["torsion_mask"][..., 3:].flatten(1).any(1)
    assert has_chi.tolist() == [True, True, False, False]


def test_a_training_run_with_synthetic_windows_records_them(synthetic_dir, tmp_path):
    from trajgen.engine.train.loop import train

    out, _, _ = synthetic_dir
    config = tiny_config(make_cache(tmp_path / "md"), tmp_path / "run", optim={"max_steps": 2},
                         data={"synthetic": [str(out)], "synthetic_share": 0.5})
    train(config)
    info = json.loads((tmp_path / "run" / "run_info.json").read_text())
    assert info["synthetic_proteins"] == ["1GUU_A"] and info["synthetic_trajectories"] == 2
    assert info["val_proteins"] == ["1BXY_A"]


def test_synthetic_command_writes_and_refuses(tmp_path):
    shutil.copy(PFAM40 / "1FQT_A.pdb", tmp_path / "1FQT_A.pdb")
    out = subprocess.run([sys.executable, "-m", "trajgen.engine.cli", "data", "synthetic", str(PFAM40 / "1GUU_A.pdb"),
                          str(tmp_path / "1FQT_A.pdb"), "--out", str(tmp_path / "syn"), "--heldout", str(HELDOUT),
                          "--intervals-ps", "5", "--temperatures", "320", "--frames", "4"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "refused" in out.stdout and "1 synthetic trajectories" in out.stdout
    assert (tmp_path / "syn" / "synthetic_1GUU_A_5ps_320K_s0.npz").exists()


def test_pretraining_on_synthetic_alone_runs_and_a_time_limit_stops_it_with_a_resume_state(synthetic_dir, tmp_path):
    """No MD trains yet (only the validation protein has MD): every window is synthetic; hours=0 stops at once."""
    from trajgen.engine.train.loop import train

    out, _, _ = synthetic_dir
    cache = make_cache(tmp_path / "md")
    for path in cache.glob("*1GUU_A*.npz"):
        path.unlink()
    config = tiny_config(cache, tmp_path / "run", optim={"max_steps": 50},
                         data={"synthetic": [str(out)], "synthetic_share": 0.1},
                         run={"stop_after_hours": 0.0, "log_every": 2, "checkpoint_every": 10})
    result = train(config)
    assert result.step == 2 and (tmp_path / "run" / "last.pt").exists()
    info = json.loads((tmp_path / "run" / "run_info.json").read_text())
    assert info["train_trajectories"] == 0 and info["synthetic_proteins"] == ["1GUU_A"]
    resumed = train(tiny_config(cache, tmp_path / "run", optim={"max_steps": 50},
                                data={"synthetic": [str(out)], "synthetic_share": 0.1},
                                run={"stop_after_steps": 4, "log_every": 2, "checkpoint_every": 10}))
    assert resumed.step == 4


def test_without_md_or_synthetic_there_is_nothing_to_train(tmp_path):
    cache = make_cache(tmp_path / "md")
    for path in cache.glob("*1GUU_A*.npz"):
        path.unlink()
    with pytest.raises(TrainingError, match="both need at least one"):
        from trajgen.engine.train.loop import train

        train(tiny_config(cache, tmp_path / "run"))


def test_the_model_card_states_the_synthetic_share_and_the_architecture():
    from trajgen.engine.model import preset
    from trajgen.engine.train.model_card import _architecture, _synthetic_lines

    info = {"synthetic_proteins": ["a", "b"], "synthetic_trajectories": 16}
    data = {"synthetic_share": 1.0, "synthetic_share_final": 0.2, "synthetic_schedule_steps": 20000}
    (line,) = _synthetic_lines(info, data)
    assert "2 candidate structures, 16 trajectories" in line and "moving to 0.2 at step 20000" in line
    assert _synthetic_lines({"synthetic_proteins": []}, data) == []
    assert "joint spatio-temporal attention over its 8 nearest" in _architecture(preset("cpu"))
    assert "all residue pairs and factorized" in _architecture(preset("cpu-factorized"))
