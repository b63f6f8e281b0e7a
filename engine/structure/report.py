"""StructureReport: what trajgen did with everything in an input structure, said plainly; describe(protein)
turns a Protein and its report into the lines `trajgen info` and the viewers print."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


def _short_list(items: list[str], limit: int = 6) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


@dataclass
class StructureReport:
    """Everything set aside, mapped, rebuilt or noticed while turning atoms into a Protein.

    Residue labels look like ``"A:45 LYS"`` (chain:number+insertion code, residue name).
    """

    source: str
    notes: list[str] = field(default_factory=list)
    hydrogens_removed: int = 0
    set_aside: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    mapped: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    backbone_only: list[str] = field(default_factory=list)
    missing_atoms: list[str] = field(default_factory=list)
    ignored_atoms: list[str] = field(default_factory=list)
    chain_breaks: list[str] = field(default_factory=list)
    trimmed: list[str] = field(default_factory=list)
    chains: list[tuple[str, int]] = field(default_factory=list)

    def set_aside_residue(self, kind: str, resname: str, label: str) -> None:
        """Record a residue left out of the simulation (kind: water, ion, ligand, nucleic acid)."""
        self.set_aside[(kind, resname)].append(label)

    @property
    def warnings(self) -> list[str]:
        """Lines a user should see before trusting the result (mapping, missing atoms, breaks)."""
        out = [f"modified residue {old} treated as {new}: {_short_list(labels)}"
               for (old, new), labels in self.mapped.items()]
        if self.backbone_only:
            out.append(f"nonstandard residues kept as backbone only (N, CA, C, O): "
                       f"{_short_list(self.backbone_only)}")
        if self.trimmed:
            out.append(f"terminal residues without a complete backbone left out: {_short_list(self.trimmed)}")
        if self.missing_atoms:
            out.append(f"missing heavy atoms (rebuilt from ideal geometry): {_short_list(self.missing_atoms)}")
        if self.ignored_atoms:
            out.append(f"unexpected atoms ignored: {_short_list(self.ignored_atoms)}")
        out += [f"chain break: {b}" for b in self.chain_breaks]
        return out

    def set_aside_lines(self) -> list[str]:
        """One line per kind and residue name of what was left out, with counts."""
        lines = []
        for (kind, resname), labels in sorted(self.set_aside.items()):
            lines.append(f"{len(labels)} {kind} residue{'s' if len(labels) > 1 else ''} {resname}"
                         f" ({_short_list(labels, 4)})")
        if self.hydrogens_removed:
            lines.append(f"{self.hydrogens_removed} hydrogen atoms removed (trajgen models heavy atoms)")
        return lines

    def lines(self) -> list[str]:
        """The whole report as text lines (for the CLI, viewer logs and error messages)."""
        chains = ", ".join(f"{cid or '(blank)'} ({n} residues)" for cid, n in self.chains)
        out = [f"source: {self.source}"] + [f"note: {n}" for n in self.notes]
        if chains:
            out.append(f"protein chains simulated: {chains}")
        out += [f"set aside: {s}" for s in self.set_aside_lines()]
        out += [f"warning: {w}" for w in self.warnings]
        return out

    def set_aside_summary(self) -> str:
        """One sentence of what a file held besides protein, for 'no protein' errors."""
        parts = [f"{len(v)} {k[0]} ({k[1]})" for k, v in sorted(self.set_aside.items())]
        return ", ".join(parts) if parts else "nothing recognisable"


def describe(protein) -> list[str]:
    """Lines about a `Protein` for people (``trajgen info``, the viewers' info commands): residues and
    heavy atoms, per chain its residue range and sequence, then the structure report."""
    lines = [f"{protein.n_residues} residues, {protein.n_atoms} heavy atoms in "
             f"{len(protein.report.chains)} protein chain(s)"]
    for chain, n in protein.report.chains:
        rows = protein.chain_ids == chain
        first, last = protein.residue_numbers[rows][[0, -1]]
        seq = "".join("ARNDCQEGHILKMFPSTWYVX"[a] for a in protein.aatype[rows])
        lines.append(f"  chain {chain or '(blank)'}: {n} residues ({first}-{last}) {seq}")
    lines += protein.report.lines()[1:]
    return lines
