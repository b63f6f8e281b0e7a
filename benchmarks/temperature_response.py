"""Does a generator's motion grow with temperature as MD's does? Mean Calpha RMSF at 350 K over 300 K.

The generator runs each held-out reference structure at both temperatures (same seed, length and
interval); the ratio of mean Calpha RMSF (frames superposed on their mean) is compared with the
same ratio measured on trajgen's own MD (``data/md``: runs of one protein and plan at both
temperatures, ``trajgen.engine.evaluate.temperature``).

    .venv/bin/python benchmarks/temperature_response.py --checkpoint best.onnx --length 20ns --interval 100ps
    .venv/bin/python benchmarks/temperature_response.py --generator enm
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

from trajgen.engine.evaluate.temperature import mean_ca_rmsf, temperature_pairs
from trajgen.engine.generate import GenerationRequest, TrajectoryGenerator
from trajgen.engine.md.manifest import finished_rows
from trajgen.engine.structure import load_protein
from trajgen.engine.units import parse_time_ps

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "data" / "reference"


def generated_ca_rmsf(protein, request: GenerationRequest, backend) -> float:
    return mean_ca_rmsf(np.stack([f.positions[:, 1] for f in TrajectoryGenerator(protein, request, backend)]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint")
    p.add_argument("--generator", default="model", choices=("model", "enm"))
    p.add_argument("--length", default="20ns")
    p.add_argument("--interval", default="100ps")
    p.add_argument("--targets", nargs="+", default=["ntl9_2hbaA00_320K", "trpcage_1l2y", "lambda_lysozyme_1am7"])
    p.add_argument("--md", type=Path, default=ROOT / "data" / "md")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    backend = None
    if args.generator == "model":
        from trajgen.engine.backends.select import load_backend

        backend = load_backend(args.checkpoint, device="cpu", threads=1)
    length, interval = parse_time_ps(args.length), parse_time_ps(args.interval)
    print("| target | RMSF 300 K (A) | RMSF 350 K (A) | ratio |")
    print("|---|---|---|---|")
    ratios = []
    for target in args.targets:
        protein = load_protein(REFERENCE / f"{target}.pdb")
        low, high = (generated_ca_rmsf(protein, GenerationRequest(length, interval, t, args.seed, generator=args.generator),
                                  backend) for t in (300.0, 350.0))
        ratios.append(high / low)
        print(f"| {target} | {low:.2f} | {high:.2f} | {high / low:.2f} |")
    md = [pair.ratio for pair in temperature_pairs(args.md, finished_rows(args.md))]
    md_text = f"{statistics.median(md):.2f} (median of {len(md)} proteins)" if md else "none measured yet"
    print(f"\ngenerator median ratio {statistics.median(ratios):.2f}; our MD's 350/300 K ratio: {md_text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
