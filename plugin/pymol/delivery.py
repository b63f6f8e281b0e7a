"""How frames reach PyMOL: the runs of each PyMOL instance and the pump that adds their states.

Frames are always added on the thread that owns PyMOL's objects:
  - GUI PyMOL: a QTimer on the GUI thread pumps every 100 ms (at most ``FRAMES_PER_TICK`` frames a
    tick, so the window stays responsive) while any run is pending, then stops itself.
  - Headless PyMOL (``pymol -c``, ``pymol2.PyMOL()``): nothing runs between commands, so pending
    frames are added whenever a trajgen command runs (``trajgen_wait`` blocks until the end,
    ``trajgen_info`` / ``trajgen_stop`` / ``trajgen_export`` add what is ready first).
"""

from __future__ import annotations

import weakref

FRAMES_PER_TICK = 50
TICK_MS = 100
_REGISTRIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_TIMERS: dict[int, object] = {}


def _owner(_self):
    """The object that identifies a PyMOL instance: the pymol2 Cmd behind a proxy, or the cmd module."""
    ref = getattr(_self, "_weakref", None)  # pymol2.cmd2.Cmd keeps a weak reference to itself
    return ref() if callable(ref) else _self


def registry_of(_self):
    """The trajgen runs of this PyMOL instance, a `trajgen.ui.runs.RunRegistry` (made on first use)."""
    from trajgen.ui.runs import RunRegistry

    owner = _owner(_self)
    if owner not in _REGISTRIES:
        _REGISTRIES[owner] = RunRegistry()
    return _REGISTRIES[owner]


def deliver(run, _self, limit: int | None = None, quiet: bool = False) -> int:
    """Add a `ViewerRun`'s new frames as states of its target object; log its end once. Returns frames added."""
    from .objects import set_state

    if not run.abandoned and run.target not in _self.get_names_of_type("object:molecule"):
        run.abandon(f"its object {run.target} was deleted")
    added = run.deliver(lambda frame: set_state(run.target, frame.index + 1, frame.xyz, _self), limit)
    message = run.end_message()
    if message and not (quiet and run.live.state == "finished"):
        print(f" trajgen: {message}")
    return added


def pump(_self, limit: int | None = None) -> int:
    """Deliver pending frames of every run of this instance (main thread). Returns frames added."""
    return sum(deliver(run, _self, limit) for run in registry_of(_self).pending())


def gui_window(_self):
    """PyMOL's Qt main window when ``_self`` is the GUI's own cmd, else None (headless or pymol2)."""
    import pymol

    if _owner(_self) is not pymol.cmd:
        return None
    from pymol.gui import get_qtwindow

    return get_qtwindow()


def ensure_timer(_self) -> bool:
    """Start the GUI pump for this instance if PyMOL has a window; False when headless."""
    window = gui_window(_self)
    if window is None:
        return False
    from pymol.Qt import QtCore

    def start() -> None:
        timer = _TIMERS.get(id(window))
        if timer is None:
            timer = QtCore.QTimer(window)
            timer.setInterval(TICK_MS)
            timer.timeout.connect(lambda: _tick(_self, timer))
            _TIMERS[id(window)] = timer
        if not timer.isActive():
            timer.start()

    if QtCore.QThread.currentThread() == window.thread():
        start()
    else:  # a command run from a script thread: create the timer on the GUI thread
        _self._call_in_gui_thread(start)
    return True


def _tick(_self, timer) -> None:
    """One GUI timer tick: add ready frames, show the newest one, stop when nothing is pending."""
    runs = registry_of(_self).pending()
    try:
        if sum(deliver(run, _self, FRAMES_PER_TICK) for run in runs):
            newest = max(run.delivered for run in runs)
            if _self.get_movie_length() > 0:  # the user's movie owns the frames: only show the state
                _self.set("state", newest)
            else:  # frame() also updates the state counter and the object list (set("state") leaves "1/1")
                _self.frame(newest)
    except Exception as err:  # never an exception per tick: give the runs up, say why once
        for run in runs:
            run.abandon(f"adding frames failed: {err}")
    finally:
        if not registry_of(_self).pending():
            timer.stop()
