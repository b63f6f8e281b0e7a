"""The manifest of a simulation folder: one JSON line per finished run.

Every finished run leaves ``{run_id}.row.json``; ``manifest.jsonl`` is rebuilt from those
files (sorted by run id, written atomically), so concurrent or resumed runs never lose a
row and rebuilding twice gives the same file.
"""

from __future__ import annotations

import json
from pathlib import Path

from trajgen.engine.errors import TrajgenError
from trajgen.engine.md.files import write_atomic

MANIFEST_NAME = "manifest.jsonl"


def rebuild_manifest(out_dir: Path) -> Path:
    """Collect every finished run's row in ``out_dir`` into ``manifest.jsonl``; return its path."""
    out_dir = Path(out_dir)
    rows = sorted(finished_rows(out_dir), key=lambda r: r["run_id"])
    path = out_dir / MANIFEST_NAME
    write_atomic(path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))
    return path


def finished_rows(out_dir: Path) -> list[dict]:
    """Rows of every finished run of ``out_dir``, read from their ``.row.json`` files (the
    manifest may be mid-rebuild while a campaign runs)."""
    return [json.loads(p.read_text()) for p in sorted(Path(out_dir).glob("*.row.json"))]


def read_manifest(path: Path) -> list[dict]:
    """Rows of a manifest file (a ``manifest.jsonl`` or the folder holding one)."""
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    if not path.exists():
        raise TrajgenError(f"No simulation manifest at {path}; run 'trajgen data simulate' first.")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
