"""Two training processes on CPU (torchrun, Gloo): gradients are averaged, so the weights stay identical."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from train_fixtures import make_cache, tiny_config
from trajgen.engine.train.config import save_config
from trajgen.engine.train.logs import read_csv

WORKER = Path(__file__).with_name("train_ddp_worker.py")


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory) -> Path:
    """Four steps on two ranks that draw different windows (rank-seeded) from the same data."""
    root = tmp_path_factory.mktemp("ddp")
    out, weights = root / "run", root / "weights"
    weights.mkdir()
    config = tiny_config(make_cache(root), out, optim={"max_steps": 4}, run={"val_every": 2, "checkpoint_every": 2})
    save_config(config, root / "config.json")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           str(WORKER), str(root / "config.json"), str(weights)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root


def test_both_ranks_end_with_identical_weights(ddp_run):
    rank0 = torch.load(ddp_run / "weights" / "rank0.pt", weights_only=True)
    rank1 = torch.load(ddp_run / "weights" / "rank1.pt", weights_only=True)
    assert rank0.keys() == rank1.keys()
    assert all(torch.equal(rank0[k], rank1[k]) for k in rank0)


def test_the_weights_moved_away_from_the_initial_ones(ddp_run):
    from trajgen.engine.model.network import Denoiser

    torch.manual_seed(0)
    initial = Denoiser(tiny_config(Path("."), Path(".")).model).state_dict()
    rank0 = torch.load(ddp_run / "weights" / "rank0.pt", weights_only=True)
    assert not torch.equal(initial["frame_head.weight"], rank0["frame_head.weight"])


def test_only_rank_zero_writes_the_run_records(ddp_run):
    names = sorted(p.name for p in (ddp_run / "run").iterdir())
    assert names == ["best.safetensors", "config.json", "last.pt", "run_info.json", "train.csv", "val.csv"]
    assert [row["step"] for row in read_csv(ddp_run / "run" / "train.csv")] == [1, 2, 3, 4]
    info = json.loads((ddp_run / "run" / "run_info.json").read_text())
    assert info["world_size"] == 2 and info["device_type"] == "cpu" and info["precision"] == "fp32"


def test_the_resume_state_keeps_each_ranks_random_state(ddp_run):
    state = torch.load(ddp_run / "run" / "last.pt", weights_only=True)
    assert state["world_size"] == 2 and len(state["rng"]) == 2
    assert not torch.equal(state["rng"][0]["cpu"], state["rng"][1]["cpu"])
