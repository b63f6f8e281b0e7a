"""Generation speed and memory of the learned model against protein size and rollout length.

Runs every (backend, residues, frames, relax) case in a fresh subprocess so peak RSS is per case,
and prints one JSON line per case plus a Markdown table. Weights are random unless ``--weights``
names a trained checkpoint: the network's cost does not depend on training, but the relaxation
of each frame (``rollout.relax``) does, as it stops once a frame is repaired, and a random
model's frames are far more broken. Proteins of 50 x k residues are k copies of the shipped 1GUU
chain, 40 A apart.

    .venv/bin/python benchmarks/speed.py --residues 50,100,200 --frames 100 --backends torch,onnx
    .venv/bin/python benchmarks/speed.py --weights training/cpu/best.safetensors --relax on,off --backends onnx
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "engine" / "assets" / "1GUU_A.pdb"


def tiled_pdb(n_copies: int, path: Path) -> Path:
    """A PDB of n copies of the example chain, chains A, B, ..., shifted 40 A apart along x."""
    atoms = [l for l in EXAMPLE.read_text().splitlines() if l.startswith("ATOM")]
    lines = []
    for c in range(n_copies):
        for line in atoms:
            x = float(line[30:38]) + 40.0 * c
            lines.append(f"{line[:21]}{chr(65 + c)}{line[22:30]}{x:8.3f}{line[38:]}")
        lines.append("TER")
    path.write_text("\n".join(lines + ["END"]) + "\n")
    return path


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib() -> float:
    """Peak resident memory of this process (VmHWM; unlike ru_maxrss it is not inherited over exec)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def peak_gpu_mib(backend: str, device: str) -> float | None:
    """Peak GPU memory PyTorch allocated in this process (None on CPU; ONNX Runtime's arena is not visible)."""
    if backend != "torch" or not device.startswith("cuda"):
        return None
    import torch

    return round(torch.cuda.max_memory_allocated() / 2**20, 1)


def run_case(args) -> dict:
    """One case in this process: build the generator, stream frames, time and measure memory."""
    from trajgen.engine.backends.select import load_backend
    from trajgen.engine.generate import GenerationRequest, TrajectoryGenerator
    from trajgen.engine.structure import load_protein

    protein = load_protein(args.pdb)
    t_load = time.perf_counter()
    backend = load_backend(args.checkpoint, backend=args.backend, device=args.device, threads=args.threads,
                           precision=args.precision)
    load_s = time.perf_counter() - t_load
    request = GenerationRequest(length_ps=args.frames * 100.0, interval_ps=100.0, mode=args.mode,
                                relax=args.relax == "on")
    t0 = time.perf_counter()
    gen = TrajectoryGenerator(protein, request, backend)
    first, rss, done = None, {}, 0
    for frame in gen:
        if frame.index == 1:
            first = time.perf_counter() - t0
            since_command = time.time() - args.t_launch
            t1 = time.perf_counter()
        if frame.index in (10, 100, 1000, 10000):
            rss[frame.index] = round(rss_mib(), 1)
        done = frame.index
        if time.perf_counter() - t0 > args.max_seconds:
            gen.cancel()
    elapsed = time.perf_counter() - t1
    return {"backend": args.backend, "device": args.device, "precision": args.precision, "relax": args.relax,
            "residues": len(protein.aatype), "frames_asked": args.frames,
            "frames_done": done, "mode": args.mode, "load_s": round(load_s, 3), "first_frame_s": round(first, 3),
            "first_frame_after_command_s": round(since_command, 3),
            "frames_per_s": round((done - 1) / elapsed, 2) if done > 1 else None,
            "peak_rss_mib": peak_rss_mib(), "peak_gpu_mib": peak_gpu_mib(args.backend, args.device),
            "rss_mib_at_frame": rss}


def make_checkpoints(preset: str, steps: int, folder: Path, weights: str | None = None) -> dict[str, Path]:
    """Random weights of ``preset`` (seeded), or the trained ``weights``, as safetensors and ONNX."""
    import torch

    from trajgen.engine.backends.export import export_onnx
    from trajgen.engine.checkpoint import save_checkpoint
    from trajgen.engine.flow.process import FlowConfig
    from trajgen.engine.model import preset as make_preset
    from trajgen.engine.model.network import Denoiser

    if weights is not None:
        from dataclasses import replace

        from trajgen.engine.checkpoint import load_model

        model, info = load_model(weights)
        flow = replace(info.flow, n_steps=steps)
        export_onnx(model, folder / "model.onnx", flow, step=info.step)
        return {"torch": Path(weights), "onnx": folder / "model.onnx"}
    torch.manual_seed(0)
    model, flow = Denoiser(make_preset(preset)), FlowConfig(n_steps=steps)
    save_checkpoint(folder / "model.safetensors", model, flow)
    export_onnx(model, folder / "model.onnx", flow)
    return {"torch": folder / "model.safetensors", "onnx": folder / "model.onnx"}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="default")
    p.add_argument("--steps", type=int, default=None, help="flow steps per frame (default: FlowConfig's)")
    p.add_argument("--residues", default="50,100,200,400,800")
    p.add_argument("--frames", default="100")
    p.add_argument("--backends", default="torch,onnx")
    p.add_argument("--mode", default="single", choices=("single", "hierarchical", "auto"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    p.add_argument("--precision", default="fp32", help="fp32, or bf16/fp16 (torch on CUDA)")
    p.add_argument("--max-seconds", type=float, default=120.0, help="stop a case after this long")
    p.add_argument("--weights", help="a trained .safetensors checkpoint instead of random weights")
    p.add_argument("--relax", default="on", help="comma list of on/off: relaxation of every frame")
    p.add_argument("--case", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--pdb", help=argparse.SUPPRESS)
    p.add_argument("--checkpoint", help=argparse.SUPPRESS)
    p.add_argument("--backend", help=argparse.SUPPRESS)
    p.add_argument("--t-launch", type=float, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.case:
        args.frames = int(args.frames)
        print(json.dumps(run_case(args)))
        return
    from trajgen.engine.flow.process import FlowConfig

    steps = args.steps or FlowConfig().n_steps
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        checkpoints = make_checkpoints(args.preset, steps, Path(tmp), args.weights)
        for n_res in [int(r) for r in args.residues.split(",")]:
            pdb = tiled_pdb(max(1, n_res // 50), Path(tmp) / f"p{n_res}.pdb")
            for frames in args.frames.split(","):
                for backend, relax in ((b, r) for b in args.backends.split(",") for r in args.relax.split(",")):
                    cmd = [sys.executable, __file__, "--case", "--pdb", str(pdb), "--checkpoint",
                           str(checkpoints[backend]), "--backend", backend, "--frames", frames, "--mode", args.mode,
                           "--relax", relax,
                           "--threads", str(args.threads), "--max-seconds", str(args.max_seconds),
                           "--device", args.device, "--precision", args.precision, "--t-launch", str(time.time())]
                    out = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ))
                    if out.returncode != 0:
                        print(out.stderr[-2000:], file=sys.stderr)
                        continue
                    row = json.loads(out.stdout.strip().splitlines()[-1])
                    row.update(preset=args.weights or args.preset, steps=steps)
                    print(json.dumps(row), flush=True)
                    rows.append(row)
    print("\n| backend | device | relax | residues | frames done/asked | load (s) | first frame (s) "
          "| first frame after command (s) | frames/s | peak RSS (MiB) | RSS at frame (MiB) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['backend']} | {r['device']} {r['precision']} | {r['relax']} | {r['residues']} "
              f"| {r['frames_done']}/{r['frames_asked']} "
              f"| {r['load_s']} | {r['first_frame_s']} | {r['first_frame_after_command_s']} "
              f"| {r['frames_per_s']} | {r['peak_rss_mib']} | {r['rss_mib_at_frame']} |")


if __name__ == "__main__":
    main()
