"""Memory needed by a rollout, estimated before starting so too-big proteins are refused early."""

from __future__ import annotations

from trajgen.engine.model.config import ModelConfig

FLOAT = 4
OVERHEAD_BYTES = 400 * 2 ** 20  # interpreter, libraries, weights, runtime arenas


def rollout_bytes(cfg: ModelConfig, n_res: int, batch: int) -> int:
    """Peak bytes of one denoiser call on ``batch`` frames of ``n_res`` residues (plus cache, overhead).

    Dominated by the pair features and IPA attention maps, both quadratic in ``n_res``.
    """
    pair = batch * n_res ** 2 * (3 * cfg.d_pair + cfg.n_rbf + 16 + 4 * cfg.n_heads) * FLOAT
    tokens = batch * n_res * cfg.d_model * 40 * FLOAT
    cache = 2 * cfg.n_blocks * batch * cfg.n_slots * n_res * cfg.d_model * FLOAT
    return int(1.5 * (pair + tokens + 2 * cache)) + OVERHEAD_BYTES


def max_residues(cfg: ModelConfig, batch: int, available_bytes: int) -> int:
    """Largest protein (residues) whose rollout fits in ``available_bytes``."""
    lo, hi = 0, 200_000
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if rollout_bytes(cfg, mid, batch) <= available_bytes else (lo, mid - 1)
    return lo


def available_host_bytes() -> int | None:
    """Free memory reported by the operating system (Linux MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None
