"""The Qt binding the panel uses: the viewer's own when running inside one, else PyQt6 or PyQt5.

Order of choice, made once at first import:
  1. a binding already imported in this process: inside PyMOL that is PyQt5 (its ``pymol.Qt``),
     inside ChimeraX PyQt6 (its ``Qt`` module wraps it), so the panel shares the viewer's Qt.
     A plugin imports its viewer's Qt module before importing the panel;
  2. the ``TRAJGEN_QT_API`` environment variable ("pyqt5" or "pyqt6"), then ``QT_API``;
  3. PyQt6, then PyQt5.

The rest of ``trajgen.ui`` imports Qt names from here only, fully scoped enums included
(``Qt.AlignmentFlag.AlignLeft``), which both PyQt5 5.15 and PyQt6 accept.
"""

from __future__ import annotations

import importlib
import os
import sys

SUPPORTED = ("PyQt6", "PyQt5")


def _choose() -> str:
    loaded = [name for name in SUPPORTED if f"{name}.QtWidgets" in sys.modules]
    env = (os.environ.get("TRAJGEN_QT_API") or os.environ.get("QT_API") or "").lower()
    wished = [name for name in SUPPORTED if name.lower() == env]
    for name in loaded + wished + list(SUPPORTED):
        try:
            importlib.import_module(f"{name}.QtWidgets")
            return name
        except ImportError:
            continue
    raise ImportError("trajgen's panel needs PyQt6 or PyQt5: install one, e.g. 'pip install PyQt6'.")


BINDING = _choose()
QtCore = importlib.import_module(f"{BINDING}.QtCore")
QtGui = importlib.import_module(f"{BINDING}.QtGui")
QtWidgets = importlib.import_module(f"{BINDING}.QtWidgets")
Qt = QtCore.Qt
Signal = QtCore.pyqtSignal
QAction = QtGui.QAction if BINDING == "PyQt6" else QtWidgets.QAction
