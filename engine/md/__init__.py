"""Molecular-dynamics data generation with OpenMM (optional dependency: ``pip install trajgen[md]``).

``run_simulation(SimulationConfig)`` runs one protein at one temperature; ``run_batch`` runs
many side by side; both resume after interruption and skip finished runs.
"""

from trajgen.engine.md.config import BatchConfig, SimulationConfig

__all__ = ["BatchConfig", "SimulationConfig", "run_batch", "run_simulation"]


def run_simulation(config: SimulationConfig, should_stop=None) -> dict | None:
    """Run one simulation (see ``trajgen.engine.md.runner``); OpenMM is imported here, lazily."""
    from trajgen.engine.md.runner import run_simulation as _run

    return _run(config, should_stop)


def run_batch(batch: BatchConfig, devices: tuple[int, ...] = ()):
    """Run a batch of simulations (see ``trajgen.engine.md.batch``)."""
    from trajgen.engine.md.batch import run_batch as _run

    return _run(batch, devices)
