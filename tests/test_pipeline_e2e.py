"""The whole pipeline on a tiny real case, on CPU, in about a minute.

Two pfam40 domains (1GUU_A, 50 residues; 1BXY_A, 60 residues) -> 1 ps of OpenMM implicit-solvent
MD each (20 frames, 0.05 ps apart) -> manifest -> feature cache (built by ``trajgen train`` from
the manifest) -> ``tiny`` model trained 3 steps, stopped, resumed to step 6 -> best.safetensors
(EMA) and best.onnx -> generated frames from both, with finite coordinates.
"""

from __future__ import annotations

import json
from pathlib import Path

import mdtraj
import numpy as np
import pytest
from conftest import PFAM40 as PFAM

from trajgen.engine.cli import main as trajgen_main
from trajgen.engine.md import SimulationConfig, run_simulation
from trajgen.engine.md.manifest import read_manifest, rebuild_manifest
from trajgen.engine.train.logs import read_csv

PROTEINS = ("1GUU_A", "1BXY_A")
MD = dict(equilibration_ps=0.1, production_ps=1.0, report_interval_ps=0.05, checkpoint_interval_ps=1.0)


@pytest.fixture(scope="module")
def md_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("md")
    for name in PROTEINS:
        run_simulation(SimulationConfig(pdb_path=PFAM / f"{name}.pdb", out_dir=folder, **MD))
    rebuild_manifest(folder)
    return folder


@pytest.fixture(scope="module")
def run_dir(md_folder, tmp_path_factory) -> Path:
    """``trajgen train`` from a TOML file: stopped at step 3, then resumed to step 6."""
    root = tmp_path_factory.mktemp("train")
    config = root / "train.toml"
    config.write_text(f"""
[data]
manifests = ["{md_folder}"]
cache_dir = "cache"
val_proteins = ["1BXY_A"]
n_frames = 3
crop_residues = 64
min_stride_ps = 0.05
max_stride_ps = 0.25
num_workers = 0

[model]
preset = "tiny"

[optim]
batch_size = 2
max_steps = 6
warmup_steps = 2
lr = 1e-3

[run]
out_dir = "run"
device = "cpu"
threads = 1
log_every = 1
val_every = 3
val_batches = 2
checkpoint_every = 3
progress = false
""")
    assert trajgen_main(["train", str(config), "--stop-after", "3"]) == 0
    assert trajgen_main(["train", str(config)]) == 0
    return root / "run"


def test_md_of_both_proteins_is_in_the_manifest(md_folder):
    rows = read_manifest(md_folder)
    assert sorted(r["protein"] for r in rows) == sorted(PROTEINS)
    assert all(r["stride_ps"] == 0.05 and r["length_ps"] == 1.0 for r in rows)


def test_training_resumed_to_the_end_and_left_best_checkpoint_and_onnx(run_dir):
    assert [r["step"] for r in read_csv(run_dir / "train.csv")] == [1, 2, 3, 4, 5, 6]
    assert [r["step"] for r in read_csv(run_dir / "val.csv")] == [3, 6]
    assert (run_dir / "best.safetensors").is_file() and (run_dir / "best.onnx").is_file()
    assert len(list((run_dir.parent / "cache").glob("*.npz"))) == 2


def test_the_checkpoint_admits_the_strides_it_was_trained_on(run_dir):
    from trajgen.engine.checkpoint import read_info

    model = read_info(run_dir / "best.safetensors").model
    assert (model.dt_min_ps, model.dt_max_ps, model.d_model) == (0.05, 0.25, 32)
    assert json.loads((run_dir / "config.json").read_text())["data"]["val_proteins"] == ["1BXY_A"]


def test_generation_from_the_trained_weights_gives_finite_frames(run_dir):
    from trajgen.engine.backends.select import load_backend
    from trajgen.engine.generate import GenerationRequest, TrajectoryGenerator
    from trajgen.engine.structure import load_protein

    backend = load_backend(run_dir / "best.safetensors", device="cpu", threads=1)
    protein = load_protein(PFAM / "1BXY_A.pdb")
    request = GenerationRequest(length_ps=0.3, interval_ps=0.1, temperature_K=300.0, mode="single")
    frames = list(TrajectoryGenerator(protein, request, backend))
    assert len(frames) == 4 and all(np.isfinite(f.xyz).all() for f in frames)


def test_trajgen_generate_runs_the_exported_onnx_model(run_dir, tmp_path):
    out = tmp_path / "gen.pdb"
    code = trajgen_main(["generate", str(PFAM / "1GUU_A.pdb"), "-o", str(out), "--length", "0.2ps",
                         "--interval", "0.1ps", "--checkpoint", str(run_dir / "best.onnx"), "--mode", "single",
                         "--threads", "1", "--quiet"])
    traj = mdtraj.load(str(out))
    assert code == 0 and traj.n_frames == 3 and np.isfinite(traj.xyz).all()


def test_the_model_card_states_the_runs_own_numbers(run_dir, md_folder):
    from conftest import REPO

    from trajgen.engine.train.model_card import card_facts, render

    facts = card_facts(run_dir, [md_folder], REPO / "docs" / "eval" / "metrics.json")
    assert facts["data"]["proteins"] == 2 and facts["data"]["runs"] == 2
    assert facts["data"]["total_ns"] == pytest.approx(0.002)
    assert facts["steps"] == 6 and facts["best_val_step"] in (3, 6) and facts["device_hours"] > 0
    assert facts["run_info"]["train_proteins"] == ["1GUU_A"] and facts["run_info"]["val_proteins"] == ["1BXY_A"]
    card = render(facts)
    assert "2 proteins (1 training, 1 validation: 1BXY_A), 50-60 residues, 2 OpenMM runs, 0.002 ns" in card
    assert "amber99sbildn" in card and "6 steps on 1 x cpu" in card
    assert f"{facts['n_parameters'] / 1e6:.2f} M parameters" in card and "d_model 32" in card
    assert "| valid frames | 83.7% | 96.7% |" in card  # the committed evaluation report, ENM vs MD half


def test_installing_the_run_ships_its_weights_as_the_default_and_refuses_oversized_ones(run_dir, md_folder,
                                                                                        tmp_path, monkeypatch):
    from trajgen.engine.backends.select import load_backend
    from trajgen.engine.errors import TrainingError
    from trajgen.engine.train import model_card

    assets = tmp_path / "assets"
    assert model_card.main([str(run_dir), "--manifest", str(md_folder), "--install", str(assets)]) == 0
    assert sorted(p.name for p in assets.iterdir()) == ["MODEL_CARD.md", "trajgen_default.onnx",
                                                        "trajgen_default.safetensors"]
    assert (assets / "trajgen_default.onnx").read_bytes() == (run_dir / "best.onnx").read_bytes()
    assert "Not run for this card" in (assets / "MODEL_CARD.md").read_text()
    assert load_backend(assets / "trajgen_default.onnx", device="cpu", threads=1).name == "onnx"
    monkeypatch.setattr(model_card, "MAX_SHIPPED_MB", 1e-4)
    with pytest.raises(TrainingError, match="over the 0.0001 MB"):
        model_card.install(run_dir, "card", tmp_path / "too_big")
    assert not (tmp_path / "too_big").exists()
