"""Autoregressive rollout in numpy: KV cache, per-frame sampler, single-level and hierarchical.

No torch import here: the network is reached through a backend (``trajgen.engine.backends``).
"""
