"""Many simulation runs side by side, one process per worker.

On CPU every worker runs single-threaded (two one-thread runs give more total ns/day than
one two-thread run); on GPUs workers are spread over ``devices`` round-robin, several per
device when there are more workers than GPUs. Each run is independent and resumable, so
re-running the same batch finishes what was interrupted and skips what is done.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

from trajgen.engine.md.config import BatchConfig, SimulationConfig
from trajgen.engine.md.manifest import rebuild_manifest
from trajgen.engine.md.runner import run_simulation

log = logging.getLogger(__name__)


def _run_one(config: SimulationConfig) -> tuple[str, dict | None, str | None]:
    try:
        return config.run_id, run_simulation(config), None
    except Exception as exc:  # noqa: BLE001 - one failing protein must not stop the others
        return config.run_id, None, f"{type(exc).__name__}: {exc}"


def _assign_devices(runs: list[SimulationConfig], devices: tuple[int, ...]) -> list[SimulationConfig]:
    if not devices:
        return runs
    return [replace(r, device_index=devices[i % len(devices)]) for i, r in enumerate(runs)]


def run_batch(batch: BatchConfig, devices: tuple[int, ...] = ()) -> tuple[list[dict], dict[str, str]]:
    """Run every (protein, temperature, seed); return (manifest rows, {run_id: error message}).

    The folder's ``manifest.jsonl`` is rebuilt at the end, failed runs excluded.
    """
    runs = _assign_devices(batch.runs(), devices)
    rows, failures = [], {}
    if batch.workers <= 1:
        results = map(_run_one, runs)
        rows, failures = _collect(results)
    else:
        ctx = multiprocessing.get_context("spawn")  # no inherited OpenMM/CUDA state
        with ProcessPoolExecutor(max_workers=batch.workers, mp_context=ctx) as pool:
            rows, failures = _collect(pool.map(_run_one, runs))
    rebuild_manifest(batch.out_dir)
    return rows, failures


def _collect(results) -> tuple[list[dict], dict[str, str]]:
    rows, failures = [], {}
    for run_id, row, error in results:
        if error is None:
            rows.append(row)
            log.info("%s finished (%s ns/day)", run_id, row["ns_per_day"])
        else:
            failures[run_id] = error
            log.error("%s failed: %s", run_id, error)
    return rows, failures
