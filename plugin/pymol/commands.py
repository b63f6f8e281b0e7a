"""PyMOL commands: trajgen_run, trajgen_stop, trajgen_wait, trajgen_export, trajgen_info.

Importing this module registers them with ``cmd.extend`` (bottom of the file). Arguments arrive
as strings from the command line and are converted at the top of each function; mistakes and
engine errors raise ``CmdException`` with a sentence the user can act on.
"""

from __future__ import annotations

import functools
import time

from pymol import CmdException, cmd

from trajgen.engine import run_choices as rc
from trajgen.engine.errors import TrajgenError
from trajgen.ui.words import viewer_words

from . import delivery

TARGET_SUFFIX = "_traj"  # a run on OBJ goes to OBJ_traj, or OBJ_traj_2, _3 ... when that name is taken


def _user_errors(func):
    """Turn trajgen errors into CmdException and remember the last message for the panel."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        registry = delivery.registry_of(kwargs.get("_self", cmd))
        try:
            return func(*args, **kwargs)
        except (TrajgenError, CmdException) as err:
            message = str(err.args[0]) if isinstance(err, CmdException) and err.args else _pymol_words(str(err))
            registry.last_error = message
            if isinstance(err, CmdException):
                raise
            raise CmdException(message) from None

    return wrapper


def _pymol_words(message: str) -> str:
    """Engine messages name command-line flags ('use --device cpu'); say them as PyMOL arguments."""
    return viewer_words(message, "=")


def _device(text: str) -> str:
    try:
        return rc.check_device(text)
    except TrajgenError as err:
        raise CmdException(str(err)) from None


def _text(value) -> str:
    """A string argument as typed: surrounding blanks and one pair of matching quotes removed."""
    text = str(value).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _duration_ps(text, what: str) -> float:
    from trajgen.engine.units import parse_time_ps

    try:
        return parse_time_ps(str(text))
    except TrajgenError as err:
        raise CmdException(f"{what}: {err}") from None


def _number(text, what: str, kind=float):
    try:
        return kind(str(text).strip())
    except ValueError:
        raise CmdException(f"{what} must be a {'whole ' if kind is int else ''}number, not {text!r}.") from None


@_user_errors
def trajgen_run(obj, length=rc.DEFAULT_LENGTH, interval=rc.DEFAULT_INTERVAL, temperature=rc.DEFAULT_TEMPERATURE_K,
                seed=rc.DEFAULT_SEED, generator=rc.DEFAULT_GENERATOR, checkpoint="", device=rc.DEFAULT_DEVICE,
                wait=0, quiet=1, *, _self=cmd):
    """
DESCRIPTION

    Generate a molecular-dynamics-like trajectory of the protein in an object. Frames arrive as
    states of a new object OBJ_traj (the protein's heavy atoms) while they are made; the first
    state is the input structure. When OBJ_traj exists (an earlier run, or your own object) the
    new run goes to OBJ_traj_2, OBJ_traj_3, ...: nothing is replaced. Without trained weights the
    elastic-network baseline runs and the log says so. Water, ligands and hydrogens are set aside
    (the log lists them). A run makes at most 100,000 frames (TRAJGEN_MAX_FRAMES raises it) and
    must fit in free memory; both are checked before anything is made.

USAGE

    trajgen_run obj [, length [, interval [, temperature [, seed [, generator
        [, checkpoint [, device [, wait ]]]]]]]]

ARGUMENTS

    obj = str: molecular object holding the protein (the state on display is the start)
    length = str: simulated time with a unit, e.g. 100ns, 2us, 500ps {default: 10ns}
    interval = str: simulated time between frames with a unit {default: 100ps}
    temperature = float: kelvin {default: 300}
    seed = int: random seed; the same seed repeats the run {default: 0}
    generator = auto, model or enm {default: auto: the trained model if installed, else enm}
    checkpoint = str: trained model file (.onnx or .safetensors) {default: installed weights}
    device = auto, cpu or cuda {default: auto}
    wait = 0/1: 1 blocks until the run ends {default: 0}. Without a window (pymol -c),
        states are added when a trajgen command runs: use trajgen_wait to collect them all.

EXAMPLE

    fetch 1ubq
    trajgen_run 1ubq, length=10ns, interval=100ps, temperature=320

SEE ALSO

    trajgen_stop, trajgen_wait, trajgen_export, trajgen_info
    """
    from trajgen.engine.live import LiveRun
    from trajgen.ui.adapter import RunOptions
    from trajgen.ui.runs import ViewerRun, plan_viewer_run

    from .objects import create_trajectory_object, protein_of

    obj, generator, device = _text(obj), _text(generator), _device(_text(device))
    options = RunOptions(obj, _duration_ps(length, "length"), _duration_ps(interval, "interval"),
                         _number(temperature, "temperature"), _number(seed, "seed", int), device, generator,
                         _text(checkpoint))
    wait, quiet = _number(wait, "wait", int), _number(quiet, "quiet", int)
    registry = delivery.registry_of(_self)
    delivery.pump(_self)
    protein = protein_of(obj, _self)
    request, backend, notes = plan_viewer_run(registry, options, protein, stop_hint=f"trajgen_stop {obj}")
    run = ViewerRun(obj, _free_target(obj, _self), protein, LiveRun(protein, request, backend), notes)
    create_trajectory_object(run.target, protein, _self)
    registry.add(run)
    _log_start(run, quiet)
    run.live.start()
    if wait:
        _wait(run, _self, timeout=None, quiet=quiet)
    else:
        delivery.ensure_timer(_self)
    return run.target


def _free_target(obj: str, _self) -> str:
    """OBJ_traj, or the first of OBJ_traj_2, OBJ_traj_3, ... that names no object: earlier results stay."""
    taken = set(_self.get_names("all"))
    target, n = obj + TARGET_SUFFIX, 1
    while target in taken:
        n += 1
        target = f"{obj}{TARGET_SUFFIX}_{n}"
    return target


def _log_start(run, quiet: int) -> None:
    for line in run.start_lines(details=not quiet):
        print(f" trajgen: {line}")


def _wait(run, _self, timeout: float | None, quiet: int) -> bool:
    """Deliver the run's frames until it ends (True) or ``timeout`` seconds pass (False)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while run.pending:
        if deadline is not None and time.monotonic() > deadline:
            return False
        run.live.wait(0.1)
        delivery.deliver(run, _self, quiet=bool(quiet))
    return True


def _runs_named(obj: str, _self) -> list:
    registry = delivery.registry_of(_self)
    if not obj:
        return registry.runs()
    run = registry.get(obj)
    if run is None:
        raise CmdException(f"There is no trajgen run on {obj!r}; start one with 'trajgen_run {obj}'.")
    return [run]


@_user_errors
def trajgen_stop(obj="", quiet=1, *, _self=cmd):
    """
DESCRIPTION

    Stop a trajgen run after the frame in progress. The frames made so far stay as states of
    OBJ_traj and can be exported.

USAGE

    trajgen_stop [obj]

ARGUMENTS

    obj = str: input object (or its OBJ_traj) {default: every running run}

SEE ALSO

    trajgen_run, trajgen_export
    """
    obj, quiet = _text(obj), _number(quiet, "quiet", int)
    runs = [run for run in _runs_named(obj, _self) if run.live.running]
    for run in runs:
        run.live.stop()
    if delivery.gui_window(_self) is None:  # headless: nothing else will add the last frames
        for run in runs:
            _wait(run, _self, timeout=None, quiet=quiet)
    if not runs and not quiet:
        print(" trajgen: no run is going")


@_user_errors
def trajgen_wait(obj="", timeout=0, quiet=1, *, _self=cmd):
    """
DESCRIPTION

    Block until a trajgen run ends, adding its frames as states. Use it after
    'trajgen_run ..., wait=0' in scripts without a window.

USAGE

    trajgen_wait [obj [, timeout ]]

ARGUMENTS

    obj = str: input object (or its OBJ_traj) {default: every run}
    timeout = float: seconds to wait at most, 0 for no limit {default: 0}

SEE ALSO

    trajgen_run, trajgen_stop
    """
    obj, quiet = _text(obj), _number(quiet, "quiet", int)
    timeout = _number(timeout, "timeout") or None
    for run in _runs_named(obj, _self):
        if not _wait(run, _self, timeout, quiet):
            raise CmdException(f"The run on {run.structure} is still going after {timeout:g} s "
                               f"({run.live.status_line()}).")


@_user_errors
def trajgen_export(obj, filename, overwrite=0, quiet=1, *, _self=cmd):
    """
DESCRIPTION

    Write the frames of a trajgen run (the states of OBJ_traj) to a trajectory file. The
    format follows the extension: .dcd, .xtc (a topology PDB is written beside them) or
    multi-model .pdb. Coordinates in Angstrom; frames are the interval apart in time. An
    existing file (the trajectory, or the PDB beside it) is replaced only with overwrite=1.

USAGE

    trajgen_export obj, filename [, overwrite ]

ARGUMENTS

    obj = str: input object (or its OBJ_traj)
    filename = str: output file (.dcd, .xtc or .pdb)
    overwrite = 0/1: replace existing files {default: 0}

SEE ALSO

    trajgen_run
    """
    from trajgen.engine.run_limits import Sink, check_output
    from trajgen.engine.trajio import open_writer

    from .objects import read_states

    obj, filename, quiet = _text(obj), _text(filename), _number(quiet, "quiet", int)
    overwrite = bool(_number(overwrite, "overwrite", int))
    if not filename:
        raise CmdException("Give the file to write, e.g. 'trajgen_export 1ubq, run.dcd'.")
    (run,) = _runs_named(obj, _self)
    delivery.deliver(run, _self, quiet=bool(quiet))
    frames = read_states(run.target, run.protein.n_atoms, _self)
    path = _self.exp_path(filename)
    check_output(Sink(path=path, overwrite=overwrite, overwrite_hint="add overwrite=1"), len(frames),
                 run.protein.n_atoms)
    with open_writer(path, run.topology, timestep_ps=run.interval_ps, overwrite=overwrite) as out:
        out.append(frames)
    where = out.result_path or filename
    still = " (the run is still going: this file holds the frames made so far)" if run.pending else ""
    print(f" trajgen: wrote {len(frames)} frames of {run.target} to {where}{still}")
    return len(frames)


@_user_errors
def trajgen_info(obj="", quiet=1, *, _self=cmd):
    """
DESCRIPTION

    Say what trajgen would simulate in an object (chains, residues, what is set aside) and how
    its run is going. Also adds frames that are ready (headless sessions).

USAGE

    trajgen_info [obj]

ARGUMENTS

    obj = str: molecular object {default: every object with a trajgen run}
    """
    from trajgen.engine.structure.report import describe

    from .objects import protein_of

    obj = _text(obj)
    delivery.pump(_self)
    registry = delivery.registry_of(_self)
    if obj and registry.get(obj) is None:
        for line in describe(protein_of(obj, _self)):
            print(f" trajgen: {line}")
        return
    for run in _runs_named(obj, _self):
        for line in describe(run.protein):
            print(f" trajgen: {line}")
        print(f" trajgen: run {run.structure} -> {run.target}: {run.delivered} frames shown, "
              f"{run.live.status_line()}")


COMMANDS = {"trajgen_run": trajgen_run, "trajgen_stop": trajgen_stop, "trajgen_wait": trajgen_wait,
            "trajgen_export": trajgen_export, "trajgen_info": trajgen_info}


def register(_self=cmd) -> None:
    """Add the trajgen_* commands to a PyMOL instance (a ``pymol2.PyMOL().cmd`` keeps its own list)."""
    for name, func in COMMANDS.items():
        _self.extend(name, func)
        _self.auto_arg[0][name] = _self.auto_arg[0]["delete"]  # complete object names


register(cmd)
