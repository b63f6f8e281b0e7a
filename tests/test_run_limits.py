"""The one place that decides what a run may do (``trajgen.engine.run_limits``) and what it offers."""

from __future__ import annotations

import pytest

from model_inputs import example_protein, tiny_torch_backend
from trajgen.engine.baselines.enm import dense_mode_bytes
from trajgen.engine.errors import GenerationError
from trajgen.engine.generate import GenerationRequest, TrajectoryGenerator
from trajgen.engine.run_choices import INTERVAL_CHOICES
from trajgen.engine.run_limits import (ENM_TEMPERATURE_RANGE_K, MAX_FRAMES, RunLimits, Sink, check_enm_size,
                                       control_ranges, enm_max_residues, file_bytes)


def test_the_enm_refuses_a_protein_whose_modes_do_not_fit_and_names_the_size_that_does():
    free = 24 * 2**30  # the 24 GB machine
    limit = enm_max_residues(free)
    assert dense_mode_bytes(limit) <= free < dense_mode_bytes(limit + 1)
    check_enm_size(limit, available=free)
    with pytest.raises(GenerationError, match=f"10308 residues needs about .* it fits up to about {limit} residues"):
        check_enm_size(10_308, available=free)  # the 6ZU5 ribosome


def test_the_frame_limit_is_the_same_default_everywhere_and_the_environment_moves_it():
    assert RunLimits().max_frames == MAX_FRAMES == RunLimits.from_env({}).max_frames == 100_000
    assert RunLimits.from_env({"TRAJGEN_MAX_FRAMES": "500000"}).max_frames == 500_000
    with pytest.raises(GenerationError, match="not a whole number"):
        RunLimits.from_env({"TRAJGEN_MAX_FRAMES": "lots"})
    with pytest.raises(GenerationError, match="below 2"):
        RunLimits.from_env({"TRAJGEN_MAX_FRAMES": "0"})


def test_the_generator_checks_the_limits_when_it_is_made():
    request = GenerationRequest(length_ps=2_000.0, interval_ps=100.0, generator="enm")
    with pytest.raises(GenerationError, match="21 frames .* limit of 10 frames"):
        TrajectoryGenerator(example_protein(), request, limits=RunLimits(max_frames=10))
    assert TrajectoryGenerator(example_protein(), request, limits=RunLimits(max_frames=21)).total == 21


def test_an_output_in_a_missing_folder_is_refused_before_writing(tmp_path):
    request = GenerationRequest(length_ps=200.0, interval_ps=100.0, generator="enm")
    with pytest.raises(GenerationError, match="does not exist"):
        TrajectoryGenerator(example_protein(), request, sink=Sink(path=str(tmp_path / "no" / "x.dcd")))


def test_file_size_estimates_match_what_the_writers_write(tmp_path):
    from trajgen.engine.trajio import open_writer

    protein = example_protein()
    xyz = protein.heavy_atom_xyz(protein.positions)
    path = tmp_path / "x.dcd"
    with open_writer(path, protein.heavy_atom_topology(), timestep_ps=1.0) as out:
        for _ in range(20):
            out.append(xyz)
    written = path.stat().st_size + (tmp_path / "x.pdb").stat().st_size
    assert 0.9 * written < file_bytes(str(path), 20, protein.n_atoms) < 1.2 * written


def test_controls_offer_the_baselines_range_or_the_models_trained_one(tmp_path):
    enm = control_ranges("enm")
    assert enm.generator == "enm" and enm.temperature_K == ENM_TEMPERATURE_RANGE_K
    assert enm.intervals == INTERVAL_CHOICES and enm.max_frames == MAX_FRAMES
    from trajgen.engine.checkpoint import save_checkpoint

    path = tmp_path / "tiny.safetensors"
    model = tiny_torch_backend(seed=1).model
    save_checkpoint(path, model)
    ranges = control_ranges("model", str(path))
    assert ranges.temperature_K == (model.cfg.temperature_min_K, model.cfg.temperature_max_K) == (280.0, 450.0)
    assert "1ps" not in ranges.intervals and "10ps" in ranges.intervals  # the model's 10 ps minimum stride
