"""Runs as a viewer holds them: one `ViewerRun` per input structure, in a `RunRegistry`.

No Qt, no viewer import: both plugins use this to hand a `LiveRun`'s frames to their viewer on
its main thread and to answer the panel's ``run_view``.

    request, backend, notes = plan_viewer_run(registry, options, protein, stop_hint="trajgen_stop 1ubq")
    run = ViewerRun("1ubq", "1ubq_traj", protein, LiveRun(protein, request, backend), notes)
    registry.add(run)                       # refuses a second running run on "1ubq"
    for line in run.start_lines(): log(line)
    run.live.start()
    ...                                     # main thread, from a timer or a command:
    run.deliver(lambda frame: viewer.add_state(frame.index, frame.xyz), limit=50)
    registry.view("1ubq")                   # RunView for the panel
"""

from __future__ import annotations

from collections.abc import Callable

from trajgen.engine.errors import TrajgenError
from trajgen.engine.live import LiveRun

from .adapter import RunOptions, RunView
from .track import RunTrack


class RunBusyError(TrajgenError):
    """A structure already has a run in progress."""


def plan_viewer_run(registry: RunRegistry, options: RunOptions, protein, stop_hint: str):
    """The first steps every viewer's run command takes, in order: refuse a structure whose run is still
    going (``stop_hint``: the viewer's stop command), then plan the run (``trajgen.engine.live.plan_run``:
    generator choice, checkpoint checked and loaded, ENM temperature). Returns (request, backend, notes).

    The run's own limits (frames, memory, temperature of the model) are checked when the `LiveRun` is
    made, before the viewer creates its output object.
    """
    from trajgen.engine.live import plan_run

    registry.check_free(options.structure, stop_hint)
    return plan_run(protein, length_ps=options.length_ps, interval_ps=options.interval_ps,
                    temperature_K=options.temperature_K, seed=options.seed, generator=options.generator,
                    checkpoint=options.checkpoint or None, device=options.device)


class ViewerRun:
    """One generation shown in a viewer: the worker, what was delivered, and the plot's numbers.

    Args:
        structure: the viewer's name of the input structure.
        target: the viewer object that receives one state per frame.
        protein: the simulated `Protein`; its heavy-atom topology orders every frame's atoms.
        live: the (not yet started) `LiveRun`.
        notes: lines for the log (generator choice, what was set aside).
    """

    def __init__(self, structure: str, target: str, protein, live: LiveRun, notes: list[str] | None = None):
        self.structure, self.target, self.protein, self.live = structure, target, protein, live
        self.notes = list(notes or [])
        self.topology = protein.heavy_atom_topology()
        self.track = RunTrack.for_protein(protein, self.topology)
        self.delivered = 0
        self.dropped = 0  # frames made after the run was abandoned, never shown
        self.abandoned = ""  # why the viewer gave the run up (its object was deleted, ...), or ""
        self.reported_end = False

    @property
    def interval_ps(self) -> float:
        return self.live.request.interval_ps

    def start_lines(self, details: bool = True) -> list[str]:
        """Lines to log when the run starts: notes, the structure report (chains, what was set aside,
        warnings) and (``details``) the run itself with the generator that makes it."""
        from trajgen.engine.units import format_time_ps

        request = self.live.request
        lines = list(self.notes) + self.protein.report.lines()[1:]
        if details:
            lines.append(f"{self.protein.n_residues} residues, {self.protein.n_atoms} heavy atoms of "
                         f"{self.structure} -> {self.target}: {self.live.total_frames} frames every "
                         f"{format_time_ps(request.interval_ps)} at {request.temperature_K:g} K, seed "
                         f"{request.seed}, {self.generator_phrase}")
        return lines

    @property
    def generator_phrase(self) -> str:
        """Which generator makes the frames, in words."""
        if self.live.request.generator == "enm":
            return "elastic-network baseline (enm)"
        return "learned model"

    @property
    def pending(self) -> bool:
        """True while the worker runs or made frames that were not delivered yet."""
        return self.live.state in ("ready", "running") or self.delivered + self.dropped < self.live.frames_made

    def abandon(self, reason: str) -> None:
        """Stop the run because the viewer cannot take its frames any more; later frames are dropped."""
        self.abandoned = self.abandoned or reason
        self.live.stop()

    def deliver(self, add_frame: Callable, limit: int | None = None) -> int:
        """Hand the frames made since the last call to ``add_frame(frame)``, oldest first (main thread).

        ``limit`` caps the frames handled in one call, so a GUI timer tick stays short. Returns the
        number delivered.
        """
        frames = self.live.take_frames(limit)
        if self.abandoned:
            self.dropped += len(frames)
            return 0
        for frame in frames:
            add_frame(frame)
            self.track.add(frame.time_ps, frame.xyz)
            self.delivered += 1
        return len(frames)

    def end_message(self) -> str | None:
        """The one line to log when the run is over and every frame is delivered, once; else None."""
        if self.pending or self.reported_end:
            return None
        self.reported_end = True
        state, elapsed = self.live.state, self.live.progress().elapsed_s
        if self.abandoned:
            return f"the run on {self.structure} was stopped after {self.delivered} frames: {self.abandoned}"
        if state == "failed":
            return f"the run on {self.structure} failed after {self.delivered} frames: {self.live.error}"
        word = "finished" if state == "finished" else "stopped"
        simulated = max(0, self.delivered - 1) * self.interval_ps
        return (f"{word}: {self.target} holds {self.delivered} frames, {simulated / 1000:g} ns of simulated time "
                f"made in {elapsed:.1f} s by the {self.generator_phrase}")

    def view(self) -> RunView:
        """A snapshot for the panel (``done`` counts frames already in the viewer)."""
        p = self.live.progress()
        state = "running" if self.pending and self.live.state != "failed" else self.live.state
        return RunView(structure=self.structure, target=self.target, state=state, done=self.delivered,
                       total=p.total, elapsed_s=p.elapsed_s, eta_s=p.eta_s if state == "running" else None,
                       error=str(self.live.error) if self.live.error is not None else "", track=self.track,
                       generator=self.generator_phrase)


class RunRegistry:
    """The runs of one viewer session, by input-structure name: the last run of each answers for the
    structure; earlier ones (their frames kept in their own objects) still answer for their target."""

    def __init__(self) -> None:
        self._runs: dict[str, ViewerRun] = {}
        self._earlier: list[ViewerRun] = []  # replaced by a later run on the same structure, newest last
        self.last_error = ""  # the message of the viewer's last failed trajgen command (for the panel)

    def check_free(self, name: str, stop_hint: str = "") -> None:
        """Refuse (RunBusyError) while input structure ``name`` has a run going; ``stop_hint``: how to stop it."""
        old = self._runs.get(name)
        if old is not None and old.pending:
            how = f"stop it with '{stop_hint}'" if stop_hint else "stop it"
            raise RunBusyError(f"A trajgen run on {name} is still going into {old.target} "
                               f"({old.live.status_line()}); {how} or wait for it to finish.")

    def add(self, run: ViewerRun) -> None:
        """Keep ``run`` as the structure's run; refuse while the structure's previous run is going."""
        self.check_free(run.structure)
        old = self._runs.get(run.structure)
        if old is not None:
            self._earlier.append(old)
        self._runs[run.structure] = run

    def forget(self, name: str) -> None:
        """Drop the runs kept for input structure ``name`` (its structure is gone, the name reused)."""
        self._runs.pop(name, None)
        self._earlier = [r for r in self._earlier if r.structure != name]

    def get(self, name: str) -> ViewerRun | None:
        """The run whose input structure (its latest run) or target object is ``name``."""
        if name in self._runs:
            return self._runs[name]
        return next((r for r in self.every_run() if r.target == name), None)

    def every_run(self) -> list[ViewerRun]:
        """Current runs, then earlier ones newest first (for finding a target's run)."""
        return list(self._runs.values()) + self._earlier[::-1]

    def runs(self) -> list[ViewerRun]:
        return list(self._runs.values())

    def pending(self) -> list[ViewerRun]:
        """Runs still producing frames or with frames not yet delivered."""
        return [r for r in self._runs.values() if r.pending]

    def targets(self) -> set[str]:
        return {r.target for r in self._runs.values()}

    def view(self, name: str) -> RunView | None:
        run = self.get(name)
        return run.view() if run is not None else None
