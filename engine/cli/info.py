"""``trajgen info FILE``: what trajgen sees in a structure and what it would simulate."""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "info", help="describe a structure: chains, residues, what would be simulated and what is set aside",
        description="Read a PDB or mmCIF file (optionally gzipped) and report its protein chains, what "
                    "trajgen would simulate, and everything it would set aside, with the reason.")
    p.add_argument("structure", help="PDB or mmCIF file (.pdb, .cif, optionally .gz)")
    p.add_argument("--model", type=int, default=1, help="model number for multi-model (NMR) files (default 1)")
    p.add_argument("--chains", help="comma-separated chain ids to keep (default: all protein chains)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..structure import load_protein
    from ..structure.report import describe

    chains = args.chains.split(",") if args.chains else None
    protein = load_protein(args.structure, model=args.model, chains=chains)
    for line in describe(protein):
        print(line)
    return 0
