"""Feature cache (frames + torsions) and training windows drawn from it."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from dataset_fixtures import make_atlas_folder
from trajgen.engine.dataset.atlas import atlas_refs
from trajgen.engine.dataset.features import build_cache, featurize, load_features, open_features
from trajgen.engine.dataset.windows import WindowConfig, WindowSampler, draw_stride, far_stride_range, stride_range
from trajgen.engine.errors import TrajgenError
from trajgen.engine.geometry import torsions_from_atoms
from trajgen.engine.dataset.slots import SlotMap


@pytest.fixture(scope="module")
def atlas_dir(tmp_path_factory) -> Path:
    return make_atlas_folder(tmp_path_factory.mktemp("atlas"))


@pytest.fixture(scope="module")
def cache(atlas_dir, tmp_path_factory) -> list[Path]:
    return build_cache(atlas_refs(atlas_dir), tmp_path_factory.mktemp("cache"))


def test_features_hold_ca_translations_and_orthonormal_rotations(atlas_dir):
    traj = atlas_refs(atlas_dir)[0].load()
    feats = featurize(traj)
    ca = np.array([a.index for a in traj.topology.atoms if a.name == "CA"])
    np.testing.assert_allclose(feats["trans"], traj.xyz[:, ca], atol=1e-5)
    rot = feats["rot"]
    np.testing.assert_allclose(rot @ np.swapaxes(rot, -1, -2), np.broadcast_to(np.eye(3), rot.shape), atol=1e-5)
    np.testing.assert_allclose(np.linalg.det(rot), 1.0, atol=1e-5)


def test_feature_torsions_equal_those_of_each_frame_alone(atlas_dir):
    traj = atlas_refs(atlas_dir)[0].load()
    feats = featurize(traj)
    slots = SlotMap.from_topology(traj.topology)
    angles, mask = torsions_from_atoms(slots.aatype, slots.to_slots(traj.xyz[7]), slots.mask, feats["segment_start"])
    np.testing.assert_allclose(feats["torsions"][7], angles, atol=1e-5)
    assert np.array_equal(feats["torsion_mask"], mask) and not mask[0, 1]   # no phi before the first residue


def test_cache_files_carry_labels_and_are_built_once(cache, atlas_dir):
    feats = load_features(cache[0])
    assert (feats["name"], feats["source"], feats["replica"]) == ("1guu_A", "atlas", "R1")
    assert float(feats["dt_ps"]) == 10.0 and float(feats["temperature_K"]) == 300.0
    assert feats["rot"].shape == (30, 50, 3, 3) and feats["sequence"].startswith("KTRWTREEDE")
    stamp = os.stat(cache[0]).st_mtime_ns
    assert build_cache(atlas_refs(atlas_dir), cache[0].parent) == cache
    assert os.stat(cache[0]).st_mtime_ns == stamp


def test_stride_range_respects_length_and_limits():
    config = WindowConfig(n_frames=4, min_stride_ps=10.0, max_stride_ps=100.0)
    assert stride_range(30, 10.0, config) == (1, 9)          # 3 gaps of at most 29 // 3 frames
    assert stride_range(1000, 10.0, config) == (1, 10)       # capped by 100 ps
    assert stride_range(1000, 1.0, config) == (10, 100)      # at least 10 ps between frames
    assert stride_range(3, 10.0, config) is None             # fewer frames than a window


def test_strides_are_log_uniform():
    rng = np.random.default_rng(0)
    draws = np.array([draw_stride(1, 99, rng) for _ in range(20000)])
    assert draws.min() == 1 and draws.max() == 99
    assert np.mean(draws < 10) == pytest.approx(0.5, abs=0.02)     # log(10) / log(100)


def test_batch_has_documented_shapes(cache):
    sampler = WindowSampler(cache, WindowConfig(n_frames=4, min_stride_ps=10, max_stride_ps=100, crop_residues=64))
    batch = sampler.batch(3, np.random.default_rng(1))
    assert batch["rot"].shape == (3, 4, 64, 3, 3) and batch["trans"].shape == (3, 4, 64, 3)
    assert batch["torsions"].shape == (3, 4, 64, 7) and batch["aatype"].shape == (3, 64)
    assert batch["dt_ps"].shape == batch["temperature_K"].shape == (3,)
    assert batch["residue_mask"][:, :50].all() and not batch["residue_mask"][:, 50:].any()
    assert (batch["aatype"][:, 50:] == 20).all() and set(batch["temperature_K"]) == {300.0}


def test_window_frames_are_the_trajectory_frames_at_the_drawn_stride(cache):
    sampler = WindowSampler(cache, WindowConfig(n_frames=4, min_stride_ps=10, max_stride_ps=100, crop_residues=64,
                                                center=False))
    window = sampler.sample(np.random.default_rng(5))
    feats = load_features(cache[int(window["traj_index"])])
    frames = int(window["start_frame"]) + int(window["stride_frames"]) * np.arange(4)
    np.testing.assert_array_equal(window["trans"][:, :50], feats["trans"][frames])
    assert window["dt_ps"] == pytest.approx(10.0 * int(window["stride_frames"]))


def test_long_proteins_are_cropped_to_a_contiguous_stretch(cache):
    sampler = WindowSampler(cache, WindowConfig(n_frames=2, min_stride_ps=10, max_stride_ps=10, crop_residues=20))
    window = sampler.sample(np.random.default_rng(2))
    first = int(window["residue_index"][0])
    assert window["residue_index"].tolist() == list(range(first, first + 20)) and window["residue_mask"].all()
    assert window["segment_start"][0] and window["trans"].shape == (2, 20, 3)
    np.testing.assert_allclose(window["trans"][0].mean(axis=0), 0.0, atol=1e-4)     # centred on frame 0


def test_trajectories_too_short_for_any_window_are_refused(cache):
    with pytest.raises(TrajgenError, match="long enough"):
        WindowSampler(cache, WindowConfig(n_frames=64))


def test_torch_dataset_is_reproducible_and_collates(cache):
    torch = pytest.importorskip("torch")
    from trajgen.engine.dataset.torch_dataset import WindowDataset

    dataset = WindowDataset(cache, WindowConfig(n_frames=4, min_stride_ps=10, max_stride_ps=100, crop_residues=64),
                            epoch_size=6, seed=3)
    assert torch.equal(dataset[2]["trans"], dataset[2]["trans"])
    dataset.set_epoch(1)
    loader = torch.utils.data.DataLoader(dataset, batch_size=3)
    batch = next(iter(loader))
    assert batch["rot"].shape == (3, 4, 64, 3, 3) and batch["dt_ps"].dtype == torch.float32


def test_cached_frames_and_torsions_rebuild_real_md_backbones(tmp_path):
    pytest.importorskip("h5py")
    from dataset_fixtures import make_mdcath_file
    from trajgen.engine.dataset.mdcath import mdcath_refs
    from trajgen.engine.geometry import atoms_from_frames_torsions

    traj = mdcath_refs(make_mdcath_file(tmp_path / "ntl9.h5"))[0].load()     # 6 real NTL9 frames, 320 K
    feats = load_features(build_cache(mdcath_refs(tmp_path / "ntl9.h5")[:1], tmp_path / "cache")[0])
    rebuilt, _ = atoms_from_frames_torsions(feats["aatype"], feats["rot"], feats["trans"], feats["torsions"],
                                            feats["chain_end"])
    original = SlotMap.from_topology(traj.topology).to_slots(traj.xyz)
    backbone_error = np.linalg.norm(rebuilt[..., :3, :] - original[..., :3, :], axis=-1)     # N, CA, C
    assert backbone_error.max() < 0.3


def test_open_features_maps_the_per_frame_arrays_without_copying(cache):
    opened, loaded = open_features(cache[1]), load_features(cache[1])
    assert isinstance(opened["rot"], np.memmap) and not opened["rot"].flags.writeable
    for key in loaded:
        np.testing.assert_array_equal(opened[key], loaded[key])


def test_pickled_sampler_carries_paths_not_arrays_and_draws_the_same_windows(cache):
    import pickle

    sampler = WindowSampler(cache, WindowConfig(n_frames=4, min_stride_ps=10, max_stride_ps=100, crop_residues=64))
    blob = pickle.dumps(sampler)
    assert len(blob) < 10_000          # the three cached trajectories hold ~340 kB of frames
    copy = pickle.loads(blob)
    a, b = sampler.sample(np.random.default_rng(9)), copy.sample(np.random.default_rng(9))
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_far_anchor_strides_leave_room_for_the_gap():
    assert far_stride_range(30, (1, 9), 4) == (1, 5)          # 5 gaps of 5 frames: 0, then 15, 20, 25
    assert far_stride_range(30, (6, 9), 4) is None            # no stride fits
    assert far_stride_range(30, None, 4) is None


def test_far_anchor_window_starts_at_the_first_frame_then_jumps(cache):
    sampler = WindowSampler(cache, WindowConfig(n_frames=4, min_stride_ps=10, max_stride_ps=100, crop_residues=64,
                                                center=False))
    for seed in range(20):
        window = sampler.sample(np.random.default_rng(seed), far_anchor=True)
        feats = load_features(cache[int(window["traj_index"])])
        k, start = int(window["stride_frames"]), int(window["start_frame"])
        assert start >= 3 * k and window["anchor_far"]
        frames = np.concatenate([[0], start + k * np.arange(3)])
        np.testing.assert_array_equal(window["trans"][:, :50], feats["trans"][frames])
    assert not sampler.sample(np.random.default_rng(0))["anchor_far"]
