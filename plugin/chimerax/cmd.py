"""The ``trajgen`` command family in ChimeraX: run, stop, export, info."""

from __future__ import annotations

import functools

from chimerax.core.commands import CmdDesc
from chimerax.core.errors import UserError

DEFAULTS = {"length": "10ns", "interval": "100ps", "temperature": 300.0}


def _user_errors(func):
    """Turn trajgen's own errors into ChimeraX UserErrors (a message, no traceback)."""
    @functools.wraps(func)
    def wrapper(*args, **kw):
        from trajgen.engine.errors import TrajgenError

        try:
            return func(*args, **kw)
        except TrajgenError as err:
            raise UserError(str(err)) from None
    return wrapper


@_user_errors
def trajgen_run(session, structure=None, length=DEFAULTS["length"], interval=DEFAULTS["interval"],
                temperature=DEFAULTS["temperature"], seed=0, device="auto", generator="auto",
                checkpoint=None, wait=None):
    """Generate a trajectory of a structure; frames stream into a new model as coordinate sets.

    Returns the new model. ``wait true`` (the default without a GUI) blocks until the run ends.
    """
    from trajgen.engine.units import parse_time_ps
    from trajgen.engine.live import plan_run

    from .adapter import protein_of
    from .runs import ChimeraXRun, run_for

    structure = _one_structure(session, structure)
    existing = run_for(session, structure)
    if existing is not None and existing.pending:
        raise UserError(f"A trajgen run on {existing.structure} is already running into {existing.target} "
                        f"({existing.live.status_line()}); stop it first with 'trajgen stop'.")
    protein = protein_of(structure)
    request, backend, notes = plan_run(protein, length_ps=parse_time_ps(length), interval_ps=parse_time_ps(interval),
                                       temperature_K=temperature, seed=seed, generator=generator,
                                       checkpoint=checkpoint, device=device)
    run = ChimeraXRun(session, structure, protein, request, backend, notes)
    log = session.logger
    for line in notes + protein.report.lines()[1:]:
        log.info(line)
    log.info(f"trajgen: {run.live.total_frames} frames of #{structure.id_string} ({length} every {interval}, "
             f"{temperature:g} K, seed {seed}, {request.generator}) into #{run.output.id_string}")
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
def trajgen_export(session, structure, file_name):
    """Write the frames of a trajgen output model to DCD, XTC or multi-model PDB (by extension)."""
    from trajgen.engine.trajio import open_writer

    from .runs import run_for

    run = run_for(session, structure)
    if run is None or run.output.deleted:
        raise UserError(f"#{structure.id_string} is not a trajgen trajectory (make one with 'trajgen run').")
    run.drain()
    xyz = run.coordinates()
    with open_writer(file_name, run.topology, timestep_ps=run.interval_ps) as writer:
        for frame in xyz:
            writer.append(frame)
    still = " (the run is still going; this is what exists so far)" if run.live.running else ""
    extra = f" with topology {writer.topology_path}" if writer.topology_path else ""
    session.logger.info(f"trajgen: wrote {len(xyz)} frames of #{run.output.id_string} to {writer.path}{extra}{still}")


def trajgen_info(session, structures=None):
    """Log what trajgen would simulate in each structure and what it would set aside."""
    from trajgen.engine.cli.info import describe

    from .adapter import protein_of

    for s in _structures(session, structures):
        session.logger.info(f"#{s.id_string} {s.name}\n" + "\n".join(describe(protein_of(s))))


def _structures(session, structures):
    from chimerax.atomic import AtomicStructure

    if structures is None:
        structures = [m for m in session.models if isinstance(m, AtomicStructure)]
    structures = list(structures)
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
                     ("device", EnumOf(("auto", "cpu", "cuda"))), ("generator", EnumOf(("auto", "model", "enm"))),
                     ("checkpoint", OpenFileNameArg), ("wait", BoolArg)],
            synopsis="generate a trajectory; frames stream into a new model as coordinate sets")),
        "trajgen stop": (trajgen_stop, CmdDesc(
            optional=[("structures", StructuresArg)], synopsis="stop trajgen runs, keeping the frames made")),
        "trajgen export": (trajgen_export, CmdDesc(
            required=[("structure", AtomicStructureArg), ("file_name", SaveFileNameArg)],
            synopsis="write a trajgen trajectory to DCD, XTC or multi-model PDB")),
        "trajgen info": (trajgen_info, CmdDesc(
            optional=[("structures", AtomicStructuresArg)],
            synopsis="describe what trajgen would simulate in a structure")),
    }
    func, desc = descs[command_name]
    register_command(command_name, desc, func, logger=logger)
