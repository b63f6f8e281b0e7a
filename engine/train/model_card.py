"""Model card for a finished training run, and installing the run's weights as trajgen's default.

The card is built from what the run left behind, never typed by hand: the MD manifest rows of
the proteins it trained and validated on (simulated ns, temperatures, force field, MD compute),
``config.json`` (recipe), ``run_info.json`` (processes, devices, precision, split), ``train.csv`` /
``val.csv`` (losses, training time), the checkpoint header (model size, admitted strides and
temperatures) and, when given, the evaluation suite's ``metrics.json`` on the reference MD.

    python -m trajgen.engine.train.model_card runs/default_gpu --manifest data/md \\
        --metrics docs/eval_model/metrics.json --install engine/assets

``--install`` copies ``best.onnx`` and ``best.safetensors`` to ``trajgen_default.onnx`` /
``trajgen_default.safetensors`` (which ``generator auto`` and ``trajgen generate`` then use) and
writes ``MODEL_CARD.md`` beside them; it refuses weights over ``MAX_SHIPPED_MB``.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import struct
import sys
from collections import defaultdict
from pathlib import Path

from trajgen.engine.errors import TrainingError
from trajgen.engine.evaluate.report import format_value, markdown_table
from trajgen.engine.md.files import sha256_of

MAX_SHIPPED_MB = 50.0
CARD_NAME = "MODEL_CARD.md"
SHIPPED = {"best.onnx": "trajgen_default.onnx", "best.safetensors": "trajgen_default.safetensors"}

# (metrics.json aggregate key, table label, format spec) of the reference table (evaluate.report's layout).
EVAL_ROWS = (
    ("median_rmsf_pearson", "RMSF Pearson r (per-target median)", ".2f"),
    ("median_rmwd_A", "RMWD (A)", ".2f"),
    ("median_md_pca_w2_A", "MD-PCA W2 (A)", ".2f"),
    ("median_coverage_recall", "conformational coverage recall", ".2f"),
    ("median_acf_pc1_deviation", "PC1 autocorrelation deviation", ".2f"),
    ("median_valid_fraction", "valid frames", ".1%"),
    ("median_heavy_clash_fraction", "frames with a heavy-atom clash", ".1%"),
)


def _read_csv_rows(path: Path) -> list[dict[str, float]]:
    from trajgen.engine.train.logs import read_csv

    return read_csv(path) if path.exists() else []


def md_facts(manifests: list[Path], proteins: set[str]) -> dict:
    """Totals over the manifest rows of ``proteins``: runs, ns, temperatures, set-up and MD compute hours."""
    from trajgen.engine.md.manifest import read_manifest

    rows = [r for m in manifests for r in read_manifest(m) if r["protein"] in proteins]
    hours = defaultdict(float)
    for r in rows:
        ns = r["length_ps"] / 1000.0
        hours[r["platform"]] += 24.0 * ns / r["ns_per_day"] if r.get("ns_per_day") else 0.0
    return {
        "runs": len(rows),
        "proteins": len({r["protein"] for r in rows}),
        "total_ns": sum(r["length_ps"] for r in rows) / 1000.0,
        "temperatures_K": sorted({float(r["temperature_K"]) for r in rows}),
        "setups": sorted({f"{r['force_field']}, {r['solvent']}, {r['timestep_fs']:g} fs, frames every "
                          f"{r['stride_ps']:g} ps" for r in rows}),
        "residues": (min(r["n_residues"] for r in rows), max(r["n_residues"] for r in rows)) if rows else (0, 0),
        "md_hours_by_platform": dict(sorted(hours.items())),
    }


def public_md_facts(proteins: set[str]) -> list[dict]:
    """Rows of ``dataset.public_md.SYSTEMS`` the run trained or validated on (matched by protein name, as the
    loader names them), with the license and source line the card must cite."""
    from trajgen.engine.dataset.public_md import SYSTEMS

    used = [s for s in SYSTEMS if s.name in proteins]
    return [{"name": s.name, "protein": s.protein, "license": s.license, "source": s.source,
             "spacing_ps": s.spacing_ps, "temperature_K": s.temperature_K, "temperature_assumed": s.temperature_assumed}
            for s in used]


def card_facts(run_dir: Path, manifests: list[Path], metrics: Path | None = None) -> dict:
    """Everything the card states, read from the run folder, the manifests and the evaluation."""
    from trajgen.engine.checkpoint import read_info

    run_dir = Path(run_dir)
    best = run_dir / "best.safetensors"
    for needed in ("config.json", "run_info.json", "train.csv", "best.safetensors"):
        if not (run_dir / needed).exists():
            raise TrainingError(f"{run_dir} has no {needed}: is it the out_dir of a finished `trajgen train` run?")
    config = json.loads((run_dir / "config.json").read_text())
    info = json.loads((run_dir / "run_info.json").read_text())
    train_rows, val_rows = _read_csv_rows(run_dir / "train.csv"), _read_csv_rows(run_dir / "val.csv")
    ckpt = read_info(best)
    tail = train_rows[-5:]
    best_val = min(val_rows, key=lambda r: r["val_loss"]) if val_rows else None
    elapsed_h = train_rows[-1]["elapsed_s"] / 3600.0 if train_rows else 0.0
    files = {name: {"MB": (run_dir / name).stat().st_size / 2**20, "sha256": sha256_of(run_dir / name)}
             for name in SHIPPED if (run_dir / name).exists()}
    return {
        "model": ckpt.model, "flow_steps": ckpt.flow.n_steps, "version": ckpt.trajgen_version,
        "n_parameters": _parameter_count(best),
        "config": config, "run_info": info,
        "data": md_facts(manifests, set(info["train_proteins"]) | set(info["val_proteins"])),
        "public_md": public_md_facts(set(info["train_proteins"]) | set(info["val_proteins"])),
        "steps": int(train_rows[-1]["step"]) if train_rows else 0,
        "final_train_loss": sum(r["loss"] for r in tail) / len(tail) if tail else None,
        "best_val_loss": best_val["val_loss"] if best_val else None,
        "best_val_step": int(best_val["step"]) if best_val else None,
        "train_hours": elapsed_h,
        "device_hours": elapsed_h * info["world_size"],
        "files": files,
        "metrics": json.loads(Path(metrics).read_text()) if metrics else None,
    }


def _parameter_count(path: Path) -> int:
    """Number of weights in a ``.safetensors`` file, from its header (shapes of every tensor)."""
    with open(path, "rb") as fh:
        header = json.loads(fh.read(struct.unpack("<Q", fh.read(8))[0]))
    return sum(math.prod(t["shape"]) for k, t in header.items() if k != "__metadata__")


def render(facts: dict) -> str:
    """The card as Markdown."""
    m, d, info, cfg = facts["model"], facts["data"], facts["run_info"], facts["config"]
    optim = cfg["optim"]
    n_run = len(info["train_proteins"]) + len(info["val_proteins"])
    unit = "GPU" if info["device_type"] == "cuda" else "CPU-process"
    lines = [
        "# trajgen default model: model card", "",
        "Generated by `python -m trajgen.engine.train.model_card` from the training run; every number below is "
        "read from the run's files, the MD manifest and the evaluation suite.", "",
        "## Model", "",
        f"- Causal spatio-temporal SE(3) flow-matching transformer (`trajgen.engine.model`), "
        f"{facts['n_parameters'] / 1e6:.2f} M parameters: d_model {m.d_model}, {m.n_blocks} blocks, "
        f"{m.n_heads} heads, {_architecture(m)}; KV cache of {m.context_window} past frames + {m.n_anchor} anchor "
        f"(what a {m.train_frames}-frame training window shows); "
        f"{facts['flow_steps']} sampler steps per frame; trajgen {facts['version']}.",
        f"- Admits frame intervals {m.dt_min_ps:g}-{m.dt_max_ps:g} ps and temperatures "
        f"{m.temperature_min_K:g}-{m.temperature_max_K:g} K; trajgen refuses requests outside them.",
        "- Every generated frame is relaxed before it is kept and fed back as context (`trajgen.engine.rollout."
        "relax`): residues move as rigid bodies to rejoin chain links at the input's lengths and to separate "
        "clashing atoms, and backbone (phi, psi) and chi1 angles leave regions that hold under 5% of our training "
        "MD (`engine/assets/dihedral_prior.npz`). The numbers below include it.",
        "- Long runs are hierarchical (`trajgen.engine.rollout.hierarchical`): coarse levels at "
        f"{max(2, m.max_offset)}x, {max(2, m.max_offset) ** 2}x, ... the output interval, up to "
        f"{m.dt_max_ps:g} ps, each level's frames pulled onto the anchors above like a Brownian bridge; only the "
        "top level steps freely.",
        "- Calpha-only inputs run on a backbone rebuilt from the trace (`trajgen.engine.structure.calpha`).",
    ]
    for name, f in facts["files"].items():
        lines.append(f"- `{SHIPPED[name]}`: {f['MB']:.1f} MB, sha256 `{f['sha256']}`.")
    lines += [
        "", "## Training data", "",
        f"- {n_run} proteins ({len(info['train_proteins'])} training, {len(info['val_proteins'])} "
        f"validation: {', '.join(info['val_proteins'])}), {d['residues'][0]}-{d['residues'][1]} residues, "
        f"{d['runs']} OpenMM runs, {d['total_ns']:.4g} ns simulated in all, at "
        f"{', '.join(f'{t:g}' for t in d['temperatures_K'])} K.",
        *[f"- Set-up: {s}." for s in d["setups"]],
        *_public_md_lines(facts.get("public_md") or []),
        *_synthetic_lines(info, cfg["data"]),
        *([f"- {n_run - d['proteins']} of the run's {n_run} proteins are not in the manifests given (other "
           "caches, e.g. ATLAS or mdCATH); the MD numbers above cover the manifests only."]
          if d["proteins"] < n_run else []),
        "- No protein is >= 40% identical to any sequence of `heldout.fasta` (the split and the candidate "
        "screen enforce it); validation proteins have no >= 40% relative among the training proteins.",
        "- MD compute: " + ", ".join(f"{h:.3g} h on {p}" for p, h in d["md_hours_by_platform"].items()) + " "
        "(production time per run from its measured ns/day).",
        "", "## Training recipe and compute", "",
        f"- AdamW, lr {optim['lr']:g} (warm-up {optim['warmup_steps']} steps, cosine to "
        f"{optim['min_lr_ratio']:g}x), weight decay {optim['weight_decay']:g}, gradient clip {optim['grad_clip']:g}, "
        f"EMA {optim['ema_decay']:g}; {optim['batch_size']} windows of {cfg['data']['n_frames']} frames per process "
        f"and step, residue crop {cfg['data']['crop_residues']}, strides {cfg['data']['min_stride_ps']:g}-"
        f"{cfg['data']['max_stride_ps']:g} ps; {100 * cfg['data'].get('far_anchor_share', 0.0):.0f}% of steps show "
        "the trajectory's first frame as the anchor, far back (what a long rollout's anchor is).",
        f"- {facts['steps']} steps on {info['world_size']} x {info['device_name']} ({info['precision']}, "
        f"torch {info['torch']}): {facts['train_hours']:.3g} h wall, {facts['device_hours']:.3g} {unit}-hours.",
        f"- Final training loss (mean of the last 5 logged steps): {format_value(facts['final_train_loss'], '.4f')}; best "
        f"validation loss {format_value(facts['best_val_loss'], '.4f')} at step {facts['best_val_step']} (EMA weights; the "
        "shipped weights are that checkpoint).",
    ]
    lines += _eval_lines(facts["metrics"])
    lines += [
        "", "## Limits", "",
        "- Learned from implicit-solvent MD of single small domains: no explicit water, ions, membranes, "
        "ligands, cofactors or nucleic acids; those are removed from inputs.",
        f"- Seen proteins of {d['residues'][0]}-{d['residues'][1]} residues; longer chains are generated "
        "but were cropped in training.",
        f"- Only {', '.join(f'{t:g}' for t in d['temperatures_K'])} K were simulated; at other temperatures "
        "the model relies on its temperature conditioning alone.",
        f"- {d['total_ns']:.4g} ns of MD in all: rare events (folding, large domain motions, slow loop "
        "rearrangements) beyond a run's length are not in the data and will not be reproduced.",
        "- The reference MD uses other force fields and solvents (CHARMM22*/TIP3P, ...); differences from it "
        "mix model error with force-field differences.",
        "- The relaxation's dihedral prior is generic: a residue that is genuinely in a rare (phi, psi) or chi1 "
        "state (under 5% of training MD), even in the input structure, is moved out of it in generated frames.",
    ]
    return "\n".join(lines) + "\n"


def _architecture(m) -> str:
    """The attention pattern in words, from the checkpoint's config."""
    if m.temporal == "joint":
        return (f"invariant point attention over each residue's {m.neighbors} nearest residues and joint "
                f"spatio-temporal attention over its {m.temporal_neighbors} nearest in every visible frame "
                "(cost linear in protein size)")
    space = f"its {m.neighbors} nearest residues" if m.neighbors else "all residue pairs"
    return f"invariant point attention over {space} and factorized time attention (each residue over itself)"


def _synthetic_lines(info: dict, data: dict) -> list[str]:
    """How much of the training was synthetic (elastic-network) data, from run_info and [data]."""
    proteins = info.get("synthetic_proteins") or []
    if not proteins:
        return []
    share = f"{data.get('synthetic_share', 0):g}"
    if data.get("synthetic_share_final") is not None and data.get("synthetic_schedule_steps"):
        share += f" of the windows at step 0, moving to {data['synthetic_share_final']:g} at step {data['synthetic_schedule_steps']}"
    else:
        share += " of the windows"
    return [f"- Synthetic pretraining data: elastic-network Langevin trajectories (`trajgen data synthetic`) of "
            f"{len(proteins)} candidate structures, {info.get('synthetic_trajectories', 0)} trajectories; backbone "
            f"frames and omega/phi/psi only (the ENM's rigid side chains are masked); {share} (validation: MD only)."]


def _public_md_lines(rows: list[dict]) -> list[str]:
    """One line per public MD system the run used: what it is, its spacing and temperature, license, source."""
    lines = []
    for r in rows:
        spacing = f"frames {r['spacing_ps']:g} ps apart" if r["spacing_ps"] is not None else "frame spacing unknown"
        temperature = f"{r['temperature_K']:g} K" + (" (assumed: the source does not state it)"
                                                      if r["temperature_assumed"] else "")
        lines.append(f"- Public MD `{r['name']}` ({r['protein']}; {spacing}; {temperature}): "
                     f"{r['source']}, license {r['license']}.")
    if rows:
        lines.append("- The public MD comes from other projects' example and test data (shared/data/public_md): "
                     "force fields, solvents (membranes, explicit water) and temperatures differ from trajgen's "
                     "own runs and are mostly unstated; ligands, DNA and caps were stripped.")
    return lines


def _eval_lines(metrics: dict | None) -> list[str]:
    if not metrics:
        return ["", "## Evaluation on the reference MD", "", "- Not run for this card."]
    agg = metrics["aggregate"]
    methods = [k for k in ("trajgen model", "ENM Langevin", "MD 2nd half") if k in agg]
    lines = ["", "## Evaluation on the reference MD", "",
             "`python -m trajgen.engine.evaluate.suite --checkpoint ...`: each reference trajectory's first half is "
             f"the reference; targets: {', '.join(metrics['targets'])}. Medians over targets.", ""]
    return lines + markdown_table(EVAL_ROWS, {m: agg[m] for m in methods}, "metric")


def install(run_dir: Path, card: str, assets: Path) -> list[Path]:
    """Copy the run's best weights into ``assets`` under the shipped names, with the card; returns the files."""
    written = []
    for name, shipped in SHIPPED.items():
        source = Path(run_dir) / name
        if not source.exists():
            raise TrainingError(f"{source} is missing: the run did not finish (best.onnx is exported at the end).")
        size_mb = source.stat().st_size / 2**20
        if size_mb > MAX_SHIPPED_MB:
            raise TrainingError(f"{source} is {size_mb:.1f} MB, over the {MAX_SHIPPED_MB:g} MB allowed in the package.")
    assets.mkdir(parents=True, exist_ok=True)
    for name, shipped in SHIPPED.items():
        shutil.copyfile(Path(run_dir) / name, assets / shipped)
        written.append(assets / shipped)
    (assets / CARD_NAME).write_text(card)
    return written + [assets / CARD_NAME]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the model card of a training run (and install its weights).")
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--manifest", type=Path, nargs="+", required=True, help="MD folders the run trained on")
    parser.add_argument("--metrics", type=Path, help="metrics.json of the evaluation suite run with this model")
    parser.add_argument("--install", type=Path, help="copy the weights here as trajgen's default, with the card")
    args = parser.parse_args(argv)
    try:
        card = render(card_facts(args.run_dir, args.manifest, args.metrics))
        if args.install:
            for path in install(args.run_dir, card, args.install):
                print(f"wrote {path}")
        else:
            sys.stdout.write(card)
    except TrainingError as err:
        print(f"trajgen: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
