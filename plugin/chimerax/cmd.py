"""The ``trajgen`` command family in ChimeraX: run, stop, export, info."""

from __future__ import annotations

import functools

from chimerax.core.commands import CmdDesc
from chimerax.core.errors import UserError

from trajgen.engine import run_choices as rc

DEFAULTS = {"length": rc.DEFAULT_LENGTH, "interval": rc.DEFAULT_INTERVAL, "temperature": rc.DEFAULT_TEMPERATURE_K}


def _user_errors(func):
    """Turn trajgen's own errors into ChimeraX UserErrors (a message in ChimeraX's words, no traceback)."""
    @functools.wraps(func)
    def wrapper(*args, **kw):
        from trajgen.engine.errors import TrajgenError
        from trajgen.ui.words import viewer_words

        try:
            return func(*args, **kw)
        except TrajgenError as err:
            raise UserError(viewer_words(str(err), " ")) from None
    return wrapper


@_user_errors
def trajgen_run(session, structure=None, length=DEFAULTS["length"], interval=DEFAULTS["interval"],
                temperature=DEFAULTS["temperature"], seed=rc.DEFAULT_SEED, device=rc.DEFAULT_DEVICE,
                generator=rc.DEFAULT_GENERATOR, checkpoint=None, wait=None):
    """Generate a trajectory of a structure; frames stream into a new model as coordinate sets.

    Returns the new model. ``wait true`` (the default without a GUI) blocks until the run ends.
    Limits (frames, memory, temperature) are checked before the new model is made.
    """
    from trajgen.engine.units import parse_time_ps
    from trajgen.ui.adapter import RunOptions
    from trajgen.ui.runs import plan_viewer_run

    from .adapter import protein_of
    from .runs import ChimeraXRun, registry

    structure = _one_structure(session, structure)
    options = RunOptions(f"#{structure.id_string}", parse_time_ps(length), parse_time_ps(interval), temperature,
                         seed, device, generator, checkpoint or "")
    runs = registry(session)
    old = runs.get(options.structure)
    if old is not None and old.input.deleted:  # a closed model's number, now reused
        runs.forget(options.structure)
    protein = protein_of(structure)
    request, backend, notes = plan_viewer_run(runs, options, protein, stop_hint=f"trajgen stop {options.structure}")
    run = ChimeraXRun(session, structure, protein, request, backend, notes)
    for line in run.start_lines():
        session.logger.info(f"trajgen: {line}")
    run.start()
    if wait if wait is not None else not session.ui.is_gui:
        run.wait()
    return run.output


@_user_errors
def trajgen_stop(session, structures=None):
    """Stop running generations (all, or those of the given input or output models); frames are kept."""
    from .runs import registry

    stopped = [r for r in registry(session).runs() if r.live.running
               and (structures is None or r.input in structures or r.output in structures)]
    for r in stopped:
        r.stop()
    session.logger.info(f"trajgen: stopping {len(stopped)} run(s)" if stopped else "trajgen: no run to stop")


@_user_errors
def trajgen_export(session, structure, file_name, overwrite=False):
    """Write the frames of a trajgen output model to DCD, XTC or multi-model PDB (by extension).

    Existing files (the trajectory, the topology PDB beside it) are replaced only with ``overwrite
    true``; the input structure's own file never is.
    """
    from trajgen.engine.run_limits import Sink, check_output
    from trajgen.engine.trajio import open_writer

    from .runs import run_for

    run = run_for(session, structure)
    if run is None or run.output.deleted:
        raise UserError(f"#{structure.id_string} is not a trajgen trajectory (make one with 'trajgen run').")
    run.drain()
    xyz = run.coordinates()
    source = getattr(run.input, "filename", None)
    check_output(Sink(path=file_name, overwrite=overwrite, inputs=(source,) if source else (),
                      overwrite_hint="add 'overwrite true'"), len(xyz), xyz.shape[1])
    with open_writer(file_name, run.topology, timestep_ps=run.interval_ps, overwrite=overwrite) as writer:
        for frame in xyz:
            writer.append(frame)
    still = " (the run is still going; this is what exists so far)" if run.live.running else ""
    extra = f" with topology {writer.topology_path}" if writer.topology_path else ""
    session.logger.info(f"trajgen: wrote {len(xyz)} frames of #{run.output.id_string} to {writer.path}{extra}{still}")


def trajgen_info(session, structures=None):
    """Log what trajgen would simulate in each structure and what it would set aside."""
    from trajgen.engine.structure.report import describe

    from .adapter import protein_of

    for s in _structures(session, structures):
        session.logger.info(f"#{s.id_string} {s.name}\n" + "\n".join(describe(protein_of(s))))


def _structures(session, structures):
    from chimerax.atomic import AtomicStructure

    open_ones = [m for m in session.models if isinstance(m, AtomicStructure)]
    if structures is not None and not list(structures) and open_ones:
        names = ", ".join(f"#{s.id_string}" for s in open_ones[:5])
        raise UserError(f"The models named do not exist or hold no atomic structure; the open structures are "
                        f"{names} (e.g. 'trajgen run #{open_ones[0].id_string}').")
    structures = open_ones if structures is None else list(structures)
    if not structures:
        raise UserError("No atomic structure is open (open one, e.g. 'open 1ubq', then try again).")
    return structures


def _one_structure(session, structures):
    found = _structures(session, structures)
    if len(found) > 1:
        names = ", ".join(f"#{s.id_string}" for s in found[:5])
        raise UserError(f"trajgen run needs exactly one structure, and {len(found)} are given or open ({names}); "
                        f"name one, e.g. 'trajgen run #{found[0].id_string}'.")
    return found[0]


def register(command_name, logger):
    from chimerax.atomic import AtomicStructureArg, AtomicStructuresArg, StructuresArg
    from chimerax.core.commands import BoolArg, EnumOf, FloatArg, IntArg, OpenFileNameArg, SaveFileNameArg, StringArg
    from chimerax.core.commands import register as register_command

    descs = {
        "trajgen run": (trajgen_run, CmdDesc(
            optional=[("structure", AtomicStructuresArg)],
            keyword=[("length", StringArg), ("interval", StringArg), ("temperature", FloatArg), ("seed", IntArg),
                     ("device", EnumOf(rc.DEVICES)), ("generator", EnumOf(rc.GENERATORS)),
                     ("checkpoint", OpenFileNameArg), ("wait", BoolArg)],
            synopsis="generate a trajectory; frames stream into a new model as coordinate sets")),
        "trajgen stop": (trajgen_stop, CmdDesc(
            optional=[("structures", StructuresArg)], synopsis="stop trajgen runs, keeping the frames made")),
        "trajgen export": (trajgen_export, CmdDesc(
            required=[("structure", AtomicStructureArg), ("file_name", SaveFileNameArg)],
            keyword=[("overwrite", BoolArg)],
            synopsis="write a trajgen trajectory to DCD, XTC or multi-model PDB")),
        "trajgen info": (trajgen_info, CmdDesc(
            optional=[("structures", AtomicStructuresArg)],
            synopsis="describe what trajgen would simulate in a structure")),
    }
    func, desc = descs[command_name]
    register_command(command_name, desc, func, logger=logger)
