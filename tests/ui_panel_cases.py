"""The control panel alone (pytest-qt, offscreen) over the real PyMOL adapter of a headless PyMOL.

Not collected directly: `test_ui_panel.py` runs this file once per Qt binding (PyQt5, PyQt6) in a
subprocess with TRAJGEN_QT_API / PYTEST_QT_API set, since one process can load only one binding.
"""

from __future__ import annotations

import os

import mdtraj
import numpy as np
import pymol2
import pytest

from trajgen.plugin.pymol import commands
from trajgen.plugin.pymol.adapter import PyMOLAdapter
from trajgen.ui import qt
from trajgen.ui.panel import PanelConfig, TrajgenPanel

WAIT_MS = 60_000


@pytest.fixture
def pm(example_pdb):
    instance = pymol2.PyMOL()
    instance.start()
    commands.register(instance.cmd)
    instance.cmd.load(str(example_pdb), "prot")
    instance.cmd.pseudoatom("marker", pos=[0.0, 0.0, 0.0])  # not a protein: never offered
    yield instance.cmd
    for run in commands.delivery.registry_of(instance.cmd).runs():
        run.live.stop()
        run.live.wait(30)
    instance.stop()


@pytest.fixture
def panel(qtbot, pm):
    widget = TrajgenPanel(PyMOLAdapter(pm), PanelConfig(poll_ms=50))
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.close()  # stops its refresh timer before the PyMOL instance goes away


def finished(panel) -> bool:
    view = panel.adapter.run_view(panel.structure.currentText())
    return view is not None and not view.running


def test_the_panel_runs_on_the_requested_binding():
    assert qt.BINDING.lower() == os.environ["TRAJGEN_QT_API"]


def test_only_protein_objects_are_offered(panel):
    assert [panel.structure.itemText(i) for i in range(panel.structure.count())] == ["prot"]


def test_the_length_slider_is_logarithmic_from_1_ns_to_10_us(panel):
    panel.length.setValue(panel.length.minimum())
    assert panel.length_ps == 1_000.0 and panel.length_label.text() == "1ns"
    panel.length.setValue(panel.length.maximum())
    assert panel.length_ps == 10_000_000.0 and panel.length_label.text() == "10us"
    panel.set_length_ps(100_000.0)
    assert panel.length_label.text() == "100ns"
    assert panel.frames_label.text() == "1001 frames"


def test_start_sends_one_trajgen_run_command_and_the_plot_follows_the_run(qtbot, panel, pm):
    panel.set_length_ps(1_000.0)
    panel.temperature.setValue(320)
    panel.seed.setValue(4)
    qtbot.mouseClick(panel.start_button, qt.Qt.MouseButton.LeftButton)
    assert panel.commands == ["trajgen_run prot, length=1ns, interval=100ps, temperature=320, seed=4, device=auto"]
    qtbot.waitUntil(lambda: finished(panel) and panel.progress.value() == 11, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: panel.status.text().startswith("Finished"), timeout=WAIT_MS)
    assert pm.count_states("prot_traj") == 11 and panel.progress.maximum() == 11
    assert panel.plot.title == "Cα RMSF per residue" and len(panel.plot.y) == 50
    assert panel.plot.x_ends == ("A:40", "A:89")
    assert panel.plot.y.max() > 0.0
    assert panel.export_button.isEnabled() and not panel.stop_button.isEnabled()


def test_while_running_the_plot_shows_rmsd_against_time(qtbot, panel):
    panel.set_length_ps(10_000_000.0)
    panel.interval.setCurrentText("1ns")
    assert panel.start()
    qtbot.waitUntil(lambda: panel.progress.value() >= 3, timeout=WAIT_MS)
    assert panel.plot.title == "Cα RMSD to the start" and panel.plot.x_label == "time (ns)"
    assert panel.plot.y[0] == pytest.approx(0.0, abs=1e-3) and panel.plot.y[1:].min() > 0.0
    assert panel.stop_button.isEnabled() and not panel.start_button.isEnabled()
    assert panel.status.text().startswith("Running") and "left" in panel.status.text()


def test_stop_sends_trajgen_stop_and_keeps_the_frames(qtbot, panel, pm):
    panel.set_length_ps(10_000_000.0)
    panel.interval.setCurrentText("1ns")
    panel.start()
    qtbot.waitUntil(lambda: panel.progress.value() >= 2, timeout=WAIT_MS)
    qtbot.mouseClick(panel.stop_button, qt.Qt.MouseButton.LeftButton)
    assert panel.commands[-1] == "trajgen_stop prot"
    qtbot.waitUntil(lambda: panel.status.text().startswith("Stopped"), timeout=WAIT_MS)
    assert 2 <= pm.count_states("prot_traj") == panel.progress.value() < 10_001


def test_export_writes_the_frames_through_a_trajgen_export_command(qtbot, panel, tmp_path):
    panel.set_length_ps(1_000.0)
    panel.start()
    qtbot.waitUntil(lambda: finished(panel), timeout=WAIT_MS)
    path = tmp_path / "panel run.xtc"  # a space: the command quotes the path
    assert panel.export_to(str(path))
    assert panel.commands[-1] == f'trajgen_export prot, "{path}"'
    assert mdtraj.load(str(path), top=str(tmp_path / "panel run.pdb")).n_frames == 11


def test_an_interval_without_unit_is_explained_and_nothing_runs(panel):
    panel.interval.setCurrentText("100")
    assert panel.frames_label.text() == "write a unit, e.g. 100ps"
    assert not panel.start()
    assert panel.commands == [] and "with a unit" in panel.status.text()


def test_a_viewer_error_shows_in_the_status_line(panel, pm):
    panel.set_length_ps(1_000.0)
    panel.interval.setCurrentText("300ps")
    assert panel.frames_label.text() == "does not divide the length"
    assert not panel.start()
    assert "whole number of output intervals" in panel.status.text()
    assert panel.commands == [] and "prot_traj" not in pm.get_names("objects")


def test_the_commands_the_panel_ran_replay_the_same_trajectory(qtbot, panel, pm, example_pdb):
    panel.set_length_ps(1_000.0)
    panel.seed.setValue(7)
    panel.start()
    qtbot.waitUntil(lambda: finished(panel) and panel.progress.value() == 11, timeout=WAIT_MS)
    replay = pymol2.PyMOL()
    replay.start()
    commands.register(replay.cmd)
    replay.cmd.load(str(example_pdb), "prot")
    for command in panel.commands:
        replay.cmd.do(command)
    replay.cmd.do("trajgen_wait")  # no window here: collect the frames
    np.testing.assert_allclose(replay.cmd.get_coordset("prot_traj", state=11),
                               pm.get_coordset("prot_traj", state=11), atol=1e-5)
    replay.stop()


def test_the_plot_draws_its_line(qtbot, panel):
    panel.set_length_ps(1_000.0)
    panel.start()
    qtbot.waitUntil(lambda: finished(panel) and len(panel.plot.y) == 50, timeout=WAIT_MS)
    image = panel.plot.grab().toImage()
    colors = {image.pixelColor(x, y).name() for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)}
    assert "#1f77b4" in colors and len(colors) > 3


def test_the_controls_offer_the_shared_defaults_and_the_generators_ranges(panel):
    from trajgen.engine import run_choices as rc
    from trajgen.engine.run_limits import control_ranges
    from trajgen.engine.units import parse_time_ps

    ranges = control_ranges()  # no model installed in the tests: the elastic-network baseline's ranges
    assert (panel.temperature.minimum(), panel.temperature.maximum()) == tuple(int(t) for t in ranges.temperature_K)
    assert [panel.interval.itemText(i) for i in range(panel.interval.count())] == list(ranges.intervals)
    assert panel.temperature.value() == rc.DEFAULT_TEMPERATURE_K
    assert panel.length_ps == parse_time_ps(rc.DEFAULT_LENGTH) and panel.interval.currentText() == rc.DEFAULT_INTERVAL
    assert [panel.device.itemText(i) for i in range(panel.device.count())] == ["auto", "CPU", "GPU"]


def test_a_models_trained_range_sets_the_slider_and_the_intervals(qtbot, pm, tmp_path):
    pytest.importorskip("torch")
    from model_inputs import tiny_torch_backend

    from trajgen.engine.checkpoint import save_checkpoint
    from trajgen.engine.run_limits import control_ranges

    path = tmp_path / "tiny.safetensors"
    save_checkpoint(path, tiny_torch_backend(seed=1).model)
    widget = TrajgenPanel(PyMOLAdapter(pm), PanelConfig(ranges=control_ranges("model", str(path))))
    qtbot.addWidget(widget)
    assert (widget.temperature.minimum(), widget.temperature.maximum()) == (280, 450)
    offered = [widget.interval.itemText(i) for i in range(widget.interval.count())]
    assert "1ps" not in offered and offered[0] == "10ps"


def test_a_run_over_the_frame_limit_is_refused_before_any_object_is_made(panel, pm):
    panel.set_length_ps(10_000_000.0)
    panel.interval.setCurrentText("10ps")
    assert panel.frames_label.text() == "1,000,001 frames: over the limit of 100,000"
    assert not panel.start()
    assert "more than the limit of 100,000 frames" in panel.status.text()
    assert "prot_traj" not in pm.get_names("objects")


def test_the_status_names_the_generator_that_ran(qtbot, panel):
    panel.set_length_ps(1_000.0)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.status.text().startswith("Finished"), timeout=WAIT_MS)
    assert "by the elastic-network baseline (enm)" in panel.status.text()


def test_export_keeps_an_existing_file_unless_the_dialog_allowed_replacing_it(qtbot, panel, pm, tmp_path):
    panel.set_length_ps(1_000.0)
    assert panel.start()
    qtbot.waitUntil(lambda: finished(panel), timeout=WAIT_MS)
    path = tmp_path / "again.xtc"
    assert panel.export_to(str(path))
    first = path.read_bytes()
    assert not panel.export_to(str(path)) and "already exist" in panel.status.text()
    assert path.read_bytes() == first
    assert panel.export_to(str(path), overwrite=True)
    assert panel.commands[-1].startswith("trajgen_export prot, ") and panel.commands[-1].endswith(", overwrite=1")
