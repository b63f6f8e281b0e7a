"""The plugin in a real PyMOL window under Xvfb: install from the zip, panel from the menu, run, stop, export.

The PyMOL session (`pymol_gui_session.py`) runs in its own process with a timeout, in a
temporary HOME, on a private Xvfb display this test starts; it writes results.json and
screenshots that are checked here. Skips, saying why, when Xvfb, PyQt5 or PyMOL is missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import mdtraj
import pytest

from conftest import REPO, missing

SESSION = REPO / "tests" / "pymol_gui_session.py"


def png_size_and_variety(path: Path) -> tuple[int, int, int]:
    """(width, height, distinct byte values of the decompressed pixel rows) of a PNG file."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file"
    width, height = struct.unpack(">II", data[16:24])
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            chunks.append(data[pos + 8:pos + 8 + length])
        pos += 12 + length
    return width, height, len(set(zlib.decompress(b"".join(chunks))))


@pytest.fixture(scope="module")
def display():
    """A private Xvfb display (":N"), stopped afterwards."""
    if shutil.which("Xvfb") is None:
        missing("Xvfb is not installed (apt-get install xvfb; .ci/setup.sh does)")
    for needed in ("PyQt5", "pymol"):
        if importlib.util.find_spec(needed) is None:
            missing(f"{needed} is not installed (pip install trajgen[pymol]; .ci/setup.sh does)")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1400x1000x24", "-nolisten",
                               "tcp"], pass_fds=[write_fd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    yield f":{number}"
    server.terminate()
    server.wait(10)


@pytest.fixture(scope="module")
def session(display, tmp_path_factory, example_pdb):
    """Run the GUI session once; returns (results dict, output folder)."""
    from trajgen.plugin.pymol.make_zip import build_zip

    tmp_path = tmp_path_factory.mktemp("gui")
    home, out = tmp_path / "home", tmp_path / "out"
    home.mkdir()
    out.mkdir()
    env = dict(os.environ, DISPLAY=display, HOME=str(home), XDG_RUNTIME_DIR=str(home), QT_QPA_PLATFORM="xcb",
               TRAJGEN_GUI_OUT=str(out), TRAJGEN_GUI_ZIP=str(build_zip(tmp_path)),
               TRAJGEN_GUI_PDB=str(example_pdb))
    env.pop("QT_API", None)
    proc = subprocess.run([sys.executable, "-m", "pymol", "-q", "-W", "900", "-H", "650", str(SESSION)], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=240)
    results_file = out / "results.json"
    assert results_file.exists(), f"the PyMOL session wrote no results:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    results = json.loads(results_file.read_text())
    assert "error" not in results, results["error"] + proc.stdout[-3000:]
    return results, out


def test_the_gui_session_installs_runs_streams_stops_and_exports(session):
    results, out = session
    assert results["installed"] == ["trajgen_pymol"]
    assert results["menu_entries"] == 1 and results["docks"] == 1
    assert results["commands"][0].startswith("trajgen_run prot, length=10us, interval=1ns")
    assert results["commands"][1:] == ["trajgen_stop prot", f"trajgen_export prot, {out / 'gui_run.dcd'}"]
    # the GUI thread kept turning while frames arrived: it saw the count grow step by step
    running = [states for _, states, state, _, _ in results["samples"] if state == "running"]
    assert len(set(running)) >= 6 and running == sorted(running)
    # the shown frame follows the arriving states (whether the counter label repaints is only
    # visible in the window screenshots: no PyMOL API reports the label)
    shown = [frame for _, states, state, _, frame in results["samples"] if state == "running" and states > 1]
    assert shown and max(shown) > 1 and shown == sorted(shown)
    stopped = results["stopped_states"]
    assert max(running) <= stopped < 10_001
    assert results["progress_at_stop"] == [stopped, 10_001]
    assert results["status"].startswith("Exported")
    traj = mdtraj.load(str(out / "gui_run.dcd"), top=str(out / "gui_run.pdb"))
    assert traj.n_frames == stopped and traj.n_atoms == 433


def test_the_screenshots_are_real_pictures(session):
    results, out = session
    width, height, variety = png_size_and_variety(out / "pymol.png")
    assert (width, height) == (640, 480) and variety > 50
    width, height, variety = png_size_and_variety(out / "panel.png")
    assert [width, height] == results["panel_size"] and variety > 50
