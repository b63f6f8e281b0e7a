"""Training data from MD trajectories (numpy + mdtraj; h5py only for mdCATH, torch only in torch_dataset).

- ``ours.manifest_refs``, ``atlas.atlas_refs``, ``mdcath.mdcath_refs``: list trajectories (``TrajectoryRef``).
- ``features.build_cache``: convert each once to backbone frames + torsions (``.npz``).
- ``windows.WindowSampler``: training windows (B, T, L, ...) with log-uniform strides, crops, labels.
- ``torch_dataset.WindowDataset``: the same as a seeded ``torch.utils.data.Dataset``.
- ``alignment.align`` / ``splits.split_by_identity``: held-out-safe splits by sequence identity.
- ``candidates``: structures to simulate and their screen against the held-out set.
"""
