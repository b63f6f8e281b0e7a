"""The streaming API: frames in time order, progress, cancel, determinism and refusals of bad requests."""

import threading

import numpy as np
import pytest

from model_inputs import example_protein, tiny_torch_backend
from trajgen.engine.errors import GenerationError
from trajgen.engine.generate import GenerationRequest, TrajectoryGenerator, check_memory
from trajgen.engine.model import preset


@pytest.fixture(scope="module")
def protein():
    return example_protein()


@pytest.fixture(scope="module")
def backend():
    return tiny_torch_backend(seed=5)


def test_frames_arrive_in_time_order_starting_with_the_input(protein, backend):
    frames = list(TrajectoryGenerator(protein, GenerationRequest(length_ps=500, interval_ps=100), backend))
    assert [f.index for f in frames] == list(range(6))
    assert [f.time_ps for f in frames] == [0, 100, 200, 300, 400, 500]
    np.testing.assert_array_equal(frames[0].positions, protein.positions)
    assert frames[3].xyz.shape == (protein.heavy_atom_topology().n_atoms, 3)


def test_the_same_seed_repeats_the_trajectory_and_another_seed_does_not(protein, backend):
    run = lambda seed: np.stack([f.xyz for f in TrajectoryGenerator(
        protein, GenerationRequest(length_ps=300, interval_ps=100, seed=seed), backend)])
    first = run(3)
    np.testing.assert_array_equal(first, run(3))
    assert np.abs(first[1:] - run(4)[1:]).max() > 1e-3


def test_hierarchical_generation_streams_every_frame_and_reports_seams(protein, backend):
    request = GenerationRequest(length_ps=1200, interval_ps=100, mode="hierarchical", fine_per_coarse=4,
                                parallel_segments=2)
    gen = TrajectoryGenerator(protein, request, backend)
    assert [f.index for f in gen] == list(range(13))
    assert len(gen.seam_rmsd_A) == 3


def test_progress_counts_frames_and_estimates_the_time_left(protein, backend):
    gen = TrajectoryGenerator(protein, GenerationRequest(length_ps=400, interval_ps=100), backend)
    it = iter(gen)
    next(it), next(it), next(it)
    progress = gen.progress()
    assert (progress.done, progress.total) == (3, 5) and progress.eta_s is not None and progress.eta_s >= 0


def test_cancel_from_another_thread_stops_the_generation(protein, backend):
    gen = TrajectoryGenerator(protein, GenerationRequest(length_ps=100_000, interval_ps=100), backend)
    seen = []

    def consume():
        for frame in gen:
            seen.append(frame.index)
            if frame.index == 2:
                threading.Thread(target=gen.cancel).start()

    worker = threading.Thread(target=consume)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive() and gen.cancelled and len(seen) < 1001


def test_the_elastic_network_baseline_runs_through_the_same_api(protein):
    frames = list(TrajectoryGenerator(protein, GenerationRequest(length_ps=300, interval_ps=100, generator="enm")))
    assert len(frames) == 4 and frames[2].xyz.shape == frames[0].xyz.shape


@pytest.mark.parametrize("length, interval, words", [
    (100, 200, "longer than the trajectory"),
    (1000, 300, "not a whole number"),
])
def test_inconsistent_lengths_are_refused(protein, backend, length, interval, words):
    with pytest.raises(GenerationError, match=words):
        TrajectoryGenerator(protein, GenerationRequest(length_ps=length, interval_ps=interval), backend)


def test_a_temperature_outside_the_trained_range_is_refused(protein, backend):
    with pytest.raises(GenerationError, match="trained between 280 K and 450 K"):
        TrajectoryGenerator(protein, GenerationRequest(1000, 100, temperature_K=600), backend)


def test_an_interval_outside_the_trained_strides_is_refused(protein, backend):
    with pytest.raises(GenerationError, match="strides between"):
        TrajectoryGenerator(protein, GenerationRequest(length_ps=10, interval_ps=1), backend)


def test_a_protein_too_big_for_free_memory_is_refused_with_the_limit():
    with pytest.raises(GenerationError, match="largest protein that fits is about [0-9]+ residues"):
        check_memory(preset("default"), n_res=5000, batch=4, available=2 * 2**30)


def test_the_model_generator_without_a_backend_is_refused(protein):
    with pytest.raises(GenerationError, match="needs a backend"):
        TrajectoryGenerator(protein, GenerationRequest(length_ps=200, interval_ps=100))


def test_long_runs_at_short_intervals_stack_levels_within_the_model_stride_range(protein, backend):
    cfg = backend.config
    m = max(2, cfg.max_offset)
    interval = cfg.dt_max_ps / m ** 3          # room for three coarse levels above the output
    gen = TrajectoryGenerator(protein, GenerationRequest(length_ps=interval * 2 * m ** 3, interval_ps=interval), backend)
    assert gen.level_strides_ps() == pytest.approx([interval * m ** k for k in range(4)])
    short = TrajectoryGenerator(protein, GenerationRequest(length_ps=interval * (2 * m ** 3 - 1),
                                                           interval_ps=interval), backend)
    assert len(short.level_strides_ps()) == 3      # the top level would span fewer than two strides
    capped = TrajectoryGenerator(protein, GenerationRequest(length_ps=interval * 2 * m ** 3, interval_ps=interval,
                                                            levels=2), backend)
    assert len(capped.level_strides_ps()) == 2
    single = TrajectoryGenerator(protein, GenerationRequest(length_ps=interval * 2 * m ** 3, interval_ps=interval,
                                                            mode="single"), backend)
    assert single.level_strides_ps() == [interval]
