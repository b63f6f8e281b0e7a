"""LiveRun: a generation running in a worker thread, its frames handed to a viewer's main thread.

Viewers (ChimeraX, PyMOL, the Qt panel) never call the generator themselves:

    run = LiveRun(protein, request, backend)        # backend None for the "enm" generator
    run.start()
    ...                                             # on the GUI thread, from a timer or redraw hook:
    for frame in run.take_frames():                 # frames made since the last call, in time order
        viewer.add_coordset(frame.xyz)              # (n_atoms, 3) Angstrom, topology order
    run.state, run.progress(), run.error            # "running", "finished", "cancelled" or "failed"
    run.stop()                                      # from any thread; frames made so far are kept

No GUI imports here: the viewer decides how it is woken up (timer, trigger, thread-safe call).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from .errors import TrajgenError
from .generate import GenerationRequest, Progress, TrajectoryFrame, TrajectoryGenerator
from .run_choices import DEFAULT_SEED, DEFAULT_TEMPERATURE_K, GENERATORS, check_device
from .run_limits import RunLimits, Sink, check_temperature

STATES = ("ready", "running", "finished", "cancelled", "failed")


def plan_run(protein, *, length_ps: float, interval_ps: float, temperature_K: float = DEFAULT_TEMPERATURE_K,
             seed: int = DEFAULT_SEED, generator: str = "auto", checkpoint=None, device: str = "auto",
             backend: str = "auto", threads: int | None = None, precision: str = "fp32",
             mode: str = "auto") -> tuple[GenerationRequest, object, list[str]]:
    """The request, loaded backend (None for "enm") and notes for the log, for every front door.

    ``generator="auto"`` uses the trained model when weights are installed (or ``checkpoint`` is
    given) and otherwise the elastic-network baseline, saying so in the notes; "model" without
    weights raises a GenerationError that says what to do. Nothing is generated from random weights.
    The temperature range (the ENM's, or the model's trained one from its checkpoint's metadata) is
    checked before any weights load (``trajgen.engine.run_limits``).
    """
    from .backends.select import load_backend, shipped_checkpoint

    if generator not in GENERATORS:
        raise TrajgenError(f"Unknown generator {generator!r}; choose one of {', '.join(GENERATORS)}.")
    check_device(device)
    notes = []
    if generator == "auto":
        generator = "model" if (checkpoint is not None or shipped_checkpoint() is not None) else "enm"
        if generator == "enm":
            notes.append("No trained model is installed: using the elastic-network Langevin baseline "
                         "(physics, not the learned model). Pass a checkpoint to use a trained model.")
    if generator == "model":  # the trained ranges, from the checkpoint's metadata, before anything loads
        from .backends.select import resolve_checkpoint
        from .checkpoint import read_info

        check_temperature(temperature_K, "model", read_info(resolve_checkpoint(checkpoint)).model)
    if generator == "enm":
        check_temperature(temperature_K, "enm")
        if device.startswith("cuda"):
            notes.append("The elastic-network baseline runs on the CPU; the device applies to the learned model.")
    request = GenerationRequest(length_ps=length_ps, interval_ps=interval_ps, temperature_K=temperature_K,
                                seed=seed, generator=generator, mode=mode)
    loaded = (load_backend(checkpoint, backend=backend, device=device, threads=threads, precision=precision)
              if generator == "model" else None)
    return request, loaded, notes


class LiveRun:
    """One generation in a daemon thread with a frame queue, cancel and a final state.

    Args:
        protein: the `Protein` to simulate.
        request: what to generate (`GenerationRequest`).
        backend: denoiser backend for the learned model; None for the "enm" generator.
        on_frame: optional callback called *in the worker thread* after each frame is queued
            (use it to wake the GUI thread, e.g. ChimeraX ``session.ui.thread_safe``).
        on_end: optional callback called in the worker thread when the run ends (any state).
        limits: frame limit (None: ``RunLimits.from_env()``). The viewer keeps every frame, so the
            run is checked against free memory (``Sink(held_in_memory=True)``) before it starts.
    """

    def __init__(self, protein, request: GenerationRequest, backend=None,
                 on_frame: Callable[[], None] | None = None, on_end: Callable[[], None] | None = None,
                 limits: RunLimits | None = None):
        self.protein, self.request = protein, request
        self.generator = TrajectoryGenerator(protein, request, backend, Sink(held_in_memory=True), limits)
        self._queue: queue.SimpleQueue[TrajectoryFrame] = queue.SimpleQueue()
        self._on_frame, self._on_end = on_frame, on_end
        self._thread: threading.Thread | None = None
        self.state = "ready"
        self.error: BaseException | None = None
        self.frames_made = 0

    @property
    def total_frames(self) -> int:
        """Frames the run makes when not stopped (the input structure included)."""
        return self.generator.total

    @property
    def running(self) -> bool:
        return self.state == "running"

    def start(self) -> LiveRun:
        """Start the worker thread (once)."""
        if self._thread is not None:
            raise TrajgenError("This run has already been started.")
        self.state = "running"
        self._thread = threading.Thread(target=self._work, name="trajgen-run", daemon=True)
        self._thread.start()
        return self

    def _work(self) -> None:
        try:
            for frame in self.generator:
                self._queue.put(frame)
                self.frames_made += 1
                if self._on_frame is not None:
                    self._on_frame()
            self.state = "cancelled" if self.generator.cancelled else "finished"
        except BaseException as err:  # reported to the viewer through .error, never lost
            self.error, self.state = err, "failed"
        finally:
            if self._on_end is not None:
                self._on_end()

    def take_frames(self, limit: int | None = None) -> list[TrajectoryFrame]:
        """Frames produced since the last call (at most ``limit``), oldest first. Main thread."""
        frames = []
        while limit is None or len(frames) < limit:
            try:
                frames.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return frames

    def stop(self) -> None:
        """Ask the run to stop after the frame in progress; frames made so far stay available."""
        self.generator.cancel()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the worker ends (True) or ``timeout`` seconds pass (False)."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def progress(self) -> Progress:
        """Frames done / total, elapsed seconds and ETA (thread-safe)."""
        return self.generator.progress()

    def status_line(self) -> str:
        """One line for a log or status bar, e.g. '37/101 frames, 12.0 s, about 20 s left'."""
        p = self.progress()
        eta = "" if p.eta_s is None or self.state != "running" else f", about {p.eta_s:.0f} s left"
        state = "" if self.state == "running" else f" ({self.state})"
        return f"{p.done}/{p.total} frames, {p.elapsed_s:.1f} s{eta}{state}"
