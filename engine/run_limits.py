"""What a generation run may do, decided once for every front door (CLI, ChimeraX, PyMOL, Qt panel).

    estimate = check_run(protein, request, model_config, sink=Sink(path="out.dcd"))

``TrajectoryGenerator`` calls ``check_run`` when it is made, so every front door asks here before a
byte is written or a viewer object is made. It raises GenerationError with the numbers for:

  - lengths that are not positive, intervals that do not divide the length;
  - more frames than ``RunLimits.max_frames`` (default ``MAX_FRAMES`` = 100,000, the same in every
    front door; ``trajgen generate --max-frames N`` or the environment variable ``TRAJGEN_MAX_FRAMES``
    raise it);
  - a temperature outside the generator's range: the learned model's trained range (from its
    checkpoint), or ``ENM_TEMPERATURE_RANGE_K`` for the elastic-network baseline;
  - a protein too big for memory: the model's rollout estimate, or the ENM's dense normal-mode
    analysis (memory N^2, time N^3 in residues), with the largest size that fits;
  - an output file (``Sink.path``) that is the input, exists without ``overwrite``, lies in a folder
    that does not exist, or would not fit on its disk;
  - frames a viewer keeps in memory (``Sink.held_in_memory``) that would not fit in free memory.

``control_ranges`` gives the ranges a control may offer (the panel's sliders) from the same rules.
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from trajgen.engine.errors import GenerationError
from trajgen.engine.run_choices import GENERATORS, INTERVAL_CHOICES, MODES

MAX_FRAMES = 100_000                   # frames per run (input structure included) unless raised
MAX_FRAMES_ENV = "TRAJGEN_MAX_FRAMES"  # environment variable that raises (or lowers) it
ENM_TEMPERATURE_RANGE_K = (200.0, 500.0)  # liquid-water range with a margin; a harmonic network says
#                                           nothing physical far outside it (and nothing at or below 0 K)
VIEWER_BYTES_PER_ATOM_FRAME = 32       # a frame held by a viewer: ChimeraX float64 xyz (24) + bookkeeping
GiB = 2 ** 30

# Bytes on disk per atom per frame, per frame, per format (DCD exact; XTC compresses, estimated at half
# of DCD; PDB: one 81-byte ATOM line per atom). DCD and XTC get a topology PDB beside them.
_FILE_BYTES = {".dcd": (12, 24), ".xtc": (6, 100), ".pdb": (81, 20)}
_PDB_LINE_BYTES = 81


@dataclass(frozen=True)
class RunLimits:
    """Limits that a user may move: ``max_frames`` (frames per run, input structure included)."""

    max_frames: int = MAX_FRAMES

    def __post_init__(self):
        if self.max_frames < 2:
            raise GenerationError(f"A frame limit of {self.max_frames} is below 2; a run has at least two frames "
                                  "(the input and one generated frame).")

    @staticmethod
    def from_env(environ=None) -> RunLimits:
        """The limits with ``TRAJGEN_MAX_FRAMES`` applied when it is set (a whole number)."""
        environ = os.environ if environ is None else environ
        text = environ.get(MAX_FRAMES_ENV, "").strip()
        if not text:
            return RunLimits()
        try:
            value = int(text)
        except ValueError:
            raise GenerationError(f"{MAX_FRAMES_ENV}={text!r} is not a whole number of frames.") from None
        return RunLimits(max_frames=value)


@dataclass(frozen=True)
class Sink:
    """Where a run's frames go, as far as its limits care.

    path: trajectory file written while frames arrive (a topology PDB goes beside .dcd/.xtc), or None.
    overwrite: replace existing output files (otherwise refused).
    inputs: files the run reads (the input structure); never written over, overwrite or not.
    held_in_memory: a viewer keeps every frame (ChimeraX coordinate sets, PyMOL states).
    overwrite_hint: how the front door allows replacing files, in its own words.
    """

    path: str | None = None
    overwrite: bool = False
    inputs: tuple[str, ...] = ()
    held_in_memory: bool = False
    overwrite_hint: str = "pass --overwrite"


@dataclass(frozen=True)
class RunEstimate:
    """What an accepted run will make: frames (input included), bytes on disk, bytes held in memory."""

    frames: int
    file_bytes: int = 0
    memory_bytes: int = 0


@dataclass(frozen=True)
class ControlRanges:
    """Ranges a control may offer for one generator: temperature (K), intervals (text), frame limit."""

    generator: str
    temperature_K: tuple[float, float]
    intervals: tuple[str, ...]
    max_frames: int


# ----- the one check ----------------------------------------------------------------------------------
def check_run(protein, request, config=None, sink: Sink = Sink(), limits: RunLimits | None = None,
              free_device_bytes: int | None = None, batch: int = 1) -> RunEstimate:
    """Refuse (GenerationError) a run that cannot or should not run; else its estimate.

    protein: the `Protein`; request: the `GenerationRequest`; config: the learned model's ModelConfig
    (None for the ENM); free_device_bytes: free memory of the model's GPU (None: the host's);
    batch: frames the model samples together.
    """
    limits = RunLimits.from_env() if limits is None else limits
    validate_request(request, config)
    frames = request.n_steps + 1
    if frames > limits.max_frames:
        from trajgen.engine.units import format_time_ps

        raise GenerationError(
            f"{format_time_ps(request.length_ps)} every {format_time_ps(request.interval_ps)} is {frames:,} frames "
            "(the input included), more than the "
            f"limit of {limits.max_frames:,} frames per run; choose a longer interval or a shorter length "
            f"(the environment variable {MAX_FRAMES_ENV}, or the max-frames option of trajgen generate, "
            "raises the limit).")
    n_res = len(protein.aatype)
    if request.generator == "model":
        check_memory(config, n_res, batch, free_device_bytes)
    else:
        check_enm_size(n_res)
    file_bytes = check_output(sink, frames, protein.n_atoms) if sink.path else 0
    memory_bytes = check_held_frames(frames, protein.n_atoms) if sink.held_in_memory else 0
    return RunEstimate(frames, file_bytes, memory_bytes)


def validate_request(request, config=None) -> None:
    """Refuse lengths, generator, mode and temperature that cannot run (``config``: the model's ModelConfig)."""
    if request.generator not in GENERATORS or request.generator == "auto":
        raise GenerationError(f"Unknown generator {request.generator!r}; choose model or enm.")
    if request.mode not in MODES:
        raise GenerationError(f"Unknown rollout mode {request.mode!r}; choose one of {', '.join(MODES)}.")
    if not (request.interval_ps > 0 and request.length_ps > 0):
        raise GenerationError("Length and output interval must both be positive.")
    if not (math.isfinite(request.interval_ps) and math.isfinite(request.length_ps)):
        raise GenerationError("Length and output interval must be finite durations.")
    if request.interval_ps > request.length_ps:
        raise GenerationError(f"The output interval ({request.interval_ps:g} ps) is longer than the trajectory "
                              f"({request.length_ps:g} ps); choose an interval no longer than the length.")
    ratio = request.length_ps / request.interval_ps
    if abs(ratio - round(ratio)) > 1e-6 * ratio:
        raise GenerationError(f"The length ({request.length_ps:g} ps) is not a whole number of output intervals "
                              f"({request.interval_ps:g} ps); adjust one of them.")
    check_temperature(request.temperature_K, request.generator, config)
    if config is not None and not config.dt_min_ps <= request.interval_ps <= config.dt_max_ps:
        raise GenerationError(f"The model was trained on strides between {config.dt_min_ps:g} ps and "
                              f"{config.dt_max_ps:g} ps; an output interval of {request.interval_ps:g} ps is "
                              "outside that range.")


def temperature_range_K(generator: str, config=None) -> tuple[float, float]:
    """The temperatures (K) a generator accepts: the model's trained range, or the ENM's physical range."""
    if generator == "model" and config is not None:
        return float(config.temperature_min_K), float(config.temperature_max_K)
    return ENM_TEMPERATURE_RANGE_K


def check_temperature(temperature_K: float, generator: str, config=None) -> None:
    """Refuse a temperature outside ``temperature_range_K`` with a sentence that gives the range."""
    low, high = temperature_range_K(generator, config)
    if math.isfinite(temperature_K) and low <= temperature_K <= high:
        return
    if generator == "model" and config is not None:
        raise GenerationError(f"The model was trained between {low:g} K and {high:g} K; {temperature_K:g} K is "
                              "outside that range.")
    raise GenerationError(f"The elastic-network baseline runs between {low:g} K and {high:g} K (a harmonic "
                          f"network means nothing physical far from room temperature); {temperature_K:g} K is "
                          "outside that range.")


# ----- memory and disk ---------------------------------------------------------------------------------
def check_memory(config, n_res: int, batch: int, available: int | None = None) -> None:
    """Refuse, before starting, a protein whose model rollout would not fit in free memory.

    ``available``: free bytes of the compute device (a GPU); None checks the host's free memory.
    """
    from trajgen.engine.rollout.memory import available_host_bytes, max_residues, rollout_bytes

    available = available_host_bytes() if available is None else available
    if available is None:
        return
    need = rollout_bytes(config, n_res, batch)
    if need > available:
        raise GenerationError(
            f"A {n_res}-residue protein needs about {need / GiB:.1f} GiB for generation, but only "
            f"{available / GiB:.1f} GiB is free; the largest protein that fits is about "
            f"{max_residues(config, batch, available)} residues (fewer parallel segments lower the need).")


def enm_max_residues(available_bytes: int) -> int:
    """Largest protein (residues) whose ENM normal-mode analysis fits in ``available_bytes``."""
    from trajgen.engine.baselines.enm import dense_mode_bytes

    n = int(math.sqrt(available_bytes / dense_mode_bytes(1)))
    while n > 0 and dense_mode_bytes(n) > available_bytes:
        n -= 1
    return n


def check_enm_size(n_res: int, available: int | None = None) -> None:
    """Refuse an ENM run whose dense normal-mode analysis would not fit in free host memory."""
    from trajgen.engine.baselines.enm import dense_mode_bytes
    from trajgen.engine.rollout.memory import available_host_bytes

    available = available_host_bytes() if available is None else available
    need = dense_mode_bytes(n_res)
    if available is not None and need > available:
        raise GenerationError(
            f"The elastic-network baseline on {n_res} residues needs about {need / GiB:.1f} GiB for its normal "
            f"modes (memory grows with the square of the size, time with the cube), but only "
            f"{available / GiB:.1f} GiB is free; it fits up to about {enm_max_residues(available)} residues. "
            "Choose fewer chains, or the learned model.")


def file_bytes(path: str, frames: int, n_atoms: int) -> int:
    """Estimated bytes of a trajectory file of ``frames`` x ``n_atoms`` (and its topology PDB)."""
    from trajgen.engine.trajio.paths import extension_of, topology_path_for

    per_atom, per_frame = _FILE_BYTES.get(extension_of(path), _FILE_BYTES[".dcd"])
    topology = n_atoms * _PDB_LINE_BYTES if topology_path_for(path) else 0
    return frames * (n_atoms * per_atom + per_frame) + topology


def output_paths(path: str) -> list[str]:
    """The files a trajectory output writes: the trajectory and, for .dcd/.xtc, its topology PDB."""
    from trajgen.engine.trajio.paths import topology_path_for

    return [p for p in (path, topology_path_for(path)) if p is not None]


def check_output(sink: Sink, frames: int, n_atoms: int) -> int:
    """Refuse an output that would replace an input or an existing file, or not fit on its disk; its bytes."""
    from trajgen.engine.trajio.registry import writer_class_for

    writer_class_for(sink.path)  # an unknown format is refused here, before anything is written
    inputs = {os.path.realpath(p) for p in sink.inputs}
    paths = output_paths(sink.path)
    for path in paths:
        if os.path.realpath(path) in inputs:
            what = "The output" if path == sink.path else f"The topology PDB written beside {sink.path}"
            raise GenerationError(f"{what} would be {path}, the input structure; trajgen never writes over its "
                                  f"input. Choose another output name (e.g. {_suggest(sink.path)}).")
    existing = [p for p in paths if os.path.exists(p)]
    if existing and not sink.overwrite:
        raise GenerationError(f"{' and '.join(existing)} already exist{'s' if len(existing) == 1 else ''}; "
                              f"choose another output name, or {sink.overwrite_hint} to replace "
                              f"{'it' if len(existing) == 1 else 'them'}.")
    folder = Path(os.path.abspath(sink.path)).parent
    if not folder.is_dir():
        raise GenerationError(f"The folder {folder} does not exist; create it first or choose another output.")
    need = file_bytes(sink.path, frames, n_atoms)
    free = shutil.disk_usage(folder).free
    if need > free:
        raise GenerationError(f"{frames:,} frames of {n_atoms:,} atoms need about {_size(need)} in {sink.path}, "
                              f"but its disk has {_size(free)} free; choose a longer interval or a shorter length.")
    return need


def check_held_frames(frames: int, n_atoms: int, available: int | None = None) -> int:
    """Refuse frames a viewer would keep in memory beyond free host memory; their bytes."""
    from trajgen.engine.rollout.memory import available_host_bytes

    need = frames * n_atoms * VIEWER_BYTES_PER_ATOM_FRAME
    available = available_host_bytes() if available is None else available
    if available is not None and need > available:
        raise GenerationError(f"{frames:,} frames of {n_atoms:,} atoms need about {_size(need)} of memory in the "
                              f"viewer, but {_size(available)} is free; choose a longer interval or a shorter "
                              "length (or write long runs to a file with 'trajgen generate').")
    return need


# ----- what controls offer -----------------------------------------------------------------------------
def model_config_for(generator: str, checkpoint=None):
    """The ModelConfig a run would use (from the checkpoint or installed weights), None for the ENM.

    ``generator="auto"`` is the model when weights are given or installed, else the ENM (None).
    """
    from trajgen.engine.backends.select import shipped_checkpoint
    from trajgen.engine.checkpoint import read_info

    if generator == "enm":
        return None
    path = checkpoint or shipped_checkpoint()
    if path is None:
        return None
    return read_info(path).model


def control_ranges(generator: str = "auto", checkpoint=None, limits: RunLimits | None = None) -> ControlRanges:
    """What a control should offer for ``generator`` (and checkpoint): temperatures, intervals, frame limit."""
    from trajgen.engine.units import parse_time_ps

    config = model_config_for(generator, checkpoint)
    limits = RunLimits.from_env() if limits is None else limits
    name = "model" if config is not None else "enm"
    intervals = tuple(t for t in INTERVAL_CHOICES
                      if config is None or config.dt_min_ps <= parse_time_ps(t) <= config.dt_max_ps)
    return ControlRanges(name, temperature_range_K(name, config), intervals, limits.max_frames)


def _size(n_bytes: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes / 1e3:.1f} kB"


def _suggest(path: str) -> str:
    root, ext = os.path.splitext(path)
    return f"{root}_traj{ext}"
