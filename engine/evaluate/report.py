"""Markdown and JSON reports of evaluation results.

``report_dict`` is the machine-readable form (nan written as null); ``write_report`` writes
``report.md``, ``metrics.json`` and the PNG figures of every target into one folder.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

from trajgen.engine.evaluate.compare import PairResult, aggregate

# (key, label, format) of the per-target table rows, in order.
TABLE_ROWS = (
    ("pairwise_rmsd_gen_A", "pairwise Cα RMSD, method (Å)", ".2f"),
    ("pairwise_rmsd_ref_A", "pairwise Cα RMSD, MD (Å)", ".2f"),
    ("rmsf_mean_gen_A", "mean heavy-atom RMSF, method (Å)", ".2f"),
    ("rmsf_mean_ref_A", "mean heavy-atom RMSF, MD (Å)", ".2f"),
    ("rmsf_pearson", "RMSF Pearson r", ".2f"),
    ("rmwd_A", "RMWD (Å)", ".2f"),
    ("rmwd_translation_A", "RMWD translation part (Å)", ".2f"),
    ("rmwd_variance_A", "RMWD variance part (Å)", ".2f"),
    ("md_pca_w2_A", "MD PCA W2 (Å)", ".2f"),
    ("joint_pca_w2_A", "joint PCA W2 (Å)", ".2f"),
    ("pc_sim", "PC-sim (|cos| PC1)", ".2f"),
    ("coverage_jsd", "coverage JSD (bits, lower better)", ".2f"),
    ("coverage_recall", "coverage recall", ".2f"),
    ("weak_contact_jaccard", "weak-contact Jaccard", ".2f"),
    ("transient_contact_jaccard", "transient-contact Jaccard", ".2f"),
    ("exposed_residue_jaccard", "exposed-residue Jaccard", ".2f"),
    ("decorrelation_pc1_gen_ps", "PC1 decorrelation time, method (ps)", ".0f"),
    ("decorrelation_pc1_ref_ps", "PC1 decorrelation time, MD (ps)", ".0f"),
    ("decorrelation_tic1_gen_ps", "tIC1 decorrelation time, method (ps)", ".0f"),
    ("decorrelation_tic1_ref_ps", "tIC1 decorrelation time, MD (ps)", ".0f"),
    ("acf_pc1_deviation", "PC1 autocorrelation deviation", ".2f"),
    ("acf_tic1_deviation", "tIC1 autocorrelation deviation", ".2f"),
    ("rmsd_lag_deviation_A", "RMSD-vs-lag deviation (Å)", ".2f"),
    ("vamp2_gen", "VAMP-2 score, method", ".2f"),
    ("vamp2_ref", "VAMP-2 score, MD", ".2f"),
    ("valid_fraction", "valid frames, method", ".1%"),
    ("valid_fraction_ref", "valid frames, MD", ".1%"),
    ("ca_clash_fraction", "frames with a Cα clash", ".1%"),
    ("chain_break_fraction", "frames with a chain break", ".1%"),
    ("heavy_clash_fraction", "frames with a heavy-atom clash", ".1%"),
    ("rama_fail_fraction", "frames over the MD Ramachandran limit", ".1%"),
    ("rotamer_fail_fraction", "frames over the MD chi1 rotamer limit", ".1%"),
    ("bond_rms_A", "bond-length RMS deviation (Å)", ".3f"),
    ("angle_rms_deg", "bond-angle RMS deviation (°)", ".1f"),
)

AGGREGATE_ROWS = (
    ("pairwise_rmsd_pearson", "pairwise RMSD r across targets", ".2f"),
    ("global_rmsf_pearson", "global RMSF r (all atoms pooled)", ".2f"),
    ("median_rmsf_pearson", "median per-target RMSF r", ".2f"),
    ("median_rmwd_A", "median RMWD (Å)", ".2f"),
    ("median_md_pca_w2_A", "median MD PCA W2 (Å)", ".2f"),
    ("median_joint_pca_w2_A", "median joint PCA W2 (Å)", ".2f"),
    ("pc_sim_success_fraction", "PC-sim > 0.5", ".0%"),
    ("median_weak_contact_jaccard", "median weak-contact Jaccard", ".2f"),
    ("median_transient_contact_jaccard", "median transient-contact Jaccard", ".2f"),
    ("median_exposed_residue_jaccard", "median exposed-residue Jaccard", ".2f"),
    ("median_coverage_jsd", "median coverage JSD", ".2f"),
    ("median_coverage_recall", "median coverage recall", ".2f"),
    ("median_valid_fraction", "median valid frames", ".1%"),
    ("median_valid_fraction_ref", "median valid frames of the MD reference", ".1%"),
)


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def report_dict(results: list[PairResult], settings: dict | None = None) -> dict:
    """JSON-ready nested dict: targets -> methods -> metrics and skipped checks; per-method aggregates."""
    targets: dict = defaultdict(dict)
    by_method: dict = defaultdict(list)
    for res in results:
        targets[res.target][res.method] = {"metrics": {k: _clean(v) for k, v in res.metrics.items()},
                                           "skipped": list(dict.fromkeys(res.skipped))}
        by_method[res.method].append(res)
    aggregates = {m: {k: _clean(v) for k, v in aggregate(rs).items()} for m, rs in by_method.items()}
    return {"settings": settings or {}, "targets": dict(targets), "aggregate": aggregates}


def format_value(value, fmt: str) -> str:
    """``value`` formatted with the format spec ``fmt``, or "n/a" when missing."""
    return "n/a" if value is None else format(value, fmt)


def markdown_table(rows, columns: dict[str, dict], header: str) -> list[str]:
    """Markdown rows: one per (key, label, format spec) of ``rows``, one column per entry of ``columns``."""
    methods = list(columns)
    lines = [f"| {header} | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
    for key, label, fmt in rows:
        lines.append(f"| {label} | " + " | ".join(format_value(columns[m].get(key), fmt) for m in methods) + " |")
    return lines


def markdown(report: dict, figures: dict[str, list[str]], title: str, preamble: str = "") -> str:
    """The Markdown text of a report made by ``report_dict``; figures: target -> PNG file names."""
    lines = [f"# {title}", ""]
    if preamble:
        lines += [preamble, ""]
    if len(report["targets"]) > 1:
        lines += ["## Across targets", ""]
        lines += markdown_table(AGGREGATE_ROWS, report["aggregate"], "metric") + [""]
    for target, methods in report["targets"].items():
        lines += [f"## {target}", ""]
        lines += markdown_table(TABLE_ROWS, {m: v["metrics"] for m, v in methods.items()}, "metric") + [""]
        notes = sorted({f"{m}: {note}" for m, v in methods.items() for note in v["skipped"]})
        lines += [f"- {n}" for n in notes] + ([""] if notes else [])
        lines += [f"![{name}]({name})" for name in figures.get(target, [])] + [""]
    return "\n".join(lines)


def write_report(results: list[PairResult], out_dir: str | Path, title: str, settings: dict | None = None,
                 preamble: str = "", plots: bool = True) -> Path:
    """Write report.md, metrics.json and (with ``plots``) PNG figures into ``out_dir``; returns report.md."""
    from trajgen.engine.evaluate.plots import plot_all

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = report_dict(results, settings)
    figures: dict[str, list[str]] = {}
    if plots:
        by_target: dict = defaultdict(list)
        for res in results:
            by_target[res.target].append(res)
        figures = {t: [p.name for p in plot_all(rs, out)] for t, rs in by_target.items()}
    (out / "metrics.json").write_text(json.dumps(report, indent=1, sort_keys=False) + "\n")
    path = out / "report.md"
    path.write_text(markdown(report, figures, title, preamble))
    return path
