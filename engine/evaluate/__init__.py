"""Evaluation suite: a generated trajectory against reference MD of the same protein.

Modules: ``ensemble`` (load, match atoms, superpose), ``fidelity`` (RMSF, pairwise RMSD,
RMWD, PCA), ``contacts`` (contact and exposure Jaccard), ``coverage`` (PCA-plane histograms),
``dynamics`` (autocorrelation, tICA, VAMP-2), ``validity`` (per-frame physicality),
``compare`` (all metrics of one pair), ``report`` and ``plots`` (Markdown, JSON, PNG),
``suite`` (the baselines on the reference trajectories). Guide: docs/evaluation.md.
"""
