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


def pfam40_files() -> list[Path]:
    """The 40 real single-chain X-ray domains (sorted by name)."""
    return sorted(PFAM40.glob("*.pdb"))


@pytest.fixture(scope="session")
def example_pdb() -> Path:
    from trajgen.engine.assets import example_structure

    return example_structure()
