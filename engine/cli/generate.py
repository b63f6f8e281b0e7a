"""``trajgen generate IN.pdb -o OUT.dcd --length 100ns --interval 100ps``: a trajectory file from a structure."""

from __future__ import annotations

import argparse
import sys
import time

from trajgen.engine.units import parse_time_ps


def add_parser(subparsers) -> None:
    from trajgen.engine import run_choices as rc
    from trajgen.engine.run_limits import MAX_FRAMES, MAX_FRAMES_ENV

    p = subparsers.add_parser(
        "generate", help="generate a trajectory of a protein with the learned model (or the ENM baseline)",
        description="Generate a molecular-dynamics-like trajectory from a structure and write it as DCD, XTC or "
                    "multi-model PDB (a topology PDB is written beside DCD and XTC files). Existing files are "
                    "never replaced without --overwrite, and the input structure never is.")
    p.add_argument("structure", help="input PDB or mmCIF file (.pdb, .cif, optionally .gz)")
    p.add_argument("-o", "--output", required=True, help="trajectory file to write (.dcd, .xtc or .pdb)")
    p.add_argument("--length", default=rc.DEFAULT_LENGTH,
                   help=f"simulated time with a unit, e.g. 100ns, 2us, 500ps (default {rc.DEFAULT_LENGTH})")
    p.add_argument("--interval", default=rc.DEFAULT_INTERVAL,
                   help=f"time between saved frames with a unit (default {rc.DEFAULT_INTERVAL})")
    p.add_argument("--temperature", type=float, default=rc.DEFAULT_TEMPERATURE_K,
                   help=f"temperature in kelvin (default {rc.DEFAULT_TEMPERATURE_K:g})")
    p.add_argument("--seed", type=int, default=rc.DEFAULT_SEED,
                   help=f"random seed; the same seed repeats the run (default {rc.DEFAULT_SEED})")
    p.add_argument("--device", default=rc.DEFAULT_DEVICE, help="auto, cpu, cuda or cuda:N (default auto)")
    p.add_argument("--backend", default="auto", choices=rc.BACKENDS,
                   help="auto follows the checkpoint: .onnx -> ONNX Runtime, .safetensors -> PyTorch")
    p.add_argument("--checkpoint", help="trained model (.onnx or .safetensors); default: the installed weights")
    p.add_argument("--generator", default=rc.DEFAULT_GENERATOR, choices=rc.GENERATORS,
                   help="model: the learned model; enm: the elastic-network Langevin baseline (no checkpoint "
                        "needed); auto (default): the model when weights are given or installed, else enm")
    p.add_argument("--mode", default="auto", choices=rc.MODES,
                   help="rollout scheme of the model (default auto: hierarchical for long runs)")
    p.add_argument("--chains", help="comma-separated chain ids to keep (default: all protein chains)")
    p.add_argument("--precision", default="fp32", choices=rc.PRECISIONS,
                   help="network precision with the torch backend on CUDA (default fp32)")
    p.add_argument("--threads", type=int, help="CPU threads for the network (default: the library's choice)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing output file and its topology PDB (never the input structure)")
    p.add_argument("--max-frames", type=int, metavar="N",
                   help=f"most frames a run may make, input included (default {MAX_FRAMES:,}, or {MAX_FRAMES_ENV})")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from trajgen.engine.generate import TrajectoryGenerator
    from trajgen.engine.live import plan_run
    from trajgen.engine.run_limits import RunLimits, Sink
    from trajgen.engine.structure import load_protein
    from trajgen.engine.trajio import open_writer

    limits = RunLimits(max_frames=args.max_frames) if args.max_frames is not None else RunLimits.from_env()
    protein = load_protein(args.structure, chains=args.chains.split(",") if args.chains else None)
    request, backend, notes = plan_run(
        protein, length_ps=parse_time_ps(args.length), interval_ps=parse_time_ps(args.interval),
        temperature_K=args.temperature, seed=args.seed, generator=args.generator, checkpoint=args.checkpoint,
        device=args.device, backend=args.backend, threads=args.threads, precision=args.precision, mode=args.mode)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    sink = Sink(path=args.output, overwrite=args.overwrite, inputs=(args.structure,))
    generator = TrajectoryGenerator(protein, request, backend, sink, limits)  # refuses before any byte is written
    bar = ProgressBar(sys.stderr, enabled=not args.quiet)
    out = open_writer(args.output, protein.heavy_atom_topology(), timestep_ps=request.interval_ps,
                      overwrite=args.overwrite)
    try:
        with out:
            for frame in generator:
                out.append(frame.xyz)
                bar.update(generator.progress())
    except KeyboardInterrupt:
        bar.finish(generator.progress())
        print(f"interrupted: {_written(out, request)}", file=sys.stderr)
        return 130
    bar.finish(generator.progress())
    if generator.seam_rmsd_A and not args.quiet:
        seams = generator.seam_rmsd_A
        from trajgen.engine.units import format_time_ps

        levels = ", ".join(format_time_ps(dt) for dt in generator.level_strides_ps())
        print(f"hierarchical ({levels} levels) seams: mean {sum(seams) / len(seams):.2f} A, max "
              f"{max(seams):.2f} A (model miss at each coarse anchor before landing on it)", file=sys.stderr)
    print(f"done: {_written(out, request)}", file=sys.stderr)
    return 0


def _written(out, request) -> str:
    """What a closed writer kept, where, and which generator made it: one line for the summary."""
    from trajgen.engine.units import format_time_ps

    where = out.result_path
    if where is None:
        return "no frame was written, so no file was kept."
    topology = f", topology {out.topology_path}" if out.topology_path else ""
    made = f"{request.generator} generator, every {format_time_ps(request.interval_ps)} at {request.temperature_K:g} K"
    return f"{out.frames_written} frames ({made}) in {where}{topology}"


class ProgressBar:
    """One-line progress on a text stream: bar, frames done/total, frames/s and ETA; redrawn at most 5x/s."""

    WIDTH = 30

    def __init__(self, stream, enabled: bool = True):
        self.stream, self.enabled, self._last = stream, enabled, 0.0

    def update(self, progress, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self._last < 0.2 and progress.done < progress.total):
            return
        self._last = now
        filled = int(self.WIDTH * progress.done / max(progress.total, 1))
        rate = (progress.done - 1) / progress.elapsed_s if progress.elapsed_s > 0 and progress.done > 1 else 0.0
        eta = "--" if progress.eta_s is None else _clock(progress.eta_s)
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {progress.done}/{progress.total} "
                          f"frames  {rate:.1f} frames/s  ETA {eta} ")
        self.stream.flush()

    def finish(self, progress) -> None:
        if self.enabled:
            self.update(progress, force=True)
            self.stream.write("\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
