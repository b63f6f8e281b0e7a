"""LiveRun: generation in a worker thread, frames handed over in order, stop keeps what was made."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from trajgen.engine.errors import GenerationError, TrajgenError
from trajgen.engine.generate import GenerationRequest
from trajgen.engine.live import LiveRun, plan_run
from trajgen.engine.structure import load_protein


@pytest.fixture(scope="module")
def protein(example_pdb):
    return load_protein(example_pdb)


def enm(length_ps=200.0, interval_ps=10.0, seed=0):
    return GenerationRequest(length_ps=length_ps, interval_ps=interval_ps, generator="enm", seed=seed)


def test_run_delivers_every_frame_in_time_order(protein):
    woken = []
    run = LiveRun(protein, enm(), on_frame=lambda: woken.append(1)).start()
    assert run.wait(60)
    frames = run.take_frames()
    assert run.state == "finished" and run.error is None
    assert [f.index for f in frames] == list(range(21)) == list(range(run.total_frames))
    assert len(woken) == 21
    assert frames[0].xyz.shape == (protein.n_atoms, 3)
    np.testing.assert_allclose(frames[0].xyz, protein.heavy_atom_xyz(protein.positions), atol=1e-4)
    assert run.take_frames() == []


def test_take_frames_respects_a_limit(protein):
    run = LiveRun(protein, enm(length_ps=50.0)).start()
    run.wait(60)
    assert [f.index for f in run.take_frames(limit=2)] == [0, 1]
    assert [f.index for f in run.take_frames()] == [2, 3, 4, 5]


def test_stop_keeps_the_frames_made_so_far(protein):
    made_one, gate = threading.Event(), threading.Event()
    run = LiveRun(protein, enm(length_ps=100_000.0), on_frame=lambda: (made_one.set(), gate.wait()))
    run.start()
    assert made_one.wait(60)
    run.stop()
    gate.set()
    assert run.wait(60)
    frames = run.take_frames()
    assert run.state == "cancelled"
    assert 1 <= len(frames) < run.total_frames
    assert [f.index for f in frames] == list(range(len(frames)))


def test_bad_requests_fail_before_any_thread_starts(protein):
    with pytest.raises(GenerationError, match="longer than the trajectory"):
        LiveRun(protein, enm(length_ps=10.0, interval_ps=100.0))


def test_errors_in_the_worker_are_kept_not_lost(protein):
    def explode():
        raise RuntimeError("viewer went away")

    run = LiveRun(protein, enm(length_ps=50.0), on_frame=explode).start()
    assert run.wait(60)
    assert run.state == "failed" and "viewer went away" in str(run.error)
    assert len(run.take_frames()) == 1


def test_a_run_starts_only_once(protein):
    run = LiveRun(protein, enm(length_ps=20.0)).start()
    with pytest.raises(TrajgenError, match="already been started"):
        run.start()
    run.wait(60)
    assert "21" not in run.status_line() and "finished" in run.status_line()


def test_plan_run_falls_back_to_the_baseline_and_says_so(protein):
    request, backend, notes = plan_run(protein, length_ps=100.0, interval_ps=10.0)
    assert request.generator == "enm" and backend is None
    assert any("elastic-network" in n for n in notes)


def test_plan_run_never_uses_the_model_without_weights(protein):
    with pytest.raises(GenerationError, match="never generates from untrained weights"):
        plan_run(protein, length_ps=100.0, interval_ps=10.0, generator="model")
