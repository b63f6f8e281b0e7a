"""``trajgen data ...`` subcommands: molecular-dynamics data generation.

The lead's ``trajgen.engine.cli`` calls ``add_parser(subparsers)``; every leaf parser sets
``func(args) -> int`` (the exit status) through ``set_defaults``.

    trajgen data simulate a.pdb b.pdb --out md/ --temperatures 300 350 --production-ps 1000
    trajgen data featurize --manifest md/ --atlas atlas/ --mdcath d1.h5 --out cache/
    trajgen data split a.pdb b.pdb --manifest md/ --heldout heldout.fasta --out split.json
    trajgen data dihedral-prior data/cache/md/*.npz --heldout heldout.fasta --out engine/assets/dihedral_prior.npz
    trajgen data calpha-backbone candidates/*.pdb --heldout heldout.fasta --out engine/assets/calpha_backbone.npz
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from trajgen.engine.md.config import PLATFORMS, SOLVENTS, BatchConfig


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``data`` (with its ``simulate`` subcommand) on an argparse subparsers object."""
    data = subparsers.add_parser("data", help="make and inspect molecular-dynamics training data")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    _add_simulate(data_sub)
    _add_campaign(data_sub)
    _add_synthetic(data_sub)
    _add_featurize(data_sub)
    _add_split(data_sub)
    _add_dihedral_prior(data_sub)
    _add_calpha_backbone(data_sub)
    return data


def _add_simulate(data_sub) -> None:
    p = data_sub.add_parser(
        "simulate", help="run OpenMM simulations of PDB/mmCIF files (resumable, several side by side)",
        description="Prepare each structure with PDBFixer (offline), minimize, equilibrate and run production "
                    "at every temperature and seed. Writes heavy-atom XTC trajectories and manifest.jsonl in --out. "
                    "Re-running the same command resumes interrupted runs and skips finished ones.",
    )
    p.add_argument("structures", nargs="+", type=Path, help="PDB or mmCIF files (.gz allowed)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--temperatures", type=float, nargs="+", default=[300.0], help="kelvin (default 300)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="one run per seed (default 0)")
    p.add_argument("--solvent", choices=SOLVENTS, default="obc", help="obc implicit (default) or tip3p explicit")
    p.add_argument("--production-ps", type=float, default=1000.0, help="production length per run (default 1000)")
    p.add_argument("--equilibration-ps", type=float, default=100.0, help="default 100")
    p.add_argument("--stride-ps", type=float, default=10.0, help="time between saved frames (default 10)")
    p.add_argument("--checkpoint-ps", type=float, default=100.0, help="time between checkpoints (default 100)")
    p.add_argument("--timestep-fs", type=float, default=4.0, help="default 4 (with hydrogen-mass repartitioning)")
    p.add_argument("--platform", choices=PLATFORMS, default="auto", help="auto: CUDA if usable, else CPU")
    p.add_argument("--workers", type=int, default=1, help="runs side by side, one process each (default 1)")
    p.add_argument("--threads", type=int, default=1, help="CPU threads per run (default 1)")
    p.add_argument("--devices", type=int, nargs="*", default=[], help="GPU indices to spread runs over")
    p.set_defaults(func=simulate_command)


def simulate_command(args: argparse.Namespace) -> int:
    """Run the batch described by the parsed arguments; exit status 1 if any run failed."""
    from trajgen.engine.md import run_batch

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    base = dict(
        solvent=args.solvent, production_ps=args.production_ps, equilibration_ps=args.equilibration_ps,
        report_interval_ps=args.stride_ps, checkpoint_interval_ps=args.checkpoint_ps,
        timestep_fs=args.timestep_fs, platform=args.platform, cpu_threads=args.threads,
    )
    batch = BatchConfig(
        pdb_paths=list(args.structures), out_dir=args.out, temperatures_K=tuple(args.temperatures),
        seeds=tuple(args.seeds), workers=args.workers, base=base,
    )
    rows, failures = run_batch(batch, devices=tuple(args.devices))
    print(f"{len(rows)} runs finished, {len(failures)} failed; manifest: {args.out / 'manifest.jsonl'}")
    for run_id, error in failures.items():
        print(f"  {run_id}: {error}")
    return 1 if failures else 0


def _add_screen_options(p) -> None:
    """The held-out screen and size limit that every command making training data applies."""
    p.add_argument("--heldout", type=Path, required=True, help="FASTA of proteins whose relatives never train")
    p.add_argument("--max-residues", type=int, default=400, help="larger structures are left out (default 400)")


def _add_campaign(data_sub) -> None:
    p = data_sub.add_parser(
        "campaign", help="grow the MD training set unattended: short runs of every candidate, long runs of the smallest",
        description="Screen the structures against the held-out set (relatives are refused), then run the campaign "
                    "plan (trajgen.engine.md.campaign: smallest proteins first, every temperature, tiers short and "
                    "long) until it is done or --hours pass. Finished runs are skipped, interrupted ones resume; "
                    "start one process per free core with the same arguments and they share the plan.",
    )
    p.add_argument("structures", nargs="*", type=Path, help="PDB or mmCIF files (.gz allowed)")
    p.add_argument("--out", type=Path, required=True, help="output folder (the repository keeps data/md)")
    p.add_argument("--temperatures", type=float, nargs="+", default=[300.0, 350.0], help="kelvin (default 300 350)")
    p.add_argument("--tiers", nargs="+", default=["short", "long"], help="campaign tiers, in order (default short long)")
    _add_screen_options(p)
    p.add_argument("--hours", type=float, default=None, help="stop cleanly after this many hours (default: no limit)")
    p.add_argument("--platform", choices=PLATFORMS, default="auto", help="auto: CUDA if usable, else CPU")
    p.add_argument("--threads", type=int, default=1, help="CPU threads of this process (default 1)")
    p.add_argument("--report", action="store_true", help="only print what --out holds (totals, ns/day table)")
    p.set_defaults(func=campaign_command)


def campaign_command(args: argparse.Namespace) -> int:
    """Run the campaign (or report on it); exit status 1 if a run failed now, 2 if nothing could run."""
    import time

    from trajgen.engine.errors import TrajgenError
    from trajgen.engine.md.campaign import CampaignConfig, run_campaign, summary, yield_table
    from trajgen.engine.md.manifest import finished_rows

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if not args.report:
        config = CampaignConfig(
            structures=tuple(args.structures), out_dir=args.out, heldout_fasta=args.heldout,
            temperatures_K=tuple(args.temperatures), tiers=tuple(args.tiers), max_residues=args.max_residues,
            stop_at=None if args.hours is None else time.time() + 3600.0 * args.hours,
            platform=args.platform, cpu_threads=args.threads,
        )
        try:
            result = run_campaign(config)
        except TrajgenError as exc:
            print(exc)
            return 2
        for line in result.refused:
            print(f"refused {line}")
        print(f"{len(result.finished)} runs finished now, {len(result.already_done)} were done, "
              f"{len(result.busy)} held by other processes, {len(result.stopped)} stopped at the deadline "
              f"(resumable), {len(result.failed)} failed")
        for run_id, error in result.failed.items():
            print(f"  {run_id}: {error}")
    rows = finished_rows(args.out)
    print(json.dumps(summary(rows)))
    print(yield_table(rows))
    if args.report:
        from trajgen.engine.evaluate.temperature import ratio_table, temperature_pairs

        print("\nMotion added by temperature (same protein and plan at both temperatures):")
        print(ratio_table(temperature_pairs(args.out, rows)))
    new_failures = [] if args.report else [e for e in result.failed.values() if not e.startswith("earlier: ")]
    return 1 if new_failures else 0


def _add_synthetic(data_sub) -> None:
    from trajgen.engine.dataset.synthetic import SyntheticConfig

    p = data_sub.add_parser(
        "synthetic", help="write elastic-network (ENM) trajectories as synthetic pretraining data",
        description="Run the ENM baseline on every structure at every frame spacing and temperature and write "
                    "one cache file each, labelled synthetic (backbone frames and omega/phi/psi train; the rigid "
                    "ENM side chains do not). Name the folder in a training config's [data] synthetic. "
                    "Held-out relatives are refused; files already written are kept.",
    )
    p.add_argument("structures", nargs="+", type=Path, help="PDB or mmCIF files (.gz allowed)")
    p.add_argument("--out", type=Path, required=True, help="cache folder for the synthetic files")
    p.add_argument("--intervals-ps", type=float, nargs="+", default=list(SyntheticConfig.intervals_ps),
                   help="frame spacings in ps (default 1 10 100 1000 10000)")
    p.add_argument("--temperatures", type=float, nargs="+", default=[300.0, 350.0], help="kelvin (default 300 350)")
    p.add_argument("--frames", type=int, default=64, help="frames per trajectory (default 64)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="one trajectory per seed (default 0)")
    _add_screen_options(p)
    p.set_defaults(func=synthetic_command)


def synthetic_command(args: argparse.Namespace) -> int:
    """Write the synthetic cache; exit status 2 when every structure was refused."""
    from trajgen.engine.dataset.synthetic import SyntheticConfig, write_synthetic
    from trajgen.engine.errors import TrajgenError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        config = SyntheticConfig(intervals_ps=tuple(args.intervals_ps), temperatures_K=tuple(args.temperatures),
                                 n_frames=args.frames, seeds=tuple(args.seeds), max_residues=args.max_residues)
        written, refused = write_synthetic(list(args.structures), args.out, config, args.heldout)
    except TrajgenError as exc:
        print(exc)
        return 2
    for line in refused:
        print(f"refused {line}")
    print(f"{len(written)} synthetic trajectories in {args.out}")
    return 0 if written else 2


def _add_featurize(data_sub) -> None:
    p = data_sub.add_parser(
        "featurize", help="convert trajectories once to backbone frames + torsions (npz cache)",
        description="Read trajgen simulation folders, ATLAS folders and mdCATH files and write one .npz per "
                    "trajectory replica into --out (frames, torsions, masks, stride and temperature). "
                    "Trajectories already cached are skipped.",
    )
    p.add_argument("--manifest", type=Path, nargs="*", default=[], help="trajgen simulation folders")
    p.add_argument("--atlas", type=Path, nargs="*", default=[], help="folders of {name}.pdb + _prod_R*_fit.xtc")
    p.add_argument("--mdcath", type=Path, nargs="*", default=[], help="mdCATH .h5 files")
    p.add_argument("--public-md", type=Path, nargs="*", default=[],
                   help="shared/data/public_md folders: all-atom systems, screened against the heldout.fasta beside them")
    p.add_argument("--out", type=Path, required=True, help="cache folder")
    p.add_argument("--max-frames", type=int, default=None, help="keep at most this many frames per replica")
    p.set_defaults(func=featurize_command)


def featurize_command(args: argparse.Namespace) -> int:
    """Build the feature cache of every listed source; exit status 2 when nothing was listed."""
    from trajgen.engine.dataset.atlas import atlas_refs
    from trajgen.engine.dataset.features import FeatureConfig, build_cache
    from trajgen.engine.dataset.mdcath import mdcath_refs
    from trajgen.engine.dataset.ours import manifest_refs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    refs = [r for d in args.manifest for r in manifest_refs(d)] + [r for d in args.atlas for r in atlas_refs(d)]
    refs += [r for f in args.mdcath for r in mdcath_refs(f)]
    if args.public_md:
        from trajgen.engine.dataset.public_md import public_md_refs, public_md_skipped

        for folder in args.public_md:
            refs += public_md_refs(folder)
            for name, reason in public_md_skipped(folder):
                print(f"public_md {name} skipped: {reason}")
    if not refs:
        print("No trajectories found: name --manifest, --atlas, --mdcath or --public-md sources.")
        return 2
    paths = build_cache(refs, args.out, FeatureConfig(max_frames=args.max_frames))
    print(f"{len(paths)} trajectories cached in {args.out}")
    return 0


def _add_split(data_sub) -> None:
    p = data_sub.add_parser(
        "split", help="train/validation split by sequence identity, excluding relatives of held-out proteins",
        description="Proteins >= --threshold identical (end-gap-free global alignment, BLOSUM62, identities over "
                    "the shorter sequence) to any held-out sequence are excluded; the rest is clustered at the "
                    "same threshold and whole clusters go to validation. Writes JSON.",
    )
    p.add_argument("structures", nargs="*", type=Path, help="PDB/mmCIF files (name = file stem)")
    p.add_argument("--manifest", type=Path, nargs="*", default=[], help="trajgen simulation folders")
    p.add_argument("--heldout", type=Path, required=True, help="FASTA of proteins that must never train")
    p.add_argument("--out", type=Path, required=True, help="split JSON to write")
    p.add_argument("--threshold", type=float, default=0.40)
    p.add_argument("--val-fraction", type=float, default=0.10)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=split_command)


def _sequences(structures: list[Path], manifests: list[Path]) -> dict[str, str]:
    from trajgen.engine.md.manifest import read_manifest
    from trajgen.engine.structure import load_protein

    sequences = {path.name.split(".")[0]: load_protein(path).sequence for path in structures}
    for folder in manifests:
        sequences.update({row["protein"]: row["sequence"] for row in read_manifest(folder)})
    return sequences


def split_command(args: argparse.Namespace) -> int:
    """Write {"train", "val", "excluded", "config"} as JSON; print a one-line summary."""
    from trajgen.engine.dataset.splits import SplitConfig, read_fasta, split_by_identity

    config = SplitConfig(threshold=args.threshold, val_fraction=args.val_fraction, seed=args.seed)
    split = split_by_identity(_sequences(args.structures, args.manifest), read_fasta(args.heldout), config)
    payload = {
        "train": split.train, "val": split.val,
        "excluded": {k: {"heldout": v[0], "identity": round(v[1], 3)} for k, v in split.excluded.items()},
        "config": {"threshold": args.threshold, "val_fraction": args.val_fraction, "seed": args.seed,
                   "heldout": str(args.heldout)},
    }
    args.out.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"train {len(split.train)}, validation {len(split.val)}, excluded {len(split.excluded)} -> {args.out}")
    return 0


def _add_dihedral_prior(data_sub) -> None:
    p = data_sub.add_parser(
        "dihedral-prior", help="(phi, psi) and chi1 densities of the MD cache, for the relaxation of generated frames",
        description="Bin the backbone (phi, psi) dihedrals (general, glycine, proline, pre-proline residues) and "
                    "the chi1 angles (per residue type) of featurized MD files and write the smoothed densities "
                    "with their disallowed limits (the density of the --percentile-th percentile point). Files of "
                    "relatives of held-out proteins are left out.",
    )
    p.add_argument("cache", nargs="+", type=Path, help="featurized MD files (.npz, trajgen data featurize)")
    p.add_argument("--heldout", type=Path, required=True, help="FASTA of proteins whose relatives never train")
    p.add_argument("--out", type=Path, required=True, help="prior to write (.npz)")
    p.add_argument("--percentile", type=float, default=5.0,
                   help="training points below this percentile of density lie in disallowed regions (default 5)")
    p.add_argument("--max-frames", type=int, default=100, help="evenly spaced frames per file (default 100)")
    p.set_defaults(func=dihedral_prior_command)


def dihedral_prior_command(args: argparse.Namespace) -> int:
    from trajgen.engine.dataset.splits import read_fasta
    from trajgen.engine.rollout.dihedral_prior import prior_from_cache

    try:
        prior, used, excluded = prior_from_cache(args.cache, read_fasta(args.heldout), args.max_frames,
                                                 args.percentile)
    except ValueError as exc:
        print(exc)
        return 2
    for name, (ref, ident) in sorted(excluded.items()):
        print(f"left out {name}: {ident:.0%} identical to held-out {ref}")
    prior.save(args.out)
    names = ("general", "glycine", "proline", "pre-proline")
    counts = ", ".join(f"{n} {int(c)}" for n, c in zip(names, prior.rama_n))
    print(f"wrote {args.out} from {len(used)} MD files ((phi, psi) points: {counts})")
    return 0


def _add_calpha_backbone(data_sub) -> None:
    p = data_sub.add_parser(
        "calpha-backbone", help="fit the placement of backbone N and C on a Calpha trace (for Calpha-only inputs)",
        description="Least-squares fit of each residue's N and C in the local frame of its Calpha neighbours, "
                    "from the chains of real structures; every fifth chain is held apart to report the error. "
                    "Relatives of held-out proteins are left out.",
    )
    p.add_argument("structures", nargs="+", type=Path, help="PDB or mmCIF files with full backbones")
    p.add_argument("--heldout", type=Path, required=True, help="FASTA of proteins whose relatives never train")
    p.add_argument("--out", type=Path, required=True, help="model to write (.npz)")
    p.set_defaults(func=calpha_backbone_command)


def calpha_backbone_command(args: argparse.Namespace) -> int:
    from trajgen.engine.dataset.splits import read_fasta
    from trajgen.engine.structure.calpha import fit_from_files, save_backbone_model

    try:
        model, rmsd, count, excluded = fit_from_files(args.structures, read_fasta(args.heldout))
    except ValueError as exc:
        print(exc)
        return 2
    for name, (ref, ident) in sorted(excluded.items()):
        print(f"left out {name}: {ident:.0%} identical to held-out {ref}")
    save_backbone_model(args.out, model, rmsd, count)
    print(f"wrote {args.out} from {count} residues; N and C error on held-apart chains {rmsd:.2f} A RMS")
    return 0
