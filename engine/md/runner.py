"""One simulation run: prepare, minimize, equilibrate, production in checkpointed chunks.

Production is written chunk by chunk: after every chunk its frames go to a part file and
the OpenMM state to a checkpoint, both atomically. An interrupted run resumes from the last
checkpoint; a finished run (its manifest row exists) is skipped. At the end the parts are
joined into ``{run_id}.xtc`` (heavy protein atoms, nanometres as XTC requires, time in ps).
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime, timezone

import mdtraj
import numpy as np

from trajgen.engine.errors import TrajgenError
from trajgen.engine.md.config import SimulationConfig
from trajgen.engine.md.files import RunFiles, sha256_of, write_atomic, write_json_atomic
from trajgen.engine.md.platforms import platform_properties, resolve_platform
from trajgen.engine.md.prepare import prepare_structure
from trajgen.engine.md.system import build_integrator, create_system, force_field_label, solvate
from trajgen.engine.structure import residue_constants as rc

log = logging.getLogger(__name__)


def heavy_protein_atoms(topology: mdtraj.Topology) -> np.ndarray:
    """Indices of non-hydrogen atoms outside water and ions, in topology order."""
    skip = rc.WATER_NAMES | rc.ION_NAMES
    return np.array([
        a.index for a in topology.atoms
        if a.residue.name not in skip and (a.element is None or a.element.symbol not in ("H", "D"))
    ], dtype=np.int64)


def sequence_of(topology: mdtraj.Topology) -> str:
    """One-letter sequence of the protein residues (X for anything unknown), chains separated by '/'."""
    chains = []
    for chain in topology.chains:
        names = [rc.RESNAME_ALIASES.get(r.name, r.name) for r in chain.residues
                 if r.name not in rc.WATER_NAMES | rc.ION_NAMES]
        if names:
            chains.append("".join(rc.RESTYPES_1[rc.RESTYPE_INDEX.get(n, rc.UNK_INDEX)] for n in names))
    return "/".join(chains)


def _load_or_prepare(config: SimulationConfig, files: RunFiles):
    """Prepared full-atom (topology, positions), solvated if asked; made once, reused on resume."""
    from openmm.app import PDBxFile

    if not files.prepared_cif.exists():     # mmCIF: water boxes overflow PDB's atom and residue fields
        topology, positions = prepare_structure(config.pdb_path, config.ph)
        topology, positions = solvate(topology, positions, config)
        buf = io.StringIO()
        PDBxFile.writeFile(topology, positions, buf, keepIds=True)
        write_atomic(files.prepared_cif, buf.getvalue())
    prepared = PDBxFile(str(files.prepared_cif))
    return prepared.topology, prepared.positions


def _make_simulation(config: SimulationConfig, topology):
    """OpenMM Simulation on the resolved platform; returns (simulation, platform name)."""
    import openmm
    from openmm.app import Simulation

    platform_name = resolve_platform(config.platform)
    platform = openmm.Platform.getPlatformByName(platform_name)
    props = platform_properties(platform_name, config.cpu_threads, config.device_index)
    simulation = Simulation(topology, create_system(topology, config), build_integrator(config), platform, props)
    return simulation, platform_name


def _start(simulation, config: SimulationConfig, files: RunFiles, heavy: np.ndarray, md_top) -> dict:
    """Minimize, equilibrate, write the heavy-atom topology; return fresh progress."""
    from openmm import unit

    simulation.minimizeEnergy(maxIterations=config.minimize_max_iterations)
    simulation.context.setVelocitiesToTemperature(config.temperature_K * unit.kelvin, config.seed + 1)
    simulation.step(config.steps(config.equilibration_ps))
    xyz = _positions_nm(simulation)[heavy]
    heavy_traj = mdtraj.Trajectory(xyz[None], md_top.subset(heavy))
    tmp = files.topology_pdb.with_name(f".{files.topology_pdb.name}.tmp.pdb")
    heavy_traj.save_pdb(str(tmp))
    tmp.replace(files.topology_pdb)
    return {"chunks_done": 0, "production_wall_s": 0.0}


def _positions_nm(simulation) -> np.ndarray:
    from openmm import unit

    state = simulation.context.getState(getPositions=True)
    return np.asarray(state.getPositions(asNumpy=True).value_in_unit(unit.nanometer), dtype=np.float32)


def _run_chunk(simulation, config: SimulationConfig, chunk: int, heavy: np.ndarray, files: RunFiles) -> None:
    """Run one chunk of frames and write its part file (heavy atoms, nm) atomically."""
    first = chunk * config.frames_per_chunk
    n = min(config.frames_per_chunk, config.n_frames - first)
    frames = np.empty((n, heavy.size, 3), dtype=np.float32)
    for i in range(n):
        simulation.step(config.report_steps)
        frames[i] = _positions_nm(simulation)[heavy]
    times = (first + 1 + np.arange(n)) * config.report_interval_ps
    tmp = files.part(chunk).with_name(f".{files.part(chunk).name}.tmp.xtc")
    with mdtraj.formats.XTCTrajectoryFile(str(tmp), "w") as fh:
        fh.write(frames, time=times.astype(np.float32))
    tmp.replace(files.part(chunk))


def _join_parts(files: RunFiles, n_chunks: int) -> None:
    frames, times = [], []
    for chunk in range(n_chunks):
        with mdtraj.formats.XTCTrajectoryFile(str(files.part(chunk)), "r") as fh:
            xyz, t, _, _ = fh.read()
        frames.append(xyz)
        times.append(t)
    tmp = files.xtc.with_name(f".{files.xtc.name}.tmp.xtc")
    with mdtraj.formats.XTCTrajectoryFile(str(tmp), "w") as fh:
        fh.write(np.concatenate(frames), time=np.concatenate(times))
    tmp.replace(files.xtc)


def _manifest_row(config, files, md_top, heavy, platform_name, progress) -> dict:
    simulated_ns = config.n_frames * config.report_interval_ps / 1000.0
    wall = max(progress["production_wall_s"], 1e-9)
    sequence = sequence_of(md_top)
    return {
        "run_id": config.run_id, "protein": config.protein, "source_pdb": str(config.pdb_path),
        "sequence": sequence, "n_residues": len(sequence.replace("/", "")), "n_heavy_atoms": int(heavy.size),
        "force_field": force_field_label(config.solvent), "solvent": config.solvent,
        "temperature_K": config.temperature_K, "timestep_fs": config.timestep_fs,
        "equilibration_ps": config.equilibration_ps, "length_ps": config.n_frames * config.report_interval_ps,
        "stride_ps": config.report_interval_ps, "n_frames": config.n_frames, "seed": config.seed,
        "label": config.label,
        "platform": platform_name, "ns_per_day": round(simulated_ns / wall * 86400.0, 2),
        "xtc": files.xtc.name, "topology": files.topology_pdb.name, "sha256": sha256_of(files.xtc),
        "finished_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def run_simulation(config: SimulationConfig, should_stop: Callable[[], bool] | None = None) -> dict | None:
    """Run (or resume, or skip if finished) one simulation; return its manifest row.

    ``should_stop`` is asked before every production chunk (a deadline, a cancel flag): when it
    answers True the run stops with its last checkpoint on disk, to be resumed by the next call,
    and ``None`` is returned.
    """
    config.out_dir.mkdir(parents=True, exist_ok=True)
    files = RunFiles(config.out_dir, config.run_id)
    if files.row_json.exists() and files.xtc.exists():
        row = json.loads(files.row_json.read_text())
        _check_same_plan(config, {k: row[k] for k in _plan(config)}, "finished")
        return row
    topology, positions = _load_or_prepare(config, files)
    simulation, platform_name = _make_simulation(config, topology)
    md_top = mdtraj.Topology.from_openmm(topology)
    heavy = heavy_protein_atoms(md_top)
    if files.state_xml.exists() and files.progress_json.exists():
        simulation.loadState(str(files.state_xml))
        progress = json.loads(files.progress_json.read_text())
        _check_same_plan(config, progress["plan"], "interrupted")
        log.info("%s: resuming after %d chunks", config.run_id, progress["chunks_done"])
    else:
        simulation.context.setPositions(positions)
        progress = _start(simulation, config, files, heavy, md_top)
    n_chunks = -(-config.n_frames // config.frames_per_chunk)
    for chunk in range(progress["chunks_done"], n_chunks):
        if should_stop is not None and should_stop():
            log.info("%s: deadline reached after %d of %d chunks; resumable", config.run_id, chunk, n_chunks)
            return None
        t0 = time.perf_counter()
        _run_chunk(simulation, config, chunk, heavy, files)
        progress = {"chunks_done": chunk + 1, "plan": _plan(config),
                    "production_wall_s": progress["production_wall_s"] + time.perf_counter() - t0}
        write_atomic(files.state_xml, _state_xml(simulation))
        write_json_atomic(files.progress_json, progress)
    _join_parts(files, n_chunks)
    row = _manifest_row(config, files, md_top, heavy, platform_name, progress)
    write_json_atomic(files.row_json, row)
    # The prepared full-atom system is only needed to resume; the heavy-atom topology stays.
    for path in [files.part(c) for c in range(n_chunks)] + [files.state_xml, files.progress_json, files.prepared_cif]:
        path.unlink(missing_ok=True)
    return row


def _plan(config: SimulationConfig) -> dict:
    """The settings a resumed or skipped run must share with the run already on disk."""
    return {"length_ps": config.n_frames * config.report_interval_ps, "stride_ps": config.report_interval_ps,
            "timestep_fs": config.timestep_fs, "equilibration_ps": config.equilibration_ps}


def _check_same_plan(config: SimulationConfig, on_disk: dict, what: str) -> None:
    if on_disk != _plan(config):
        raise TrajgenError(
            f"{config.out_dir / config.run_id} is an {what} run with other settings ({on_disk}); "
            f"use another output folder or remove its files to run with {_plan(config)}.")


def _state_xml(simulation) -> str:
    import openmm

    state = simulation.context.getState(getPositions=True, getVelocities=True, getParameters=True,
                                        enforcePeriodicBox=False)
    return openmm.XmlSerializer.serialize(state)
