"""Files shipped with trajgen: the example protein and (later) the default model weights."""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).resolve().parent


def example_structure() -> Path:
    """Path of the bundled example protein: 1GUU chain A, a 50-residue Myb DNA-binding repeat (X-ray).

    From the Kortemme Lab 'covariation' collection of Pfam domains (MIT license, see README.md here).
    """
    return ASSETS / "1GUU_A.pdb"
