"""Multi-model PDB writer: one ``MODEL`` ... ``ENDMDL`` block per frame, ``END`` at close.

Coordinates are Angstrom with three decimals (the format's precision, 1e-3 A) and must lie
within -999.999 .. 9999.999 A. The file carries its own topology, so no separate PDB is
written beside it. No time stamps: PDB has no field for them.
"""

from __future__ import annotations

import numpy as np

from trajgen.engine.trajio.pdb_records import PDBAtomLines, header_remark, model_record
from trajgen.engine.trajio.writer import TrajectoryWriter


class PDBWriter(TrajectoryWriter):
    """Streams frames into a multi-model ``.pdb`` file."""

    extension = ".pdb"
    writes_topology_pdb = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lines = PDBAtomLines(self.topology)

    def _header_bytes(self) -> bytes:
        return header_remark().encode("ascii")

    def _encode_frame(self, xyz_angstrom: np.ndarray, index: int) -> bytes:
        text = model_record(index + 1) + self._lines.format(xyz_angstrom) + "ENDMDL\n"
        return text.encode("ascii", errors="replace")

    def _footer_bytes(self) -> bytes:
        return b"END\n"
