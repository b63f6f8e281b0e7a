"""PNG figures of an evaluation (matplotlib, Agg backend; the optional ``eval`` extra).

Each function draws one figure for one target from the ``PairResult``s of several methods
that share the same reference, and returns the file it wrote. Figures are small (< 200 kB).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trajgen.engine.errors import TrajgenError
from trajgen.engine.evaluate.compare import PairResult
from trajgen.engine.evaluate.validity import validity_vs_time

COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple")
DPI = 90


def _pyplot():
    try:
        import matplotlib
    except ImportError as exc:
        raise TrajgenError("Plots need matplotlib: install trajgen with the 'eval' extra "
                           "(pip install 'trajgen[eval]').") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    _pyplot().close(fig)
    return path


def plot_rmsf(results: list[PairResult], path: Path) -> Path:
    """Calpha RMSF per residue: the MD reference and every method."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    ref = results[0].curves["rmsf_ca_ref"]
    ax.plot(np.arange(1, len(ref) + 1), ref, color="black", lw=2, label="MD reference")
    for color, res in zip(COLORS, results):
        ax.plot(np.arange(1, len(ref) + 1), res.curves["rmsf_ca_gen"], color=color, lw=1.3, label=res.method)
    ax.set(xlabel="residue", ylabel="Cα RMSF (Å)", title=f"{results[0].target}: RMSF profile")
    ax.legend(fontsize=8, frameon=False)
    return _save(fig, path)


def plot_pca(results: list[PairResult], path: Path) -> Path:
    """Density of each method in the MD's top-2 PCA plane, over the MD density (grey)."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(results), figsize=(3.2 * len(results), 3.0), squeeze=False,
                             sharex=True, sharey=True)
    ref = results[0].curves["pca_ref"]
    for ax, color, res in zip(axes[0], COLORS, results):
        ax.hist2d(ref[:, 0], ref[:, 1], bins=15, cmap="Greys", cmin=1)
        gen = res.curves["pca_gen"]
        ax.scatter(gen[:, 0], gen[:, 1], s=3, color=color, alpha=0.5, linewidths=0)
        ax.set(title=f"{res.method}", xlabel="MD PC1 (Å)")
    axes[0][0].set_ylabel("MD PC2 (Å)")
    fig.suptitle(f"{results[0].target}: PCA plane (grey: MD reference)", fontsize=10)
    return _save(fig, path)


def plot_validity(results: list[PairResult], path: Path, n_windows: int = 10) -> Path:
    """Share of valid frames in consecutive windows against simulated time (ns)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 2.8))
    for color, res in zip(COLORS, results):
        valid = res.validity.valid
        share = validity_vs_time(valid, n_windows)
        windows = np.array_split(res.curves["time_gen_ps"] / 1000.0, len(share))
        centers = [w.mean() for w in windows]
        ax.plot(centers, share, marker="o", ms=3, color=color, label=res.method)
    ax.set(xlabel="simulated time (ns)", ylabel="valid frames", ylim=(-0.05, 1.05),
           title=f"{results[0].target}: validity against time")
    ax.legend(fontsize=8, frameon=False)
    return _save(fig, path)


def plot_dynamics(results: list[PairResult], path: Path) -> Path:
    """Autocorrelation of MD PC1 and tIC1, and Calpha RMSD against lag time (log time axes)."""
    plt = _pyplot()
    from matplotlib.ticker import NullFormatter

    fig, axes = plt.subplots(1, 3, figsize=(9.6, 2.9))
    first = results[0].curves
    panels = (("acf_pc1", "autocorrelation of MD PC1"), ("acf_tic1", "autocorrelation of MD tIC1"),
              ("rmsd_lag", "Cα RMSD at lag (Å)"))
    for ax, (key, label) in zip(axes, panels):
        ax.plot(first[f"{key}_ref_t"][1:], first[f"{key}_ref"][1:], color="black", lw=2, label="MD reference")
        for color, res in zip(COLORS, results):
            ax.plot(res.curves[f"{key}_gen_t"][1:], res.curves[f"{key}_gen"][1:], color=color, lw=1.3,
                    label=res.method)
        ax.set(xscale="log", xlabel="lag (ps)", title=label)
        ax.xaxis.set_minor_formatter(NullFormatter())  # short ranges would label every minor tick
        ax.title.set_fontsize(9)
    axes[0].axhline(1 / np.e, color="grey", lw=0.8, ls=":")
    axes[1].axhline(1 / np.e, color="grey", lw=0.8, ls=":")
    axes[0].legend(fontsize=7, frameon=False)
    fig.suptitle(f"{results[0].target}: dynamics", fontsize=10)
    return _save(fig, path)


def plot_all(results: list[PairResult], out_dir: Path) -> list[Path]:
    """All four figures of one target into ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = results[0].target
    return [plot_rmsf(results, out_dir / f"{stem}_rmsf.png"), plot_pca(results, out_dir / f"{stem}_pca.png"),
            plot_validity(results, out_dir / f"{stem}_validity.png"),
            plot_dynamics(results, out_dir / f"{stem}_dynamics.png")]
