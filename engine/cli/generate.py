"""``trajgen generate IN.pdb -o OUT.dcd --length 100ns --interval 100ps``: a trajectory file from a structure."""

from __future__ import annotations

import argparse
import sys
import time

from trajgen.engine.units import parse_time_ps


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "generate", help="generate a trajectory of a protein with the learned model (or the ENM baseline)",
        description="Generate a molecular-dynamics-like trajectory from a structure and write it as DCD, XTC or "
                    "multi-model PDB (a topology PDB is written beside DCD and XTC files).")
    p.add_argument("structure", help="input PDB or mmCIF file (.pdb, .cif, optionally .gz)")
    p.add_argument("-o", "--output", required=True, help="trajectory file to write (.dcd, .xtc or .pdb)")
    p.add_argument("--length", required=True, help="simulated time with a unit, e.g. 100ns, 2us, 500ps")
    p.add_argument("--interval", required=True, help="time between saved frames with a unit, e.g. 100ps")
    p.add_argument("--temperature", type=float, default=300.0, help="temperature in kelvin (default 300)")
    p.add_argument("--seed", type=int, default=0, help="random seed; the same seed repeats the run (default 0)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default auto)")
    p.add_argument("--backend", default="auto", choices=("auto", "torch", "onnx"),
                   help="auto follows the checkpoint: .onnx -> ONNX Runtime, .safetensors -> PyTorch")
    p.add_argument("--checkpoint", help="trained model (.onnx or .safetensors); default: the installed weights")
    p.add_argument("--generator", default="model", choices=("model", "enm"),
                   help="the learned model, or the elastic-network Langevin baseline (no checkpoint needed)")
    p.add_argument("--mode", default="auto", choices=("auto", "single", "hierarchical"),
                   help="rollout scheme of the model (default auto: hierarchical for long runs)")
    p.add_argument("--chains", help="comma-separated chain ids to keep (default: all protein chains)")
    p.add_argument("--precision", default="fp32", choices=("fp32", "bf16", "fp16"),
                   help="network precision with the torch backend on CUDA (default fp32)")
    p.add_argument("--threads", type=int, help="CPU threads for the network (default: the library's choice)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from trajgen.engine.generate import GenerationRequest, TrajectoryGenerator
    from trajgen.engine.structure import load_protein
    from trajgen.engine.trajio import open_writer

    request = GenerationRequest(length_ps=parse_time_ps(args.length), interval_ps=parse_time_ps(args.interval),
                                temperature_K=args.temperature, seed=args.seed, generator=args.generator,
                                mode=args.mode)
    backend = None
    if args.generator == "model":
        from trajgen.engine.backends.select import load_backend

        backend = load_backend(args.checkpoint, backend=args.backend, device=args.device, threads=args.threads,
                               precision=args.precision)
    protein = load_protein(args.structure, chains=args.chains.split(",") if args.chains else None)
    generator = TrajectoryGenerator(protein, request, backend)
    bar = ProgressBar(sys.stderr, enabled=not args.quiet)
    with open_writer(args.output, protein.heavy_atom_topology(), timestep_ps=request.interval_ps) as out:
        for frame in generator:
            out.append(frame.xyz)
            bar.update(generator.progress())
    bar.finish(generator.progress())
    if generator.seam_rmsd_A and not args.quiet:
        seams = generator.seam_rmsd_A
        print(f"hierarchical seams: mean {sum(seams) / len(seams):.2f} A, max {max(seams):.2f} A "
              f"(model miss at each coarse anchor before landing on it)", file=sys.stderr)
    return 0


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
