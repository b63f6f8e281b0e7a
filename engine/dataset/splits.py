"""Training/validation splits by sequence identity, with a held-out set that never leaks in.

1. Every protein with identity >= ``threshold`` to any held-out sequence is excluded.
2. The rest is clustered (single linkage: two proteins share a cluster when their identity is
   >= ``threshold``), and whole clusters go to validation until ``val_fraction`` of the
   proteins is reached, so no validation protein has a close relative in training.

Identity is ``trajgen.engine.dataset.alignment.identity`` (identical pairs over the shorter
length, end-gap-free global alignment, BLOSUM62). Multi-chain sequences (chains joined by '/')
are compared chain by chain; the highest identity counts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from trajgen.engine.dataset.alignment import AlignmentConfig, identity
from trajgen.engine.errors import TrajgenError


@dataclass(frozen=True)
class SplitConfig:
    """Identity threshold (fraction), validation share and seed of the split."""

    threshold: float = 0.40
    val_fraction: float = 0.10
    seed: int = 0
    alignment: AlignmentConfig = field(default_factory=AlignmentConfig)


@dataclass
class Split:
    """Protein names per part; ``excluded`` maps a name to (held-out name, identity) that ruled it out."""

    train: list[str]
    val: list[str]
    excluded: dict[str, tuple[str, float]]


def read_fasta(path: Path) -> dict[str, str]:
    """{name: sequence} of a FASTA file; the name is the header's first word."""
    records: dict[str, str] = {}
    name = None
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line.startswith(">"):
            name = line[1:].split()[0] if line[1:].split() else f"seq{len(records)}"
            records[name] = ""
        elif line and name is not None:
            records[name] += line.replace(" ", "")
    if not records:
        raise TrajgenError(f"{path} holds no FASTA records.")
    return records


def max_identity(a: str, b: str, config: AlignmentConfig = AlignmentConfig()) -> float:
    """Highest identity between any chain of ``a`` and any chain of ``b`` (chains split at '/')."""
    return max(identity(x, y, config) for x in a.split("/") if x for y in b.split("/") if y)


def closest(sequence: str, references: dict[str, str], config: AlignmentConfig = AlignmentConfig()) -> tuple[str, float]:
    """(name, identity) of the reference most identical to ``sequence``."""
    scored = [(max_identity(sequence, ref, config), name) for name, ref in references.items()]
    best, name = max(scored)
    return name, best


def heldout_exclusions(sequences: dict[str, str], heldout: dict[str, str],
                       config: SplitConfig = SplitConfig()) -> dict[str, tuple[str, float]]:
    """{name: (held-out name, identity)} for every sequence at or above the threshold."""
    out = {}
    for name, seq in sequences.items():
        ref, ident = closest(seq, heldout, config.alignment)
        if ident >= config.threshold:
            out[name] = (ref, ident)
    return out


def identity_clusters(sequences: dict[str, str], config: SplitConfig = SplitConfig()) -> list[list[str]]:
    """Single-linkage clusters at ``config.threshold`` (each cluster sorted, clusters by first name)."""
    names = sorted(sequences)
    parent = {n: n for n in names}

    def root(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if root(a) != root(b) and max_identity(sequences[a], sequences[b], config.alignment) >= config.threshold:
                parent[root(b)] = root(a)
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(root(n), []).append(n)
    return sorted(groups.values())


def split_by_identity(sequences: dict[str, str], heldout: dict[str, str],
                      config: SplitConfig = SplitConfig()) -> Split:
    """Exclude held-out relatives, then put whole identity clusters into validation (seeded)."""
    excluded = heldout_exclusions(sequences, heldout, config)
    kept = {n: s for n, s in sequences.items() if n not in excluded}
    clusters = identity_clusters(kept, config)
    random.Random(config.seed).shuffle(clusters)
    target = round(config.val_fraction * len(kept))
    val: list[str] = []
    train: list[str] = []
    for cluster in clusters:
        (val if len(val) + len(cluster) <= target and len(val) < target else train).extend(cluster)
    return Split(train=sorted(train), val=sorted(val), excluded=excluded)
