"""``trajgen evaluate``: a generated trajectory against reference MD of the same protein.

Prints a table of metrics (or JSON with ``--json``) and, with ``--report DIR``, writes a
Markdown report with PNG figures. Heavy imports happen inside ``run``.
"""

from __future__ import annotations

import argparse

EPILOG = """Frame spacing: by default read from each file (the DCD header's time step, XTC frame times).
When a file records none (PDB, a DCD whose header says 0) evaluate refuses to guess: give
--gen-dt-ps / --ref-dt-ps. Give them too when a file's times are wrong (some XTC files count frames).
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
    from trajgen.engine.evaluate.ensemble import load_runs, load_trajectory, prepare_pair
    from trajgen.engine.evaluate.report import TABLE_ROWS, report_dict, write_report

    gen = load_trajectory(args.gen, args.gen_top)
    ref, ref_runs = load_runs(args.ref, args.ref_top)
    gen_dt = _spacing_ps(args.gen_dt_ps, args.gen, gen, "--gen-dt-ps")
    ref_dt = _spacing_ps(args.ref_dt_ps, args.ref[0], ref, "--ref-dt-ps")
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


def _spacing_ps(given: float | None, path: str, traj, flag: str) -> float:
    """The frame spacing (ps): ``given``, else the file's own; refuses to guess when neither is known."""
    from trajgen.engine.evaluate.ensemble import EvaluationError, frame_spacing_ps

    if given is not None:
        if not given > 0:
            raise EvaluationError(f"{flag} must be a positive number of picoseconds, not {given:g}.")
        return float(given)
    spacing = frame_spacing_ps(path, traj)
    if spacing is None:
        raise EvaluationError(
            f"{path} does not record the time between its frames, so the time-dependent metrics "
            "(decorrelation times, autocorrelations, VAMP-2) cannot be computed without a guess; give it "
            f"with {flag} PS (trajgen's own DCD and XTC files record it).")
    return spacing
