"""Runs inside a real PyMOL window (``python -m pymol -q THIS``), driven by `test_pymol_gui.py`.

Environment: TRAJGEN_GUI_OUT (folder for results.json, screenshots, the export),
TRAJGEN_GUI_ZIP (the plugin zip), TRAJGEN_GUI_PDB (the protein to load).

Like a user, it installs the zip with PyMOL's own installer, opens the panel from the Plugin
menu, starts a run from the panel, watches the state count while the GUI thread keeps turning
(a 50 ms timer samples it), stops, exports, takes screenshots, writes results.json and quits.
Every step is scheduled on the Qt event loop, so nothing here blocks the window.
"""

import json
import os
import time
import traceback

from pymol import cmd
from pymol.Qt import QtCore, QtWidgets

OUT = os.environ["TRAJGEN_GUI_OUT"]
RESULTS = {"steps": [], "samples": []}


def save_results():
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(RESULTS, f, indent=1)


def step(func):
    """Run one step; on failure record the traceback and quit."""
    def wrapped():
        try:
            func()
            RESULTS["steps"].append(func.__name__)
        except Exception:
            RESULTS["error"] = traceback.format_exc()
            save_results()
            cmd.quit()
    return wrapped


def later(ms, func):
    QtCore.QTimer.singleShot(ms, step(func))


def close_message_boxes():
    """PyMOL's installer confirms with a modal message box; answer it like a user."""
    box = QtWidgets.QApplication.activeModalWidget()
    if box is not None:
        RESULTS.setdefault("dialogs", []).append(box.windowTitle())
        box.accept()


def install():
    from pymol.plugins.installation import installPluginFromFile

    closer = QtCore.QTimer()
    closer.timeout.connect(close_message_boxes)
    closer.start(100)
    plugdir = os.path.join(os.environ["HOME"], ".pymol", "startup")
    os.makedirs(plugdir, exist_ok=True)
    installPluginFromFile(os.environ["TRAJGEN_GUI_ZIP"], plugdir=plugdir)
    closer.stop()
    RESULTS["installed"] = os.listdir(plugdir)
    later(200, open_from_menu)


def open_from_menu():
    window = __import__("pymol.gui", fromlist=["get_qtwindow"]).get_qtwindow()
    actions = [a for a in window.menuBar().findChildren(QtWidgets.QAction) if a.text() == "trajgen"]
    RESULTS["menu_entries"] = len(actions)
    actions[0].trigger()
    docks = [d for d in window.findChildren(QtWidgets.QDockWidget) if d.objectName() == "trajgen_dock"]
    RESULTS["docks"] = len(docks)
    global PANEL
    PANEL = docks[0].widget()
    cmd.load(os.environ["TRAJGEN_GUI_PDB"], "prot")
    cmd.orient("prot")
    PANEL.refresh_structures()
    PANEL.set_length_ps(10_000_000.0)  # 10 us every 1 ns: 10001 frames, far more than the test waits for
    PANEL.interval.setCurrentText("1ns")
    PANEL.start_button.click()
    RESULTS["commands"] = list(PANEL.commands)
    cmd.disable("prot")
    cmd.hide("everything", "prot_traj")
    cmd.show("cartoon", "prot_traj")
    cmd.show("sticks", "prot_traj and not name N+C+O")
    global SAMPLER, STARTED
    STARTED = time.monotonic()
    SAMPLER = QtCore.QTimer()
    SAMPLER.timeout.connect(step(sample))
    SAMPLER.start(50)


def sample():
    states = cmd.count_states("prot_traj") if "prot_traj" in cmd.get_names("objects") else 0
    view = PANEL.adapter.run_view("prot")
    RESULTS["samples"].append([round(time.monotonic() - STARTED, 3), states, view.state, PANEL.progress.value(),
                               cmd.get_frame()])
    distinct = {s[1] for s in RESULTS["samples"] if s[2] == "running"}
    if len(distinct) >= 6 and states >= 30 or time.monotonic() - STARTED > 90:
        SAMPLER.stop()
        later(400, grab_and_stop)  # the window repaints in between


def grab_and_stop():
    window = __import__("pymol.gui", fromlist=["get_qtwindow"]).get_qtwindow()
    screen = QtWidgets.QApplication.primaryScreen()
    screen.grabWindow(int(window.winId())).save(os.path.join(OUT, "window_running.png"))
    PANEL.stop_button.click()
    RESULTS["commands"] = list(PANEL.commands)
    later(100, wait_stopped)


def wait_stopped():
    if not PANEL.status.text().startswith("Stopped"):
        later(100, wait_stopped)
        return
    RESULTS["stopped_states"] = cmd.count_states("prot_traj")
    RESULTS["progress_at_stop"] = [PANEL.progress.value(), PANEL.progress.maximum()]
    PANEL.export_to(os.path.join(OUT, "gui_run.dcd"))
    RESULTS["commands"] = list(PANEL.commands)
    RESULTS["status"] = PANEL.status.text()
    later(300, screenshots)


def screenshots():
    cmd.zoom("prot_traj", 2)
    cmd.png(os.path.join(OUT, "pymol.png"), width=640, height=480, ray=1)
    PANEL.grab().save(os.path.join(OUT, "panel.png"))
    RESULTS["panel_size"] = [PANEL.width(), PANEL.height()]
    save_results()
    cmd.quit()


later(500, install)
