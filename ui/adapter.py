"""The viewer-adapter protocol: everything the control panel needs from ChimeraX or PyMOL.

The panel is a command builder. A click becomes a `RunOptions` (or a structure name and a
path); the adapter turns it into a command string in its viewer's own syntax, and ``execute``
runs that string the way a typed command runs, so it is logged and can be replayed. To draw its
progress bar and plot the panel asks ``run_view`` for a snapshot of the structure's run.

A viewer plugin implements the five methods below (no base class needed, it is a
``typing.Protocol``). Example for PyMOL, where ``execute`` runs ``cmd.do``:

    adapter.run_command(RunOptions("1ubq", 1e5, 100.0))
        -> "trajgen_run 1ubq, length=100ns, interval=100ps, temperature=300, seed=0, device=auto"
    adapter.stop_command("1ubq")               -> "trajgen_stop 1ubq"
    adapter.export_command("1ubq", "/tmp/a.dcd") -> "trajgen_export 1ubq, /tmp/a.dcd"
    adapter.export_command("1ubq", "/tmp/a.dcd", overwrite=True) -> "trajgen_export 1ubq, /tmp/a.dcd, overwrite=1"

and for ChimeraX "trajgen run #1 length 100ns interval 100ps ...". Viewers keep their runs in a
`trajgen.ui.runs.RunRegistry` and answer ``run_view`` with ``registry.view(name)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from trajgen.engine import run_choices as rc
from trajgen.engine.errors import TrajgenError

from .track import RunTrack

DEVICES = rc.DEVICES


class CommandError(TrajgenError):
    """A viewer command built by the panel failed; the message is the viewer's error sentence."""


@dataclass(frozen=True)
class RunOptions:
    """One generation as the panel asks for it.

    Attributes:
        structure: the viewer's name of the input structure ("1ubq" in PyMOL, "#1" in ChimeraX).
        length_ps: simulated time to generate, picoseconds.
        interval_ps: simulated time between saved frames, picoseconds.
        temperature_K: temperature, kelvin.
        seed: random seed (the same seed repeats a run).
        device: "auto", "cpu" or "cuda".
        generator: "auto", "model" or "enm" (see ``trajgen.engine.live.plan_run``).
        checkpoint: trained model file, "" for the installed weights (or the baseline).
    """

    structure: str
    length_ps: float
    interval_ps: float
    temperature_K: float = rc.DEFAULT_TEMPERATURE_K
    seed: int = rc.DEFAULT_SEED
    device: str = rc.DEFAULT_DEVICE
    generator: str = rc.DEFAULT_GENERATOR
    checkpoint: str = ""

    def arguments(self) -> list[tuple[str, str]]:
        """The start command's (keyword, value) pairs after the structure, durations with units
        (``format_time_ps``); generator and checkpoint only when not the defaults. Each adapter
        writes them in its own viewer's syntax."""
        from trajgen.engine.units import format_time_ps

        args = [("length", format_time_ps(self.length_ps)), ("interval", format_time_ps(self.interval_ps)),
                ("temperature", f"{self.temperature_K:g}"), ("seed", str(self.seed)), ("device", self.device)]
        if self.generator != rc.DEFAULT_GENERATOR:
            args.append(("generator", self.generator))
        if self.checkpoint:
            args.append(("checkpoint", self.checkpoint))
        return args


@dataclass(frozen=True)
class RunView:
    """A snapshot of a structure's current or last run, for the progress bar, status and plot.

    Attributes:
        structure: the input structure's name; target: the viewer object receiving the frames.
        state: "running", "finished", "cancelled" or "failed".
        done, total: frames shown in the viewer / frames the run makes (input structure included).
        elapsed_s, eta_s: wall-clock seconds since start / estimated seconds left (None: unknown).
        error: the failure's message when state is "failed", else "".
        track: Calpha RMSD-vs-time and RMSF-per-residue of the frames shown so far.
        generator: which generator makes the frames, in words ("learned model", ...).
    """

    structure: str
    target: str
    state: str
    done: int
    total: int
    elapsed_s: float
    eta_s: float | None
    error: str
    track: RunTrack
    generator: str = ""

    @property
    def running(self) -> bool:
        return self.state == "running"


@runtime_checkable
class ViewerAdapter(Protocol):
    """What the panel calls; implemented once per viewer (plugin/pymol, plugin/chimerax)."""

    viewer_name: str  # e.g. "PyMOL", shown in the panel's title

    def structures(self) -> list[str]:
        """Names of the open structures that hold protein, as the viewer's commands accept them."""

    def run_command(self, options: RunOptions) -> str:
        """The viewer command that starts ``options`` (durations written with units, e.g. 100ns)."""

    def stop_command(self, structure: str) -> str:
        """The viewer command that stops the run on ``structure``, keeping the frames made."""

    def export_command(self, structure: str, path: str, overwrite: bool = False) -> str:
        """The viewer command that writes the run's frames to ``path`` (.dcd, .xtc or .pdb); existing
        files (the trajectory, the topology PDB beside it) are replaced only with ``overwrite``."""

    def execute(self, command: str) -> None:
        """Run ``command`` as if typed (echoed and logged). Raises CommandError with the message."""

    def run_view(self, structure: str) -> RunView | None:
        """The current or last run on ``structure``, or None if it never had one."""
