"""How much motion temperature adds in real MD: the 350 K / 300 K RMSF ratio of trajgen's own runs.

The learned model's temperature response is judged against this number (issue: "mean RMSF rises
from 300 K to 350 K by about what our own MD shows"). Only runs of the same plan are paired
(same protein, tier label, length and frame spacing), so both temperatures had the same time to
explore. RMSF: Calpha atoms, every frame superposed on the run's mean structure (two passes).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

import mdtraj
import numpy as np

from trajgen.engine.evaluate.fidelity import rmsf
from trajgen.engine.geometry.superpose import superpose


@dataclass(frozen=True)
class TemperaturePair:
    """One protein's mean Calpha RMSF (Angstrom) at the low and the high temperature."""

    protein: str
    label: str
    length_ps: float
    rmsf_low_A: float
    rmsf_high_A: float

    @property
    def ratio(self) -> float:
        return self.rmsf_high_A / self.rmsf_low_A


def mean_ca_rmsf(ca: np.ndarray) -> float:
    """Mean RMSF (Angstrom) of Calpha frames (F, L, 3) A, superposed on the first frame, then on their mean."""
    fitted = superpose(ca, ca[0])
    return float(rmsf(superpose(fitted, fitted.mean(axis=0))).mean())


def run_ca_rmsf(folder: Path, row: dict) -> float:
    """``mean_ca_rmsf`` of one manifest row's trajectory."""
    traj = mdtraj.load(str(Path(folder) / row["xtc"]), top=str(Path(folder) / row["topology"]))
    return mean_ca_rmsf(traj.xyz[:, traj.topology.select("name CA")] * 10.0)


def temperature_pairs(folder: Path, rows: list[dict], low_K: float = 300.0, high_K: float = 350.0) -> list[TemperaturePair]:
    """Every (protein, plan) run at both temperatures, with its two mean RMSFs."""
    def plan(r):
        return (r["protein"], r.get("label", ""), r["length_ps"], r["stride_ps"])

    low = {plan(r): r for r in rows if r["temperature_K"] == low_K}
    high = {plan(r): r for r in rows if r["temperature_K"] == high_K}
    return [TemperaturePair(k[0], k[1], k[2], run_ca_rmsf(folder, low[k]), run_ca_rmsf(folder, high[k]))
            for k in sorted(low.keys() & high.keys())]


def ratio_table(pairs: list[TemperaturePair], low_K: float = 300.0, high_K: float = 350.0) -> str:
    """Markdown table of the pairs and their median ratio."""
    lines = [f"| protein | runs | length (ps) | RMSF {low_K:g} K (A) | RMSF {high_K:g} K (A) | ratio |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {p.protein} | {p.label or '-'} | {p.length_ps:g} | {p.rmsf_low_A:.2f} | {p.rmsf_high_A:.2f} | "
              f"{p.ratio:.2f} |" for p in pairs]
    if pairs:
        lines.append(f"| median of {len(pairs)} | | | | | {statistics.median(p.ratio for p in pairs):.2f} |")
    return "\n".join(lines)
