"""Shared test fixtures: paths to the real structures and MD next to the repository (../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PFAM40 = SHARED / "data" / "structures" / "pfam40"
REFERENCE = SHARED / "data" / "reference"

# Run inside a real ChimeraX session by tests/test_chimerax.py, not by this interpreter.
collect_ignore = ["chimerax"]


def missing(reason: str) -> None:
    """Skip the test for a missing optional dependency, except under CI (``CI`` set), where
    .ci/setup.sh installs every dependency and a missing one must fail, not pass silently."""
    import os

    if os.environ.get("CI"):
        pytest.fail(f"{reason}, but under CI .ci/setup.sh must have installed it", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require(module: str, reason: str):
    """``import module``, or ``missing(reason)`` when it is not installed."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        missing(reason)


def pfam40_files() -> list[Path]:
    """The 40 real single-chain X-ray domains (sorted by name)."""
    return sorted(PFAM40.glob("*.pdb"))


@pytest.fixture(scope="session")
def example_pdb() -> Path:
    from trajgen.engine.assets import example_structure

    return example_structure()
