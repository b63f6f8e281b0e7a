"""``trajgen evaluate``: a generated trajectory against reference MD of the same protein.

Prints a table of metrics (or JSON with ``--json``) and, with ``--report DIR``, writes a
Markdown report with PNG figures. Heavy imports happen inside ``run``.
"""

from __future__ import annotations

import argparse

EPILOG = """Frame spacing: by default read from each file's time field. Give --gen-dt-ps / --ref-dt-ps
when the file's times are wrong (some XTC files count frames instead of picoseconds).
Example: trajgen evaluate gen.dcd md.xtc --gen-top start.pdb --ref-top md.pdb --ref-dt-ps 1000 --report out/"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``evaluate`` subcommand on the trajgen parser."""
    p = subparsers.add_parser("evaluate", help="compare a generated trajectory with reference MD",
                              description=__doc__.splitlines()[0], epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("gen", help="generated trajectory (any format mdtraj reads)")
    p.add_argument("ref", nargs="+", help="reference MD trajectory of the same protein; several files are "
                   "replicas, pooled as in the ATLAS protocol (lagged statistics stay within each)")
    p.add_argument("--gen-top", help="topology for GEN (PDB), when its format has none")
    p.add_argument("--ref-top", help="topology for REF (PDB), when its format has none")
    p.add_argument("--gen-dt-ps", type=float, help="time between GEN frames in ps")
    p.add_argument("--ref-dt-ps", type=float, help="time between REF frames in ps")
    p.add_argument("--target", default=None, help="name of the protein in the report (default: REF file name)")
    p.add_argument("--label", default="generated", help="name of the method in the report")
    p.add_argument("--report", metavar="DIR", help="write report.md, metrics.json and PNG figures here")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--seed", type=int, default=0, help="seed of the subsampling in W2 (default 0)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Evaluate, print, and optionally write the report; returns the exit code."""
    import json
    from pathlib import Path

    from trajgen.engine.evaluate.compare import EvalConfig, evaluate_pair
    from trajgen.engine.evaluate.ensemble import file_timestep_ps, load_runs, load_trajectory, prepare_pair
    from trajgen.engine.evaluate.report import TABLE_ROWS, report_dict, write_report

    gen = load_trajectory(args.gen, args.gen_top)
    ref, ref_runs = load_runs(args.ref, args.ref_top)
    gen_dt = args.gen_dt_ps or file_timestep_ps(gen)
    ref_dt = args.ref_dt_ps or file_timestep_ps(ref)
    target = args.target or Path(args.ref[0]).stem
    gen_ens, ref_ens, start = prepare_pair(gen, ref, gen_dt, ref_dt, args.label, "MD", ref_runs=ref_runs)
    result = evaluate_pair(gen_ens, ref_ens, start, target, args.label, EvalConfig(seed=args.seed))
    settings = {"gen": args.gen, "ref": args.ref, "gen_dt_ps": gen_dt, "ref_dt_ps": ref_dt, "seed": args.seed}
    if args.report:
        path = write_report([result], args.report, f"trajgen evaluation: {target}", settings)
        if not args.json:
            print(f"report written to {path}")
    if args.json:
        print(json.dumps(report_dict([result], settings), indent=1))
        return 0
    width = max(len(label) for _, label, _ in TABLE_ROWS)
    for key, label, fmt in TABLE_ROWS:
        value = result.metrics.get(key)
        text = "n/a" if value is None or value != value else format(value, fmt)
        print(f"{label:<{width}}  {text}")
    for note in dict.fromkeys(result.skipped):
        print(f"note: {note}")
    return 0
