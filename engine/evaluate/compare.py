"""All metrics of one generated ensemble against one reference MD ensemble.

``evaluate_pair`` returns a ``PairResult``: scalar metrics (JSON-ready, nan where a metric
cannot be computed, with the reason in ``skipped``) and the curves the plots need.
``aggregate`` combines results of several targets for one method (the ATLAS set-level numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from trajgen.engine.evaluate import contacts as ct
from trajgen.engine.evaluate import dynamics as dyn
from trajgen.engine.evaluate import fidelity as fid
from trajgen.engine.evaluate.coverage import coverage
from trajgen.engine.evaluate.ensemble import Ensemble
from trajgen.engine.evaluate.dihedrals import ramachandran_model, rotamer_model
from trajgen.engine.evaluate.validity import FrameValidity, ValidityConfig, frame_validity


@dataclass(frozen=True)
class EvalConfig:
    """Settings of one evaluation (all deterministic for ``seed``)."""

    seed: int = 0
    n_features: int = 5            # reference PCA components used as tICA / VAMP-2 features
    tica_lag_fraction: float = 0.02  # tICA / VAMP lag as a share of the longest reference run
    n_rmsd_lags: int = 20
    contacts: ct.ContactConfig = field(default_factory=ct.ContactConfig)
    validity: ValidityConfig = field(default_factory=ValidityConfig)


@dataclass
class PairResult:
    """Metrics of ``method`` on ``target``: scalars, skip reasons, curves and validity flags."""

    target: str
    method: str
    metrics: dict[str, float]
    skipped: list[str]
    curves: dict[str, np.ndarray]
    validity: FrameValidity


def evaluate_pair(gen: Ensemble, ref: Ensemble, start: np.ndarray, target: str, method: str,
                  config: EvalConfig = EvalConfig()) -> PairResult:
    """Compare ``gen`` with ``ref`` (same atoms, superposed on ``start`` (N, 3) Angstrom)."""
    metrics: dict[str, float] = {}
    skipped: list[str] = []
    curves: dict[str, np.ndarray] = {}
    _ensemble_metrics(gen, ref, config, metrics, curves)
    _contact_metrics(gen, ref, start, config, metrics, skipped)
    _dynamics_metrics(gen, ref, config, metrics, curves, skipped)
    rama, rotamer = ramachandran_model(ref), rotamer_model(ref)
    validity = frame_validity(gen, start, rama, rotamer, config.validity)
    curves["time_gen_ps"] = np.arange(gen.n_frames) * gen.timestep_ps
    metrics.update(validity.summary())
    metrics["valid_fraction_ref"] = float(frame_validity(ref, start, rama, rotamer, config.validity).valid.mean())
    skipped.extend(validity.notes)
    return PairResult(target, method, metrics, skipped, curves, validity)


def _ensemble_metrics(gen: Ensemble, ref: Ensemble, config: EvalConfig, metrics: dict, curves: dict) -> None:
    gen_ca, ref_ca = gen.ca_xyz, ref.ca_xyz
    rmsf_gen, rmsf_ref = fid.rmsf(gen.xyz), fid.rmsf(ref.xyz)
    rmwd = fid.rmwd(gen.xyz, ref.xyz)
    pca = fid.fit_pca(ref_ca, 2)
    cov = coverage(pca.project(gen_ca), pca.project(ref_ca))
    metrics.update({
        "pairwise_rmsd_gen_A": fid.pairwise_rmsd(gen_ca), "pairwise_rmsd_ref_A": fid.pairwise_rmsd(ref_ca),
        "rmsf_pearson": fid.pearson(rmsf_gen, rmsf_ref),
        "rmsf_mean_gen_A": float(rmsf_gen.mean()), "rmsf_mean_ref_A": float(rmsf_ref.mean()),
        "rmwd_A": rmwd.total, "rmwd_translation_A": rmwd.translation, "rmwd_variance_A": rmwd.variance,
        "md_pca_w2_A": fid.md_pca_w2(gen_ca, ref_ca, config.seed),
        "joint_pca_w2_A": fid.joint_pca_w2(gen_ca, ref_ca, config.seed),
        "pc_sim": fid.pc_sim(gen_ca, ref_ca), "coverage_jsd": cov.jsd, "coverage_recall": cov.recall,
    })
    curves.update({"rmsf_gen": rmsf_gen, "rmsf_ref": rmsf_ref,
                   "rmsf_ca_gen": fid.rmsf(gen_ca), "rmsf_ca_ref": fid.rmsf(ref_ca),
                   "pca_gen": pca.project(gen_ca), "pca_ref": pca.project(ref_ca)})


def _contact_metrics(gen: Ensemble, ref: Ensemble, start: np.ndarray, config: EvalConfig,
                     metrics: dict, skipped: list) -> None:
    start_ca = start[ref.ca_indices]
    weak_g, trans_g = ct.contact_sets(gen.ca_xyz, start_ca, config.contacts)
    weak_r, trans_r = ct.contact_sets(ref.ca_xyz, start_ca, config.contacts)
    metrics["weak_contact_jaccard"] = ct.jaccard(weak_g, weak_r)
    metrics["transient_contact_jaccard"] = ct.jaccard(trans_g, trans_r)
    if not ct.has_side_chains(ref.topology):
        metrics["exposed_residue_jaccard"] = float("nan")
        skipped.append("Exposed-residue Jaccard skipped: the structure has no side-chain atoms.")
        return
    start_traj = Ensemble(start[None], ref.topology, 1.0, "start").to_mdtraj()
    exp_g = ct.exposed_residues(gen.to_mdtraj(), start_traj, config.contacts)
    exp_r = ct.exposed_residues(ref.to_mdtraj(), start_traj, config.contacts)
    metrics["exposed_residue_jaccard"] = ct.jaccard(exp_g, exp_r)


def _acf_curve(series: np.ndarray, ens: Ensemble) -> tuple[np.ndarray, np.ndarray]:
    acf = dyn.autocorrelation(series, max(ens.runs) // 2, ens.runs)
    return np.arange(len(acf)) * ens.timestep_ps, acf


def _dynamics_metrics(gen: Ensemble, ref: Ensemble, config: EvalConfig, metrics: dict, curves: dict,
                      skipped: list) -> None:
    k = max(1, min(config.n_features, ref.n_frames - 2, 3 * len(ref.ca_indices)))
    pca = fid.fit_pca(ref.ca_xyz, k)
    feat_gen, feat_ref = pca.project(gen.ca_xyz), pca.project(ref.ca_xyz)
    lag = max(1, int(round(config.tica_lag_fraction * max(ref.runs))))
    tica = dyn.fit_tica(feat_ref, lag, 1, ref.runs)
    for name, fg, fr in (("pc1", feat_gen[:, 0], feat_ref[:, 0]),
                         ("tic1", tica.transform(feat_gen)[:, 0], tica.transform(feat_ref)[:, 0])):
        t_g, a_g = _acf_curve(fg, gen)
        t_r, a_r = _acf_curve(fr, ref)
        curves.update({f"acf_{name}_gen_t": t_g, f"acf_{name}_gen": a_g,
                       f"acf_{name}_ref_t": t_r, f"acf_{name}_ref": a_r})
        metrics[f"decorrelation_{name}_gen_ps"] = dyn.decorrelation_time(a_g, gen.timestep_ps)
        metrics[f"decorrelation_{name}_ref_ps"] = dyn.decorrelation_time(a_r, ref.timestep_ps)
        metrics[f"acf_{name}_deviation"] = _mean_gap(dyn.resample_curve(t_g, a_g, t_r), a_r)
    _rmsd_lag_metrics(gen, ref, config, metrics, curves)
    lag_ps = lag * ref.timestep_ps
    metrics["vamp_lag_ps"] = lag_ps
    metrics["vamp2_ref"] = dyn.vamp2(feat_ref, lag, lengths=ref.runs)
    gen_lag = lag_ps / gen.timestep_ps
    if abs(gen_lag - round(gen_lag)) > 1e-6 or round(gen_lag) < 1 or max(gen.runs) < round(gen_lag) + 2 * k:
        metrics["vamp2_gen"] = float("nan")
        skipped.append(f"VAMP-2 of the generated trajectory skipped: no whole-frame lag of {lag_ps:g} ps "
                       "or too few frames.")
    else:
        metrics["vamp2_gen"] = dyn.vamp2(feat_gen, int(round(gen_lag)), lengths=gen.runs)


def _rmsd_lag_metrics(gen: Ensemble, ref: Ensemble, config: EvalConfig, metrics: dict, curves: dict) -> None:
    for side, ens in (("gen", gen), ("ref", ref)):
        lags = np.unique(np.geomspace(1, max(1, max(ens.runs) // 2), config.n_rmsd_lags).astype(int))
        curves[f"rmsd_lag_{side}_t"] = lags * ens.timestep_ps
        curves[f"rmsd_lag_{side}"] = dyn.rmsd_vs_lag(ens.ca_xyz, lags, ens.runs)
    on_ref = dyn.resample_curve(curves["rmsd_lag_gen_t"], curves["rmsd_lag_gen"], curves["rmsd_lag_ref_t"])
    metrics["rmsd_lag_deviation_A"] = _mean_gap(on_ref, curves["rmsd_lag_ref"])


def _mean_gap(a: np.ndarray, b: np.ndarray) -> float:
    """Mean |a - b| where both curves are defined; nan when they share no lag."""
    gap = np.abs(a - b)
    gap = gap[np.isfinite(gap)]
    return float(gap.mean()) if gap.size else float("nan")


def aggregate(results: list[PairResult]) -> dict[str, float]:
    """Set-level numbers of one method: global RMSF r (atoms pooled), median per-target RMSF r,
    pairwise-RMSD r across targets (nan below 3 targets), and medians of the other scalars."""
    out: dict[str, float] = {}
    if not results:
        return out
    out["global_rmsf_pearson"] = fid.pearson(np.concatenate([r.curves["rmsf_gen"] for r in results]),
                                             np.concatenate([r.curves["rmsf_ref"] for r in results]))
    if len(results) >= 3:
        out["pairwise_rmsd_pearson"] = fid.pearson([r.metrics["pairwise_rmsd_gen_A"] for r in results],
                                                   [r.metrics["pairwise_rmsd_ref_A"] for r in results])
    else:
        out["pairwise_rmsd_pearson"] = float("nan")
    for key in results[0].metrics:
        values = np.array([r.metrics.get(key, np.nan) for r in results], float)
        out[f"median_{key}"] = float(np.nanmedian(values)) if np.isfinite(values).any() else float("nan")
    out["pc_sim_success_fraction"] = float(np.mean([r.metrics["pc_sim"] > 0.5 for r in results]))
    return out
