"""The training loop on CPU: resume equivalence, model selection by validation loss, records, refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from train_fixtures import make_cache, tiny_config
from trajgen.engine.checkpoint import load_model, read_info
from trajgen.engine.errors import TrainingError
from trajgen.engine.train import train
from trajgen.engine.train.logs import read_csv


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return make_cache(tmp_path_factory.mktemp("train_data"))


@pytest.fixture(scope="module")
def straight_run(cache, tmp_path_factory):
    """Six steps without stopping (validation and resume state every 3 steps)."""
    out = tmp_path_factory.mktemp("straight")
    return train(tiny_config(cache, out)), out


def losses(out: Path) -> list[float]:
    return [row["loss"] for row in read_csv(out / "train.csv")]


def test_resuming_gives_the_same_next_losses_and_weights_as_not_stopping(cache, straight_run, tmp_path):
    _, straight = straight_run
    train(tiny_config(cache, tmp_path, run={"stop_after_steps": 3}))
    assert len(losses(tmp_path)) == 3
    result = train(tiny_config(cache, tmp_path))
    assert result.step == 6
    assert losses(tmp_path) == losses(straight)
    a, _ = load_model(tmp_path / "best.safetensors")
    b, _ = load_model(straight / "best.safetensors")
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_rows_logged_after_the_last_checkpoint_are_replaced_on_resume(cache, straight_run, tmp_path):
    train(tiny_config(cache, tmp_path, run={"stop_after_steps": 4}))     # resume state at step 3, rows 1-4
    train(tiny_config(cache, tmp_path, run={"resume": str(tmp_path / "last.pt")}))
    assert [row["step"] for row in read_csv(tmp_path / "train.csv")] == [1, 2, 3, 4, 5, 6]
    assert losses(tmp_path) == losses(straight_run[1])


def test_best_checkpoint_holds_the_ema_weights_of_the_lowest_validation_loss(straight_run):
    result, out = straight_run
    rows = read_csv(out / "val.csv")
    best = min(rows, key=lambda r: r["val_loss"])
    assert [r["step"] for r in rows] == [3, 6]
    assert result.best_val_loss == pytest.approx(best["val_loss"])
    assert read_info(out / "best.safetensors").step == int(best["step"])
    resume = torch.load(out / "last.pt", weights_only=True)
    if best["step"] == 6:
        model, _ = load_model(out / "best.safetensors")
        assert torch.allclose(model.state_dict()["frame_head.weight"], resume["ema"]["shadow"]["frame_head.weight"])


def test_training_lowers_the_loss_on_real_protein_windows(cache, tmp_path):
    result = train(tiny_config(cache, tmp_path, optim={"max_steps": 30, "warmup_steps": 5},
                               run={"val_every": 30, "checkpoint_every": 30}))
    values = losses(tmp_path)
    assert result.step == 30 and np.mean(values[-5:]) < 0.8 * np.mean(values[:5])


def test_the_log_records_learning_rate_and_gradient_norm(straight_run):
    rows = read_csv(straight_run[1] / "train.csv")
    assert rows[0]["lr"] == pytest.approx(0.5e-3) and rows[1]["lr"] == pytest.approx(1e-3)
    assert all(np.isfinite(r["grad_norm"]) and r["grad_norm"] > 0 for r in rows)


def test_onnx_export_of_the_best_checkpoint_at_the_end(cache, tmp_path):
    from trajgen.engine.backends.select import load_backend

    result = train(tiny_config(cache, tmp_path, optim={"max_steps": 2}, run={"val_every": 2, "export_onnx": True}))
    backend = load_backend(result.onnx, device="cpu", threads=1)
    assert backend.config == read_info(result.best_checkpoint).model


def test_resume_refuses_a_state_of_a_different_model(cache, straight_run, tmp_path):
    config = tiny_config(cache, tmp_path, model={"d_model": 64},
                         run={"resume": str(straight_run[1] / "last.pt")})
    with pytest.raises(TrainingError, match="different model.*d_model"):
        train(config)


def test_a_config_without_validation_split_is_refused(cache, tmp_path):
    with pytest.raises(TrainingError, match="names no validation split"):
        train(tiny_config(cache, tmp_path, data={"val_proteins": []}))


def test_dataloader_worker_processes_give_the_same_losses_as_in_process_loading(cache, straight_run, tmp_path):
    train(tiny_config(cache, tmp_path, data={"num_workers": 2}))
    assert losses(tmp_path) == losses(straight_run[1])


def test_resume_accepts_a_changed_stride_or_temperature_range_but_not_a_changed_network(straight_run):
    import json

    import torch

    from trajgen.engine.train.checkpointing import load_resume_state

    path = straight_run[1] / "last.pt"
    saved = json.loads(torch.load(path, map_location="cpu", weights_only=True)["config"])["model"]
    wider = {**saved, "dt_max_ps": saved["dt_max_ps"] * 10, "temperature_max_K": 500.0}
    assert load_resume_state(path, wider)["config"]
    with pytest.raises(TrainingError, match="different model.*n_heads"):
        load_resume_state(path, {**wider, "n_heads": saved["n_heads"] * 2})


def test_new_validation_windows_on_resume_rescore_the_best_checkpoint_instead_of_keeping_its_old_loss(
        cache, tmp_path, caplog):
    import re

    train(tiny_config(cache, tmp_path, run={"stop_after_steps": 3}))    # best at step 3, on 2 batches
    old = read_csv(tmp_path / "val.csv")[-1]["best_val_loss"]
    with caplog.at_level("WARNING"):
        result = train(tiny_config(cache, tmp_path, run={"val_batches": 3}))   # other windows
    found = re.search(r"\(step 3\) rescored on them, ([0-9.]+) \(was ([0-9.]+)", caplog.text)
    assert found and float(found.group(2)) == pytest.approx(old, abs=1e-4)
    rescored = float(found.group(1))
    assert rescored != pytest.approx(old, abs=1e-6)
    step6 = read_csv(tmp_path / "val.csv")[-1]
    assert result.best_val_loss == pytest.approx(min(rescored, step6["val_loss"]), abs=1e-4)


def test_the_same_validation_windows_keep_the_best_loss_on_resume(cache, tmp_path, caplog):
    train(tiny_config(cache, tmp_path, run={"stop_after_steps": 3}))
    with caplog.at_level("WARNING"):
        train(tiny_config(cache, tmp_path))
    assert "validation windows changed" not in caplog.text
