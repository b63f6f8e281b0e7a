"""Training data for the loop: model inputs as at inference, batches seeded by (seed, rank, step), splits, sources."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from dataset_fixtures import make_mdcath_file
from train_fixtures import make_cache, tiny_config
from trajgen.engine.dataset.windows import WindowConfig, WindowSampler
from trajgen.engine.errors import TrainingError
from trajgen.engine.rollout.protein_state import protein_context
from trajgen.engine.structure import load_protein
from trajgen.engine.train import train
from trajgen.engine.train.data import StepBatches, cache_files, model_inputs, split_cache
from trajgen.engine.train.distributed import DistContext

CPU = DistContext(rank=0, local_rank=0, world_size=1, device=torch.device("cpu"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return make_cache(tmp_path_factory.mktemp("train_data"))


def guu_sampler(cache: Path) -> WindowSampler:
    return WindowSampler(sorted(cache.glob("atlas_1GUU_A_*.npz")), WindowConfig(n_frames=3, max_stride_ps=50.0,
                                                                                  crop_residues=50))


def test_residue_and_chain_indices_match_those_of_generation(cache):
    batch = model_inputs(guu_sampler(cache).batch(1, np.random.default_rng(0)))
    context, _ = protein_context(load_protein(cache.parent / "atlas" / "1GUU_A.pdb"))
    assert np.array_equal(batch["residue_index"][0].numpy(), context.residue_index)
    assert np.array_equal(batch["chain_index"][0].numpy(), context.chain_index)


def test_chain_index_counts_the_chain_ends_before_each_residue():
    window = guu_like_window(chain_end=[False, False, True, False, True])
    assert model_inputs(window)["chain_index"][0].tolist() == [0, 0, 0, 1, 1]


def guu_like_window(chain_end: list[bool]) -> dict[str, np.ndarray]:
    n = len(chain_end)
    return {"aatype": np.zeros((1, n), np.int64), "residue_index": np.arange(n)[None],
            "segment_start": np.array([[True] + [False] * (n - 1)]), "chain_end": np.array([chain_end]),
            "residue_mask": np.ones((1, n), bool), "torsion_mask": np.ones((1, n, 7), bool),
            "rot": np.zeros((1, 2, n, 3, 3), np.float32), "trans": np.zeros((1, 2, n, 3), np.float32),
            "torsions": np.zeros((1, 2, n, 7), np.float32), "dt_ps": np.array([10.0]),
            "temperature_K": np.array([300.0])}


def test_a_step_batch_depends_on_seed_rank_and_step_only(cache):
    sampler = guu_sampler(cache)
    a, again = StepBatches(sampler, 2, seed=0, rank=0)[5], StepBatches(sampler, 2, seed=0, rank=0)[5]
    other_rank, other_step = StepBatches(sampler, 2, seed=0, rank=1)[5], StepBatches(sampler, 2, seed=0, rank=0)[6]
    assert all(torch.equal(a[k], again[k]) for k in a)
    assert not torch.equal(a["trans"], other_rank["trans"]) and not torch.equal(a["trans"], other_step["trans"])


def test_a_split_file_decides_training_and_validation(cache, tmp_path):
    (tmp_path / "split.json").write_text(json.dumps({"train": ["1BXY_A"], "val": ["1GUU_A"]}))
    config = tiny_config(cache, tmp_path, data={"val_proteins": [], "split_file": str(tmp_path / "split.json")})
    train, val = split_cache(cache_files(config.data, CPU), config.data)
    assert all("1BXY_A" in p.name for p in train) and all("1GUU_A" in p.name for p in val)
    assert len(train) == len(val) == 2


def test_an_unknown_validation_protein_is_refused_with_the_names_cached(cache, tmp_path):
    config = tiny_config(cache, tmp_path, data={"val_proteins": ["1ABC_A"]})
    with pytest.raises(TrainingError, match="1ABC_A are not in the cache; it holds 1BXY_A, 1GUU_A"):
        split_cache(cache_files(config.data, CPU), config.data)


def test_an_mdcath_folder_is_featurized_at_the_chosen_temperatures(tmp_path):
    (tmp_path / "mdcath").mkdir()
    make_mdcath_file(tmp_path / "mdcath" / "2hbaA00.h5")
    config = tiny_config(tmp_path / "cache", tmp_path / "run",
                         data={"mdcath": [str(tmp_path / "mdcath")], "mdcath_temperatures_K": [320.0]})
    paths = cache_files(config.data, CPU)
    assert len(paths) == 2 and all("320K" in p.name and p.exists() for p in paths)


def test_trajectories_outside_the_model_temperature_range_are_refused(cache, tmp_path):
    config = tiny_config(cache, tmp_path, model={"temperature_min_K": 310.0})
    with pytest.raises(TrainingError, match=r"4 trajectories lie outside .* 310-450 K: atlas_1BXY_A_R1_\w+\.npz \(300 K\)"):
        train(config)


def test_far_anchor_steps_draw_whole_batches_of_far_windows(cache):
    sampler = guu_sampler(cache)
    far = [bool(StepBatches(sampler, 2, seed=0, rank=0, far_share=1.0)[s]["anchor_far"].all()) for s in range(4)]
    near = [bool(StepBatches(sampler, 2, seed=0, rank=0)[s]["anchor_far"].any()) for s in range(4)]
    half = [bool(StepBatches(sampler, 2, seed=0, rank=0, far_share=0.5)[s]["anchor_far"][0]) for s in range(40)]
    assert all(far) and not any(near) and 10 < sum(half) < 30
