"""TrajgenPanel: the control panel shared by the PyMOL and ChimeraX plugins.

A command builder over a `ViewerAdapter`: Start, Stop and Export each become one viewer command
string that the adapter runs (so it is logged and replayable); a timer asks the adapter for the
structure's `RunView` to update the progress bar, the ETA and the live plot. Nothing here knows
which viewer it is in.

    panel = TrajgenPanel(adapter)          # adapter: trajgen.ui.adapter.ViewerAdapter
    panel.commands                         # every command the panel ran, in order
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from trajgen.engine import run_choices as rc
from trajgen.engine.errors import TrajgenError
from trajgen.engine.run_limits import ControlRanges, control_ranges
from trajgen.engine.units import parse_time_ps

from .adapter import RunOptions, RunView, ViewerAdapter
from .plot import LivePlot
from .qt import QtCore, QtWidgets, Signal
from .units import format_duration_s, format_time_ps, length_steps_ps, nearest_step

_DEVICE_NAMES = {"auto": "auto", "cpu": "CPU", "cuda": "GPU"}
DEVICE_LABELS = tuple((_DEVICE_NAMES.get(d, d), d) for d in rc.DEVICES)
EXPORT_FILTER = "DCD trajectory (*.dcd);;XTC trajectory (*.xtc);;Multi-model PDB (*.pdb)"


@dataclass(frozen=True)
class PanelConfig:
    """Defaults and ranges of the panel's controls.

    ranges: what the controls offer (temperature range, intervals, frame limit); None asks
    ``trajgen.engine.run_limits.control_ranges`` for the generator a run would use (the installed
    model's trained ranges, else the elastic-network baseline's). Defaults come from
    ``trajgen.engine.run_choices``. poll_ms: how often progress and plot refresh, milliseconds.
    """

    ranges: ControlRanges | None = None
    temperature_K: float = rc.DEFAULT_TEMPERATURE_K
    length_ps: float = parse_time_ps(rc.DEFAULT_LENGTH)
    interval: str = rc.DEFAULT_INTERVAL
    poll_ms: int = 250


class TrajgenPanel(QtWidgets.QWidget):
    """Structure, length, interval, temperature, seed, device; start/stop; progress; plot; export."""

    command_ran = Signal(str)  # emitted with each command string the panel ran successfully

    def __init__(self, adapter: ViewerAdapter, config: PanelConfig = PanelConfig(), parent=None):
        super().__init__(parent)
        self.adapter, self.config = adapter, config
        self.ranges = config.ranges or control_ranges()
        self.commands: list[str] = []
        self._lengths = length_steps_ps()
        self._shown_final: tuple[str, str] | None = None
        self.setWindowTitle(f"trajgen ({adapter.viewer_name})")
        self._build()
        self.refresh_structures()
        self._update_frames_label()
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(config.poll_ms)
        self.timer.timeout.connect(self.poll)

    def showEvent(self, event) -> None:  # refresh only while visible
        self.timer.start()
        super().showEvent(event)

    def hideEvent(self, event) -> None:
        self.timer.stop()
        super().hideEvent(event)

    # ----- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        form = QtWidgets.QFormLayout()
        self.structure = QtWidgets.QComboBox()
        self.refresh_button = QtWidgets.QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh_structures)
        form.addRow("Structure", _row(self.structure, self.refresh_button))
        self.length = _slider(0, len(self._lengths) - 1, nearest_step(self.config.length_ps, self._lengths))
        self.length_label = QtWidgets.QLabel()
        self.length.valueChanged.connect(self._update_frames_label)
        form.addRow("Length", _row(self.length, self.length_label))
        self.interval = QtWidgets.QComboBox()
        self.interval.setEditable(True)
        self.interval.addItems(self.ranges.intervals)
        self.interval.setCurrentText(self.config.interval)
        self.interval.currentTextChanged.connect(self._update_frames_label)
        self.frames_label = QtWidgets.QLabel()
        form.addRow("Interval", _row(self.interval, self.frames_label))
        low, high = self.ranges.temperature_K
        self.temperature = _slider(math.ceil(low), math.floor(high),
                                   int(round(min(max(self.config.temperature_K, low), high))))
        self.temperature_label = QtWidgets.QLabel()
        self.temperature.valueChanged.connect(lambda v: self.temperature_label.setText(f"{v} K"))
        self.temperature_label.setText(f"{self.temperature.value()} K")
        form.addRow("Temperature", _row(self.temperature, self.temperature_label))
        self.seed = QtWidgets.QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.device = QtWidgets.QComboBox()
        for label, _ in DEVICE_LABELS:
            self.device.addItem(label)
        form.addRow("Seed", _row(self.seed, QtWidgets.QLabel("Device"), self.device))
        self.start_button = QtWidgets.QPushButton("Start")
        self.stop_button = QtWidgets.QPushButton("Stop")
        self.export_button = QtWidgets.QPushButton("Export...")
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.export_button.clicked.connect(self.choose_export)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setFormat("%v / %m frames")
        self.status = QtWidgets.QLabel("No run yet.")
        self.status.setWordWrap(True)
        self.plot = LivePlot()
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_row(self.start_button, self.stop_button, self.export_button))
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.plot, 1)

    # ----- reading the controls ---------------------------------------------------------------
    @property
    def length_ps(self) -> float:
        return self._lengths[self.length.value()]

    def set_length_ps(self, value_ps: float) -> None:
        """Move the length slider to the offered length closest to ``value_ps`` (log scale)."""
        self.length.setValue(nearest_step(value_ps, self._lengths))

    def interval_ps(self) -> float:
        """The typed interval in ps; raises GenerationError for text without a unit."""
        from trajgen.engine.units import parse_time_ps

        return parse_time_ps(self.interval.currentText())

    def options(self) -> RunOptions:
        """The run the controls describe; raises TrajgenError when they do not describe one."""
        if not self.structure.currentText():
            raise TrajgenError("Open a structure with protein first (then press Refresh).")
        return RunOptions(structure=self.structure.currentText(), length_ps=self.length_ps,
                          interval_ps=self.interval_ps(), temperature_K=float(self.temperature.value()),
                          seed=self.seed.value(), device=DEVICE_LABELS[self.device.currentIndex()][1])

    def _update_frames_label(self, *_) -> None:
        self.length_label.setText(format_time_ps(self.length_ps))
        try:
            frames = self.length_ps / self.interval_ps()
        except TrajgenError:
            self.frames_label.setText("write a unit, e.g. 100ps")
            return
        whole = abs(frames - round(frames)) <= 1e-6 * frames and frames >= 1
        if not whole:
            self.frames_label.setText("does not divide the length")
        elif round(frames) + 1 > self.ranges.max_frames:
            self.frames_label.setText(f"{round(frames) + 1:,} frames: over the limit of {self.ranges.max_frames:,}")
        else:
            self.frames_label.setText(f"{round(frames) + 1} frames")

    # ----- actions: each one is a viewer command ----------------------------------------------
    def refresh_structures(self) -> None:
        current = self.structure.currentText()
        names = self.adapter.structures()
        self.structure.clear()
        self.structure.addItems(names)
        if current in names:
            self.structure.setCurrentText(current)
        self.poll()

    def run(self, command: str) -> bool:
        """Run one viewer command; show its error in the status line. True when it ran."""
        try:
            self.adapter.execute(command)
        except TrajgenError as err:
            self._show_message(str(err), error=True)
            return False
        self.commands.append(command)
        self.command_ran.emit(command)
        return True

    def start(self) -> bool:
        try:
            options = self.options()
        except TrajgenError as err:
            self._show_message(str(err), error=True)
            return False
        self._shown_final = None
        ran = self.run(self.adapter.run_command(options))
        self.poll()
        return ran

    def stop(self) -> bool:
        name = self.structure.currentText()
        return bool(name) and self.run(self.adapter.stop_command(name))

    def export_to(self, path: str, overwrite: bool = False) -> bool:
        """Write the current structure's run to ``path`` (.dcd, .xtc or .pdb) through the viewer; existing
        files are replaced only with ``overwrite`` (the file dialog asked)."""
        name = self.structure.currentText()
        if not name:
            self._show_message("Choose the structure whose run to export.", error=True)
            return False
        if self.run(self.adapter.export_command(name, path, overwrite)):
            self._show_message(f"Exported to {path}.", error=False)
            return True
        return False

    def choose_export(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export trajectory", "", EXPORT_FILTER)
        if path:  # the dialog asked before choosing an existing file
            self.export_to(path, overwrite=True)

    # ----- showing the run ----------------------------------------------------------------------
    def poll(self) -> None:
        """Refresh progress, status and plot from the adapter (called by the timer)."""
        name = self.structure.currentText()
        view = self.adapter.run_view(name) if name else None
        self._set_buttons(view)
        if view is None:
            return
        self.progress.setRange(0, max(1, view.total))
        self.progress.setValue(min(view.done, view.total))
        if view.running:
            eta = format_duration_s(view.eta_s)
            self._show_message(f"Running: {view.done} of {view.total} frames in {view.target} by the "
                               f"{view.generator}, "
                               f"{format_duration_s(view.elapsed_s)} so far, about {eta} left.", error=False)
            times, rmsd = view.track.rmsd_series()
            self.plot.set_series(times / 1000.0, rmsd, "Cα RMSD to the start", "time (ns)", "Å")
        elif self._shown_final != (view.target, view.state):
            self._show_final(view)

    def _show_final(self, view: RunView) -> None:
        self._shown_final = (view.target, view.state)
        if view.state == "failed":
            self._show_message(f"The run failed: {view.error}", error=True)
        else:
            word = "Finished" if view.state == "finished" else "Stopped"
            self._show_message(f"{word}: {view.done} frames in {view.target} by the {view.generator} "
                               f"({format_duration_s(view.elapsed_s)}).", error=False)
        rmsf, labels = view.track.rmsf(), view.track.residue_labels
        self.plot.set_series(np.arange(1, len(rmsf) + 1), rmsf, "Cα RMSF per residue", "residue", "Å",
                             x_ends=(labels[0], labels[-1]) if labels else None)

    def _set_buttons(self, view: RunView | None) -> None:
        running = view is not None and view.running
        self.start_button.setEnabled(not running and self.structure.count() > 0)
        self.stop_button.setEnabled(running)
        self.export_button.setEnabled(view is not None and view.done > 0)

    def _show_message(self, text: str, error: bool) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #b00020;" if error else "")


def _slider(low: int, high: int, value: int):
    slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
    slider.setRange(low, high)
    slider.setValue(value)
    return slider


def _row(*widgets) -> QtWidgets.QWidget:
    box = QtWidgets.QWidget()
    layout = QtWidgets.QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return box
