"""ViewerRun and RunRegistry: how a viewer keeps its runs and hands their frames over (no viewer needed)."""

from __future__ import annotations

import pytest

from trajgen.engine.generate import GenerationRequest
from trajgen.engine.live import LiveRun
from trajgen.engine.structure import load_protein
from trajgen.ui.runs import RunBusyError, RunRegistry, ViewerRun


@pytest.fixture(scope="module")
def protein(example_pdb):
    return load_protein(example_pdb)


def viewer_run(protein, length_ps=500.0, name="prot") -> ViewerRun:
    request = GenerationRequest(length_ps=length_ps, interval_ps=100.0, generator="enm")
    return ViewerRun(name, name + "_traj", protein, LiveRun(protein, request))


def test_deliver_hands_every_frame_over_in_order_and_feeds_the_plot(protein):
    run = viewer_run(protein)
    run.live.start()
    run.live.wait(60)
    seen = []
    assert run.deliver(lambda frame: seen.append(frame.index), limit=4) == 4
    assert run.deliver(lambda frame: seen.append(frame.index)) == 2
    assert seen == [0, 1, 2, 3, 4, 5] and run.track.n_frames == 6
    view = run.view()
    assert (view.state, view.done, view.total, view.target) == ("finished", 6, 6, "prot_traj")
    assert run.end_message().startswith("finished: prot_traj holds 6 frames, 0.5 ns")
    assert run.end_message() is None  # said once


def test_a_run_is_pending_until_its_last_frame_is_delivered(protein):
    run = viewer_run(protein)
    assert run.pending  # not started yet
    run.live.start()
    run.live.wait(60)
    assert run.pending and run.view().state == "running"  # frames still waiting for the viewer
    run.deliver(lambda frame: None)
    assert not run.pending


def test_the_registry_refuses_a_second_run_while_the_first_is_pending(protein):
    registry = RunRegistry()
    first = viewer_run(protein)
    registry.add(first)
    with pytest.raises(RunBusyError, match="still going"):
        registry.add(viewer_run(protein))
    registry.add(viewer_run(protein, name="other"))  # another structure is fine
    first.live.start()
    first.live.wait(60)
    first.deliver(lambda frame: None)
    registry.add(viewer_run(protein))
    assert registry.get("prot") is not first and registry.get("other_traj").structure == "other"
    assert registry.targets() == {"prot_traj", "other_traj"}


def test_an_abandoned_run_stops_and_drops_its_frames(protein):
    run = viewer_run(protein, length_ps=1_000_000.0)
    run.live.start()
    run.abandon("its object prot_traj was deleted")
    run.live.wait(60)
    assert run.deliver(lambda frame: pytest.fail("no frame after abandon")) == 0
    assert not run.pending and run.live.state == "cancelled"
    assert run.end_message() == "the run on prot was stopped after 0 frames: its object prot_traj was deleted"


def test_an_earlier_run_still_answers_for_its_own_target(protein):
    registry = RunRegistry()
    first = viewer_run(protein)
    registry.add(first)
    first.live.start()
    first.live.wait(60)
    first.deliver(lambda frame: None)
    second = ViewerRun("prot", "prot_traj_2", protein, LiveRun(protein, first.live.request))
    registry.add(second)
    assert registry.get("prot") is second and registry.get("prot_traj_2") is second
    assert registry.get("prot_traj") is first and registry.runs() == [second]
    registry.forget("prot")
    assert registry.get("prot_traj") is None
